"""The one retry policy and error-code tests: each error is reported as what AWS answered."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from ansible_collections.amazon.aws.plugins.module_utils.iam import AnsibleIAMError

from ansible_collections.backupkit.dynamodb.plugins.module_utils import _retry
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import create_backup_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import list_backup_plans
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import start_backup_job
from ansible_collections.backupkit.dynamodb.plugins.module_utils._deny_policy import create_policy_version

TABLE = "arn:aws:dynamodb:us-east-1:111122223333:table/orders"
ROLE = "arn:aws:iam::111122223333:role/backup"
POLICY = "arn:aws:iam::111122223333:policy/deny"


def client(service, **retries):
    # the Stubber answers before botocore's own retries: what is counted is the collection's attempts
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x",
                        config=Config(retries=dict({"mode": "standard"}, **retries)))


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    """The retry waits are real sleeps of amazon.aws's retry loop: count them instead."""
    waits = []
    from ansible_collections.amazon.aws.plugins.module_utils import cloud

    monkeypatch.setattr(cloud.time, "sleep", waits.append)
    return waits


# --------------------------------------------------------------------------- the retry policy


@pytest.mark.parametrize("code", ["ThrottlingException", "InternalServerError", "ServiceUnavailableException"])
def test_throttling_and_5xx_are_retried_until_the_call_succeeds(code, no_waiting):
    backup = client("backup")
    with Stubber(backup) as stub:
        for _attempt in range(3):
            stub.add_client_error("start_backup_job", service_error_code=code, http_status_code=500)
        stub.add_response("start_backup_job", {"BackupJobId": "job-1"}, None)
        assert start_backup_job(backup, BackupVaultName="v", ResourceArn=TABLE, IamRoleArn=ROLE)["BackupJobId"] == "job-1"
        stub.assert_no_pending_responses()
    assert len(no_waiting) == 3
    assert all(0 <= wait <= _retry.MAX_DELAY for wait in no_waiting)


def test_retries_are_bounded_and_the_last_error_is_reported(no_waiting):
    backup = client("backup")
    with Stubber(backup) as stub:
        for _attempt in range(_retry.ATTEMPTS):
            stub.add_client_error("start_backup_job", service_error_code="ThrottlingException", http_status_code=400)
        with pytest.raises(AnsibleBackupError, match="ThrottlingException"):
            start_backup_job(backup, BackupVaultName="v", ResourceArn=TABLE, IamRoleArn=ROLE)
        stub.assert_no_pending_responses()
    assert len(no_waiting) == _retry.ATTEMPTS - 1
    assert _retry.MAX_TOTAL_WAIT == 1 + 2 + 4 + 8 + 16 + 20 + 20


def test_quota_errors_are_not_retried(no_waiting):
    backup = client("backup")
    with Stubber(backup) as stub:
        stub.add_client_error("start_backup_job", service_error_code="LimitExceededException", http_status_code=400)
        with pytest.raises(AnsibleBackupError, match="LimitExceededException"):
            start_backup_job(backup, BackupVaultName="v", ResourceArn=TABLE, IamRoleArn=ROLE)
    assert no_waiting == []


def test_every_service_throttling_code_is_retried():
    for code in ("ThrottlingException", "ProvisionedThroughputExceededException", "InternalServerError",
                 "InternalFailure", "ServiceUnavailable", "RequestLimitExceeded", "TooManyRequestsException",
                 "Throttling", "SlowDown", "KMSInternalException", "ServiceFailure"):
        assert _retry.is_retryable(code), code
    for code in ("AccessDeniedException", "LimitExceeded", "LimitExceededException", "ValidationException"):
        assert not _retry.is_retryable(code), code


def test_aws_max_attempts_leaves_the_attempts_to_botocore():
    assert _retry.collection_attempts(None, {}) == _retry.ATTEMPTS
    assert _retry.collection_attempts(None, {"AWS_MAX_ATTEMPTS": "4"}) == 1


@pytest.mark.parametrize("retries", [{"max_attempts": 1}, {"total_max_attempts": 2}])
def test_aws_config_max_attempts_makes_each_call_once(retries, no_waiting):
    """aws_config: {retries: {max_attempts: N}} on a task reaches the client's configuration; the
    collection then leaves the count to botocore: one throttling answer fails the call."""
    backup = client("backup", **retries)
    with Stubber(backup) as stub:
        stub.add_client_error("list_backup_plans", service_error_code="ThrottlingException", http_status_code=400)
        with pytest.raises(AnsibleBackupError, match="ThrottlingException"):
            list_backup_plans(backup)
        stub.assert_no_pending_responses()
    assert no_waiting == []


def test_aws_retry_mode_alone_keeps_the_collections_attempts(no_waiting):
    backup = client("backup", mode="adaptive")
    with Stubber(backup) as stub:
        stub.add_client_error("list_backup_plans", service_error_code="ThrottlingException", http_status_code=400)
        stub.add_response("list_backup_plans", {"BackupPlansList": []}, {})
        assert list_backup_plans(backup) == []
    assert len(no_waiting) == 1


