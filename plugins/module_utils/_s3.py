# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every Amazon S3 call of backupkit.dynamodb (private): one error handler, each call wrapped once."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import aws_retry


class AnsibleS3Error(AnsibleAWSError):
    pass


class S3ErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleS3Error

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["NoSuchKey", "NoSuchBucket", "404"])


@S3ErrorHandler.common_error_handler("read S3 object")
@aws_retry
def get_object(client, bucket, key, if_match=None):
    """GetObject's answer (its Body a stream); ``if_match`` pins the read to an ETag
    (an AnsibleS3Error with code PreconditionFailed when the object changed)."""
    params = dict(Bucket=bucket, Key=key)
    if if_match:
        params["IfMatch"] = if_match
    return client.get_object(**params)
