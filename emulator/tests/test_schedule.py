"""Plans that fire on the virtual clock: cron, time zones, selections, windows, lifecycles, vault locks."""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError

from backupkit_emulator.backup.cron import CronError, next_fire, parse
from backupkit_emulator.backup.selections import selection_matches
from conftest import control, make_role

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/backup-role"
START = "2031-03-01T00:00:00Z"


# --------------------------------------------------------------------------- #
# The cron parser, on AWS's documented examples
# --------------------------------------------------------------------------- #


def fires(expression: str, after: datetime, count: int, tz: str | None = None) -> list[datetime]:
    out, moment = [], after
    for _ in range(count):
        moment = next_fire(expression, moment, tz)
        if moment is None:
            break
        out.append(moment)
    return out


@pytest.mark.parametrize(
    "expression, after, expected",
    [
        # 12:00 UTC Monday to Friday (Fri 2026-12-04 13:00 -> Mon, Tue)
        ("cron(0 12 ? * MON-FRI *)", datetime(2026, 12, 4, 13), [datetime(2026, 12, 7, 12), datetime(2026, 12, 8, 12)]),
        # 10:15 on the last Friday of every month in 2002-2005
        ("cron(15 10 ? * 6L 2002-2005)", datetime(2002, 1, 1), [datetime(2002, 1, 25, 10, 15), datetime(2002, 2, 22, 10, 15)]),
        ("cron(15 10 ? * 6L 2002-2005)", datetime(2005, 12, 31), []),  # never again
        # 8:00 on the first Monday of the month
        ("cron(0 8 ? * 2#1 *)", datetime(2026, 1, 1), [datetime(2026, 1, 5, 8), datetime(2026, 2, 2, 8)]),
        # 12:00 every day (AWS Backup's API reference example)
        ("cron(0 12 * * ? *)", datetime(2026, 1, 1, 12), [datetime(2026, 1, 2, 12), datetime(2026, 1, 3, 12)]),
        # 15 past every hour (the other API reference example)
        ("cron(15 * ? * * *)", datetime(2026, 1, 1, 0, 15), [datetime(2026, 1, 1, 1, 15), datetime(2026, 1, 1, 2, 15)]),
        # the last day of the month; the last weekday; the weekday nearest the 1st (Sun 2026-02-01 -> Mon 2nd)
        ("cron(0 3 L * ? *)", datetime(2028, 1, 31, 4), [datetime(2028, 2, 29, 3), datetime(2028, 3, 31, 3)]),
        ("cron(0 3 LW * ? *)", datetime(2026, 1, 1), [datetime(2026, 1, 30, 3), datetime(2026, 2, 27, 3)]),
        ("cron(0 3 1W * ? *)", datetime(2026, 1, 2), [datetime(2026, 2, 2, 3), datetime(2026, 3, 2, 3)]),
        # Saturday nearest the 31st of Jan 2026 is Fri 30th; increments; names
        ("cron(0 3 31W * ? *)", datetime(2026, 1, 1), [datetime(2026, 1, 30, 3)]),
        ("cron(0 0/8 ? * * *)", datetime(2026, 1, 1, 1), [datetime(2026, 1, 1, 8), datetime(2026, 1, 1, 16)]),
        ("cron(30 5 ? JAN,JUL SUN 2026)", datetime(2026, 1, 26), [datetime(2026, 7, 5, 5, 30), datetime(2026, 7, 12, 5, 30)]),
        ("cron(0 1 ? * L *)", datetime(2026, 1, 1), [datetime(2026, 1, 3, 1), datetime(2026, 1, 10, 1)]),  # L = Saturday
    ],
)
def test_cron_examples(expression: str, after: datetime, expected: list[datetime]) -> None:
    assert fires(expression, after, len(expected) or 1) == expected


