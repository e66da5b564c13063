"""backup_copy_job and ddb_table_protection: the decisions their engines make without AWS."""

from __future__ import annotations

import pytest

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_copy import (
    failure_advice,
    input_problems as copy_input_problems,
    reusable_copy_job,
)
from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_protection import (
    desired_settings,
    input_problems as protection_input_problems,
    pitr_specification,
    settings_of,
)

SOURCE = "111122223333"
CENTRAL = "444455556666"
RP = "arn:aws:backup:us-east-1:111122223333:recovery-point:1EB3B5E7"
DR_VAULT = "arn:aws:backup:us-west-2:111122223333:backup-vault:dr"
CENTRAL_VAULT = f"arn:aws:backup:us-east-1:{CENTRAL}:backup-vault:central"


def copy_params(**overrides):
    params = dict(recovery_point_arn=RP, source_backup_vault_name="src", destination_backup_vault_arn=DR_VAULT,
                  lifecycle=None, wait_timeout=60)
    params.update(overrides)
    return params


def test_copy_input_names_the_option():
    assert copy_input_problems(copy_params()) == []
    (problem,) = copy_input_problems(copy_params(destination_backup_vault_arn="dr"))
    assert problem.startswith("destination_backup_vault_arn must be a backup vault ARN")
    (problem,) = copy_input_problems(copy_params(wait_timeout=0))
    assert problem.startswith("wait_timeout")


def job(state, created, point=RP, vault=DR_VAULT, job_id=None):
    return {"CopyJobId": job_id or f"{state}-{created}", "State": state, "CreationDate": f"2026-12-0{created}T00:00:00Z",
            "SourceRecoveryPointArn": point, "DestinationBackupVaultArn": vault}


def test_a_completed_or_running_copy_is_reused_newest_first_and_a_failed_one_is_not():
    assert reusable_copy_job([job("FAILED", 3)], RP, DR_VAULT) is None
    assert reusable_copy_job([job("COMPLETED", 1), job("RUNNING", 2), job("FAILED", 3)], RP, DR_VAULT)["State"] == "RUNNING"
    # another recovery point or another vault is not a copy of this one into that vault
    assert reusable_copy_job([job("COMPLETED", 1, point=RP + "X"), job("COMPLETED", 2, vault=CENTRAL_VAULT)], RP, DR_VAULT) is None


@pytest.mark.parametrize(
    "message, expected",
    [
        ("Access denied: Copy job failed. Both source and destination account must be a member of the same organization",
         f"Source account {SOURCE} and destination account {CENTRAL} must both be members"),
        ("Access denied: Copy job failed. Cross-account backup is not enabled for the organization",
         "Turn on cross-account backup"),
        ("Access Denied trying to call AWS Backup service",
         f"backup vault 'central' in account {CENTRAL} (Region us-east-1) must allow backup:CopyIntoBackupVault to source account {SOURCE}"),
    ],
)
def test_an_access_denied_copy_says_what_to_fix(message, expected):
    advice = failure_advice({"status_message": message, "message_category": "AccessDenied"}, SOURCE, CENTRAL_VAULT)
    assert expected in advice


def test_a_copy_that_failed_otherwise_gets_no_access_advice():
    assert failure_advice({"status_message": "Recovery point ARN is in cold storage and cannot be copied."}, SOURCE, DR_VAULT) == ""


def test_protection_input_names_the_option():
    base = dict(name="orders", point_in_time_recovery=None, recovery_period_days=None, deletion_protection=None)
    assert protection_input_problems(base) == []
    assert protection_input_problems({**base, "recovery_period_days": 0})[0].startswith("recovery_period_days must be from 1 to 35")
    assert "needs point_in_time_recovery=true" in protection_input_problems(
        {**base, "point_in_time_recovery": False, "recovery_period_days": 7})[0]


OFF = settings_of({"DeletionProtectionEnabled": False}, {"PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}})
ON_14 = settings_of({"DeletionProtectionEnabled": True},
                    {"PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "ENABLED", "RecoveryPeriodInDays": 14}})


def test_settings_and_what_changes():
    assert OFF == {"point_in_time_recovery": False, "recovery_period_days": None, "deletion_protection": False}
    # options not given leave the settings alone
    assert desired_settings(ON_14) == ON_14
    assert pitr_specification(ON_14, desired_settings(ON_14, deletion_protection=False)) is None
    # turning PITR on without a period: DynamoDB's default, 35
    on = desired_settings(OFF, point_in_time_recovery=True)
    assert pitr_specification(OFF, on) == {"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 35}
    # a new period only
    assert pitr_specification(ON_14, desired_settings(ON_14, recovery_period_days=7)) == {
        "PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7}
    assert pitr_specification(ON_14, desired_settings(ON_14, point_in_time_recovery=False)) == {"PointInTimeRecoveryEnabled": False}
