# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS Backup vault calls and normalisers for backupkit.dynamodb.backup_vault (private).

Every AWS call is a small function decorated once for error translation and once
for retries. The normalisers turn AWS answers into the snake_case dicts the module
returns; user maps (tags, policy documents) are never case-converted.
"""

from __future__ import annotations

import datetime
import json
import time

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import is_ansible_aws_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import BackupErrorHandler


class VaultLookupErrorHandler(BackupErrorHandler):
    """DescribeBackupVault of a vault that does not exist answers AccessDeniedException on AWS
    (ResourceNotFoundException elsewhere): both mean "no such vault" for that one call."""

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["ResourceNotFoundException", "AccessDeniedException"])


class KMSLookupErrorHandler(BackupErrorHandler):
    """A KMS key that cannot be described (missing, not ours to read, not a key id) is "unknown"."""

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["NotFoundException", "AccessDeniedException", "InvalidArnException"])


# ---------------------------------------------------------------------------
# AWS calls
# ---------------------------------------------------------------------------


@VaultLookupErrorHandler.list_error_handler("describe backup vault")
@AWSRetry.jittered_backoff()
def describe_backup_vault(client, name):
    response = client.describe_backup_vault(BackupVaultName=name)
    response.pop("ResponseMetadata", None)
    return response


@BackupErrorHandler.common_error_handler("list tags of backup vault")
@AWSRetry.jittered_backoff()
def _list_tags_page(client, arn, next_token=None):
    params = {"ResourceArn": arn}
    if next_token:
        params["NextToken"] = next_token
    return client.list_tags(**params)


def list_vault_tags(client, arn):
    """All tags of the vault (ListTags has no boto3 paginator; follow NextToken by hand)."""
    tags = {}
    next_token = None
    while True:
        page = _list_tags_page(client, arn, next_token)
        tags.update(page.get("Tags") or {})
        next_token = page.get("NextToken")
        if not next_token:
            return tags


@BackupErrorHandler.list_error_handler("get backup vault access policy")
@AWSRetry.jittered_backoff()
def get_vault_access_policy(client, name):
    return client.get_backup_vault_access_policy(BackupVaultName=name).get("Policy")


@BackupErrorHandler.list_error_handler("get backup vault notifications")
@AWSRetry.jittered_backoff()
def get_vault_notifications(client, name):
    response = client.get_backup_vault_notifications(BackupVaultName=name)
    response.pop("ResponseMetadata", None)
    return response


@BackupErrorHandler.common_error_handler("create backup vault")
@AWSRetry.jittered_backoff()
def _create_backup_vault(client, **params):
    return client.create_backup_vault(**params)


def create_backup_vault(client, **params):
    try:
        return _create_backup_vault(client, **params)
    except AnsibleBackupError as e:
        if is_ansible_aws_error_code("AlreadyExistsException", e):
            raise AnsibleBackupError(
                message=(
                    f"Failed to create backup vault {params.get('BackupVaultName')!r}: it already exists, although "
                    "DescribeBackupVault answered as if it did not (AWS answers AccessDeniedException for a missing "
                    "vault, so a missing backup:DescribeBackupVault permission looks the same)"
                ),
                exception=e.exception,
            ) from e
        raise


@BackupErrorHandler.common_error_handler("tag backup vault")
@AWSRetry.jittered_backoff()
def tag_vault(client, arn, tags):
    client.tag_resource(ResourceArn=arn, Tags=tags)
    return True


@BackupErrorHandler.common_error_handler("untag backup vault")
@AWSRetry.jittered_backoff()
def untag_vault(client, arn, keys):
    client.untag_resource(ResourceArn=arn, TagKeyList=list(keys))
    return True


@BackupErrorHandler.common_error_handler("put backup vault access policy")
@AWSRetry.jittered_backoff()
def put_vault_access_policy(client, name, policy):
    client.put_backup_vault_access_policy(BackupVaultName=name, Policy=json.dumps(policy))
    return True


@BackupErrorHandler.deletion_error_handler("delete backup vault access policy")
@AWSRetry.jittered_backoff()
def delete_vault_access_policy(client, name):
    client.delete_backup_vault_access_policy(BackupVaultName=name)
    return True


@BackupErrorHandler.common_error_handler("put backup vault lock configuration")
@AWSRetry.jittered_backoff()
def put_vault_lock(client, name, min_retention_days=None, max_retention_days=None, changeable_for_days=None):
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
@AWSRetry.jittered_backoff()
def delete_vault_lock(client, name):
    client.delete_backup_vault_lock_configuration(BackupVaultName=name)
    return True


@BackupErrorHandler.common_error_handler("put backup vault notifications")
@AWSRetry.jittered_backoff()
def put_vault_notifications(client, name, sns_topic_arn, events):
    client.put_backup_vault_notifications(BackupVaultName=name, SNSTopicArn=sns_topic_arn, BackupVaultEvents=list(events))
    return True


@BackupErrorHandler.deletion_error_handler("delete backup vault notifications")
@AWSRetry.jittered_backoff()
def delete_vault_notifications(client, name):
    client.delete_backup_vault_notifications(BackupVaultName=name)
    return True


@BackupErrorHandler.list_error_handler("list recovery points of backup vault", default_value=[])
@AWSRetry.jittered_backoff()
def list_recovery_points(client, name):
    paginator = client.get_paginator("list_recovery_points_by_backup_vault")
    return paginator.paginate(BackupVaultName=name).build_full_result().get("RecoveryPoints", [])


@BackupErrorHandler.deletion_error_handler("delete recovery point")
@AWSRetry.jittered_backoff()
def delete_recovery_point(client, name, arn):
    client.delete_recovery_point(BackupVaultName=name, RecoveryPointArn=arn)
    return True


@BackupErrorHandler.deletion_error_handler("delete backup vault")
@AWSRetry.jittered_backoff()
def delete_backup_vault(client, name):
    client.delete_backup_vault(BackupVaultName=name)
    return True


@KMSLookupErrorHandler.list_error_handler("describe KMS key")
@AWSRetry.jittered_backoff()
def resolve_kms_key_arn(kms_client, key_id):
    """The key ARN behind a key id, key ARN, alias name or alias ARN; None when it cannot be read."""
    return kms_client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]


def wait_for_empty_vault(client, name, timeout, delay=2):
    """Poll until the vault lists no recovery point (deletions are asynchronous); False on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        if not list_recovery_points(client, name):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)