def test_cron_time_zone_follows_daylight_saving() -> None:
    # 05:00 in New York is 10:00 UTC in winter and 09:00 UTC after the March change (2026-03-08)
    runs = fires("cron(0 5 ? * * *)", datetime(2026, 3, 6), 4, "America/New_York")
    assert runs == [datetime(2026, 3, 6, 10), datetime(2026, 3, 7, 10), datetime(2026, 3, 8, 9), datetime(2026, 3, 9, 9)]


@pytest.mark.parametrize(
    "expression, words",
    [
        ("rate(1 day)", "AWS Backup takes cron expressions"),
        ("cron(0/15 * ? * * *)", "shouldn't be less than 60 minutes"),
        ("cron(0 5 * * * *)", "exactly one of day-of-month and day-of-week"),
        ("cron(0 5 ? * ? *)", "exactly one of day-of-month and day-of-week"),
        ("cron(0 5 ? * *)", "6 fields"),
        ("cron(0 24 ? * * *)", "hours value 24"),
        ("cron(0 5 ? * 2#6 *)", "occurrence must be 1-5"),
        ("cron(0 5 ? FOO * *)", "'FOO' is not a valid month"),
        ("0 5 ? * * *", "expected cron("),
    ],
)
def test_cron_refusals(expression: str, words: str) -> None:
    with pytest.raises(CronError, match=words.replace("(", r"\(")):
        parse(expression)


def test_selection_logic_as_aws_documents_it() -> None:
    arn = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"
    tags = {"backup": "daily", "team": "payments"}
    equals = lambda key, value: {"ConditionKey": f"aws:ResourceTag/{key}", "ConditionValue": value}  # noqa: E731
    assert selection_matches({}, arn, tags)  # nothing given: every resource
    assert selection_matches({"Resources": ["arn:aws:dynamodb:*:*:table/ord*"]}, arn, tags)
    assert not selection_matches({"Resources": ["*"], "NotResources": ["*:table/orders"]}, arn, tags)
    # Resources OR ListOfTags
    assert selection_matches({"Resources": ["arn:aws:dynamodb:*:*:table/x"],
                              "ListOfTags": [{"ConditionType": "STRINGEQUALS", **equals("backup", "daily")}]}, arn, tags)
    # Resources AND Conditions (all of them)
    assert selection_matches({"Resources": ["*"], "Conditions": {"StringEquals": [equals("backup", "daily")],
                                                                "StringLike": [equals("team", "pay*")]}}, arn, tags)
    assert not selection_matches({"Resources": ["*"], "Conditions": {"StringEquals": [equals("backup", "daily")],
                                                                    "StringNotLike": [equals("team", "pay*")]}}, arn, tags)
    assert selection_matches({"Conditions": {"StringNotEquals": [equals("backup", "weekly")]}}, arn, tags)
    assert not selection_matches({"Conditions": {"StringEquals": [equals("Backup", "daily")]}}, arn, tags)  # case
    # a table that does not exist: only by its own ARN, and never through a tag condition
    assert selection_matches({"Resources": [arn]}, arn, None)
    assert not selection_matches({"Resources": ["*"]}, arn, None)


# --------------------------------------------------------------------------- #
# Plans that fire, against the emulator
# --------------------------------------------------------------------------- #


def clock(endpoint: str, **body: Any) -> str:
    request = urllib.request.Request(endpoint + "/_backupkit/clock", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())["now"]


def make_table(ddb: Any, name: str, tags: dict[str, str] | None = None) -> str:
    arn = ddb.create_table(
        TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    )["TableDescription"]["TableArn"]
    ddb.put_item(TableName=name, Item={"pk": {"S": "first"}})
    return arn


def plan(backup: Any, rule: dict[str, Any], name: str = "daily") -> dict[str, Any]:
    body = {"RuleName": "r1", "TargetBackupVaultName": "vault-a", **rule}
    return backup.create_backup_plan(BackupPlan={"BackupPlanName": name, "Rules": [body]})


