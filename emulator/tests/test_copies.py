"""Copy jobs into other Regions and accounts, as AWS Backup runs them: on demand and from plans."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError

from backupkit_emulator.server import EmulatorServer
from conftest import control, make_role

Client = Callable[..., Any]
ACCOUNT = "123456789012"
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"
DR_VAULT = f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:dr"
START = "2031-03-01T00:00:00Z"


def as_account(client: Any, account: str) -> Any:
    """Sign as the root user of ``account`` (moto's x-moto-account-id header)."""
    client.meta.events.register(
        "before-sign.*.*", lambda request, **_: request.headers.__setitem__("x-moto-account-id", account))
    return client


def copy_policy(source_account: str) -> str:
    """The destination vault policy AWS documents for cross-account copies."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{source_account}:root"},
        "Action": "backup:CopyIntoBackupVault", "Resource": "*"}]})


class World:
    """A table backed up in us-east-1, a DR vault in us-west-2, and helpers."""

    def __init__(self, client: Client, server: EmulatorServer):
        self.client, self.server = client, server
        server.set_clock(START)
        self.role = make_role(client("iam"))
        self.ddb = client("dynamodb")
        self.ddb.create_table(TableName="orders", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                              BillingMode="PAY_PER_REQUEST")
        self.ddb.put_item(TableName="orders", Item={"pk": {"S": "order-1"}, "total": {"N": "42"}})
        self.backup = client("backup")
        self.backup.create_backup_vault(BackupVaultName="main")
        self.dr = client("backup", region="us-west-2")
        self.dr.create_backup_vault(BackupVaultName="dr")

    def recovery_point(self, **lifecycle: int) -> str:
        job = self.backup.start_backup_job(BackupVaultName="main", ResourceArn=TABLE_ARN, IamRoleArn=self.role,
                                           **({"Lifecycle": lifecycle} if lifecycle else {}))
        self.server.advance(1)
        return job["RecoveryPointArn"]

    def copy(self, recovery_point: str, destination: str, **extra: Any) -> dict[str, Any]:
        started = self.backup.start_copy_job(RecoveryPointArn=recovery_point, SourceBackupVaultName="main",
                                             DestinationBackupVaultArn=destination, IamRoleArn=self.role, **extra)
        return self.backup.describe_copy_job(CopyJobId=started["CopyJobId"])["CopyJob"]

    def job(self, copy_job_id: str) -> dict[str, Any]:
        return self.backup.describe_copy_job(CopyJobId=copy_job_id)["CopyJob"]

    def organization(self, cross_account_backup: bool = True) -> tuple[str, Any]:
        """An organization with a central backup account (its vault ``central``); (account, its backup client)."""
        org = self.client("organizations")
        org.create_organization(FeatureSet="ALL")
        central = org.create_account(AccountName="central", Email="central@example.com")["CreateAccountStatus"][
            "AccountId"]
        if cross_account_backup:
            self.backup.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "true"})
        backup = as_account(self.client("backup"), central)
        backup.create_backup_vault(BackupVaultName="central")
        return central, backup


@pytest.fixture
def world(client: Client, emulator_server: EmulatorServer) -> World:
    return World(client, emulator_server)


def test_copy_to_another_region_is_a_restorable_recovery_point_there(world: World) -> None:
    source = world.recovery_point(DeleteAfterDays=35)
    world.backup.tag_resource(ResourceArn=source, Tags={"Owner": "billing"})
    source_point = world.backup.describe_recovery_point(BackupVaultName="main", RecoveryPointArn=source)

    job = world.copy(source, DR_VAULT, Lifecycle={"DeleteAfterDays": 10}, IdempotencyToken="copy-1")
    assert job["State"] == "CREATED"
    assert world.copy(source, DR_VAULT, Lifecycle={"DeleteAfterDays": 10},
                      IdempotencyToken="copy-1")["CopyJobId"] == job["CopyJobId"]
    world.server.advance(1)
    job = world.job(job["CopyJobId"])
    assert job["State"] == "COMPLETED" and job["MessageCategory"] == "SUCCESS"
    assert job["CompletionDate"] > job["CreationDate"]
    assert (job["SourceRecoveryPointArn"], job["SourceBackupVaultArn"], job["DestinationBackupVaultArn"]) == (
        source, source_point["BackupVaultArn"], DR_VAULT)
    assert job["ResourceArn"] == TABLE_ARN and job["ResourceType"] == "DynamoDB" and job["AccountId"] == ACCOUNT
    assert job["DestinationRecoveryPointLifecycle"] == {"DeleteAfterDays": 10}
    assert "CreatedBy" not in job and "CreatedByBackupJobId" not in job and "ParentJobId" not in job
    copy_arn = job["DestinationRecoveryPointArn"]
    assert copy_arn.startswith(f"arn:aws:backup:us-west-2:{ACCOUNT}:recovery-point:")

    copy = world.dr.describe_recovery_point(BackupVaultName="dr", RecoveryPointArn=copy_arn)
    assert copy["SourceBackupVaultArn"] == source_point["BackupVaultArn"]
    assert copy["Status"] == "COMPLETED" and copy["ResourceArn"] == TABLE_ARN
    # a copy keeps its source's creation date; its own lifecycle counts from there
    assert copy["CreationDate"] == source_point["CreationDate"]
    assert copy["CalculatedLifecycle"]["DeleteAt"] == source_point["CreationDate"] + timedelta(days=10)
    assert copy["EncryptionKeyArn"] == world.dr.describe_backup_vault(BackupVaultName="dr")["EncryptionKeyArn"]
    assert world.dr.list_tags(ResourceArn=copy_arn)["Tags"] == {"Owner": "billing"}
    assert world.dr.get_recovery_point_restore_metadata(BackupVaultName="dr", RecoveryPointArn=copy_arn)[
        "RestoreMetadata"]["targetTableName"] == "orders"

    world.ddb.put_item(TableName="orders", Item={"pk": {"S": "order-2"}})  # after the backup: not in the copy
    restore = world.dr.start_restore_job(RecoveryPointArn=copy_arn, IamRoleArn=world.role,
                                         Metadata={"targetTableName": "orders"})
    world.server.advance(1)
    assert world.dr.describe_restore_job(RestoreJobId=restore["RestoreJobId"])["CreatedResourceArn"] == (
        f"arn:aws:dynamodb:us-west-2:{ACCOUNT}:table/orders")
    assert world.client("dynamodb", region="us-west-2").scan(TableName="orders")["Items"] == [
        {"pk": {"S": "order-1"}, "total": {"N": "42"}}]

    # a copy without a lifecycle keeps its source's; -1 ("never expire") too
    for extra in ({}, {"Lifecycle": {"MoveToColdStorageAfterDays": -1, "DeleteAfterDays": -1}}):
        job = world.copy(source, DR_VAULT, **extra)
        assert job["DestinationRecoveryPointLifecycle"] == {"DeleteAfterDays": 35}


def test_list_copy_jobs_filters_and_pages(world: World) -> None:
    first, second = world.recovery_point(), world.recovery_point()
    done = world.copy(first, DR_VAULT)
    world.server.advance(1)
    failed = world.copy(second, f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:nowhere")
    world.server.advance(1)

    def ids(**filters: Any) -> list[str]:
        return [job["CopyJobId"] for job in world.backup.list_copy_jobs(**filters)["CopyJobs"]]

    assert ids() == [failed["CopyJobId"], done["CopyJobId"]]  # newest first
    assert ids(ByState="FAILED") == [failed["CopyJobId"]]
    assert ids(ByState="COMPLETED", ByMessageCategory="SUCCESS") == [done["CopyJobId"]]
    assert ids(BySourceRecoveryPointArn=first) == [done["CopyJobId"]]
    assert ids(ByDestinationVaultArn=DR_VAULT) == [done["CopyJobId"]]
    assert ids(ByResourceArn=TABLE_ARN, ByResourceType="DynamoDB", ByAccountId=ACCOUNT) == ids()
    assert ids(ByCreatedAfter=done["CreationDate"]) == [failed["CopyJobId"]]
    assert ids(ByParentJobId="nothing") == []
    page = world.backup.list_copy_jobs(MaxResults=1)
    assert [job["CopyJobId"] for job in page["CopyJobs"]] == [failed["CopyJobId"]]
    rest = world.backup.list_copy_jobs(MaxResults=1, NextToken=page["NextToken"])
    assert [job["CopyJobId"] for job in rest["CopyJobs"]] == [done["CopyJobId"]] and "NextToken" not in rest
    assert world.client("backup", region="us-west-2").list_copy_jobs()["CopyJobs"] == []  # the source's jobs


def test_a_rules_copy_actions_run_when_its_scheduled_backup_completes(world: World) -> None:
    central, central_backup = world.organization()
    central_vault = f"arn:aws:backup:us-east-1:{central}:backup-vault:central"
    central_backup.put_backup_vault_access_policy(BackupVaultName="central", Policy=copy_policy(ACCOUNT))
    world.ddb.tag_resource(ResourceArn=TABLE_ARN, Tags=[{"Key": "backupkit:pitr", "Value": "7"}])
    plan = world.backup.create_backup_plan(BackupPlan={"BackupPlanName": "daily", "Rules": [{
        "RuleName": "daily", "TargetBackupVaultName": "main", "ScheduleExpression": "cron(0 5 ? * * *)",
        "Lifecycle": {"DeleteAfterDays": 35}, "RecoveryPointTags": {"rule": "daily"},
        "CopyActions": [{"DestinationBackupVaultArn": DR_VAULT, "Lifecycle": {"DeleteAfterDays": 14}},
                        {"DestinationBackupVaultArn": central_vault}]}]})
    world.backup.create_backup_selection(BackupPlanId=plan["BackupPlanId"], BackupSelection={
        "SelectionName": "all", "IamRoleArn": world.role, "Resources": [TABLE_ARN]})
    world.server.advance(86400)

    backup_job = world.backup.list_backup_jobs(ByBackupVaultName="main")["BackupJobs"][0]
    copies = sorted(world.backup.list_copy_jobs()["CopyJobs"], key=lambda job: job["DestinationBackupVaultArn"])
    assert [job["DestinationBackupVaultArn"] for job in copies] == sorted([DR_VAULT, central_vault])
    for job in copies:
        assert job["State"] == "COMPLETED", job.get("StatusMessage")
        assert job["CreatedByBackupJobId"] == backup_job["BackupJobId"]
        assert job["CreatedBy"]["BackupPlanId"] == plan["BackupPlanId"]
        assert job["SourceRecoveryPointArn"] == backup_job["RecoveryPointArn"]
        assert job["IamRoleArn"] == world.role
        assert job["CreationDate"] == backup_job["CompletionDate"]  # started when the backup completed
    by_vault = {job["DestinationBackupVaultArn"]: job for job in copies}
    assert by_vault[DR_VAULT]["DestinationRecoveryPointLifecycle"] == {"DeleteAfterDays": 14}
    assert by_vault[central_vault]["DestinationRecoveryPointLifecycle"] == {"DeleteAfterDays": 35}
    central_points = central_backup.list_recovery_points_by_backup_vault(BackupVaultName="central")["RecoveryPoints"]
    assert [p["RecoveryPointArn"] for p in central_points] == [by_vault[central_vault]["DestinationRecoveryPointArn"]]
    assert central_points[0]["RecoveryPointArn"].startswith(f"arn:aws:backup:us-east-1:{central}:recovery-point:")
    # the scheduled backup got the rule's tags and the table's; both copies got them all
    tags = {"rule": "daily", "backupkit:pitr": "7"}
    assert world.backup.list_tags(ResourceArn=backup_job["RecoveryPointArn"])["Tags"] == tags
    assert world.dr.list_tags(ResourceArn=by_vault[DR_VAULT]["DestinationRecoveryPointArn"])["Tags"] == tags
    assert central_backup.list_tags(ResourceArn=central_points[0]["RecoveryPointArn"])["Tags"] == tags
    # the copy in the DR Region is deleted at its own DeleteAt (14 days), the source's at 35
    world.server.advance(15 * 86400)
    dr_points = world.dr.list_recovery_points_by_backup_vault(BackupVaultName="dr")["RecoveryPoints"]
    assert by_vault[DR_VAULT]["DestinationRecoveryPointArn"] not in {p["RecoveryPointArn"] for p in dr_points}


@pytest.mark.parametrize(
    "case, message, category",
    [
        ("no organization", "Access denied: Copy job failed. Both source and destination account must be a member "
                            "of the same organization", "AccessDenied"),
        ("cross-account backup off", "Cross-account backup is not enabled", "AccessDenied"),
        ("no vault policy", "Access Denied trying to call AWS Backup service", "AccessDenied"),
        ("policy for another account", "Access Denied trying to call AWS Backup service", "AccessDenied"),
        ("vault missing", "Backup vault missing does not exist.", None),
        ("DynamoDB backup without advanced backup", "Copy job from us-east-1 to us-east-1 cannot be initiated for "
                                                    "DynamoDB resources. Feature is not supported", None),
    ],
)
def test_a_copy_aws_would_not_make_fails_with_its_message(
    world: World, case: str, message: str, category: str | None
) -> None:
    vault_name = "central"
    if case == "no organization":
        central = "210987654321"
        as_account(world.client("backup"), central).create_backup_vault(BackupVaultName="central")
    else:
        central, central_backup = world.organization(cross_account_backup=case != "cross-account backup off")
        if case == "policy for another account":
            central_backup.put_backup_vault_access_policy(BackupVaultName="central", Policy=copy_policy("999999999999"))
        elif case != "no vault policy":
            central_backup.put_backup_vault_access_policy(BackupVaultName="central", Policy=copy_policy(ACCOUNT))
        if case == "vault missing":
            vault_name = "missing"
    if case == "DynamoDB backup without advanced backup":
        world.backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})
    source = world.recovery_point()
    job = world.copy(source, f"arn:aws:backup:us-east-1:{central}:backup-vault:{vault_name}")
    world.server.advance(1)
    job = world.job(job["CopyJobId"])
    assert job["State"] == "FAILED"
    assert message in job["StatusMessage"]
    assert job.get("MessageCategory") == category
    assert "DestinationRecoveryPointArn" not in job
    assert job["CompletionDate"] >= job["CreationDate"]


def test_a_deny_in_a_same_account_vault_policy_stops_copies_into_it(world: World) -> None:
    world.dr.put_backup_vault_access_policy(BackupVaultName="dr", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*",
                                                "Action": "backup:CopyIntoBackupVault", "Resource": "*"}]}))
    job = world.copy(world.recovery_point(), DR_VAULT)
    world.server.advance(1)
    assert world.job(job["CopyJobId"])["StatusMessage"] == "Access Denied trying to call AWS Backup service"


def test_start_copy_job_refuses_what_aws_refuses(world: World) -> None:
    source = world.recovery_point()

    def code(**params: Any) -> str:
        base = dict(RecoveryPointArn=source, SourceBackupVaultName="main", DestinationBackupVaultArn=DR_VAULT,
                    IamRoleArn=world.role)
        base.update(params)
        with pytest.raises(ClientError) as error:
            world.backup.start_copy_job(**{k: v for k, v in base.items() if v is not None})
        return error.value.response["Error"]["Code"]

    assert code(DestinationBackupVaultArn="arn:aws:s3:::bucket") == "InvalidParameterValueException"
    assert code(IamRoleArn="backup-role") == "InvalidParameterValueException"
    assert code(SourceBackupVaultName="nope") == "AccessDeniedException"
    assert code(RecoveryPointArn=source + "0") == "ResourceNotFoundException"
    assert code(Lifecycle={"MoveToColdStorageAfterDays": 10, "DeleteAfterDays": 20}) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as error:
        world.backup.describe_copy_job(CopyJobId="NOPE")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_global_settings_belong_to_the_organization(world: World) -> None:
    with pytest.raises(ClientError) as error:
        world.backup.describe_global_settings()
    assert error.value.response["Error"]["Code"] == "InvalidRequestException"
    central, central_backup = world.organization(cross_account_backup=False)
    assert world.backup.describe_global_settings()["GlobalSettings"]["isCrossAccountBackupEnabled"] == "false"
    world.backup.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "true"})
    member_view = central_backup.describe_global_settings()
    assert member_view["GlobalSettings"]["isCrossAccountBackupEnabled"] == "true"
    assert "LastUpdateTime" in member_view
    with pytest.raises(ClientError) as error:  # only the management account changes them
        central_backup.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "false"})
    assert error.value.response["Error"]["Code"] == "InvalidRequestException"
    with pytest.raises(ClientError) as error:
        world.backup.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "maybe"})
    assert error.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_an_unavailable_region_stops_its_schedules_and_copies_into_it(world: World, endpoint: str) -> None:
    plan = world.backup.create_backup_plan(BackupPlan={"BackupPlanName": "daily", "Rules": [{
        "RuleName": "daily", "TargetBackupVaultName": "main", "ScheduleExpression": "cron(0 5 ? * * *)",
        "CopyActions": [{"DestinationBackupVaultArn": DR_VAULT}]}]})
    world.backup.create_backup_selection(BackupPlanId=plan["BackupPlanId"], BackupSelection={
        "SelectionName": "all", "IamRoleArn": world.role, "Resources": [TABLE_ARN]})
    control(endpoint, unavailable_regions=["us-west-2"])
    world.server.set_clock("2031-03-01T06:00:00Z")  # the 05:00 backup ran; its copy into the Region that is down
    # is retried...
    copy = world.backup.list_copy_jobs()["CopyJobs"][0]
    assert copy["State"] == "CREATED"
    world.server.advance(2 * 3600)  # ...for two hours, then it fails
    copy = world.job(copy["CopyJobId"])
    assert copy["State"] == "FAILED" and "us-west-2" in copy["StatusMessage"]

    control(endpoint, unavailable_regions=["us-east-1"])
    world.server.advance(2 * 86400)  # the source Region is down: its plan misses its runs
    control(endpoint, unavailable_regions=[])
    assert len(world.backup.list_backup_jobs()["BackupJobs"]) == 1
    world.server.advance(86400)  # back: the next run happens, and its copy with it
    assert len(world.backup.list_backup_jobs()["BackupJobs"]) == 2
    assert [job["State"] for job in world.backup.list_copy_jobs()["CopyJobs"]] == ["COMPLETED", "FAILED"]


def test_a_tables_tags_reach_its_recovery_points_and_their_copies(world: World) -> None:
    """AWS Backup Developer Guide, *Copying tags onto backups*: the resource's tags and the tags assigned
    during backup go to the recovery point (assigned first, up to 50; DynamoDB only with advanced DynamoDB
    backup), and a copy to another Region gets all tags of the original backup."""
    world.ddb.tag_resource(ResourceArn=TABLE_ARN, Tags=[
        {"Key": "team", "Value": "payments"}, {"Key": "backupkit:stream", "Value": "NEW_IMAGE"},
        {"Key": "env", "Value": "table"}] + [{"Key": f"k{n:02}", "Value": "v"} for n in range(47)])
    job = world.backup.start_backup_job(BackupVaultName="main", ResourceArn=TABLE_ARN, IamRoleArn=world.role,
                                        RecoveryPointTags={"env": "assigned", "by": "backup_now"})
    world.ddb.tag_resource(ResourceArn=TABLE_ARN, Tags=[{"Key": "backupkit:stream", "Value": "KEYS_ONLY"}])  # later
    world.server.advance(1)
    source = job["RecoveryPointArn"]
    tags = world.backup.list_tags(ResourceArn=source)["Tags"]
    assert len(tags) == 50  # AWS's limit: the assigned tags first, then the table's in alphabetical order
    assert tags["env"] == "assigned" and tags["by"] == "backup_now"
    assert tags["backupkit:stream"] == "NEW_IMAGE" and "team" not in tags  # as the table was at backup time

    copy = world.job(world.copy(source, DR_VAULT)["CopyJobId"])
    world.server.advance(1)
    copy = world.job(copy["CopyJobId"])
    assert world.dr.list_tags(ResourceArn=copy["DestinationRecoveryPointArn"])["Tags"] == tags

    # fewer tags: all of the table's come along
    world.ddb.untag_resource(ResourceArn=TABLE_ARN, TagKeys=[f"k{n:02}" for n in range(47)])
    again = world.recovery_point()
    assert world.backup.list_tags(ResourceArn=again)["Tags"] == {
        "team": "payments", "backupkit:stream": "KEYS_ONLY", "env": "table"}

    # without advanced DynamoDB backup a DynamoDB backup gets no tags of the table
    world.backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})
    plain = world.recovery_point()
    assert plain.startswith("arn:aws:dynamodb:")
    assert world.backup.list_tags(ResourceArn=plain)["Tags"] == {}
