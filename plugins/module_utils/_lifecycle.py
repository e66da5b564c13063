# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one definition of an AWS Backup lifecycle and of a backup window (private).

A ``lifecycle`` option (of backup_job and backup_copy_job, and of each rule and copy action of
backup_plan) has the same fields, the same AWS rules and the same messages everywhere; the
modules that take one as a top-level option take its argument spec from here
(:func:`lifecycle_argument_spec`), with the IAM role options of a job (:func:`job_role_argument_spec`,
:func:`job_role_constraints`).
"""

from __future__ import annotations

# AWS keeps a recovery point in cold storage for at least this many days.
COLD_STORAGE_MINIMUM_DAYS = 90
# AWS refuses a start window shorter than this.
MINIMUM_START_WINDOW = 60

# option name -> AWS field name of a Lifecycle
LIFECYCLE_FIELDS = {
    "move_to_cold_storage_after_days": "MoveToColdStorageAfterDays",
    "delete_after_days": "DeleteAfterDays",
    "opt_in_to_archive_for_supported_resources": "OptInToArchiveForSupportedResources",
}


def lifecycle_argument_spec():
    """The argument spec of a ``lifecycle`` option (a new dict each call: AnsibleModule may change it)."""
    return dict(
        type="dict",
        options=dict(
            move_to_cold_storage_after_days=dict(type="int"),
            delete_after_days=dict(type="int"),
            opt_in_to_archive_for_supported_resources=dict(type="bool"),
        ),
    )


def job_role_argument_spec():
    """The options naming the IAM role AWS Backup assumes for a job (backup_job, backup_copy_job):
    by ARN or by name (looked up); see :func:`job_role_constraints`."""
    return dict(iam_role_arn=dict(type="str"), iam_role_name=dict(type="str"))


def job_role_constraints():
    """AnsibleAWSModule's keyword arguments for :func:`job_role_argument_spec`: exactly one of the two."""
    return dict(
        mutually_exclusive=[["iam_role_arn", "iam_role_name"]],
        required_one_of=[["iam_role_arn", "iam_role_name"]],
    )


def lifecycle_problems(lifecycle, where="lifecycle"):
    """What is wrong with a lifecycle option (messages naming ``where``; empty when it is valid)."""
    problems = []
    if not lifecycle:
        return problems
    cold = lifecycle.get("move_to_cold_storage_after_days")
    delete = lifecycle.get("delete_after_days")
    for option, value in (("move_to_cold_storage_after_days", cold), ("delete_after_days", delete)):
        if value is not None and value < 1:
            problems.append(f"{where}.{option} must be at least 1, got {value}")
    if cold is not None and delete is not None and delete < cold + COLD_STORAGE_MINIMUM_DAYS:
        problems.append(
            f"{where}.delete_after_days ({delete}) must be at least {where}.move_to_cold_storage_after_days + "
            f"{COLD_STORAGE_MINIMUM_DAYS} ({cold + COLD_STORAGE_MINIMUM_DAYS}): AWS keeps a backup in cold storage "
            f"for at least {COLD_STORAGE_MINIMUM_DAYS} days"
        )
    return problems


def lifecycle_to_aws(lifecycle):
    """A lifecycle option as AWS's Lifecycle (unset fields left out), or None when nothing is set."""
    result = {}
    for option, field in LIFECYCLE_FIELDS.items():
        value = (lifecycle or {}).get(option)
        if value is not None:
            result[field] = value
    return result or None