def select(backup: Any, plan_id: str, name: str, **document: Any) -> None:
    backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection={
        "SelectionName": name, "IamRoleArn": ROLE, **document})


def jobs(backup: Any) -> list[dict[str, Any]]:
    return sorted(backup.list_backup_jobs()["BackupJobs"], key=lambda j: (j["CreationDate"], j["ResourceArn"]))


@pytest.fixture
def env(client: Callable[..., Any], endpoint: str) -> dict[str, Any]:
    control(endpoint, job_seconds=600)  # ten minutes of clock time per job
    clock(endpoint, now=START)
    ddb, backup = client("dynamodb"), client("backup")
    backup.create_backup_vault(BackupVaultName="vault-a")
    make_role(client("iam"))
    return {"ddb": ddb, "backup": backup, "endpoint": endpoint, "iam": client("iam")}


TAGGED = {"StringEquals": [{"ConditionKey": "aws:ResourceTag/backup", "ConditionValue": "daily"}]}


def daily_scenario(env: dict[str, Any]) -> dict[str, Any]:
    ddb, backup = env["ddb"], env["backup"]
    orders = make_table(ddb, "orders", {"backup": "daily"})
    users = make_table(ddb, "users", {"backup": "daily"})
    make_table(ddb, "scratch", {"backup": "never"})
    created = plan(backup, {"ScheduleExpression": "cron(0 5 ? * * *)", "StartWindowMinutes": 60,
                            "CompletionWindowMinutes": 120, "Lifecycle": {"DeleteAfterDays": 35},
                            "RecoveryPointTags": {"made-by": "schedule"}})
    select(backup, created["BackupPlanId"], "by-tag", Resources=["*"], Conditions=TAGGED)
    select(backup, created["BackupPlanId"], "by-arn", Resources=[orders])  # orders twice: backed up once
    return {"plan": created, "orders": orders, "users": users}


def test_a_daily_rule_backs_up_what_its_selections_match_once_a_day(env: dict[str, Any]) -> None:
    backup, ddb = env["backup"], env["ddb"]
    backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})  # DynamoDB backups
    made = daily_scenario(env)
    assert jobs(backup) == []  # nothing runs before the schedule says so
    clock(env["endpoint"], advance_seconds=86400)

    day_one = jobs(backup)
    assert [job["ResourceArn"] for job in day_one] == sorted([made["orders"], made["users"]])
    rule_id = backup.get_backup_plan(BackupPlanId=made["plan"]["BackupPlanId"])["BackupPlan"]["Rules"][0]["RuleId"]
    for job in day_one:
        assert job["CreationDate"].strftime("%Y-%m-%d %H:%M:%S") == "2031-03-01 05:00:00"
        assert job["StartBy"] - job["CreationDate"] == timedelta(minutes=60)
        assert job["State"] == "COMPLETED" and job["CompletionDate"] - job["CreationDate"] == timedelta(minutes=10)
        assert job["CreatedBy"] == {
            "BackupPlanId": made["plan"]["BackupPlanId"], "BackupPlanArn": made["plan"]["BackupPlanArn"],
            "BackupPlanVersion": made["plan"]["VersionId"], "BackupRuleId": rule_id,
        }
        point = backup.describe_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=job["RecoveryPointArn"])
        assert point["CalculatedLifecycle"]["DeleteAt"] - point["CreationDate"] == timedelta(days=35)
        assert point["CreatedBy"] == job["CreatedBy"] and point["BackupVaultName"] == "vault-a"
        assert backup.list_tags(ResourceArn=job["RecoveryPointArn"])["Tags"] == {"made-by": "schedule"}
    # the snapshot is the table at 05:00: an item written later is not in it
    ddb.put_item(TableName="orders", Item={"pk": {"S": "later"}})
    restored = backup.start_restore_job(
        RecoveryPointArn=next(j for j in day_one if j["ResourceArn"] == made["orders"])["RecoveryPointArn"],
        IamRoleArn=ROLE, Metadata={"targetTableName": "orders-restored"})
    assert ddb.scan(TableName="orders-restored")["Count"] == 1
    by_resource = backup.list_restore_jobs_by_protected_resource(ResourceArn=made["orders"])["RestoreJobs"]
    assert [job["RestoreJobId"] for job in by_resource] == [restored["RestoreJobId"]]
    assert backup.list_restore_jobs_by_protected_resource(ResourceArn=made["users"])["RestoreJobs"] == []

    # 40 more days: 41 daily runs; those whose DeleteAt (35 days) passed are gone, with their DynamoDB backups
    clock(env["endpoint"], advance_seconds=40 * 86400)
    now = datetime(2031, 4, 11)
    runs = [datetime(2031, 3, 1, 5) + timedelta(days=d) for d in range(41)]
    kept = [r for r in runs if r + timedelta(days=35) > now]
    points = backup.list_recovery_points_by_resource(ResourceArn=made["orders"])["RecoveryPoints"]
    assert sorted(p["CreationDate"].replace(tzinfo=None) for p in points) == kept
    assert len(jobs(backup)) == 2 * 41
    ddb_backups = ddb.list_backups(TableName="orders", BackupType="AWS_BACKUP")["BackupSummaries"]
    assert sorted(b["BackupArn"] for b in ddb_backups) == sorted(p["RecoveryPointArn"] for p in points)
    # DynamoDB refuses to delete a backup AWS Backup manages
    with pytest.raises(ClientError) as refused:
        ddb.delete_backup(BackupArn=points[0]["RecoveryPointArn"])
    assert "can only be deleted through AWS Backup" in refused.value.response["Error"]["Message"]
    last = backup.get_backup_plan(BackupPlanId=made["plan"]["BackupPlanId"])["LastExecutionDate"]
    assert last.replace(tzinfo=None) == runs[-1]


