"""Enforcing mode: IAM users and assumed roles are held to their policies, end to end.

The walk-through of issue 6: a developer in a group whose policy allows
DynamoDB but denies deleting backups creates a table and a backup, then
DeleteBackup and AWS Backup's DeleteRecoveryPoint answer AccessDeniedException,
while the root credentials and the exempt break-glass role can delete.
"""

from __future__ import annotations

import time
from typing import Any, Iterator
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from backupkit_emulator.enforce import Arns, backup_operation, backup_requests, dynamodb_requests, Request
from backupkit_emulator.settings import SETTINGS
from iam_server import ACCOUNT_ID, IamEmulator, access_keys, client, document, session_keys

ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/breakglass"
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/orders"
GUARD = document(
    # creating a vault needs backup-storage:MountCapsule and the vault key's KMS actions too
    {"Effect": "Allow", "Action": ["dynamodb:*", "backup:*", "iam:PassRole", "backup-storage:MountCapsule", "kms:*"],
     "Resource": "*"},
    {
        "Effect": "Deny",
        "Action": ["dynamodb:DeleteBackup", "backup:DeleteRecoveryPoint", "backup:DeleteBackupSelection"],
        "Resource": [
            "arn:aws:dynamodb:*:*:table/*/backup/*",
            "arn:aws:backup:*:*:recovery-point:*",
            "arn:aws:backup:*:*:backup-plan:*",
        ],
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/breakglass"}},
    },
)
TRUST_ACCOUNT = document(
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, "Action": "sts:AssumeRole"}
)


@pytest.fixture(scope="module")
def emulator() -> Iterator[IamEmulator]:
    with IamEmulator() as server:
        yield server


@pytest.fixture
def endpoint(emulator: IamEmulator) -> Iterator[str]:
    """A reset emulator with enforcement on and 0.2 s backup jobs; settings restored after."""
    saved = SETTINGS.as_dict()
    emulator.reset()
    SETTINGS.update({"iam_enforce": True, "job_seconds": 0.2})
    yield emulator.endpoint
    SETTINGS.update(saved)


@pytest.fixture
def developer(endpoint: str) -> dict[str, str]:
    """Keys of user dev, member of group devs, which has the 'guard' policy; role breakglass has it too."""
    iam = client(endpoint, "iam")
    iam.create_user(UserName="dev")
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="dev")
    policy_arn = iam.create_policy(PolicyName="guard", PolicyDocument=GUARD)["Policy"]["Arn"]
    iam.attach_group_policy(GroupName="devs", PolicyArn=policy_arn)
    iam.create_role(RoleName="breakglass", AssumeRolePolicyDocument=TRUST_ACCOUNT)
    iam.attach_role_policy(RoleName="breakglass", PolicyArn=policy_arn)
    return access_keys(iam, "dev")


def break_glass(endpoint: str) -> dict[str, str]:
    """Temporary keys of the break-glass role (AssumeRole with the root keys)."""
    credentials = client(endpoint, "sts").assume_role(RoleArn=ROLE_ARN, RoleSessionName="oncall")["Credentials"]
    return session_keys(credentials)


