# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every AWS Backup call of backupkit.dynamodb (private).

Each AWS Backup operation is wrapped here once, as a small function decorated once
for error translation (one error handler for the service, :class:`BackupErrorHandler`,
and its one "missing" variant for lookups in a vault, :class:`VaultMissingErrorHandler`)
and once for retries (:data:`aws_retry`). Modules never catch botocore errors: they
catch :class:`AnsibleBackupError` (an ``AnsibleAWSError``) once in ``main()``.

The engines (``_backup_plan.py``, ``_backup_selection.py``, ``_backup_vault.py``, ...)
call these functions and nothing else of boto3's AWS Backup client. The other services
have one file each: ``_dynamodb.py``, ``_iam.py``, ``_kms.py``, ``_s3.py``, and STS in
``_identity.py``.
"""

from __future__ import annotations

import json
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import is_ansible_aws_error_code

from ansible_collections.backupkit.dynamodb.plugins.module_utils._poll import retry_while
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import aws_retry
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import error_code_of


class AnsibleBackupError(AnsibleAWSError):
    pass


class BackupErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleBackupError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


class VaultMissingErrorHandler(BackupErrorHandler):
    """AWS answers AccessDeniedException for a vault that does not exist (and for one the caller
    may not read); for a lookup of a vault, or in one vault, both mean "not there"."""

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["ResourceNotFoundException", "AccessDeniedException"])


def _without_metadata(response):
    response.pop("ResponseMetadata", None)
    return response


def _paged(client, operation, key, **params):
    """Every page of a list call, as one list (``key`` of the answers)."""
    return client.get_paginator(operation).paginate(**params).build_full_result().get(key) or []


# --------------------------------------------------------------------------- region settings


@BackupErrorHandler.common_error_handler("describe AWS Backup region settings")
@aws_retry
def describe_region_settings(client):
    return _without_metadata(client.describe_region_settings())


@BackupErrorHandler.common_error_handler("update AWS Backup region settings")
@aws_retry
def update_region_settings(client, **params):
    client.update_region_settings(**params)
    return True


# --------------------------------------------------------------------------- global settings (the organization's)


@BackupErrorHandler.common_error_handler("describe AWS Backup global settings")
@aws_retry
def describe_global_settings(client):
    """DescribeGlobalSettings' answer: {GlobalSettings: {name: "true"|"false"}, LastUpdateTime}."""
    return _without_metadata(client.describe_global_settings())


@BackupErrorHandler.common_error_handler("update AWS Backup global settings")
@aws_retry
def update_global_settings(client, settings):
    client.update_global_settings(GlobalSettings=settings)
    return True


# --------------------------------------------------------------------------- plans


@BackupErrorHandler.list_error_handler("list backup plans", default_value=[])
@aws_retry
def list_backup_plans(client, include_deleted=False):
    """Every backup plan of the region (all pages); deleted ones too with ``include_deleted``."""
    params = {"IncludeDeleted": True} if include_deleted else {}
    return _paged(client, "list_backup_plans", "BackupPlansList", **params)


@BackupErrorHandler.list_error_handler("get backup plan")
@aws_retry
def get_backup_plan(client, backup_plan_id, version_id=None):
    """GetBackupPlan's answer (of one version when ``version_id`` is given), or None when there is no such plan."""
    params = {"BackupPlanId": backup_plan_id}
    if version_id:
        params["VersionId"] = version_id
    return _without_metadata(client.get_backup_plan(**params))


@BackupErrorHandler.common_error_handler("create backup plan")
@aws_retry
def create_backup_plan(client, **params):
    return _without_metadata(client.create_backup_plan(**params))


@BackupErrorHandler.common_error_handler("update backup plan")
@aws_retry
def update_backup_plan(client, backup_plan_id, backup_plan):
    return _without_metadata(client.update_backup_plan(BackupPlanId=backup_plan_id, BackupPlan=backup_plan))


@BackupErrorHandler.common_error_handler("delete backup plan")
@aws_retry
def delete_backup_plan(client, backup_plan_id):
    return _without_metadata(client.delete_backup_plan(BackupPlanId=backup_plan_id))


# --------------------------------------------------------------------------- selections

# InvalidParameterValueException messages AWS Backup answers while a new IAM role
# has not yet propagated, for example
#   "IAM Role arn:aws:iam::123456789012:role/x cannot be assumed by AWS Backup"
#   "IAM Role arn:aws:iam::123456789012:role/x is not authorized to call tag:GetResources"
ROLE_PROPAGATION_MESSAGES = (
    "cannot be assumed",
    "could not be assumed",
    "unable to assume",
    "not authorized",
)
ROLE_PROPAGATION_TIMEOUT = 60
ROLE_PROPAGATION_DELAY = 2
ROLE_PROPAGATION_MAX_DELAY = 16