def test_same_state_and_same_advance_give_the_same_result(env: dict[str, Any], endpoint: str) -> None:
    def outcome() -> list[tuple[Any, ...]]:
        backup = env["backup"]
        daily_scenario(env)
        clock(endpoint, advance_seconds=10 * 86400 + 3600)
        return [(j["ResourceName"], j["CreationDate"], j["CompletionDate"], j["State"]) for j in jobs(backup)]

    first = outcome()
    urllib.request.urlopen(urllib.request.Request(endpoint + "/moto-api/reset", method="POST")).read()
    from backupkit_emulator.clock import CLOCK

    CLOCK.reset()
    clock(endpoint, now=START)
    env["backup"].create_backup_vault(BackupVaultName="vault-a")
    make_role(env["iam"])
    assert outcome() == first and len(first) == 20


def test_weekly_rule_in_another_time_zone_fires_on_its_local_weekday(env: dict[str, Any]) -> None:
    backup = env["backup"]
    orders = make_table(env["ddb"], "orders")
    weekly = plan(backup, {"ScheduleExpression": "cron(30 23 ? * SUN *)", "ScheduleExpressionTimezone": "Asia/Tokyo"})
    select(backup, weekly["BackupPlanId"], "one", Resources=[orders])
    clock(env["endpoint"], advance_seconds=21 * 86400)
    # Sunday 23:30 in Tokyo is Sunday 14:30 UTC; 2031-03-02 is a Sunday
    assert [j["CreationDate"].strftime("%a %Y-%m-%d %H:%M") for j in jobs(backup)] == [
        "Sun 2031-03-02 14:30", "Sun 2031-03-09 14:30", "Sun 2031-03-16 14:30"]


