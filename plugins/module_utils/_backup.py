# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS Backup calls for backupkit.dynamodb (private).

Every call is a small function decorated once for error translation and once
for retries; modules never catch botocore errors, they catch
:class:`AnsibleBackupError` once in ``main()``.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


class AnsibleBackupError(AnsibleAWSError):
    pass


class BackupErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleBackupError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


@BackupErrorHandler.common_error_handler("describe AWS Backup region settings")
@AWSRetry.jittered_backoff()
def describe_region_settings(client):
    return client.describe_region_settings()


@BackupErrorHandler.common_error_handler("update AWS Backup region settings")
@AWSRetry.jittered_backoff()
def update_region_settings(client, **params):
    client.update_region_settings(**params)
    return True