# ---------------------------------------------------------------------------
# Normalisers (pure)
# ---------------------------------------------------------------------------


def _jsonable(value):
    """Dates as ISO 8601 strings, recursively; everything else unchanged."""
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


# keys amazon.aws.backup_vault returns (and those of a lock), filled in when AWS leaves them out
VAULT_DEFAULTS = {
    "backup_vault_arn": None,
    "creation_date": None,
    "creator_request_id": None,
    "encryption_key_arn": None,
    "locked": False,
    "number_of_recovery_points": 0,
    "min_retention_days": None,
    "max_retention_days": None,
    "lock_date": None,
}


def normalise_vault(response, tags):
    """DescribeBackupVault's answer as amazon.aws returns it: snake_case keys, dates as strings,
    ``tags`` exactly as AWS stores them (never case-converted)."""
    raw = {k: v for k, v in (response or {}).items() if k != "ResponseMetadata"}
    vault = _jsonable(camel_dict_to_snake_dict(raw))
    for key, default in VAULT_DEFAULTS.items():
        if vault.get(key) is None:
            vault[key] = default
    vault["tags"] = dict(tags or {})
    return vault


def lock_from_vault(vault):
    """The vault's lock as {mode, min_retention_days, max_retention_days, lock_date}, or None.

    A lock with a lock date is in compliance mode (it was set with ChangeableForDays);
    one without is in governance mode.
    """
    if not vault:
        return None
    if not (vault.get("locked") or vault.get("min_retention_days") is not None
            or vault.get("max_retention_days") is not None or vault.get("lock_date")):
        return None
    return {
        "mode": "compliance" if vault.get("lock_date") else "governance",
        "min_retention_days": vault.get("min_retention_days"),
        "max_retention_days": vault.get("max_retention_days"),
        "lock_date": vault.get("lock_date"),
    }


def normalise_notifications(response):
    """GetBackupVaultNotifications as {sns_topic_arn, events (sorted, unique)}, or None."""
    if not response or not response.get("SNSTopicArn"):
        return None
    return {
        "sns_topic_arn": response["SNSTopicArn"],
        "events": sorted(set(response.get("BackupVaultEvents") or [])),
    }


def parse_policy(value):
    """A policy document given as a dict or a JSON string, as a dict ({} for none).

    Raises ValueError with a readable message when it is not a JSON object.
    """
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    text = to_text(value).strip()
    if not text:
        return {}
    try:
        policy = json.loads(text)
    except ValueError as e:
        raise ValueError(f"is not valid JSON: {e}") from None
    if not isinstance(policy, dict):
        raise ValueError(f"must be a JSON object, got {type(policy).__name__}")
    return policy


def describe_vault_state(client, name):
    """Everything the module manages about a vault, normalised; None when the vault does not exist."""
    response = describe_backup_vault(client, name)
    if response is None:
        return None
    tags = list_vault_tags(client, response["BackupVaultArn"]) if response.get("BackupVaultArn") else {}
    vault = normalise_vault(response, tags)
    try:
        policy = parse_policy(get_vault_access_policy(client, name))
    except ValueError as e:  # AWS only stores valid JSON: this is not expected to happen
        raise AnsibleBackupError(message=f"The access policy AWS returned for backup vault {name!r} {e}") from None
    return {
        "vault": vault,
        "access_policy": policy,
        "lock": lock_from_vault(vault),
        "notifications": normalise_notifications(get_vault_notifications(client, name)),
        "number_of_recovery_points": vault["number_of_recovery_points"],
    }