def test_what_goes_wrong_ends_as_aws_says(env: dict[str, Any], endpoint: str) -> None:
    backup, ddb = env["backup"], env["ddb"]
    gone = make_table(ddb, "gone")
    slow = make_table(ddb, "slow")
    made = plan(backup, {"ScheduleExpression": "cron(0 5 ? * * *)", "CompletionWindowMinutes": 60})
    select(backup, made["BackupPlanId"], "both", Resources=[gone, slow])
    ddb.delete_table(TableName="gone")
    control(endpoint, job_seconds=7200)  # two hours: longer than the completion window
    clock(endpoint, advance_seconds=86400)
    by_name = {job["ResourceName"]: job for job in jobs(backup)}
    assert by_name["gone"]["State"] == "FAILED"
    assert by_name["gone"]["StatusMessage"] == "Requested resource not found: Table: gone not found"
    assert by_name["slow"]["State"] == "EXPIRED"
    assert by_name["slow"]["StatusMessage"] == "Backup job expired before completion."
    assert by_name["slow"]["CompletionDate"] - by_name["slow"]["CreationDate"] == timedelta(minutes=60)
    assert backup.list_recovery_points_by_resource(ResourceArn=slow)["RecoveryPoints"] == []


def test_a_rule_whose_vault_does_not_exist_is_accepted_and_its_jobs_fail(env: dict[str, Any]) -> None:
    backup = env["backup"]
    orders = make_table(env["ddb"], "orders")
    made = plan(backup, {"TargetBackupVaultName": "never-created", "ScheduleExpression": "cron(0 5 ? * * *)"})
    select(backup, made["BackupPlanId"], "orders", Resources=[orders])
    clock(env["endpoint"], advance_seconds=86400)
    [job] = jobs(backup)
    assert (job["State"], job["StatusMessage"]) == ("FAILED", "Backup vault never-created does not exist.")
    assert "RecoveryPointArn" not in job
    assert backup.list_recovery_points_by_resource(ResourceArn=orders)["RecoveryPoints"] == []


def test_region_opt_out_and_cold_storage_and_vault_lock(env: dict[str, Any], endpoint: str) -> None:
    backup, ddb = env["backup"], env["ddb"]
    orders = make_table(ddb, "orders")
    backup.create_backup_vault(BackupVaultName="locked")
    backup.put_backup_vault_lock_configuration(BackupVaultName="locked", MinRetentionDays=7, MaxRetentionDays=30)
    cold = plan(backup, {"ScheduleExpression": "cron(0 5 ? * * *)",
                         "Lifecycle": {"MoveToColdStorageAfterDays": 2, "DeleteAfterDays": 92}})
    select(backup, cold["BackupPlanId"], "one", Resources=[orders])
    too_long = backup.create_backup_plan(BackupPlan={"BackupPlanName": "locked", "Rules": [
        {"RuleName": "long", "TargetBackupVaultName": "locked", "ScheduleExpression": "cron(0 6 ? * * *)",
         "Lifecycle": {"DeleteAfterDays": 60}},
        {"RuleName": "fits", "TargetBackupVaultName": "locked", "ScheduleExpression": "cron(0 7 ? * * *)",
         "Lifecycle": {"DeleteAfterDays": 10}},
        {"RuleName": "short", "TargetBackupVaultName": "locked", "ScheduleExpression": "cron(0 8 ? * * *)",
         "Lifecycle": {"DeleteAfterDays": 3}}]})
    select(backup, too_long["BackupPlanId"], "one", Resources=[orders])

    # DynamoDB not opted in: no job at all
    backup.update_region_settings(ResourceTypeOptInPreference={"DynamoDB": False})
    clock(endpoint, advance_seconds=86400)
    assert jobs(backup) == []
    backup.update_region_settings(ResourceTypeOptInPreference={"DynamoDB": True},
                                  ResourceTypeManagementPreference={"DynamoDB": True})
    clock(endpoint, advance_seconds=86400)
    states = {(j["BackupVaultName"], j["RecoveryPointLifecycle"]["DeleteAfterDays"]): j for j in jobs(backup)}
    assert states[("locked", 60)]["State"] == "FAILED"
    assert "maximum retention period of the backup vault (30 days)" in states[("locked", 60)]["StatusMessage"]
    assert states[("locked", 3)]["State"] == "FAILED"
    assert states[("locked", 3)]["StatusMessage"] == (
        "The retention period of the backup (3 days) is shorter than the minimum retention period of the "
        "backup vault (7 days).")
    assert "RecoveryPointArn" not in states[("locked", 3)]
    fits = states[("locked", 10)]
    assert fits["State"] == "COMPLETED"
    with pytest.raises(ClientError) as refused:
        backup.delete_recovery_point(BackupVaultName="locked", RecoveryPointArn=fits["RecoveryPointArn"])
    assert refused.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "minimum retention" in refused.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as longer:
        backup.update_recovery_point_lifecycle(BackupVaultName="locked", RecoveryPointArn=fits["RecoveryPointArn"],
                                               Lifecycle={"DeleteAfterDays": 45})
    assert "maximum retention period of the backup vault (30 days)" in longer.value.response["Error"]["Message"]

    advanced = states[("vault-a", 92)]["RecoveryPointArn"]
    describe = lambda: backup.describe_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=advanced)  # noqa: E731
    assert describe()["StorageClass"] == "WARM"
    clock(endpoint, advance_seconds=2 * 86400)
    assert describe()["StorageClass"] == "COLD"

    # without advanced DynamoDB backup, cold storage is ignored
    backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})
    clock(endpoint, advance_seconds=86400)
    plain = [j for j in jobs(backup) if j["BackupVaultName"] == "vault-a"][-1]["RecoveryPointArn"]
    clock(endpoint, advance_seconds=5 * 86400)
    point = backup.describe_recovery_point(BackupVaultName="vault-a", RecoveryPointArn=plain)
    assert point["StorageClass"] == "WARM"


