"""Restore testing plans and selections, run by the clock: restore, validate, delete."""

from __future__ import annotations

from typing import Any, Callable

import urllib.request

import pytest
from botocore.exceptions import ClientError

from backupkit_emulator.clock import CLOCK
from backupkit_emulator.server import EmulatorServer
from conftest import control, make_role

Client = Callable[..., Any]
ACCOUNT = "123456789012"
START = "2031-03-01T00:00:00Z"


def make_table(ddb: Any, name: str, tags: dict[str, str]) -> str:
    return ddb.create_table(
        TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )["TableDescription"]["TableArn"]


class World:
    """Two tables backed up daily at 05:00 into ``main`` for four days, and a restore testing plan."""

    def __init__(self, client: Client, server: EmulatorServer):
        self.server = server
        server.set_clock(START)
        self.role = make_role(client("iam"))
        self.ddb = client("dynamodb")
        self.orders = make_table(self.ddb, "orders", {"restore-test": "yes"})
        self.invoices = make_table(self.ddb, "invoices", {"restore-test": "no"})
        self.ddb.put_item(TableName="orders", Item={"pk": {"S": "order-1"}})
        self.backup = client("backup")
        self.backup.create_backup_vault(BackupVaultName="main")
        self.backup.create_backup_vault(BackupVaultName="other")
        plan = self.backup.create_backup_plan(BackupPlan={"BackupPlanName": "daily", "Rules": [{
            "RuleName": "daily", "TargetBackupVaultName": "main", "ScheduleExpression": "cron(0 5 ? * * *)"}]})
        self.backup.create_backup_selection(BackupPlanId=plan["BackupPlanId"], BackupSelection={
            "SelectionName": "all", "IamRoleArn": self.role, "Resources": ["*"]})
        server.set_clock("2031-03-04T06:00:00Z")  # recovery points of 1, 2, 3, 4 March 05:00

    def plan(self, algorithm: str = "LATEST_WITHIN_WINDOW", **extra: Any) -> str:
        selection = {"Algorithm": algorithm, "IncludeVaults": [f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:*"],
                     "ExcludeVaults": [f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:other"],
                     "RecoveryPointTypes": ["SNAPSHOT"], "SelectionWindowDays": 7}
        return self.backup.create_restore_testing_plan(RestoreTestingPlan={
            "RestoreTestingPlanName": "daily_test", "ScheduleExpression": "cron(0 12 ? * * *)",
            "RecoveryPointSelection": selection, **extra})["RestoreTestingPlanArn"]

    def select(self, **selection: Any) -> None:
        body = {"RestoreTestingSelectionName": "tables", "ProtectedResourceType": "DynamoDB", "IamRoleArn": self.role}
        body.update(selection)
        self.backup.create_restore_testing_selection(RestoreTestingPlanName="daily_test", RestoreTestingSelection=body)

    def jobs(self, plan_arn: str) -> list[dict[str, Any]]:
        return self.backup.list_restore_jobs(ByRestoreTestingPlanArn=plan_arn)["RestoreJobs"]


@pytest.fixture
def world(client: Client, emulator_server: EmulatorServer) -> World:
    return World(client, emulator_server)


def test_a_plan_restores_the_latest_recovery_point_and_deletes_the_table_after_the_window(world: World) -> None:
    plan_arn = world.plan()
    assert plan_arn.startswith(f"arn:aws:backup:us-east-1:{ACCOUNT}:restore-testing-plan:daily_test-")
    world.select(ProtectedResourceArns=["*"], ValidationWindowHours=3,
                 ProtectedResourceConditions={"StringEquals": [{"Key": "aws:ResourceTag/restore-test", "Value": "yes"}]})
    world.server.set_clock("2031-03-04T12:30:00Z")

    jobs = world.jobs(plan_arn)
    assert len(jobs) == 1  # invoices' tag does not match
    job = jobs[0]
    latest = world.backup.list_recovery_points_by_resource(ResourceArn=world.orders)["RecoveryPoints"][0]
    assert job["RecoveryPointArn"] == latest["RecoveryPointArn"]  # 4 March, the latest in the window
    assert job["CreatedBy"] == {"RestoreTestingPlanArn": plan_arn}
    assert job["Status"] == "COMPLETED" and job["IamRoleArn"] == world.role
    assert job["CreationDate"].isoformat().startswith("2031-03-04T12:00:00")
    table = job["CreatedResourceArn"].split("/")[-1]
    assert table.startswith("awsbackup-restore-test-")
    assert world.ddb.scan(TableName=table)["Items"] == [{"pk": {"S": "order-1"}}]
    metadata = world.backup.get_restore_job_metadata(RestoreJobId=job["RestoreJobId"])["Metadata"]
    assert metadata == {"targetTableName": table, "encryptionType": "Default", "deletionProtection": "false"}
    assert "DeletionStatus" not in job and "ValidationStatus" not in job

    world.backup.put_restore_validation_result(RestoreJobId=job["RestoreJobId"], ValidationStatus="VALIDATING",
                                               ValidationStatusMessage="checking items")
    assert table in world.ddb.list_tables()["TableNames"]  # still validating: the table stays
    world.server.set_clock("2031-03-04T15:01:00Z")  # three hours after the restore completed: deleted
    job = world.backup.describe_restore_job(RestoreJobId=job["RestoreJobId"])
    assert (job["ValidationStatus"], job["ValidationStatusMessage"], job["DeletionStatus"]) == (
        "VALIDATING", "checking items", "SUCCESSFUL")
    assert table not in world.ddb.list_tables()["TableNames"]
    with pytest.raises(ClientError) as error:  # too late to validate
        world.backup.put_restore_validation_result(RestoreJobId=job["RestoreJobId"], ValidationStatus="SUCCESSFUL")
    assert error.value.response["Error"]["Code"] == "InvalidRequestException"
    described = world.backup.get_restore_testing_plan(RestoreTestingPlanName="daily_test")["RestoreTestingPlan"]
    assert described["LastExecutionTime"].isoformat().startswith("2031-03-04T12:00:00")


def test_validation_ends_the_test_and_no_window_deletes_at_once(world: World) -> None:
    plan_arn = world.plan()
    world.select(ProtectedResourceArns=[world.orders, world.invoices], ValidationWindowHours=24)
    world.server.set_clock("2031-03-04T12:30:00Z")
    jobs = {job["SourceResourceArn"]: job for job in world.jobs(plan_arn)}
    assert set(jobs) == {world.orders, world.invoices}
    world.backup.put_restore_validation_result(RestoreJobId=jobs[world.orders]["RestoreJobId"],
                                               ValidationStatus="SUCCESSFUL")
    done = world.backup.describe_restore_job(RestoreJobId=jobs[world.orders]["RestoreJobId"])
    assert (done["ValidationStatus"], done["DeletionStatus"]) == ("SUCCESSFUL", "SUCCESSFUL")
    waiting = world.backup.describe_restore_job(RestoreJobId=jobs[world.invoices]["RestoreJobId"])
    assert "DeletionStatus" not in waiting
    assert waiting["CreatedResourceArn"].split("/")[-1] in world.ddb.list_tables()["TableNames"]

    world.backup.update_restore_testing_selection(RestoreTestingPlanName="daily_test",
                                                  RestoreTestingSelectionName="tables",
                                                  RestoreTestingSelection={"ValidationWindowHours": 0})
    world.server.set_clock("2031-03-05T12:30:00Z")
    newest = [job for job in world.jobs(plan_arn) if job["CreationDate"].day == 5]
    assert len(newest) == 2 and {job["DeletionStatus"] for job in newest} == {"SUCCESSFUL"}
    with pytest.raises(ClientError) as error:  # only restore tests take validation results
        world.backup.put_restore_validation_result(
            RestoreJobId=world.backup.start_restore_job(
                RecoveryPointArn=newest[0]["RecoveryPointArn"], IamRoleArn=world.role,
                Metadata={"targetTableName": "manual-restore"})["RestoreJobId"],
            ValidationStatus="SUCCESSFUL")
    assert error.value.response["Error"]["Code"] == "InvalidRequestException"


def test_random_within_window_is_repeatable_under_a_seed(client: Client, emulator_server: EmulatorServer,
                                                         endpoint: str) -> None:
    def draws() -> list[int]:
        control(endpoint, seed=7)
        world = World(client, emulator_server)
        plan_arn = world.plan("RANDOM_WITHIN_WINDOW")
        world.select(ProtectedResourceArns=[world.orders])
        for day in range(5, 9):
            world.server.set_clock(f"2031-03-{day:02d}T12:30:00Z")
        points = {p["RecoveryPointArn"]: p["CreationDate"].day for p in world.backup.list_recovery_points_by_resource(
            ResourceArn=world.orders)["RecoveryPoints"]}
        return [points[job["RecoveryPointArn"]] for job in reversed(world.jobs(plan_arn))]

    first = draws()
    urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset", method="POST")).read()
    CLOCK.reset()
    assert draws() == first  # the same state and seed draw the same recovery points
    # five runs (4 to 8 March at 12:00), each a draw among the week's recovery points of orders
    assert len(first) == 5 and all(day - 7 <= drawn <= day for drawn, day in zip(first, range(4, 9)))
    assert first != [4, 5, 6, 7, 8]  # not always the latest


def test_plans_and_selections_as_aws_keeps_them(world: World) -> None:
    arn = world.plan(StartWindowHours=2)
    backup = world.backup
    got = backup.get_restore_testing_plan(RestoreTestingPlanName="daily_test")["RestoreTestingPlan"]
    assert got["RestoreTestingPlanArn"] == arn and got["StartWindowHours"] == 2
    assert got["RecoveryPointSelection"]["SelectionWindowDays"] == 7
    assert backup.list_restore_testing_plans()["RestoreTestingPlans"][0]["RestoreTestingPlanName"] == "daily_test"
    updated = backup.update_restore_testing_plan(RestoreTestingPlanName="daily_test", RestoreTestingPlan={
        "ScheduleExpression": "cron(0 1 ? * SUN *)", "ScheduleExpressionTimezone": "Europe/Paris"})
    assert updated["RestoreTestingPlanArn"] == arn and "UpdateTime" in updated
    got = backup.get_restore_testing_plan(RestoreTestingPlanName="daily_test")["RestoreTestingPlan"]
    assert (got["ScheduleExpression"], got["ScheduleExpressionTimezone"], got["StartWindowHours"]) == (
        "cron(0 1 ? * SUN *)", "Europe/Paris", 2)

    world.select(ProtectedResourceArns=[world.orders], RestoreMetadataOverrides={"EncryptionType": "Default"})
    selection = backup.get_restore_testing_selection(RestoreTestingPlanName="daily_test",
                                                     RestoreTestingSelectionName="tables")["RestoreTestingSelection"]
    assert selection["ProtectedResourceArns"] == [world.orders] and selection["ProtectedResourceType"] == "DynamoDB"
    assert [s["RestoreTestingSelectionName"] for s in backup.list_restore_testing_selections(
        RestoreTestingPlanName="daily_test")["RestoreTestingSelections"]] == ["tables"]

    def code(call: Callable[[], Any]) -> str:
        with pytest.raises(ClientError) as error:
            call()
        return error.value.response["Error"]["Code"]

    assert code(lambda: world.plan()) == "AlreadyExistsException"
    assert code(lambda: backup.update_restore_testing_selection(
        RestoreTestingPlanName="daily_test", RestoreTestingSelectionName="tables",
        RestoreTestingSelection={"ProtectedResourceConditions": {"StringEquals": [{"Key": "a", "Value": "b"}]}}
    )) == "InvalidParameterValueException"  # specific ARNs take no conditions
    assert code(lambda: world.select(RestoreTestingSelectionName="bad-name", ProtectedResourceArns=["*"])) == (
        "InvalidParameterValueException")
    assert code(lambda: world.select(RestoreTestingSelectionName="other", ProtectedResourceArns=["*"],
                                     RestoreMetadataOverrides={"targetTableName": "mine"})) == (
        "InvalidParameterValueException")
    assert code(lambda: world.select(RestoreTestingSelectionName="other")) == "MissingParameterValueException"
    assert code(lambda: backup.create_restore_testing_plan(RestoreTestingPlan={
        "RestoreTestingPlanName": "x", "ScheduleExpression": "cron(0 1 ? * SUN *)",
        "RecoveryPointSelection": {"Algorithm": "OLDEST", "IncludeVaults": ["*"],
                                   "RecoveryPointTypes": ["SNAPSHOT"]}})) == "InvalidParameterValueException"
    assert code(lambda: backup.delete_restore_testing_plan(RestoreTestingPlanName="daily_test")) == (
        "InvalidRequestException")  # its selection first
    assert code(lambda: backup.get_restore_testing_plan(RestoreTestingPlanName="nope")) == "ResourceNotFoundException"
    backup.delete_restore_testing_selection(RestoreTestingPlanName="daily_test", RestoreTestingSelectionName="tables")
    backup.delete_restore_testing_plan(RestoreTestingPlanName="daily_test")
    assert backup.list_restore_testing_plans()["RestoreTestingPlans"] == []


def test_inferred_metadata_names_a_restore_test_table(world: World) -> None:
    point = world.backup.list_recovery_points_by_backup_vault(BackupVaultName="main")["RecoveryPoints"][0]
    inferred = world.backup.get_restore_testing_inferred_metadata(
        BackupVaultName="main", RecoveryPointArn=point["RecoveryPointArn"])["InferredMetadata"]
    assert inferred["targetTableName"].startswith("awsbackup-restore-test-")
    assert inferred["encryptionType"] == "Default" and inferred["deletionProtection"] == "false"
