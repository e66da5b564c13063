# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Application Auto Scaling calls for DynamoDB tables (private): each wrapped once, under one error
handler and ``_retry``'s retries."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import aws_retry


class AnsibleAutoScalingError(AnsibleAWSError):
    pass


class AutoScalingErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleAutoScalingError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ObjectNotFoundException")


@AutoScalingErrorHandler.list_error_handler("describe the table's auto scaling targets", default_value=[])
@aws_retry
def describe_scalable_targets(client, resource_id):
    return client.get_paginator("describe_scalable_targets").paginate(
        ServiceNamespace="dynamodb", ResourceIds=[resource_id]).build_full_result().get("ScalableTargets") or []


@AutoScalingErrorHandler.list_error_handler("describe the table's auto scaling policies", default_value=[])
@aws_retry
def describe_scaling_policies(client, resource_id):
    return client.get_paginator("describe_scaling_policies").paginate(
        ServiceNamespace="dynamodb", ResourceId=resource_id).build_full_result().get("ScalingPolicies") or []


@AutoScalingErrorHandler.common_error_handler("register the table's auto scaling target")
@aws_retry
def register_scalable_target(client, resource_id, dimension, low, high):
    client.register_scalable_target(ServiceNamespace="dynamodb", ResourceId=resource_id, ScalableDimension=dimension,
                                    MinCapacity=low, MaxCapacity=high)


@AutoScalingErrorHandler.common_error_handler("put the table's auto scaling policy")
@aws_retry
def put_scaling_policy(client, resource_id, dimension, metric, target):
    client.put_scaling_policy(
        PolicyName=f"{metric}:{resource_id}", ServiceNamespace="dynamodb", ResourceId=resource_id,
        ScalableDimension=dimension, PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": float(target),
            "PredefinedMetricSpecification": {"PredefinedMetricType": metric},
        },
    )