def create_table(dynamodb: Any, name: str = "orders") -> None:
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def recovery_point(endpoint: str, vault: str = "guarded-vault") -> str:
    """A completed AWS Backup recovery point of table orders (made with the root keys)."""
    backup = client(endpoint, "backup")
    backup.create_backup_vault(BackupVaultName=vault)
    job_id = backup.start_backup_job(BackupVaultName=vault, ResourceArn=TABLE_ARN, IamRoleArn=ROLE_ARN)["BackupJobId"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        job = backup.describe_backup_job(BackupJobId=job_id)
        if job["State"] == "COMPLETED":
            return job["RecoveryPointArn"]
        time.sleep(0.05)
    raise AssertionError(f"backup job {job_id} did not complete: {job['State']}")


def access_denied(call: Any, **kwargs: Any) -> ClientError:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    assert caught.value.response["Error"]["Code"] in ("AccessDeniedException", "AccessDenied")  # (IAM, STS)
    return caught.value


def test_developer_creates_table_and_backup_but_cannot_delete_the_backup(
    developer: dict[str, str], endpoint: str
) -> None:
    dynamodb = client(endpoint, "dynamodb", developer)
    create_table(dynamodb)
    dynamodb.put_item(TableName="orders", Item={"id": {"S": "1"}})
    backup_arn = dynamodb.create_backup(TableName="orders", BackupName="before-change")["BackupDetails"]["BackupArn"]

    error = access_denied(dynamodb.delete_backup, BackupArn=backup_arn)

    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error.response["Error"]["Message"] == (
        f"User: arn:aws:iam::{ACCOUNT_ID}:user/dev is not authorized to perform: dynamodb:DeleteBackup "
        f"on resource: {backup_arn} with an explicit deny in an identity-based policy"
    )
    # the backup is still there, and the developer may still read it and delete tables
    assert dynamodb.describe_backup(BackupArn=backup_arn)["BackupDescription"]["BackupDetails"]["BackupStatus"]
    create_table(dynamodb, "scratch")
    dynamodb.delete_table(TableName="scratch")


def test_delete_recovery_point_is_denied_to_the_developer_not_to_root(developer: dict[str, str], endpoint: str) -> None:
    create_table(client(endpoint, "dynamodb"))
    arn = recovery_point(endpoint)
    developer_backup = client(endpoint, "backup", developer)

    error = access_denied(developer_backup.delete_recovery_point, BackupVaultName="guarded-vault", RecoveryPointArn=arn)

    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error.response["Error"]["Message"] == (
        f"User: arn:aws:iam::{ACCOUNT_ID}:user/dev is not authorized to perform: backup:DeleteRecoveryPoint "
        f"on resource: {arn} with an explicit deny in an identity-based policy"
    )
    # reading is allowed, and the recovery point survived
    points = developer_backup.list_recovery_points_by_backup_vault(BackupVaultName="guarded-vault")["RecoveryPoints"]
    assert [p["RecoveryPointArn"] for p in points] == [arn]
    client(endpoint, "backup").delete_recovery_point(BackupVaultName="guarded-vault", RecoveryPointArn=arn)


def test_recovery_point_with_a_dynamodb_arn_is_denied_too(developer: dict[str, str], endpoint: str) -> None:
    """Without advanced DynamoDB backup the recovery point ARN is the table's backup ARN (a "/"-laden path)."""
    root_backup = client(endpoint, "backup")
    root_backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})
    create_table(client(endpoint, "dynamodb"))
    arn = recovery_point(endpoint)
    assert arn.startswith(f"{TABLE_ARN}/backup/")

    error = access_denied(
        client(endpoint, "backup", developer).delete_recovery_point,
        BackupVaultName="guarded-vault",
        RecoveryPointArn=arn,
    )
    assert f"backup:DeleteRecoveryPoint on resource: {arn} with an explicit deny" in error.response["Error"]["Message"]
    client(endpoint, "backup", break_glass(endpoint)).delete_recovery_point(
        BackupVaultName="guarded-vault", RecoveryPointArn=arn
    )


def test_exempt_role_can_delete_backups_and_recovery_points(developer: dict[str, str], endpoint: str) -> None:
    create_table(client(endpoint, "dynamodb", developer))
    backup_arn = client(endpoint, "dynamodb", developer).create_backup(TableName="orders", BackupName="before-change")[
        "BackupDetails"
    ]["BackupArn"]
    arn = recovery_point(endpoint)
    keys = break_glass(endpoint)

    client(endpoint, "dynamodb", keys).delete_backup(BackupArn=backup_arn)
    client(endpoint, "backup", keys).delete_recovery_point(BackupVaultName="guarded-vault", RecoveryPointArn=arn)

    assert (
        client(endpoint, "backup").list_recovery_points_by_backup_vault(BackupVaultName="guarded-vault")[
            "RecoveryPoints"
        ]
        == []
    )