# --------------------------------------------------------------------------- #
# Scheduled backups share one copy of an unchanged table, and never miss a write
# --------------------------------------------------------------------------- #

NEW_ITEM = {"pk": {"S": "written"}}

#: Every kind of request that changes what a restore of the table shows (items, tags, billing mode).
WRITES: dict[str, Callable[[dict[str, Any], str], Any]] = {
    "PutItem": lambda c, arn: c["ddb"].put_item(TableName="orders", Item=NEW_ITEM),
    "UpdateItem": lambda c, arn: c["ddb"].update_item(
        TableName="orders", Key={"pk": {"S": "first"}}, UpdateExpression="SET note = :n",
        ExpressionAttributeValues={":n": {"S": "changed"}}),
    "DeleteItem": lambda c, arn: c["ddb"].delete_item(TableName="orders", Key={"pk": {"S": "first"}}),
    "BatchWriteItem": lambda c, arn: c["ddb"].batch_write_item(
        RequestItems={"orders": [{"PutRequest": {"Item": NEW_ITEM}}]}),
    "TransactWriteItems": lambda c, arn: c["ddb"].transact_write_items(
        TransactItems=[{"Put": {"TableName": "orders", "Item": NEW_ITEM}}]),
    "ExecuteStatement": lambda c, arn: c["ddb"].execute_statement(
        Statement="INSERT INTO \"orders\" VALUE {'pk': 'written'}"),
    "BatchExecuteStatement": lambda c, arn: c["ddb"].batch_execute_statement(
        Statements=[{"Statement": "INSERT INTO \"orders\" VALUE {'pk': 'written'}"}]),
    "ExecuteTransaction": lambda c, arn: c["ddb"].execute_transaction(
        TransactStatements=[{"Statement": "INSERT INTO \"orders\" VALUE {'pk': 'written'}"}]),
    "UpdateTable": lambda c, arn: c["ddb"].update_table(
        TableName="orders", BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}),
    "TagResource": lambda c, arn: c["ddb"].tag_resource(ResourceArn=arn, Tags=[{"Key": "stage", "Value": "prod"}]),
    "UntagResource": lambda c, arn: c["ddb"].untag_resource(ResourceArn=arn, TagKeys=["backup"]),
    "TagResources (Resource Groups Tagging API)": lambda c, arn: c["tagging"].tag_resources(
        ResourceARNList=[arn], Tags={"stage": "prod"}),
}