def is_role_propagation_error(error) -> bool:
    """True if ``error`` is AWS Backup refusing a role that IAM has not finished propagating.

    Only ``InvalidParameterValueException`` answers whose message says the role cannot be
    assumed or is not authorised count; any other error (a malformed ARN, a missing plan,
    throttling, ...) is not retried for it.
    """
    if error_code_of(error) != "InvalidParameterValueException":
        return False
    cause = getattr(error, "exception", None) or error
    message = str(((getattr(cause, "response", None) or {}).get("Error") or {}).get("Message") or "").lower()
    return any(phrase in message for phrase in ROLE_PROPAGATION_MESSAGES)


@BackupErrorHandler.list_error_handler("list AWS Backup selections", default_value=None)
@aws_retry
def list_backup_selections(client, backup_plan_id):
    """Every selection of the plan, across all pages (None if the plan is gone)."""
    return _paged(client, "list_backup_selections", "BackupSelectionsList", BackupPlanId=backup_plan_id)


@BackupErrorHandler.list_error_handler("get AWS Backup selection")
@aws_retry
def get_backup_selection(client, backup_plan_id, selection_id):
    """GetBackupSelection's answer (None if it is gone)."""
    return _without_metadata(client.get_backup_selection(BackupPlanId=backup_plan_id, SelectionId=selection_id))


@BackupErrorHandler.common_error_handler("create AWS Backup selection")
@aws_retry
def _create_backup_selection(client, backup_plan_id, selection, creator_request_id):
    return _without_metadata(client.create_backup_selection(
        BackupPlanId=backup_plan_id, BackupSelection=selection, CreatorRequestId=creator_request_id
    ))


def create_backup_selection(client, backup_plan_id, selection, timeout=ROLE_PROPAGATION_TIMEOUT, **poll_options):
    """CreateBackupSelection with one idempotency token for all its attempts; made again for up to
    ``timeout`` seconds while AWS Backup refuses a role IAM has not finished propagating
    (:func:`is_role_propagation_error`), and then the last error is raised.

    ``selection`` is the API's BackupSelection structure. Answers ``{SelectionId, BackupPlanId, CreationDate}``.
    """
    token = str(uuid.uuid4())
    options = dict(first_delay=ROLE_PROPAGATION_DELAY, factor=2, max_delay=ROLE_PROPAGATION_MAX_DELAY)
    options.update(poll_options)
    return retry_while(lambda: _create_backup_selection(client, backup_plan_id, selection, token),
                       is_role_propagation_error, timeout=timeout, **options)


@BackupErrorHandler.deletion_error_handler("delete AWS Backup selection")
@aws_retry
def delete_backup_selection(client, backup_plan_id, selection_id):
    client.delete_backup_selection(BackupPlanId=backup_plan_id, SelectionId=selection_id)
    return True


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


@BackupErrorHandler.common_error_handler("start backup job")
@aws_retry
def _start_backup_job(client, **params):
    return _without_metadata(client.start_backup_job(**params))


def start_backup_job(client, **params):
    """StartBackupJob; AWS answers AccessDeniedException for a vault that does not exist, say so."""
    try:
        return _start_backup_job(client, **params)
    except is_ansible_aws_error_code("AccessDeniedException") as e:
        raise AnsibleBackupError(
            message=(
                f"Failed to start backup job: access denied to backup vault {params.get('BackupVaultName')!r} "
                "(AWS answers AccessDeniedException when the vault does not exist, as well as when the caller "
                "may not start backup jobs into it or pass the IAM role)"
            ),
            exception=e.exception,
        ) from e


@BackupErrorHandler.list_error_handler("describe backup job")
@aws_retry
def describe_backup_job(client, job_id):
    """DescribeBackupJob's answer, or None when there is no such job."""
    return _without_metadata(client.describe_backup_job(BackupJobId=job_id))


@BackupErrorHandler.list_error_handler("list backup jobs", default_value=[])
@aws_retry
def list_backup_jobs(client, **filters):
    """Every backup job matching ListBackupJobs' By* filters (every page)."""
    return _paged(client, "list_backup_jobs", "BackupJobs", **filters)


@BackupErrorHandler.common_error_handler("start restore job")
@aws_retry
def start_restore_job(client, **params):
    return client.start_restore_job(**params)["RestoreJobId"]


@BackupErrorHandler.list_error_handler("describe restore job")
@aws_retry
def describe_restore_job(client, job_id):
    """DescribeRestoreJob's answer, or None when there is no such job."""
    return _without_metadata(client.describe_restore_job(RestoreJobId=job_id))


@BackupErrorHandler.list_error_handler("list restore jobs", default_value=[])
@aws_retry
def list_restore_jobs(client, **filters):
    """Every restore job matching ListRestoreJobs' By* filters (every page)."""
    return _paged(client, "list_restore_jobs", "RestoreJobs", **filters)


