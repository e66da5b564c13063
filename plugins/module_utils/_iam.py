# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every IAM call of backupkit.dynamodb (private).

Each IAM operation is wrapped once: by amazon.aws where it already has the call
(``get_iam_role``, ``get_iam_group``, ``get_iam_user``), else here, decorated once with
amazon.aws's :class:`IAMErrorHandler` (``NoSuchEntity`` is "missing"; it raises
``AnsibleIAMError``) and once with :data:`aws_retry`.
"""

from __future__ import annotations

import json

from ansible_collections.amazon.aws.plugins.module_utils.iam import AnsibleIAMError
from ansible_collections.amazon.aws.plugins.module_utils.iam import IAMErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_iam_group
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_iam_role
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_iam_user

from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import aws_retry

__all__ = ["AnsibleIAMError", "IAMErrorHandler"]


def _paged(client, operation, key, **params):
    return client.get_paginator(operation).paginate(**params).build_full_result().get(key) or []


# --------------------------------------------------------------------------- principals


def get_role(client, name):
    """IAM GetRole's Role, or None when there is no such role (amazon.aws's get_iam_role)."""
    return get_iam_role(client, name)


def get_group(client, name):
    """IAM GetGroup's answer with every member (``Group``, ``Users``), or None (amazon.aws's get_iam_group)."""
    return get_iam_group(client, name)


def get_principal(client, kind, name):
    """{name, arn} of the role, group or user called ``name`` (IAM's spelling); None when missing."""
    if kind == "roles":
        entity = get_role(client, name)
        return entity and {"name": entity["RoleName"], "arn": entity["Arn"]}
    if kind == "groups":
        entity = (get_group(client, name) or {}).get("Group")
        return entity and {"name": entity["GroupName"], "arn": entity["Arn"]}
    entity = get_iam_user(client, name, normalize=False)
    return entity and {"name": entity["UserName"], "arn": entity["Arn"]}


def list_group_members(client, name):
    """The users of an IAM group ([] when there is no such group)."""
    return (get_group(client, name) or {}).get("Users") or []


# --------------------------------------------------------------------------- managed policies


@IAMErrorHandler.list_error_handler("get IAM policy")
@aws_retry
def get_policy(client, arn):
    return client.get_policy(PolicyArn=arn)["Policy"]


@IAMErrorHandler.common_error_handler("list IAM policies")
@aws_retry
def list_local_policies(client):
    return _paged(client, "list_policies", "Policies", Scope="Local")


@IAMErrorHandler.common_error_handler("list IAM policy versions")
@aws_retry
def list_policy_versions(client, arn):
    return _paged(client, "list_policy_versions", "Versions", PolicyArn=arn)


@IAMErrorHandler.common_error_handler("get IAM policy version")
@aws_retry
def get_policy_version(client, arn, version_id):
    return client.get_policy_version(PolicyArn=arn, VersionId=version_id)["PolicyVersion"]


@IAMErrorHandler.common_error_handler("create IAM policy")
@aws_retry
def create_policy(client, name, path, document, description=None):
    params = {"PolicyName": name, "Path": path, "PolicyDocument": json.dumps(document)}
    if description:
        params["Description"] = description
    return client.create_policy(**params)["Policy"]


@IAMErrorHandler.common_error_handler("create IAM policy version")
@aws_retry
def create_policy_version(client, arn, document):
    """A new default version; raises AnsibleIAMError with code LimitExceeded when IAM holds five."""
    return client.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(document), SetAsDefault=True)["PolicyVersion"]


@IAMErrorHandler.common_error_handler("set the default IAM policy version")
@aws_retry
def set_default_policy_version(client, arn, version_id):
    client.set_default_policy_version(PolicyArn=arn, VersionId=version_id)
    return True


@IAMErrorHandler.deletion_error_handler("delete IAM policy version")
@aws_retry
def delete_policy_version(client, arn, version_id):
    client.delete_policy_version(PolicyArn=arn, VersionId=version_id)
    return True


@IAMErrorHandler.deletion_error_handler("delete IAM policy")
@aws_retry
def delete_policy(client, arn):
    client.delete_policy(PolicyArn=arn)
    return True


@IAMErrorHandler.list_error_handler("list the entities an IAM policy is attached to")
@aws_retry
def list_entities_for_policy(client, arn):
    """ListEntitiesForPolicy's answer (every page: PolicyRoles, PolicyGroups, PolicyUsers), or None."""
    return client.get_paginator("list_entities_for_policy").paginate(PolicyArn=arn).build_full_result()


@IAMErrorHandler.common_error_handler("attach IAM policy")
@aws_retry
def attach_policy(client, kind, name, arn):
    if kind == "roles":
        client.attach_role_policy(RoleName=name, PolicyArn=arn)
    elif kind == "groups":
        client.attach_group_policy(GroupName=name, PolicyArn=arn)
    else:
        client.attach_user_policy(UserName=name, PolicyArn=arn)
    return True


@IAMErrorHandler.deletion_error_handler("detach IAM policy")
@aws_retry
def detach_policy(client, kind, name, arn):
    if kind == "roles":
        client.detach_role_policy(RoleName=name, PolicyArn=arn)
    elif kind == "groups":
        client.detach_group_policy(GroupName=name, PolicyArn=arn)
    else:
        client.detach_user_policy(UserName=name, PolicyArn=arn)
    return True


# --------------------------------------------------------------------------- the policy simulator


@IAMErrorHandler.common_error_handler("simulate IAM principal policy")
@aws_retry
def simulate_principal_policy(client, source_arn, actions, resources, principal_arn=None):
    params = {"PolicySourceArn": source_arn, "ActionNames": list(actions), "ResourceArns": list(resources)}
    if principal_arn:
        params["ContextEntries"] = [
            {"ContextKeyName": "aws:PrincipalArn", "ContextKeyValues": [principal_arn], "ContextKeyType": "string"}
        ]
    return _paged(client, "simulate_principal_policy", "EvaluationResults", **params)