def table_state(ddb: Any, name: str) -> dict[str, Any]:
    """What a restore of the table shows: its items, tags and billing mode."""
    described = ddb.describe_table(TableName=name)["Table"]
    return {
        "items": sorted(json.dumps(item, sort_keys=True) for item in ddb.scan(TableName=name)["Items"]),
        "tags": sorted((t["Key"], t["Value"]) for t in ddb.list_tags_of_resource(ResourceArn=described["TableArn"])["Tags"]),
        "billing": described["BillingModeSummary"]["BillingMode"],
    }


def restored_state(env: dict[str, Any], recovery_point_arn: str, target: str) -> dict[str, Any]:
    env["backup"].start_restore_job(RecoveryPointArn=recovery_point_arn, IamRoleArn=ROLE, Metadata={
        "targetTableName": target}, CopySourceTagsToRestoredResource=True)
    clock(env["endpoint"], advance_seconds=600)  # the restore job's ten minutes
    return table_state(env["ddb"], target)


@pytest.mark.parametrize("write", list(WRITES))
def test_a_scheduled_backup_holds_each_write_made_before_it_and_none_made_after(
        env: dict[str, Any], client: Callable[..., Any], write: str) -> None:
    ddb, backup = env["ddb"], env["backup"]
    orders = make_table(ddb, "orders", {"backup": "daily"})
    daily = plan(backup, {"ScheduleExpression": "cron(0 5 ? * * *)", "Lifecycle": {"DeleteAfterDays": 35}})
    select(backup, daily["BackupPlanId"], "orders", Resources=[orders])
    before = table_state(ddb, "orders")

    clock(env["endpoint"], advance_seconds=2 * 86400)  # two runs, the table unchanged in between
    WRITES[write]({**env, "tagging": client("resourcegroupstaggingapi")}, orders)
    after = table_state(ddb, "orders")
    assert after != before, "the write changed nothing a restore would show"
    clock(env["endpoint"], advance_seconds=86400)  # the third run, after the write
    ddb.put_item(TableName="orders", Item={"pk": {"S": "later"}})  # after every run

    points = sorted(backup.list_recovery_points_by_resource(ResourceArn=orders)["RecoveryPoints"],
                    key=lambda p: p["CreationDate"])
    assert [p["CreationDate"].strftime("%d %H:%M") for p in points] == ["01 05:00", "02 05:00", "03 05:00"]
    first, second, third = (p["RecoveryPointArn"] for p in points)
    assert restored_state(env, third, "orders-third") == after
    assert restored_state(env, second, "orders-second") == before
    assert restored_state(env, first, "orders-first") == before


def test_writes_to_a_restored_table_never_reach_the_backup_it_came_from(env: dict[str, Any]) -> None:
    ddb, backup = env["ddb"], env["backup"]
    orders = make_table(ddb, "orders")
    daily = plan(backup, {"ScheduleExpression": "cron(0 5 ? * * *)"})
    select(backup, daily["BackupPlanId"], "orders", Resources=[orders])
    clock(env["endpoint"], advance_seconds=86400)
    [point] = backup.list_recovery_points_by_resource(ResourceArn=orders)["RecoveryPoints"]
    snapshot = restored_state(env, point["RecoveryPointArn"], "orders-one")
    ddb.put_item(TableName="orders-one", Item=NEW_ITEM)
    ddb.delete_item(TableName="orders-one", Key={"pk": {"S": "first"}})
    ddb.tag_resource(ResourceArn=f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders-one",
                     Tags=[{"Key": "stage", "Value": "prod"}])
    assert table_state(ddb, "orders-one") != snapshot
    assert restored_state(env, point["RecoveryPointArn"], "orders-two") == snapshot