def test_backup_selection_deny_is_scoped_to_the_plan_arn(developer: dict[str, str], endpoint: str) -> None:
    backup = client(endpoint, "backup", developer)
    backup.create_backup_vault(BackupVaultName="guarded-vault")
    plan_id = backup.create_backup_plan(
        BackupPlan={
            "BackupPlanName": "daily",
            "Rules": [
                {
                    "RuleName": "daily",
                    "TargetBackupVaultName": "guarded-vault",
                    "ScheduleExpression": "cron(0 5 * * ? *)",
                }
            ],
        }
    )["BackupPlanId"]
    selection_id = backup.create_backup_selection(
        BackupPlanId=plan_id,
        BackupSelection={"SelectionName": "orders", "IamRoleArn": ROLE_ARN, "Resources": [TABLE_ARN]},
    )["SelectionId"]

    error = access_denied(backup.delete_backup_selection, BackupPlanId=plan_id, SelectionId=selection_id)

    plan_arn = f"arn:aws:backup:us-east-1:{ACCOUNT_ID}:backup-plan:{plan_id}"
    assert f"backup:DeleteBackupSelection on resource: {plan_arn} " in error.response["Error"]["Message"]
    client(endpoint, "backup", break_glass(endpoint)).delete_backup_selection(
        BackupPlanId=plan_id, SelectionId=selection_id
    )


def test_nothing_allows_is_an_implicit_deny(endpoint: str) -> None:
    iam = client(endpoint, "iam")
    iam.create_user(UserName="reader")
    iam.put_user_policy(
        UserName="reader",
        PolicyName="tables",
        PolicyDocument=document({"Effect": "Allow", "Action": "dynamodb:Describe*", "Resource": TABLE_ARN}),
    )
    keys = access_keys(iam, "reader")
    create_table(client(endpoint, "dynamodb"))

    client(endpoint, "dynamodb", keys).describe_table(TableName="orders")
    error = access_denied(client(endpoint, "backup", keys).list_backup_vaults)
    assert error.response["Error"]["Message"] == (
        f"User: arn:aws:iam::{ACCOUNT_ID}:user/reader is not authorized to perform: backup:ListBackupVaults "
        "on resource: * because no identity-based policy allows the backup:ListBackupVaults action"
    )
    access_denied(client(endpoint, "dynamodb", keys).scan, TableName="orders")


def test_batch_write_is_checked_for_every_table(endpoint: str) -> None:
    iam = client(endpoint, "iam")
    iam.create_user(UserName="loader")
    iam.put_user_policy(
        UserName="loader",
        PolicyName="orders-only",
        PolicyDocument=document({"Effect": "Allow", "Action": "dynamodb:BatchWriteItem", "Resource": TABLE_ARN}),
    )
    root = client(endpoint, "dynamodb")
    create_table(root)
    create_table(root, "invoices")
    loader = client(endpoint, "dynamodb", access_keys(iam, "loader"))
    put = {"PutRequest": {"Item": {"id": {"S": "1"}}}}

    loader.batch_write_item(RequestItems={"orders": [put]})
    error = access_denied(loader.batch_write_item, RequestItems={"orders": [put], "invoices": [put]})
    assert "table/invoices because no identity-based policy allows" in error.response["Error"]["Message"]
    assert root.scan(TableName="invoices")["Count"] == 0


def test_session_policy_limits_the_role(developer: dict[str, str], endpoint: str) -> None:
    credentials = client(endpoint, "sts").assume_role(
        RoleArn=ROLE_ARN,
        RoleSessionName="narrow",
        Policy=document({"Effect": "Allow", "Action": "dynamodb:Describe*", "Resource": "*"}),
    )["Credentials"]
    dynamodb = client(endpoint, "dynamodb", session_keys(credentials))
    create_table(client(endpoint, "dynamodb"))

    dynamodb.describe_table(TableName="orders")
    error = access_denied(dynamodb.delete_table, TableName="orders")
    assert error.response["Error"]["Message"] == (
        f"User: arn:aws:sts::{ACCOUNT_ID}:assumed-role/breakglass/narrow is not authorized to perform: "
        f"dynamodb:DeleteTable on resource: {TABLE_ARN} because no session policy allows the "
        "dynamodb:DeleteTable action"
    )