# --------------------------------------------------------------------------- copy jobs


@BackupErrorHandler.common_error_handler("start copy job")
@aws_retry
def _start_copy_job(client, **params):
    return _without_metadata(client.start_copy_job(**params))


def start_copy_job(client, **params):
    """StartCopyJob; AWS answers AccessDeniedException for a source vault that does not exist, say so."""
    try:
        return _start_copy_job(client, **params)
    except is_ansible_aws_error_code("AccessDeniedException") as e:
        raise AnsibleBackupError(
            message=(
                f"Failed to start copy job: access denied to source backup vault {params.get('SourceBackupVaultName')!r} "
                "(AWS answers AccessDeniedException when the vault does not exist, as well as when the caller "
                "may not start copy jobs from it or pass the IAM role)"
            ),
            exception=e.exception,
        ) from e


@BackupErrorHandler.list_error_handler("describe copy job")
@aws_retry
def describe_copy_job(client, job_id):
    """DescribeCopyJob's CopyJob, or None when there is no such job."""
    return client.describe_copy_job(CopyJobId=job_id).get("CopyJob")


@BackupErrorHandler.list_error_handler("list copy jobs", default_value=[])
@aws_retry
def list_copy_jobs(client, **filters):
    """Every copy job matching ListCopyJobs' By* filters (every page)."""
    return _paged(client, "list_copy_jobs", "CopyJobs", **filters)


# --------------------------------------------------------------------------- vaults


@BackupErrorHandler.list_error_handler("list backup vaults", default_value=[])
@aws_retry
def list_backup_vaults(client):
    """Every backup vault of the region (ListBackupVaults' members, all pages)."""
    return _paged(client, "list_backup_vaults", "BackupVaultList")


@VaultMissingErrorHandler.list_error_handler("describe backup vault")
@aws_retry
def describe_backup_vault(client, name):
    """DescribeBackupVault's answer, or None when the vault does not exist (or cannot be read)."""
    return _without_metadata(client.describe_backup_vault(BackupVaultName=name))


@BackupErrorHandler.common_error_handler("create backup vault")
@aws_retry
def create_backup_vault(client, **params):
    """CreateBackupVault; raises AnsibleBackupError with code AlreadyExistsException when it exists."""
    return _without_metadata(client.create_backup_vault(**params))


@BackupErrorHandler.deletion_error_handler("delete backup vault")
@aws_retry
def delete_backup_vault(client, name):
    client.delete_backup_vault(BackupVaultName=name)
    return True


@BackupErrorHandler.list_error_handler("get backup vault access policy")
@aws_retry
def get_backup_vault_access_policy(client, name):
    """The vault's access policy as AWS stores it (JSON text), or None when it has none."""
    return client.get_backup_vault_access_policy(BackupVaultName=name).get("Policy")


@BackupErrorHandler.common_error_handler("put backup vault access policy")
@aws_retry
def put_backup_vault_access_policy(client, name, policy):
    client.put_backup_vault_access_policy(BackupVaultName=name, Policy=json.dumps(policy))
    return True


@BackupErrorHandler.deletion_error_handler("delete backup vault access policy")
@aws_retry
def delete_backup_vault_access_policy(client, name):
    client.delete_backup_vault_access_policy(BackupVaultName=name)
    return True


@BackupErrorHandler.common_error_handler("put backup vault lock configuration")
@aws_retry
def put_backup_vault_lock_configuration(client, name, min_retention_days=None, max_retention_days=None,
                                        changeable_for_days=None):
    params = {"BackupVaultName": name}
    if min_retention_days is not None:
        params["MinRetentionDays"] = min_retention_days
    if max_retention_days is not None:
        params["MaxRetentionDays"] = max_retention_days
    if changeable_for_days is not None:
        params["ChangeableForDays"] = changeable_for_days
    client.put_backup_vault_lock_configuration(**params)
    return True


@BackupErrorHandler.deletion_error_handler("delete backup vault lock configuration")
@aws_retry
def delete_backup_vault_lock_configuration(client, name):
    client.delete_backup_vault_lock_configuration(BackupVaultName=name)
    return True


@BackupErrorHandler.list_error_handler("get backup vault notifications")
@aws_retry
def get_backup_vault_notifications(client, name):
    return _without_metadata(client.get_backup_vault_notifications(BackupVaultName=name))


@BackupErrorHandler.common_error_handler("put backup vault notifications")
@aws_retry
def put_backup_vault_notifications(client, name, sns_topic_arn, events):
    client.put_backup_vault_notifications(BackupVaultName=name, SNSTopicArn=sns_topic_arn, BackupVaultEvents=list(events))
    return True


