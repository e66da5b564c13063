"""AWS Backup vaults, vault access policies and vault notifications."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from backupkit_emulator.backup.models import backup_backends

VAULT_ARN = "arn:aws:backup:us-east-1:123456789012:backup-vault:{}"
TOPIC = "arn:aws:sns:us-east-1:123456789012:backup-events"
DENY_DELETE = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "backup:DeleteRecoveryPoint",
        "Resource": "*",
    }],
})


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


@pytest.fixture
def backup(client: Callable[..., Any]) -> Any:
    return client("backup")


@pytest.fixture
def backend(endpoint: str) -> Any:
    return backup_backends["123456789012"]["us-east-1"]


@pytest.fixture
def recovery_points(backend: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Stand in for the recovery points module: vault name -> its recovery points."""
    points: dict[str, list[str]] = {}
    monkeypatch.setattr(backend, "recovery_points_in_vault", lambda name: points.get(name, []), raising=False)
    return points


def test_describe_missing_vault_is_access_denied(backup: Any) -> None:
    with pytest.raises(ClientError) as exc:
        backup.describe_backup_vault(BackupVaultName="missing")
    assert error_code(exc) == "AccessDeniedException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert exc.value.response["Error"]["Message"] == "Insufficient privileges to perform this action."


def test_amazon_aws_backup_vault_treats_a_missing_vault_as_absent(backup: Any) -> None:
    module = pytest.importorskip("ansible_collections.amazon.aws.plugins.modules.backup_vault")

    class FakeModule:
        def __init__(self) -> None:
            self.warnings: list[str] = []

        def warn(self, message: str) -> None:
            self.warnings.append(message)

        def fail_json_aws(self, err: Exception, msg: str) -> None:
            raise AssertionError(f"{msg}: {err}")

    fake = FakeModule()
    assert module.get_vault_facts(fake, backup, "missing") is None
    assert fake.warnings == ["Access Denied trying to describe backup vault"]

    backup.create_backup_vault(BackupVaultName="present", BackupVaultTags={"team": "data"})
    facts = module.get_vault_facts(fake, backup, "present")
    assert facts["BackupVaultName"] == "present"
    assert facts["tags"] == {"team": "data"}


def test_describe_reports_aws_fields(backup: Any) -> None:
    created = backup.create_backup_vault(BackupVaultName="vault-a", CreatorRequestId="req-1")
    assert created["BackupVaultArn"] == VAULT_ARN.format("vault-a")

    described = backup.describe_backup_vault(BackupVaultName="vault-a")
    assert described["BackupVaultArn"] == VAULT_ARN.format("vault-a")
    assert described["VaultType"] == "BACKUP_VAULT"
    assert described["NumberOfRecoveryPoints"] == 0
    assert described["Locked"] is False
    assert described["CreatorRequestId"] == "req-1"
    assert re.match(r"^arn:aws:kms:us-east-1:123456789012:key/[0-9a-f-]{36}$", described["EncryptionKeyArn"])
    assert not {"MinRetentionDays", "MaxRetentionDays", "LockDate"} & set(described)

    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    backup.create_backup_vault(BackupVaultName="vault-b", EncryptionKeyArn=key)
    assert backup.describe_backup_vault(BackupVaultName="vault-b")["EncryptionKeyArn"] == key


def test_lock_fields_are_reported(backup: Any) -> None:
    backup.create_backup_vault(BackupVaultName="locked")
    backup.put_backup_vault_lock_configuration(
        BackupVaultName="locked", MinRetentionDays=7, MaxRetentionDays=30, ChangeableForDays=3
    )
    described = backup.describe_backup_vault(BackupVaultName="locked")
    assert described["Locked"] is True
    assert (described["MinRetentionDays"], described["MaxRetentionDays"]) == (7, 30)
    assert described["LockDate"] > described["CreationDate"]
    [listed] = backup.list_backup_vaults()["BackupVaultList"]
    assert (listed["Locked"], listed["MinRetentionDays"], listed["MaxRetentionDays"]) == (True, 7, 30)


def test_recovery_points_are_counted_and_block_deletion(backup: Any, recovery_points: dict[str, list[str]]) -> None:
    backup.create_backup_vault(BackupVaultName="full")
    recovery_points["full"] = ["rp-1", "rp-2"]

    assert backup.describe_backup_vault(BackupVaultName="full")["NumberOfRecoveryPoints"] == 2
    assert backup.list_backup_vaults()["BackupVaultList"][0]["NumberOfRecoveryPoints"] == 2
    with pytest.raises(ClientError) as exc:
        backup.delete_backup_vault(BackupVaultName="full")
    assert error_code(exc) == "InvalidRequestException"
    message = exc.value.response["Error"]["Message"]
    assert message == "Backup vault cannot be deleted because it contains recovery points."

    recovery_points["full"] = []
    backup.delete_backup_vault(BackupVaultName="full")
    assert backup.list_backup_vaults()["BackupVaultList"] == []


