"""AWS Backup recovery points: ARN forms, listing, describing, lifecycle, deletion and vault policies."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError

from conftest import control

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/backup-role"
BACKUP_RP_ARN = re.compile(rf"^arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:[0-9a-f-]{{36}}$")
DYNAMODB_RP_ARN = re.compile(rf"^arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders/backup/\d{{14}}-[0-9a-f]{{8}}$")
Client = Callable[..., Any]


def make_table(ddb: Any, name: str, **extra: Any) -> str:
    arn = ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )["TableDescription"]["TableArn"]
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "payload": {"S": "x" * 100}})
    return arn


def error_code(excinfo: Any) -> str:
    return excinfo.value.response["Error"]["Code"]


def back_up(backup: Any, table_arn: str, vault: str = "vault-a", wait: bool = True, **extra: Any) -> str:
    job_id = backup.start_backup_job(BackupVaultName=vault, ResourceArn=table_arn, IamRoleArn=ROLE, **extra)[
        "BackupJobId"
    ]
    deadline = time.monotonic() + 5
    while wait and time.monotonic() < deadline:
        job = backup.describe_backup_job(BackupJobId=job_id)
        if job["State"] == "COMPLETED":
            return job["RecoveryPointArn"]
        time.sleep(0.05)
    return backup.describe_backup_job(BackupJobId=job_id)["RecoveryPointArn"]


@pytest.fixture
def env(client: Client, endpoint: str) -> dict[str, Any]:
    control(endpoint, job_seconds=0.02)  # tests that watch a job's progress set their own
    ddb, backup = client("dynamodb"), client("backup")
    backup.create_backup_vault(BackupVaultName="vault-a")
    return {"ddb": ddb, "backup": backup, "table": make_table(ddb, "orders")}


def not_advanced(backup: Any) -> None:
    backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})


# --------------------------------------------------------------------------- ARN forms


def test_advanced_backup_gives_an_aws_backup_arn_dynamodb_does_not_list(env: dict[str, Any]) -> None:
    env["backup"].update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
    arn = back_up(env["backup"], env["table"])
    assert BACKUP_RP_ARN.match(arn)
    assert env["ddb"].list_backups(BackupType="ALL")["BackupSummaries"] == []


def test_without_advanced_backup_the_recovery_point_is_a_dynamodb_backup(env: dict[str, Any]) -> None:
    not_advanced(env["backup"])
    arn = back_up(env["backup"], env["table"])
    assert DYNAMODB_RP_ARN.match(arn), arn
    ddb = env["ddb"]
    assert ddb.list_backups()["BackupSummaries"] == []  # ListBackups lists USER backups by default
    [summary] = ddb.list_backups(BackupType="AWS_BACKUP")["BackupSummaries"]
    assert summary["BackupArn"] == arn
    assert summary["BackupType"] == "AWS_BACKUP"
    assert summary["BackupStatus"] == "AVAILABLE"
    assert summary["TableName"] == "orders"
    assert [s["BackupArn"] for s in ddb.list_backups(BackupType="ALL")["BackupSummaries"]] == [arn]
    details = ddb.describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"]
    assert details["BackupType"] == "AWS_BACKUP"
    rp = env["backup"].describe_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)
    assert rp["RecoveryPointArn"] == arn
    assert rp["BackupSizeInBytes"] == details["BackupSizeBytes"] > 0


def test_dynamodb_backup_is_creating_until_the_job_completes(env: dict[str, Any], endpoint: str) -> None:
    not_advanced(env["backup"])
    control(endpoint, job_seconds=30)
    arn = back_up(env["backup"], env["table"], wait=False)
    assert env["ddb"].describe_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"]["BackupStatus"] == "CREATING"
    rp = env["backup"].describe_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)
    assert rp["Status"] == "CREATING"
    assert "CompletionDate" not in rp


# --------------------------------------------------------------------------- describe / list


def test_describe_recovery_point_has_the_aws_shape(env: dict[str, Any]) -> None:
    arn = back_up(env["backup"], env["table"], Lifecycle={"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 120})
    rp = env["backup"].describe_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)
    assert rp["RecoveryPointArn"] == arn
    assert rp["BackupVaultName"] == "vault-a"
    assert rp["BackupVaultArn"] == f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:vault-a"
    assert rp["ResourceArn"] == env["table"]
    assert rp["ResourceType"] == "DynamoDB"
    assert rp["ResourceName"] == "orders"
    assert rp["IamRoleArn"] == ROLE
    assert rp["Status"] == "COMPLETED"
    assert rp["StorageClass"] == "WARM"
    assert rp["IsEncrypted"] is True
    assert rp["EncryptionKeyArn"].startswith(f"arn:aws:kms:us-east-1:{ACCOUNT}:key/")
    assert rp["BackupSizeInBytes"] > 100
    assert rp["Lifecycle"] == {"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 120}
    assert rp["CalculatedLifecycle"] == {
        "MoveToColdStorageAt": rp["CreationDate"] + timedelta(days=10),
        "DeleteAt": rp["CreationDate"] + timedelta(days=120),
    }
    assert rp["CompletionDate"] >= rp["CreationDate"]
    assert "CreatedBy" not in rp  # on-demand backups are not created by a plan


def test_missing_vault_and_wrong_vault(env: dict[str, Any]) -> None:
    backup = env["backup"]
    arn = back_up(backup, env["table"])
    backup.create_backup_vault(BackupVaultName="vault-b")
    with pytest.raises(ClientError) as excinfo:
        backup.list_recovery_points_by_backup_vault(BackupVaultName="no-such-vault")
    assert error_code(excinfo) == "AccessDeniedException"
    with pytest.raises(ClientError) as excinfo:
        backup.describe_recovery_point(BackupVaultName="no-such-vault", RecoveryPointArn=arn)
    assert error_code(excinfo) == "AccessDeniedException"
    with pytest.raises(ClientError) as excinfo:
        backup.describe_recovery_point(BackupVaultName="vault-b", RecoveryPointArn=arn)
    assert error_code(excinfo) == "ResourceNotFoundException"


@pytest.fixture
def three_points(env: dict[str, Any]) -> dict[str, Any]:
    """orders twice and invoices once in vault-a, oldest first."""
    invoices = make_table(env["ddb"], "invoices")
    arns = [back_up(env["backup"], env["table"])]
    arns.append(back_up(env["backup"], invoices))
    arns.append(back_up(env["backup"], env["table"]))
    return {"arns": arns, "invoices": invoices, **env}


def vault_list(backup: Any, **filters: Any) -> list[str]:
    points = backup.list_recovery_points_by_backup_vault(BackupVaultName="vault-a", **filters)["RecoveryPoints"]
    return [rp["RecoveryPointArn"] for rp in points]


def test_list_by_backup_vault_filters(three_points: dict[str, Any]) -> None:
    backup, arns = three_points["backup"], three_points["arns"]
    assert vault_list(backup) == arns[::-1]
    assert vault_list(backup, ByResourceArn=three_points["invoices"]) == [arns[1]]
    assert vault_list(backup, ByResourceArn=three_points["table"]) == [arns[2], arns[0]]
    assert vault_list(backup, ByResourceType="DynamoDB") == arns[::-1]
    assert vault_list(backup, ByResourceType="EFS") == []
    middle = backup.describe_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arns[1])["CreationDate"]
    assert vault_list(backup, ByCreatedAfter=middle) == [arns[2]]
    assert vault_list(backup, ByCreatedBefore=middle) == [arns[0]]
    member = backup.list_recovery_points_by_backup_vault(BackupVaultName="vault-a")["RecoveryPoints"][0]
    for key in (
        "BackupVaultArn",
        "ResourceArn",
        "ResourceType",
        "Status",
        "CreationDate",
        "IamRoleArn",
        "BackupSizeInBytes",
        "EncryptionKeyArn",
        "IsEncrypted",
    ):
        assert key in member


def test_list_by_backup_vault_pages_with_max_results_one(three_points: dict[str, Any]) -> None:
    backup = three_points["backup"]
    seen, token = [], None
    while True:
        page = backup.list_recovery_points_by_backup_vault(
            BackupVaultName="vault-a", MaxResults=1, **({"NextToken": token} if token else {})
        )
        assert len(page["RecoveryPoints"]) == 1
        seen.append(page["RecoveryPoints"][0]["RecoveryPointArn"])
        token = page.get("NextToken")
        if not token:
            break
    assert seen == three_points["arns"][::-1]


def test_list_by_resource_pages_and_has_the_aws_shape(three_points: dict[str, Any]) -> None:
    backup, arns = three_points["backup"], three_points["arns"]
    first = backup.list_recovery_points_by_resource(ResourceArn=three_points["table"], MaxResults=1)
    assert [rp["RecoveryPointArn"] for rp in first["RecoveryPoints"]] == [arns[2]]
    second = backup.list_recovery_points_by_resource(
        ResourceArn=three_points["table"], MaxResults=1, NextToken=first["NextToken"]
    )
    assert [rp["RecoveryPointArn"] for rp in second["RecoveryPoints"]] == [arns[0]]
    assert "NextToken" not in second
    member = first["RecoveryPoints"][0]
    assert member["Status"] == "COMPLETED"
    assert member["BackupVaultName"] == "vault-a"
    assert member["BackupSizeBytes"] > 0
    assert member["EncryptionKeyArn"].startswith("arn:aws:kms:")
    assert "CreationDate" in member
    nothing = backup.list_recovery_points_by_resource(ResourceArn=f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/none")
    assert nothing["RecoveryPoints"] == []


def test_vault_counts_its_recovery_points(three_points: dict[str, Any]) -> None:
    vault = three_points["backup"].describe_backup_vault(BackupVaultName="vault-a")
    assert vault["NumberOfRecoveryPoints"] == 3


# --------------------------------------------------------------------------- lifecycle and metadata


def test_update_recovery_point_lifecycle(env: dict[str, Any]) -> None:
    backup = env["backup"]
    arn = back_up(backup, env["table"])
    updated = backup.update_recovery_point_lifecycle(
        BackupVaultName="vault-a",
        RecoveryPointArn=arn,
        Lifecycle={"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120},
    )
    created = backup.describe_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)["CreationDate"]
    assert updated["RecoveryPointArn"] == arn
    assert updated["BackupVaultArn"].endswith(":backup-vault:vault-a")
    assert updated["Lifecycle"] == {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120}
    assert updated["CalculatedLifecycle"]["DeleteAt"] == created + timedelta(days=120)
    assert updated["CalculatedLifecycle"]["MoveToColdStorageAt"] == created + timedelta(days=30)
    with pytest.raises(ClientError) as excinfo:
        backup.update_recovery_point_lifecycle(
            BackupVaultName="vault-a",
            RecoveryPointArn=arn,
            Lifecycle={"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 119},
        )
    assert error_code(excinfo) == "InvalidParameterValueException"
    kept = backup.describe_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)["Lifecycle"]
    assert kept == {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 120}


def test_restore_metadata_names_the_source_table(env: dict[str, Any]) -> None:
    backup = env["backup"]
    arn = back_up(backup, env["table"])
    answer = backup.get_recovery_point_restore_metadata(BackupVaultName="vault-a", RecoveryPointArn=arn)
    assert answer["RecoveryPointArn"] == arn
    assert answer["BackupVaultArn"].endswith(":backup-vault:vault-a")
    assert answer["ResourceType"] == "DynamoDB"
    assert answer["RestoreMetadata"] == {"targetTableName": "orders", "encryptionType": "Default"}


def test_restore_metadata_of_a_kms_encrypted_table(env: dict[str, Any]) -> None:
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
    table = make_table(
        env["ddb"], "secrets", SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key}
    )
    arn = back_up(env["backup"], table)
    metadata = env["backup"].get_recovery_point_restore_metadata(BackupVaultName="vault-a", RecoveryPointArn=arn)
    assert metadata["RestoreMetadata"] == {
        "targetTableName": "secrets",
        "encryptionType": "KMS",
        "kmsMasterKeyArn": key,
    }


# --------------------------------------------------------------------------- deletion


def test_delete_recovery_point_also_deletes_the_dynamodb_backup(env: dict[str, Any]) -> None:
    backup = env["backup"]
    not_advanced(backup)
    arn = back_up(backup, env["table"])
    backup.delete_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)
    assert vault_list(backup) == []
    assert env["ddb"].list_backups(BackupType="ALL")["BackupSummaries"] == []
    with pytest.raises(ClientError) as excinfo:
        env["ddb"].describe_backup(BackupArn=arn)
    assert error_code(excinfo) == "BackupNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        backup.delete_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_a_recovery_point_being_created_cannot_be_deleted(env: dict[str, Any], endpoint: str) -> None:
    control(endpoint, job_seconds=30)
    arn = back_up(env["backup"], env["table"], wait=False)
    with pytest.raises(ClientError) as excinfo:
        env["backup"].delete_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)
    assert error_code(excinfo) == "InvalidResourceStateException"


def deny_delete(principal: Any = "*", action: Any = "backup:DeleteRecoveryPoint", **extra: Any) -> str:
    statement = {"Effect": "Deny", "Principal": principal, "Action": action, "Resource": "*", **extra}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def assume(client: Client, role_name: str) -> Any:
    iam = client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    credentials = client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="drill")["Credentials"]
    return client(
        "backup",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def test_a_vault_policy_denying_deletion_refuses_it(env: dict[str, Any]) -> None:
    backup = env["backup"]
    arn = back_up(backup, env["table"])
    backup.put_backup_vault_access_policy(BackupVaultName="vault-a", Policy=deny_delete())
    with pytest.raises(ClientError) as excinfo:
        backup.delete_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)
    assert error_code(excinfo) == "AccessDeniedException"
    message = excinfo.value.response["Error"]["Message"]
    assert f"arn:aws:iam::{ACCOUNT}:root" in message and "backup:DeleteRecoveryPoint" in message
    assert vault_list(backup) == [arn]
    backup.delete_backup_vault_access_policy(BackupVaultName="vault-a")
    backup.delete_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)
    assert vault_list(backup) == []


@pytest.mark.parametrize("action", ["backup:Delete*", ["backup:StartBackupJob", "backup:deleterecoverypoint"], "*"])
def test_deny_matches_action_wildcards(env: dict[str, Any], action: Any) -> None:
    arn = back_up(env["backup"], env["table"])
    env["backup"].put_backup_vault_access_policy(BackupVaultName="vault-a", Policy=deny_delete(action=action))
    with pytest.raises(ClientError) as excinfo:
        env["backup"].delete_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)
    assert error_code(excinfo) == "AccessDeniedException"


def test_a_policy_denying_other_actions_or_resources_does_not_block(env: dict[str, Any]) -> None:
    backup = env["backup"]
    first, second = back_up(backup, env["table"]), back_up(backup, env["table"])
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "backup:StartBackupJob", "Resource": "*"},
            {"Effect": "Deny", "Principal": "*", "Action": "backup:DeleteRecoveryPoint", "Resource": second},
        ],
    }
    backup.put_backup_vault_access_policy(BackupVaultName="vault-a", Policy=json.dumps(policy))
    backup.delete_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=first)
    with pytest.raises(ClientError):
        backup.delete_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=second)


def test_a_condition_exempts_a_break_glass_role(env: dict[str, Any], client: Client) -> None:
    backup = env["backup"]
    arn = back_up(backup, env["table"])
    policy = deny_delete(
        principal={"AWS": "*"},
        Condition={"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/BreakGlass*"}},
    )
    backup.put_backup_vault_access_policy(BackupVaultName="vault-a", Policy=policy)
    other = assume(client, "Operator")
    with pytest.raises(ClientError) as excinfo:
        other.delete_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)
    assert error_code(excinfo) == "AccessDeniedException"
    assert f"assumed-role/Operator/drill" in excinfo.value.response["Error"]["Message"]
    with pytest.raises(ClientError):
        backup.delete_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)
    assume(client, "BreakGlassAdmin").delete_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)
    assert vault_list(backup) == []


def test_a_deny_naming_an_iam_user_applies_to_that_user_only(env: dict[str, Any], client: Client) -> None:
    backup = env["backup"]
    iam = client("iam")
    user = iam.create_user(UserName="intern")["User"]
    key = iam.create_access_key(UserName="intern")["AccessKey"]
    intern = client("backup", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    first, second = back_up(backup, env["table"]), back_up(backup, env["table"])
    backup.put_backup_vault_access_policy(
        BackupVaultName="vault-a", Policy=deny_delete(principal={"AWS": [user["Arn"]]})
    )
    with pytest.raises(ClientError) as excinfo:
        intern.delete_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=first)
    assert error_code(excinfo) == "AccessDeniedException"
    assert user["Arn"] in excinfo.value.response["Error"]["Message"]
    backup.delete_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=second)
    assert vault_list(backup) == [first]


def test_string_not_equals_condition_on_principal_arn(env: dict[str, Any]) -> None:
    backup = env["backup"]
    arn = back_up(backup, env["table"])
    root = f"arn:aws:iam::{ACCOUNT}:root"
    backup.put_backup_vault_access_policy(
        BackupVaultName="vault-a",
        Policy=deny_delete(Condition={"StringNotEquals": {"aws:PrincipalArn": [root]}}),
    )
    backup.delete_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)
    assert vault_list(backup) == []


ROOT = f"arn:aws:iam::{ACCOUNT}:root"


@pytest.mark.parametrize("condition, denied", [
    # the caller (the account's root) has no aws:username: Null is true
    ({"Null": {"aws:username": "true"}}, True),
    ({"Null": {"aws:username": "false"}}, False),
    ({"ForAnyValue:StringLike": {"aws:PrincipalArn": ["arn:aws:iam::*:user/*", "arn:aws:iam::*:root"]}}, True),
    ({"StringEqualsIfExists": {"aws:username": "intern"}}, True),  # a missing key passes ...IfExists
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}, True),
    ({"ArnNotEquals": {"aws:PrincipalArn": [ROOT, "arn:aws:iam::111111111111:root"]}}, False),
    ({"NumericLessThan": {"aws:PrincipalAccount": "2"}}, False),
    ({"NotAnOperator": {"aws:PrincipalArn": ROOT}}, False),  # an operator IAM does not know never holds
], ids=["null-true", "null-false", "for-any-value", "if-exists", "arn-like", "arn-not-equals", "numeric",
        "unknown-operator"])
def test_vault_policy_conditions_are_evaluated_as_identity_policy_conditions(
        env: dict[str, Any], condition: dict[str, Any], denied: bool) -> None:
    from backupkit_emulator.iam_policy import ALLOWED, EXPLICIT_DENY, evaluate, parse_policy

    backup = env["backup"]
    arn = back_up(backup, env["table"])
    backup.put_backup_vault_access_policy(BackupVaultName="vault-a", Policy=deny_delete(Condition=condition))
    if denied:
        with pytest.raises(ClientError) as excinfo:
            backup.delete_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)
        assert error_code(excinfo) == "AccessDeniedException"
    else:
        backup.delete_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)
    # the same statement, as an identity policy, gets the same answer from the IAM engine
    identity = parse_policy({"Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "backup:DeleteRecoveryPoint", "Resource": "*", "Condition": condition}]}, "p")
    context = {"aws:PrincipalArn": ROOT, "aws:PrincipalAccount": ACCOUNT, "aws:PrincipalType": "Account"}
    decision = evaluate([identity], "backup:DeleteRecoveryPoint", arn, context).decision
    assert decision == (EXPLICIT_DENY if denied else ALLOWED)


def test_the_aws_documented_policy_naming_the_vault_arn_blocks_deletion(env: dict[str, Any]) -> None:
    backup = env["backup"]
    arn = back_up(backup, env["table"])
    vault_arn = f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:vault-a"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "backup:DeleteRecoveryPoint", "Resource": vault_arn}
        ],
    }
    backup.put_backup_vault_access_policy(BackupVaultName="vault-a", Policy=json.dumps(policy))
    with pytest.raises(ClientError) as excinfo:
        backup.delete_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=arn)
    assert error_code(excinfo) == "AccessDeniedException"
