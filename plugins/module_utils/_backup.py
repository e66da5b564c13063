# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS Backup calls shared by several modules of backupkit.dynamodb (private).

Every call is a small function decorated once for error translation (one error
handler for the service, :class:`BackupErrorHandler`, and its one "missing"
variant for lookups in a vault, :class:`VaultMissingErrorHandler`) and once for
retries (:data:`aws_retry`); modules never catch botocore errors, they catch
:class:`AnsibleBackupError` (an ``AnsibleAWSError``) once in ``main()``.

Calls that one module alone makes live next to its engine (``_backup_plan.py``,
``_backup_selection.py``, ``_backup_vault.py``, ...); a call that a second module
needs moves here, so that each AWS Backup operation is wrapped once.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import aws_retry


class AnsibleBackupError(AnsibleAWSError):
    pass


class BackupErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleBackupError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


class VaultMissingErrorHandler(BackupErrorHandler):
    """AWS answers AccessDeniedException for a vault that does not exist (and for one the caller
    may not read); for a lookup of a vault, or of one recovery point in one vault, both mean
    "not there"."""

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["ResourceNotFoundException", "AccessDeniedException"])


def _without_metadata(response):
    response.pop("ResponseMetadata", None)
    return response


# --------------------------------------------------------------------------- region settings


@BackupErrorHandler.common_error_handler("describe AWS Backup region settings")
@aws_retry
def describe_region_settings(client):
    return client.describe_region_settings()


@BackupErrorHandler.common_error_handler("update AWS Backup region settings")
@aws_retry
def update_region_settings(client, **params):
    client.update_region_settings(**params)
    return True


# --------------------------------------------------------------------------- plans


@BackupErrorHandler.common_error_handler("list backup plans")
@aws_retry
def list_backup_plans(client):
    """Every live backup plan of the region (all pages)."""
    paginator = client.get_paginator("list_backup_plans")
    return paginator.paginate().build_full_result().get("BackupPlansList", [])


# --------------------------------------------------------------------------- tags (vaults, plans, ...)


@BackupErrorHandler.common_error_handler("list tags")
@aws_retry
def list_tags(client, resource_arn):
    """Every tag of the resource (ListTags has no boto3 paginator; follow NextToken)."""
    tags = {}
    params = {"ResourceArn": resource_arn}
    while True:
        response = client.list_tags(**params)
        tags.update(response.get("Tags") or {})
        if not response.get("NextToken"):
            return tags
        params["NextToken"] = response["NextToken"]


@BackupErrorHandler.common_error_handler("tag resource")
@aws_retry
def tag_resource(client, resource_arn, tags):
    client.tag_resource(ResourceArn=resource_arn, Tags=tags)
    return True


@BackupErrorHandler.common_error_handler("untag resource")
@aws_retry
def untag_resource(client, resource_arn, tag_keys):
    client.untag_resource(ResourceArn=resource_arn, TagKeyList=list(tag_keys))
    return True


# --------------------------------------------------------------------------- jobs


@BackupErrorHandler.list_error_handler("describe backup job")
@aws_retry
def describe_backup_job(client, job_id):
    """DescribeBackupJob's answer, or None when there is no such job."""
    return _without_metadata(client.describe_backup_job(BackupJobId=job_id))


@BackupErrorHandler.list_error_handler("describe restore job")
@aws_retry
def describe_restore_job(client, job_id):
    """DescribeRestoreJob's answer, or None when there is no such job."""
    return _without_metadata(client.describe_restore_job(RestoreJobId=job_id))


@BackupErrorHandler.list_error_handler("list backup jobs", default_value=[])
@aws_retry
def list_backup_jobs(client, **filters):
    """Every backup job matching ListBackupJobs' By* filters (every page)."""
    paginator = client.get_paginator("list_backup_jobs")
    return paginator.paginate(**filters).build_full_result().get("BackupJobs") or []


@BackupErrorHandler.list_error_handler("list restore jobs", default_value=[])
@aws_retry
def list_restore_jobs(client, **filters):
    """Every restore job matching ListRestoreJobs' By* filters (every page)."""
    paginator = client.get_paginator("list_restore_jobs")
    return paginator.paginate(**filters).build_full_result().get("RestoreJobs") or []


# --------------------------------------------------------------------------- vaults and recovery points


@VaultMissingErrorHandler.list_error_handler("describe backup vault")
@aws_retry
def describe_backup_vault(client, name):
    """DescribeBackupVault's answer, or None when the vault does not exist (or cannot be read)."""
    return _without_metadata(client.describe_backup_vault(BackupVaultName=name))


@VaultMissingErrorHandler.list_error_handler("describe recovery point")
@aws_retry
def describe_recovery_point(client, vault_name, recovery_point_arn):
    """DescribeRecoveryPoint's answer, or None when the vault does not hold that recovery point."""
    return _without_metadata(
        client.describe_recovery_point(BackupVaultName=vault_name, RecoveryPointArn=recovery_point_arn)
    )


@BackupErrorHandler.common_error_handler("list recovery points of backup vault")
@aws_retry
def list_recovery_points_by_backup_vault(client, **params):
    """Every recovery point of ``BackupVaultName`` matching the By* filters (every page)."""
    paginator = client.get_paginator("list_recovery_points_by_backup_vault")
    return paginator.paginate(**params).build_full_result().get("RecoveryPoints") or []