def test_delete_missing_vault_is_access_denied(backup: Any) -> None:
    with pytest.raises(ClientError) as exc:
        backup.delete_backup_vault(BackupVaultName="missing")
    assert error_code(exc) == "AccessDeniedException"


def test_deleted_vault_leaves_no_policy_notifications_or_tags_behind(backup: Any) -> None:
    arn = backup.create_backup_vault(BackupVaultName="vault-a", BackupVaultTags={"a": "1"})["BackupVaultArn"]
    backup.put_backup_vault_access_policy(BackupVaultName="vault-a", Policy=DENY_DELETE)
    backup.put_backup_vault_notifications(
        BackupVaultName="vault-a", SNSTopicArn=TOPIC, BackupVaultEvents=["BACKUP_JOB_COMPLETED"]
    )
    backup.delete_backup_vault(BackupVaultName="vault-a")
    backup.create_backup_vault(BackupVaultName="vault-a")

    assert backup.list_tags(ResourceArn=arn)["Tags"] == {}
    for call in (backup.get_backup_vault_access_policy, backup.get_backup_vault_notifications):
        with pytest.raises(ClientError) as exc:
            call(BackupVaultName="vault-a")
        assert error_code(exc) == "ResourceNotFoundException"


def test_list_vaults_paginates(backup: Any) -> None:
    names = ["vault-a", "vault-b", "vault-c"]
    for name in names:
        backup.create_backup_vault(BackupVaultName=name)

    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = backup.list_backup_vaults(MaxResults=1, **({"NextToken": token} if token else {}))
        pages += 1
        seen.extend(v["BackupVaultName"] for v in page["BackupVaultList"])
        token = page.get("NextToken")
        if not token:
            break
    assert (seen, pages) == (names, 3)
    full = backup.get_paginator("list_backup_vaults").paginate(PaginationConfig={"PageSize": 2}).build_full_result()
    assert [v["BackupVaultName"] for v in full["BackupVaultList"]] == names
    assert backup.list_backup_vaults(ByVaultType="LOGICALLY_AIR_GAPPED_BACKUP_VAULT")["BackupVaultList"] == []
    assert len(backup.list_backup_vaults(ByVaultType="BACKUP_VAULT")["BackupVaultList"]) == 3


def test_invalid_vault_name_is_refused(backup: Any) -> None:
    with pytest.raises(ClientError) as exc:
        backup.create_backup_vault(BackupVaultName="a")
    assert error_code(exc) == "InvalidParameterValueException"


def test_vault_tags(backup: Any) -> None:
    created = backup.create_backup_vault(BackupVaultName="vault-a", BackupVaultTags={"Key with Spaces": "v"})
    arn = created["BackupVaultArn"]
    backup.tag_resource(ResourceArn=arn, Tags={"CamelCaseKey": "x"})
    assert backup.list_tags(ResourceArn=arn)["Tags"] == {"Key with Spaces": "v", "CamelCaseKey": "x"}
    backup.untag_resource(ResourceArn=arn, TagKeyList=["Key with Spaces"])
    assert backup.list_tags(ResourceArn=arn)["Tags"] == {"CamelCaseKey": "x"}


def test_access_policy_round_trip(backup: Any, backend: Any) -> None:
    backup.create_backup_vault(BackupVaultName="vault-a")
    with pytest.raises(ClientError) as exc:
        backup.get_backup_vault_access_policy(BackupVaultName="vault-a")
    assert error_code(exc) == "ResourceNotFoundException"
    assert backend.vault_access_policy("vault-a") is None

    backup.put_backup_vault_access_policy(BackupVaultName="vault-a", Policy=DENY_DELETE)
    got = backup.get_backup_vault_access_policy(BackupVaultName="vault-a")
    assert got["BackupVaultName"] == "vault-a"
    assert got["BackupVaultArn"] == VAULT_ARN.format("vault-a")
    assert got["Policy"] == DENY_DELETE
    assert backend.vault_access_policy("vault-a") == json.loads(DENY_DELETE)

    backup.delete_backup_vault_access_policy(BackupVaultName="vault-a")
    with pytest.raises(ClientError) as exc:
        backup.get_backup_vault_access_policy(BackupVaultName="vault-a")
    assert error_code(exc) == "ResourceNotFoundException"
    assert backend.vault_access_policy("vault-a") is None