def test_iam_sts_kms_and_organizations_are_enforced_root_keys_are_not(endpoint: str) -> None:
    iam = client(endpoint, "iam")
    iam.create_user(UserName="nobody")
    keys = access_keys(iam, "nobody")
    # GetCallerIdentity needs no permission, as on AWS ...
    assert client(endpoint, "sts", keys).get_caller_identity()["Arn"].endswith(":user/nobody")
    # ... everything else of IAM, STS, KMS and Organizations does, in each service's error shape
    error = access_denied(client(endpoint, "iam", keys).list_users)
    assert error.response["Error"]["Code"] == "AccessDenied"
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "iam:ListUsers on resource: *" in error.response["Error"]["Message"]
    error = access_denied(client(endpoint, "sts", keys).assume_role, RoleArn=ROLE_ARN, RoleSessionName="xy")
    assert error.response["Error"]["Code"] == "AccessDenied"
    assert f"sts:AssumeRole on resource: {ROLE_ARN} " in error.response["Error"]["Message"]
    key = client(endpoint, "kms").create_key()["KeyMetadata"]
    client(endpoint, "kms").create_alias(AliasName="alias/orders", TargetKeyId=key["KeyId"])
    error = access_denied(client(endpoint, "kms", keys).describe_key, KeyId="alias/orders")
    assert error.response["Error"]["Code"] == "AccessDeniedException"
    assert f"kms:DescribeKey on resource: {key['Arn']} " in error.response["Error"]["Message"]
    error = access_denied(client(endpoint, "organizations", keys).describe_organization)
    assert error.response["Error"]["Code"] == "AccessDeniedException"
    # a role name resolves to the role's ARN with its path; the policy ARN is the iam:PolicyARN condition
    iam.create_role(RoleName="app", Path="/service/", AssumeRolePolicyDocument=TRUST_ACCOUNT)
    iam.put_user_policy(UserName="nobody", PolicyName="attach", PolicyDocument=document({
        "Sid": "AttachOnlyReadOnly", "Effect": "Allow", "Action": "iam:AttachRolePolicy",
        "Resource": f"arn:aws:iam::{ACCOUNT_ID}:role/service/app",
        "Condition": {"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}}))
    client(endpoint, "iam", keys).attach_role_policy(
        RoleName="app", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    error = access_denied(client(endpoint, "iam", keys).attach_role_policy,
                          RoleName="app", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    assert f"on resource: arn:aws:iam::{ACCOUNT_ID}:role/service/app " in error.response["Error"]["Message"]
    # root keys reach everything
    create_table(client(endpoint, "dynamodb"))
    client(endpoint, "backup").list_backup_vaults()
    client(endpoint, "iam").list_users()
    access_denied(client(endpoint, "dynamodb", keys).list_tables)


def test_pass_role_and_every_action_a_vault_policy_names(endpoint: str) -> None:
    """AWS Backup needs iam:PassRole for the role it is handed; a vault policy's Deny covers all it names."""
    iam = client(endpoint, "iam")
    iam.create_role(RoleName="breakglass", AssumeRolePolicyDocument=TRUST_ACCOUNT)
    iam.create_user(UserName="ops")
    iam.put_user_policy(UserName="ops", PolicyName="backup", PolicyDocument=document(
        {"Sid": "Backup", "Effect": "Allow", "Action": ["backup:*", "dynamodb:*", "backup-storage:MountCapsule", "kms:*"],
         "Resource": "*"}))
    keys = access_keys(iam, "ops")
    backup = client(endpoint, "backup", keys)
    create_table(client(endpoint, "dynamodb"))
    backup.create_backup_vault(BackupVaultName="guarded-vault")
    error = access_denied(backup.start_backup_job, BackupVaultName="guarded-vault", ResourceArn=TABLE_ARN,
                          IamRoleArn=ROLE_ARN)
    assert f"iam:PassRole on resource: {ROLE_ARN} " in error.response["Error"]["Message"]
    iam.put_user_policy(UserName="ops", PolicyName="pass", PolicyDocument=document(
        {"Sid": "PassToBackup", "Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE_ARN,
         "Condition": {"StringEquals": {"iam:PassedToService": "backup.amazonaws.com"}}}))
    job = backup.start_backup_job(BackupVaultName="guarded-vault", ResourceArn=TABLE_ARN, IamRoleArn=ROLE_ARN)
    point = job["RecoveryPointArn"]
    for _ in range(100):
        if backup.describe_backup_job(BackupJobId=job["BackupJobId"])["State"] == "COMPLETED":
            break
        time.sleep(0.05)
    client(endpoint, "backup").put_backup_vault_access_policy(BackupVaultName="guarded-vault", Policy=document(
        {"Sid": "Guard", "Effect": "Deny", "Principal": "*",
         "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle",
                    "backup:PutBackupVaultAccessPolicy"], "Resource": "*"}))
    for caller in (keys,):  # the IAM user (root keys stay unrestricted: the guard must be able to change its own statement)
        error = access_denied(client(endpoint, "backup", caller).update_recovery_point_lifecycle,
                              BackupVaultName="guarded-vault", RecoveryPointArn=point,
                              Lifecycle={"DeleteAfterDays": 1})
        message = error.response["Error"]["Message"]
        assert f"backup:UpdateRecoveryPointLifecycle on resource: {point} with an explicit deny in a " \
               "resource-based policy" in message
        access_denied(client(endpoint, "backup", caller).put_backup_vault_access_policy,
                      BackupVaultName="guarded-vault", Policy=document({"Effect": "Allow", "Principal": "*",
                                                                        "Action": "backup:*", "Resource": "*"}))
    # what the policy does not name is not denied
    backup.describe_recovery_point(BackupVaultName="guarded-vault", RecoveryPointArn=point)
    client(endpoint, "backup").delete_backup_vault_access_policy(BackupVaultName="guarded-vault")
    backup.update_recovery_point_lifecycle(BackupVaultName="guarded-vault", RecoveryPointArn=point,
                                           Lifecycle={"DeleteAfterDays": 400})


def test_the_statements_that_allowed_each_request_are_recorded(endpoint: str) -> None:
    import json
    import urllib.request

    def control(method: str) -> Any:
        request = urllib.request.Request(endpoint + "/_backupkit-iam/decisions", method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    iam = client(endpoint, "iam")
    iam.create_user(UserName="reader")
    iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=document(
        {"Sid": "List", "Effect": "Allow", "Action": "dynamodb:List*", "Resource": "*"},
        {"Sid": "Everything", "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}))
    keys = access_keys(iam, "reader")
    assert control("POST") == {"recording": True}
    dynamodb = client(endpoint, "dynamodb", keys)
    dynamodb.list_tables()
    access_denied(client(endpoint, "backup", keys).list_backup_vaults)
    decisions = control("GET")["decisions"]
    assert [(d["action"], d["allowed"], sorted(s["sid"] for s in d["statements"])) for d in decisions] == [
        ("dynamodb:ListTables", True, ["Everything", "List"]),
        ("backup:ListBackupVaults", False, []),
    ]
    assert decisions[0]["caller"].endswith(":user/reader") and decisions[0]["statements"][0]["policy"] == "read"
    assert control("DELETE") == {"recording": False}
    dynamodb.list_tables()
    assert control("GET") == {"recording": False, "decisions": []}


def test_nothing_is_denied_when_enforcement_is_off(developer: dict[str, str], endpoint: str) -> None:
    SETTINGS.update({"iam_enforce": False})
    dynamodb = client(endpoint, "dynamodb", developer)
    create_table(dynamodb)
    backup_arn = dynamodb.create_backup(TableName="orders", BackupName="before-change")["BackupDetails"]["BackupArn"]
    dynamodb.delete_backup(BackupArn=backup_arn)
    arn = recovery_point(endpoint)
    client(endpoint, "backup", developer).delete_recovery_point(BackupVaultName="guarded-vault", RecoveryPointArn=arn)


# --- the request -> (action, resource) mapping, without a server -----------------

ARNS = Arns("aws", "us-east-1", ACCOUNT_ID)


def test_backup_operations_are_found_from_method_and_encoded_path() -> None:
    dynamodb_point = f"{TABLE_ARN}/backup/01700000000000-abcdef12"
    path = f"/backup-vaults/guarded-vault/recovery-points/{quote(dynamodb_point, safe='')}"
    assert backup_operation("DELETE", path) == (
        "DeleteRecoveryPoint",
        {"backupVaultName": "guarded-vault", "recoveryPointArn": dynamodb_point},
    )
    assert backup_operation("GET", path + "/restore-metadata")[0] == "GetRecoveryPointRestoreMetadata"
    assert backup_operation("POST", path)[0] == "UpdateRecoveryPointLifecycle"
    assert backup_operation("DELETE", "/backup/plans/p-1/selections/s-1")[0] == "DeleteBackupSelection"
    assert backup_operation("GET", "/backup/plans/")[0] == "ListBackupPlans"
    assert backup_operation("GET", "/nothing-here") is None


@pytest.mark.parametrize(
    "operation, params, body, expected",
    [
        (
            "DeleteRecoveryPoint",
            {"backupVaultName": "v1", "recoveryPointArn": "arn:aws:backup:us-east-1:1:recovery-point:x"},
            {},
            "arn:aws:backup:us-east-1:1:recovery-point:x",
        ),
        (
            "DeleteBackupSelection",
            {"backupPlanId": "p-1", "selectionId": "s-1"},
            {},
            f"arn:aws:backup:us-east-1:{ACCOUNT_ID}:backup-plan:p-1",
        ),
        ("DeleteBackupVault", {"backupVaultName": "v1"}, {}, f"arn:aws:backup:us-east-1:{ACCOUNT_ID}:backup-vault:v1"),
        ("StartBackupJob", {}, {"BackupVaultName": "v1"}, f"arn:aws:backup:us-east-1:{ACCOUNT_ID}:backup-vault:v1"),
        ("ListBackupVaults", {}, {}, "*"),
        ("ListRecoveryPointsByResource", {"resourceArn": TABLE_ARN}, {}, "*"),
    ],
)
def test_backup_resources(operation: str, params: dict[str, str], body: dict[str, Any], expected: str) -> None:
    assert backup_requests(operation, params, body, ARNS) == [Request(f"backup:{operation}", expected)]


def test_dynamodb_resources() -> None:
    backup_arn = f"{TABLE_ARN}/backup/01700000000000-abcdef12"
    assert dynamodb_requests("DeleteBackup", {"BackupArn": backup_arn}, ARNS) == [
        Request("dynamodb:DeleteBackup", backup_arn)
    ]
    assert dynamodb_requests("CreateBackup", {"TableName": "orders"}, ARNS) == [
        Request("dynamodb:CreateBackup", TABLE_ARN)
    ]
    assert dynamodb_requests("Query", {"TableName": "orders", "IndexName": "by-date"}, ARNS) == [
        Request("dynamodb:Query", f"{TABLE_ARN}/index/by-date")
    ]
    assert dynamodb_requests("ListBackups", {"TableName": "orders"}, ARNS) == [Request("dynamodb:ListBackups", "*")]
    assert dynamodb_requests("RestoreTableFromBackup", {"BackupArn": backup_arn, "TargetTableName": "copy"}, ARNS) == [
        Request("dynamodb:RestoreTableFromBackup", backup_arn),
        Request("dynamodb:RestoreTableFromBackup", TABLE_ARN.replace("orders", "copy")),
    ]
    assert dynamodb_requests(
        "TransactWriteItems", {"TransactItems": [{"Delete": {"TableName": "orders", "Key": {}}}]}, ARNS
    ) == [Request("dynamodb:DeleteItem", TABLE_ARN)]


def test_tags_on_create_and_a_vault_need_what_aws_documents(endpoint: str) -> None:
    """CreateTable with Tags needs dynamodb:TagResource, CreateRole with Tags iam:TagRole, CreateKey with Tags
    kms:TagResource; CreateBackupVault needs backup-storage:MountCapsule and, through AWS Backup, kms:CreateGrant,
    GenerateDataKey, Decrypt, RetireGrant and DescribeKey on the vault's key (AWS Backup developer guide)."""
    iam = client(endpoint, "iam")
    iam.create_user(UserName="builder")
    iam.put_user_policy(UserName="builder", PolicyName="create", PolicyDocument=document(
        {"Sid": "Create", "Effect": "Allow", "Resource": "*",
         "Action": ["dynamodb:CreateTable", "iam:CreateRole", "kms:CreateKey", "backup:CreateBackupVault"]}))
    keys = access_keys(iam, "builder")
    dynamodb, builder_iam, kms, backup = (client(endpoint, s, keys) for s in ("dynamodb", "iam", "kms", "backup"))
    table = dict(KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
                 AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    tags = [{"Key": "team", "Value": "data"}]

    error = access_denied(dynamodb.create_table, TableName="tagged", Tags=tags, **table)
    assert f"dynamodb:TagResource on resource: arn:aws:dynamodb:us-east-1:{ACCOUNT_ID}:table/tagged " \
        in error.response["Error"]["Message"]
    assert "tagged" not in client(endpoint, "dynamodb").list_tables()["TableNames"]
    dynamodb.create_table(TableName="untagged", **table)
    error = access_denied(builder_iam.create_role, RoleName="tagged", Tags=tags, AssumeRolePolicyDocument=TRUST_ACCOUNT)
    assert f"iam:TagRole on resource: arn:aws:iam::{ACCOUNT_ID}:role/tagged " in error.response["Error"]["Message"]
    builder_iam.create_role(RoleName="untagged", AssumeRolePolicyDocument=TRUST_ACCOUNT)
    error = access_denied(kms.create_key, Tags=[{"TagKey": "team", "TagValue": "data"}])
    assert "kms:TagResource on resource: *" in error.response["Error"]["Message"]
    key = kms.create_key()["KeyMetadata"]
    client(endpoint, "kms").create_alias(AliasName="alias/vault", TargetKeyId=key["KeyId"])

    error = access_denied(backup.create_backup_vault, BackupVaultName="v1", EncryptionKeyArn="alias/vault")
    assert "backup-storage:MountCapsule on resource: *" in error.response["Error"]["Message"]
    iam.put_user_policy(UserName="builder", PolicyName="storage", PolicyDocument=document(
        {"Sid": "Storage", "Effect": "Allow", "Action": "backup-storage:MountCapsule", "Resource": "*"}))
    # the key's ARN, whatever names it; an allow for calls through another service does not do
    iam.put_user_policy(UserName="builder", PolicyName="key", PolicyDocument=document(
        {"Sid": "KeyViaDynamoDB", "Effect": "Allow", "Resource": key["Arn"],
         "Action": ["kms:CreateGrant", "kms:GenerateDataKey", "kms:Decrypt", "kms:RetireGrant", "kms:DescribeKey"],
         "Condition": {"StringLike": {"kms:ViaService": "dynamodb.*.amazonaws.com"}}}))
    error = access_denied(backup.create_backup_vault, BackupVaultName="v1", EncryptionKeyArn="alias/vault")
    assert f"kms:CreateGrant on resource: {key['Arn']} " in error.response["Error"]["Message"]
    iam.put_user_policy(UserName="builder", PolicyName="key", PolicyDocument=document(
        {"Sid": "KeyViaBackup", "Effect": "Allow", "Resource": "arn:aws:kms:*:*:key/*",
         "Action": ["kms:CreateGrant", "kms:GenerateDataKey", "kms:Decrypt", "kms:RetireGrant", "kms:DescribeKey"],
         "Condition": {"StringLike": {"kms:ViaService": "backup.*.amazonaws.com"}}}))
    backup.create_backup_vault(BackupVaultName="v1", EncryptionKeyArn=key["Arn"])
    backup.create_backup_vault(BackupVaultName="v2")  # the Region's aws/backup key: a key/ ARN too
    assert {"v1", "v2"} <= {v["BackupVaultName"] for v in client(endpoint, "backup").list_backup_vaults()["BackupVaultList"]}
    # with the tagging actions, tags on create are accepted
    iam.put_user_policy(UserName="builder", PolicyName="tag", PolicyDocument=document(
        {"Sid": "Tag", "Effect": "Allow", "Resource": "*",
         "Action": ["dynamodb:TagResource", "iam:TagRole", "kms:TagResource"]}))
    dynamodb.create_table(TableName="tagged", Tags=tags, **table)
    builder_iam.create_role(RoleName="tagged", Tags=tags, AssumeRolePolicyDocument=TRUST_ACCOUNT)
    kms.create_key(Tags=[{"TagKey": "team", "TagValue": "data"}])
