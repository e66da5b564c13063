# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWS Backup recovery points: list, describe, normalise, choose (private).

Used by backupkit.dynamodb.backup_recovery_point_info and backupkit.dynamodb.backup_restore.
The AWS calls are ``_backup``'s; the rest of this file is pure (ARNs, normalising answers,
choosing a recovery point) and unit-tested.

A recovery point of a DynamoDB table has one of two ARN forms:

- AWS Backup's, ``arn:aws:backup:REGION:ACCOUNT:recovery-point:ID``, when advanced DynamoDB
  backup is on for the region;
- DynamoDB's, ``arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/backup/ID``, when it is off.
"""

from __future__ import annotations

import re

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.botocore import normalize_boto3_result

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import describe_recovery_point
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_backup_vaults
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_recovery_points_by_backup_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_recovery_points_by_resource
from ansible_collections.backupkit.dynamodb.plugins.module_utils._created_by import CreatedByFilter
from ansible_collections.backupkit.dynamodb.plugins.module_utils._created_by import filter_report
from ansible_collections.backupkit.dynamodb.plugins.module_utils._created_by import normalise_created_by
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import CallerContext
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import EPOCH
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import iso
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import parse_time
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import time_window

# botocore's RecoveryPointStatus enum
RECOVERY_POINT_STATUSES = ["COMPLETED", "PARTIAL", "DELETING", "EXPIRED", "AVAILABLE", "STOPPED", "CREATING"]
# the statuses a recovery point can be restored from
RESTORABLE_STATUSES = ("AVAILABLE", "COMPLETED")


class VaultNotReadable(AnsibleBackupError):
    """A vault that does not exist or that the caller may not read (AWS does not tell which)."""


def vault_error(name):
    """The clear error for a vault AWS answered AccessDeniedException (or ResourceNotFoundException) about."""
    return VaultNotReadable(
        message=f"Backup vault {name!r} does not exist or is not readable (AWS answers AccessDeniedException for both)"
    )


# ---------------------------------------------------------------------------
# AWS calls
# ---------------------------------------------------------------------------


def list_recovery_points_by_vault(client, vault_name, resource_arn=None, created_after=None, created_before=None,
                                  backup_plan_id=None):
    """Every recovery point of the vault (all pages), optionally of one resource, in a time window and
    created by one backup plan.

    A vault that does not exist is an error that says so.
    """
    params = {"BackupVaultName": vault_name}
    if resource_arn:
        params["ByResourceArn"] = resource_arn
    if created_after is not None:
        params["ByCreatedAfter"] = created_after
    if created_before is not None:
        params["ByCreatedBefore"] = created_before
    if backup_plan_id:
        params["ByBackupPlanId"] = backup_plan_id
    points = list_recovery_points_by_backup_vault(client, **params)
    if points is None:
        raise vault_error(vault_name)
    return points


def list_backup_vault_names(client):
    return [vault["BackupVaultName"] for vault in list_backup_vaults(client)]


def list_recovery_points_of_resource(client, resource_arn):
    """The recovery points of a resource in every vault, each in ListRecoveryPointsByBackupVault's
    full shape where its vault can be read (ListRecoveryPointsByResource's answer lacks the resource,
    the lifecycle, the role and the completion date), newest first."""
    points = list_recovery_points_by_resource(client, resource_arn)
    full = {}
    for vault_name in sorted({point.get("BackupVaultName") for point in points if point.get("BackupVaultName")}):
        # a vault we may not list (its access policy) answers None: keep the short form of its points
        for point in list_recovery_points_by_backup_vault(client, BackupVaultName=vault_name, ByResourceArn=resource_arn) or []:
            full[point["RecoveryPointArn"]] = point
    result = []
    for point in points:
        merged = dict(point)
        merged.update(full.get(point.get("RecoveryPointArn"), {}))
        merged.setdefault("ResourceArn", resource_arn)
        result.append(merged)
    return sort_newest_first(result)


def find_recovery_point(client, recovery_point_arn, vault_name=None, resource_arns=()):
    """DescribeRecoveryPoint of an ARN whose vault may be unknown; None when it is found nowhere.

    AWS needs the vault to describe a recovery point. It is looked for, in this order: in
    ``vault_name`` when given (and only there); among the recovery points of each of
    ``resource_arns`` (the source table, and for DynamoDB's ARN form the table it names); in
    every vault of the account and region.
    """
    if vault_name:
        return describe_recovery_point(client, vault_name, recovery_point_arn)
    tried = set()
    for resource_arn in resource_arns:
        if not resource_arn or resource_arn in tried:
            continue
        tried.add(resource_arn)
        for point in list_recovery_points_by_resource(client, resource_arn):
            if point.get("RecoveryPointArn") == recovery_point_arn and point.get("BackupVaultName"):
                found = describe_recovery_point(client, point["BackupVaultName"], recovery_point_arn)
                if found is not None:
                    return found
    for name in list_backup_vault_names(client):
        found = describe_recovery_point(client, name, recovery_point_arn)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------------------
# ARNs (pure)
# ---------------------------------------------------------------------------

_DYNAMODB_BACKUP = re.compile(r"^table/(?P<table>[^/]+)/backup/(?P<id>[^/]+)$")
_BACKUP_RECOVERY_POINT = re.compile(r"^recovery-point:(?P<id>.+)$")


def recovery_point_arn_kind(arn):
    """``backup`` (AWS Backup's ARN form), ``dynamodb`` (DynamoDB's backup ARN form) or None."""
    parsed = parse_aws_arn(arn or "") or {}
    resource = parsed.get("resource") or ""
    if parsed.get("service") == "backup" and _BACKUP_RECOVERY_POINT.match(resource):
        return "backup"
    if parsed.get("service") == "dynamodb" and _DYNAMODB_BACKUP.match(resource):
        return "dynamodb"
    return None


def backup_id_of(arn):
    """The backup's id in either ARN form (the part after ``recovery-point:`` or ``/backup/``), or None."""
    parsed = parse_aws_arn(arn or "") or {}
    resource = parsed.get("resource") or ""
    match = _BACKUP_RECOVERY_POINT.match(resource) or _DYNAMODB_BACKUP.match(resource)
    return match.group("id") if match else None


def table_arn_of_dynamodb_backup(arn):
    """For DynamoDB's ARN form, the ARN of the table it is a backup of; None for any other ARN."""
    parsed = parse_aws_arn(arn or "") or {}
    match = _DYNAMODB_BACKUP.match(parsed.get("resource") or "")
    if parsed.get("service") != "dynamodb" or not match:
        return None
    return "arn:%s:dynamodb:%s:%s:table/%s" % (
        parsed.get("partition"), parsed.get("region"), parsed.get("account_id"), match.group("table"))


def same_backup(arn_a, arn_b):
    """True when two ARNs name the same backup: equal, or the same account, region and backup id
    in AWS Backup's and DynamoDB's ARN forms."""
    if not arn_a or not arn_b:
        return False
    if arn_a == arn_b:
        return True
    id_a, id_b = backup_id_of(arn_a), backup_id_of(arn_b)
    if not id_a or not id_b or id_a.lower() != id_b.lower():
        return False
    a, b = parse_aws_arn(arn_a) or {}, parse_aws_arn(arn_b) or {}
    return (a.get("partition"), a.get("region"), a.get("account_id")) == (b.get("partition"), b.get("region"), b.get("account_id"))


# ---------------------------------------------------------------------------
# Normalisers and choosing (pure)
# ---------------------------------------------------------------------------

# keys every returned recovery point has (None when AWS did not say)
RECOVERY_POINT_KEYS = (
    "recovery_point_arn",
    "backup_vault_name",
    "backup_vault_arn",
    "resource_arn",
    "resource_type",
    "resource_name",
    "status",
    "status_message",
    "creation_date",
    "completion_date",
    "lifecycle",
    "calculated_lifecycle",
    "backup_size_in_bytes",
    "encryption_key_arn",
    "iam_role_arn",
)


def creation_key(point):
    """Sort key: the creation date of a raw (CreationDate) or normalised (creation_date) recovery point."""
    value = point.get("CreationDate", point.get("creation_date"))
    return parse_time(value) or EPOCH


def sort_newest_first(points):
    return sorted(points, key=creation_key, reverse=True)


def normalise_recovery_point(raw):
    """One recovery point from any of AWS's shapes as a snake_case dict, dates as ISO 8601 strings.

    ListRecoveryPointsByResource's ``BackupSizeBytes`` becomes ``backup_size_in_bytes`` like the
    other calls' ``BackupSizeInBytes``. Tags, if present, are kept exactly as AWS stores them.
    """
    raw = dict(raw or {})
    raw.pop("ResponseMetadata", None)
    tags = raw.pop("Tags", None)
    if "BackupSizeBytes" in raw and "BackupSizeInBytes" not in raw:
        raw["BackupSizeInBytes"] = raw.pop("BackupSizeBytes")
    else:
        raw.pop("BackupSizeBytes", None)
    point = normalize_boto3_result(camel_dict_to_snake_dict(raw))
    for key in RECOVERY_POINT_KEYS:
        point.setdefault(key, None)
    if tags is not None:
        point["tags"] = dict(tags)
    return point


def in_window(point, created_after=None, created_before=None):
    """True when the point was created strictly after ``created_after`` and strictly before ``created_before``."""
    moment = creation_key(point)
    if created_after is not None and not moment > created_after:
        return False
    if created_before is not None and not moment < created_before:
        return False
    return True


def filter_points(points, created_after=None, created_before=None, statuses=None):
    """Raw recovery points in the window and with one of ``statuses`` (all when None), newest first."""
    wanted = set(statuses) if statuses else None
    return sort_newest_first(
        point
        for point in points
        if in_window(point, created_after, created_before) and (wanted is None or point.get("Status") in wanted)
    )


def choose_recovery_point(points, at=None):
    """The newest restorable (AVAILABLE or COMPLETED) raw recovery point created at or before ``at``
    (any time when None); None when there is none."""
    candidates = [
        point
        for point in points
        if point.get("Status") in RESTORABLE_STATUSES and (at is None or creation_key(point) <= at)
    ]
    if not candidates:
        return None
    return sort_newest_first(candidates)[0]


def explain_no_choice(points, at=None):
    """Why choose_recovery_point found nothing, for an error message."""
    if not points:
        return "it has no recovery point"
    restorable = [point for point in points if point.get("Status") in RESTORABLE_STATUSES]
    if not restorable:
        statuses = sorted({str(point.get("Status")) for point in points})
        return f"none of its {len(points)} recovery points is AVAILABLE or COMPLETED (statuses: {', '.join(statuses)})"
    oldest = sort_newest_first(restorable)[-1]
    return (
        f"its oldest AVAILABLE or COMPLETED recovery point was created at {iso(parse_time(oldest.get('CreationDate')))}, "
        f"after {iso(at)}"
    )


# --- backup_recovery_point_info -------------------------------------------------------------


def resource_arn_of(ctx, resource):
    """A resource ARN as given, or a DynamoDB table name as its table ARN."""
    if resource.startswith("arn:"):
        return resource
    return ctx.table_arn(resource)


def with_created_by(raw):
    """The normalised recovery point with its created_by (None when no plan created it)."""
    point = normalise_recovery_point(raw)
    point["created_by"] = normalise_created_by(raw.get("CreatedBy"))
    return point


def read_recovery_points(module, client):
    """backup_recovery_point_info's (recovery points, filters); ValueError naming the option on bad input."""
    params = module.params
    after, before = time_window(params)
    arn = resource_arn_of(CallerContext(module), params["resource"]) if params.get("resource") else None
    created_by = CreatedByFilter(client, params)
    aws_filters = ["resource", "backup_vault_name"]
    if created_by.plan_ids() == []:
        raw = []  # no plan of that name, not even a deleted one: nothing was created by it
    elif params.get("backup_vault_name") or not arn:
        # by vault: AWS filters by resource, time and plan id (ByBackupPlanId)
        vaults = [params["backup_vault_name"]] if params.get("backup_vault_name") else list_backup_vault_names(client)
        aws_filters += ["created_after", "created_before"]
        if params.get("backup_plan_id"):
            aws_filters.append("backup_plan_id")
        raw = []
        for vault in vaults:
            try:
                raw.extend(list_recovery_points_by_vault(
                    client, vault, resource_arn=arn, created_after=after, created_before=before,
                    backup_plan_id=params.get("backup_plan_id"),
                ))
            except VaultNotReadable:
                if params.get("backup_vault_name"):
                    raise
                # every vault: one deleted since ListBackupVaults, or one the caller may not list, is left out
    else:
        raw = list_recovery_points_of_resource(client, arn)
    # AWS filters by vault already; the same filters again make both ways of listing agree
    points = filter_points(raw, created_after=after, created_before=before, statuses=params.get("status"))
    points = [point for point in points if created_by.matches(point)]
    filters = filter_report(params, ("backup_vault_name", "resource", "created_after", "created_before", "status"),
                            applied_by_aws=aws_filters)
    filters.update(created_by.report(applied_by_aws=aws_filters))
    return [with_created_by(point) for point in points], filters