def test_aws_max_attempts_in_the_environment_is_read_at_call_time(monkeypatch, no_waiting):
    backup = client("backup")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")
    with Stubber(backup) as stub:
        stub.add_client_error("list_backup_plans", service_error_code="ThrottlingException", http_status_code=400)
        with pytest.raises(AnsibleBackupError):
            list_backup_plans(backup)
    assert no_waiting == []


@pytest.mark.parametrize(
    "aws_config, environ, profile, expected",
    [
        (None, {}, {}, {"mode": "standard"}),
        ({"retries": {"mode": "adaptive"}}, {}, {}, None),
        ({"retries": {"max_attempts": 7}}, {}, {}, {"mode": "standard"}),
        (None, {"AWS_RETRY_MODE": "legacy"}, {}, None),
        (None, {"AWS_RETRY_MODE": "legacy", "AWS_MAX_ATTEMPTS": "2"}, {}, None),
        (None, {}, {"retry_mode": "adaptive", "max_attempts": "5"}, None),
    ],
)
def test_a_modules_own_client_configuration_leaves_out_what_the_user_chose(aws_config, environ, profile, expected):
    assert _retry.botocore_retries({"aws_config": aws_config}, environ=environ, profile_config=profile) == expected


def test_a_modules_own_client_configuration_keeps_the_collections_retries(monkeypatch):
    """ddb_table_compare and ddb_csv_load build their clients with botocore_retries(): a throttled
    Scan must still be made again by the collection, not only by botocore's 3 attempts (CI saw
    "reached max retries: 3" under 20% throttling)."""
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    config = Config(retries=_retry.botocore_retries({}, environ={}, profile_config={}))
    dynamodb = boto3.client("dynamodb", region_name="us-east-1", config=config,
                            aws_access_key_id="x", aws_secret_access_key="x")
    assert _retry.collection_attempts(dynamodb, environ={}) == _retry.ATTEMPTS


def test_the_created_by_lookups_retry_aws_backup_throttling(no_waiting):
    """Issue 17: ListBackupPlans of the plan-name filter used AWSRetry's default codes, without ThrottlingException."""
    from ansible_collections.backupkit.dynamodb.plugins.module_utils._created_by import CreatedByFilter

    backup = client("backup")
    with Stubber(backup) as stub:
        stub.add_client_error("list_backup_plans", service_error_code="ThrottlingException", http_status_code=400)
        stub.add_response("list_backup_plans", {"BackupPlansList": [{"BackupPlanName": "daily", "BackupPlanId": "p1"}]},
                          {"IncludeDeleted": True})
        assert CreatedByFilter(backup, {"backup_plan_name": "daily"}).plan_ids() == ["p1"]
    assert len(no_waiting) == 1


# --------------------------------------------------------------------------- error codes


def test_a_5xx_from_start_backup_job_is_not_reported_as_access_denied():
    backup = client("backup")
    with Stubber(backup) as stub:
        for _attempt in range(_retry.ATTEMPTS):
            stub.add_client_error("start_backup_job", service_error_code="InternalServerError", http_status_code=500)
        with pytest.raises(AnsibleBackupError) as info:
            start_backup_job(backup, BackupVaultName="badvault", ResourceArn=TABLE, IamRoleArn=ROLE)
    assert "access denied" not in str(info.value)
    assert "InternalServerError" in str(info.value.exception)


def test_a_refused_vault_name_is_not_reported_as_already_existing():
    backup = client("backup")
    with Stubber(backup) as stub:
        stub.add_client_error("create_backup_vault", service_error_code="InvalidParameterValueException",
                              service_message="Invalid backup vault name", http_status_code=400)
        with pytest.raises(AnsibleBackupError) as info:
            create_backup_vault(backup, BackupVaultName="bad name!")
    assert "already exists" not in str(info.value)
    assert "InvalidParameterValueException" in str(info.value.exception)


def test_only_iams_version_limit_makes_room_for_a_policy_version():
    iam = client("iam")
    versions = {"Versions": [{"VersionId": "v1", "IsDefaultVersion": True}]}
    with Stubber(iam) as stub:
        stub.add_response("list_policy_versions", versions, {"PolicyArn": POLICY})
        stub.add_client_error("create_policy_version", service_error_code="MalformedPolicyDocument", http_status_code=400)
        # no second ListPolicyVersions and no DeletePolicyVersion: the stubber fails on any other call
        with pytest.raises(AnsibleIAMError) as info:
            create_policy_version(iam, POLICY, {"Version": "2012-10-17", "Statement": []})
        stub.assert_no_pending_responses()
    assert "MalformedPolicyDocument" in str(info.value.exception)