@BackupErrorHandler.deletion_error_handler("delete backup vault notifications")
@aws_retry
def delete_backup_vault_notifications(client, name):
    client.delete_backup_vault_notifications(BackupVaultName=name)
    return True


# --------------------------------------------------------------------------- recovery points


@VaultMissingErrorHandler.list_error_handler("describe recovery point")
@aws_retry
def describe_recovery_point(client, vault_name, recovery_point_arn):
    """DescribeRecoveryPoint's answer, or None when the vault does not hold that recovery point."""
    return _without_metadata(
        client.describe_recovery_point(BackupVaultName=vault_name, RecoveryPointArn=recovery_point_arn)
    )


@VaultMissingErrorHandler.list_error_handler("list recovery points of backup vault", default_value=None)
@aws_retry
def list_recovery_points_by_backup_vault(client, **params):
    """Every recovery point of ``BackupVaultName`` matching the By* filters (every page); None when
    the vault does not exist or cannot be read (AWS answers AccessDeniedException for both)."""
    return _paged(client, "list_recovery_points_by_backup_vault", "RecoveryPoints", **params)


@BackupErrorHandler.list_error_handler("list recovery points of resource", default_value=[])
@aws_retry
def list_recovery_points_by_resource(client, resource_arn):
    """Every recovery point of the resource, in every vault (all pages); [] when it has none."""
    return _paged(client, "list_recovery_points_by_resource", "RecoveryPoints", ResourceArn=resource_arn)


@BackupErrorHandler.deletion_error_handler("delete recovery point")
@aws_retry
def delete_recovery_point(client, vault_name, recovery_point_arn):
    client.delete_recovery_point(BackupVaultName=vault_name, RecoveryPointArn=recovery_point_arn)
    return True


# --------------------------------------------------------------------------- restore testing


def _without_metadata(response):
    response.pop("ResponseMetadata", None)
    return response


# --------------------------------------------------------------------------- AWS calls


@BackupErrorHandler.list_error_handler("get restore testing plan")
@aws_retry
def get_restore_testing_plan(client, name):
    """GetRestoreTestingPlan's RestoreTestingPlan, or None when there is no such plan."""
    return client.get_restore_testing_plan(RestoreTestingPlanName=name)["RestoreTestingPlan"]


@BackupErrorHandler.common_error_handler("create restore testing plan")
@aws_retry
def create_restore_testing_plan(client, **params):
    return _without_metadata(client.create_restore_testing_plan(**params))


@BackupErrorHandler.common_error_handler("update restore testing plan")
@aws_retry
def update_restore_testing_plan(client, name, plan):
    return _without_metadata(client.update_restore_testing_plan(RestoreTestingPlanName=name, RestoreTestingPlan=plan))


@BackupErrorHandler.deletion_error_handler("delete restore testing plan")
@aws_retry
def delete_restore_testing_plan(client, name):
    client.delete_restore_testing_plan(RestoreTestingPlanName=name)
    return True


@BackupErrorHandler.list_error_handler("list restore testing selections", default_value=[])
@aws_retry
def list_restore_testing_selections(client, plan_name):
    """Every selection of the plan (all pages); [] when there is no such plan."""
    selections = []
    params = {"RestoreTestingPlanName": plan_name}
    while True:
        page = client.list_restore_testing_selections(**params)
        selections.extend(page.get("RestoreTestingSelections") or [])
        if not page.get("NextToken"):
            return selections
        params["NextToken"] = page["NextToken"]


@BackupErrorHandler.list_error_handler("get restore testing selection")
@aws_retry
def get_restore_testing_selection(client, plan_name, name):
    """GetRestoreTestingSelection's RestoreTestingSelection, or None when the plan or the selection is missing."""
    return client.get_restore_testing_selection(RestoreTestingPlanName=plan_name, RestoreTestingSelectionName=name)[
        "RestoreTestingSelection"
    ]


@BackupErrorHandler.common_error_handler("create restore testing selection")
@aws_retry
def create_restore_testing_selection(client, plan_name, selection):
    return _without_metadata(
        client.create_restore_testing_selection(RestoreTestingPlanName=plan_name, RestoreTestingSelection=selection)
    )


@BackupErrorHandler.common_error_handler("update restore testing selection")
@aws_retry
def update_restore_testing_selection(client, plan_name, name, selection):
    return _without_metadata(
        client.update_restore_testing_selection(
            RestoreTestingPlanName=plan_name, RestoreTestingSelectionName=name, RestoreTestingSelection=selection
        )
    )


@BackupErrorHandler.deletion_error_handler("delete restore testing selection")
@aws_retry
def delete_restore_testing_selection(client, plan_name, name):
    client.delete_restore_testing_selection(RestoreTestingPlanName=plan_name, RestoreTestingSelectionName=name)
    return True
