# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every AWS KMS call of backupkit.dynamodb (private): one error handler, each call wrapped once."""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import aws_retry


class AnsibleKMSError(AnsibleAWSError):
    pass


class KMSErrorHandler(AWSErrorHandler):
    """A KMS key that cannot be described (missing, not ours to read, not a key id) is "missing"."""

    _CUSTOM_EXCEPTION = AnsibleKMSError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["NotFoundException", "AccessDeniedException", "InvalidArnException"])


@KMSErrorHandler.list_error_handler("describe KMS key")
@aws_retry
def resolve_kms_key_arn(kms_client, key_id):
    """The key ARN behind a key id, key ARN, alias name or alias ARN; None when it cannot be read."""
    return kms_client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