@pytest.mark.parametrize("policy", ["{not json", '"a string"'])
def test_access_policy_must_be_a_json_document(backup: Any, policy: str) -> None:
    backup.create_backup_vault(BackupVaultName="vault-a")
    with pytest.raises(ClientError) as exc:
        backup.put_backup_vault_access_policy(BackupVaultName="vault-a", Policy=policy)
    assert error_code(exc) == "InvalidParameterValueException"


def test_policy_and_notifications_of_a_missing_vault_are_access_denied(backup: Any) -> None:
    for call in (
        lambda: backup.put_backup_vault_access_policy(BackupVaultName="missing", Policy=DENY_DELETE),
        lambda: backup.get_backup_vault_access_policy(BackupVaultName="missing"),
        lambda: backup.get_backup_vault_notifications(BackupVaultName="missing"),
        lambda: backup.put_backup_vault_notifications(
            BackupVaultName="missing", SNSTopicArn=TOPIC, BackupVaultEvents=["BACKUP_JOB_COMPLETED"]
        ),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc) == "AccessDeniedException"


def test_notifications_round_trip(backup: Any) -> None:
    backup.create_backup_vault(BackupVaultName="vault-a")
    with pytest.raises(ClientError) as exc:
        backup.get_backup_vault_notifications(BackupVaultName="vault-a")
    assert error_code(exc) == "ResourceNotFoundException"

    events = ["BACKUP_JOB_COMPLETED", "RESTORE_JOB_COMPLETED"]
    backup.put_backup_vault_notifications(BackupVaultName="vault-a", SNSTopicArn=TOPIC, BackupVaultEvents=events)
    got = backup.get_backup_vault_notifications(BackupVaultName="vault-a")
    assert got["BackupVaultName"] == "vault-a"
    assert got["BackupVaultArn"] == VAULT_ARN.format("vault-a")
    assert got["SNSTopicArn"] == TOPIC
    assert got["BackupVaultEvents"] == events

    backup.delete_backup_vault_notifications(BackupVaultName="vault-a")
    with pytest.raises(ClientError) as exc:
        backup.get_backup_vault_notifications(BackupVaultName="vault-a")
    assert error_code(exc) == "ResourceNotFoundException"


@pytest.mark.parametrize(
    "topic, events",
    [(TOPIC, ["NOT_AN_EVENT"]), ("not-an-arn", ["BACKUP_JOB_COMPLETED"])],
    ids=["unknown-event", "bad-topic-arn"],
)
def test_invalid_notifications_are_refused(backup: Any, topic: str, events: list[str]) -> None:
    backup.create_backup_vault(BackupVaultName="vault-a")
    with pytest.raises(ClientError) as exc:
        backup.put_backup_vault_notifications(BackupVaultName="vault-a", SNSTopicArn=topic, BackupVaultEvents=events)
    assert error_code(exc) == "InvalidParameterValueException"


@pytest.fixture
def emulator_process() -> Iterator[str]:
    """The emulator as users start it: the installed console script, on a free port."""
    script = Path(sys.executable).parent / "backupkit-emulator"
    found = str(script) if script.exists() else shutil.which("backupkit-emulator")
    command = [found] if found else [sys.executable, "-m", "backupkit_emulator.server"]
    process = subprocess.Popen(
        [*command, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        match = re.search(r"listening on (http://\S+)", line)
        assert match, f"unexpected first line from the emulator: {line!r}"
        yield match.group(1)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_vault_calls_against_the_emulator_as_a_subprocess(emulator_process: str) -> None:
    backup = boto3.client(
        "backup",
        endpoint_url=emulator_process,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with pytest.raises(ClientError) as exc:
        backup.describe_backup_vault(BackupVaultName="vault-a")
    assert error_code(exc) == "AccessDeniedException"

    backup.create_backup_vault(BackupVaultName="vault-a")
    backup.put_backup_vault_access_policy(BackupVaultName="vault-a", Policy=DENY_DELETE)
    assert backup.get_backup_vault_access_policy(BackupVaultName="vault-a")["Policy"] == DENY_DELETE
    assert backup.describe_backup_vault(BackupVaultName="vault-a")["NumberOfRecoveryPoints"] == 0
    backup.delete_backup_vault(BackupVaultName="vault-a")
    assert backup.list_backup_vaults()["BackupVaultList"] == []
