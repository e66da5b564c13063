"""backup_restore_testing_plan/_selection, backup_global_settings and ddb_pitr_restore: the decisions
their engines make without AWS."""

from __future__ import annotations

import pytest

from ansible_collections.backupkit.dynamodb.plugins.module_utils import _restore_testing as rt
from ansible_collections.backupkit.dynamodb.plugins.module_utils._global_settings import view as global_view
from ansible_collections.backupkit.dynamodb.plugins.module_utils._pitr_restore import Request

ACCOUNT = "111122223333"


class FakeContext:
    partition = "aws"
    region = "us-east-1"
    account_id = ACCOUNT

    def table_arn(self, table):
        return table if table.startswith("arn:") else f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table}"

    def role_arn(self, role_arn=None, role_name=None):
        return role_arn or (f"arn:aws:iam::{ACCOUNT}:role/{role_name}" if role_name else None)


def plan_params(**overrides):
    params = dict(name="daily", state="present", schedule_expression="cron(0 5 ? * * *)",
                  schedule_expression_timezone=None, start_window_hours=None,
                  recovery_point_selection=dict(algorithm="LATEST_WITHIN_WINDOW", include_vaults=["vault", "*"],
                                                exclude_vaults=None, recovery_point_types=["SNAPSHOT"],
                                                selection_window_days=7),
                  tags={"team": "data"}, purge_tags=True)
    params.update(overrides)
    return params


def test_plan_input_names_every_option():
    assert rt.plan_input_problems(plan_params()) == []
    problems = rt.plan_input_problems(plan_params(name="my-plan", schedule_expression="rate(1 hour)",
                                                  schedule_expression_timezone="Mars/Olympus", start_window_hours=0))
    assert [p.split(" ")[0] for p in problems] == ["name", "schedule_expression", "schedule_expression_timezone",
                                                   "start_window_hours"]
    selection = dict(plan_params()["recovery_point_selection"], selection_window_days=366,
                     include_vaults=["arn:aws:backup:us-east-1:1:backup-vault:x"])
    problems = rt.plan_input_problems(plan_params(recovery_point_selection=selection))
    assert problems[0].startswith("recovery_point_selection.selection_window_days must be from 1 to 365")
    assert problems[1].startswith("recovery_point_selection.include_vaults: 'arn:aws:backup:us-east-1:1:")
    # a plan to delete needs only its name
    assert rt.plan_input_problems(dict(name="daily", state="absent")) == []


def test_plan_as_aws_holds_it_is_what_was_asked():
    """What the module sends, read back as AWS answers it, is the view it asked for: no change on the next run."""
    wanted = rt.plan_desired(plan_params(), None, FakeContext())
    assert wanted["recovery_point_selection"]["include_vaults"] == [
        "*", f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:vault"]
    raw = dict(rt.plan_to_aws(wanted), RestoreTestingPlanName="daily")
    assert rt.plan_view(raw, {"team": "data"}) == wanted


def test_plan_options_left_out_keep_what_the_plan_has():
    before = rt.plan_desired(plan_params(start_window_hours=3, schedule_expression_timezone="Europe/Paris"), None,
                             FakeContext())
    after = rt.plan_desired(plan_params(schedule_expression=None, recovery_point_selection=None, tags=None), before,
                            FakeContext())
    assert after == before


def selection_params(**overrides):
    params = dict(restore_testing_plan_name="daily", name="orders", state="present", protected_resource_type="DynamoDB",
                  protected_resource_arns=["orders"], protected_resource_conditions=None, iam_role_arn=None,
                  iam_role_name="backup", restore_metadata_overrides=None, validation_window_hours=None)
    params.update(overrides)
    return params


def test_selection_input_names_every_option():
    assert rt.selection_input_problems(selection_params()) == []
    problems = rt.selection_input_problems(selection_params(
        protected_resource_arns=["orders", "*"],
        protected_resource_conditions={"string_equals": [{"key": "env", "value": "prod"}], "string_not_equals": None},
        restore_metadata_overrides={"targetTableName": "x", "KMSMASTERKEYARN": "arn"},
        validation_window_hours=200))
    assert [p.split(" ")[0] for p in problems] == ["protected_resource_arns", "protected_resource_conditions",
                                                   "restore_metadata_overrides:", "validation_window_hours"]
    assert "'targetTableName'" in problems[2]


def test_selection_as_aws_holds_it_is_what_was_asked():
    conditions = {"string_equals": [{"key": "aws:ResourceTag/env", "value": "prod"}], "string_not_equals": None}
    wanted = rt.selection_desired(selection_params(protected_resource_arns=None, protected_resource_conditions=conditions),
                                  None, FakeContext())
    assert wanted["protected_resource_arns"] == ["*"]
    raw = dict(rt.selection_to_aws(wanted, creating=True), RestoreTestingPlanName="daily")
    assert rt.selection_view(raw) == wanted
    # AWS may answer conditions without the wildcard: the same selection
    del raw["ProtectedResourceArns"]
    assert rt.selection_view(raw) == wanted


def test_selection_table_names_are_arns():
    wanted = rt.selection_desired(selection_params(), None, FakeContext())
    assert wanted["protected_resource_arns"] == [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"]
    assert wanted["iam_role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/backup"
    assert wanted["validation_window_hours"] == 0


@pytest.mark.parametrize("change, recreate", [
    (dict(validation_window_hours=4), False),
    (dict(restore_metadata_overrides={"encryptionType": "KMS", "kmsMasterKeyArn": "k"}), False),
    (dict(restore_metadata_overrides={}), True),
    (dict(protected_resource_arns=["other"], protected_resource_conditions={}), True),
])
def test_selection_changes_update_cannot_make_recreate(change, recreate):
    before = rt.selection_desired(selection_params(
        protected_resource_arns=None,
        protected_resource_conditions={"string_equals": [{"key": "env", "value": "prod"}], "string_not_equals": None},
        restore_metadata_overrides={"encryptionType": "KMS"}), None, FakeContext())
    after = dict(before, **change)
    assert rt.needs_recreate(before, after) is recreate


def test_global_settings_view():
    assert global_view({"GlobalSettings": {"isCrossAccountBackupEnabled": "true", "isMpaEnabled": "false"}}) == {
        "cross_account_backup": True}
    assert global_view({}) == {"cross_account_backup": False}


@pytest.mark.parametrize("params, message", [
    (dict(target_table_name="x"), "target_table_name: 'x' is not a DynamoDB table name"),
    (dict(restore_date_time="yesterday"), "restore_date_time"),
    (dict(source_table="arn:aws:s3:::bucket"), "source_table: 'arn:aws:s3:::bucket' is not a DynamoDB table"),
    (dict(target_table_name="orders"), "target_table_name must differ from source_table"),
])
def test_pitr_request_names_the_option(params, message):
    options = dict(source_table="orders", target_table_name="orders-restored", restore_date_time="latest",
                   wait=True, wait_timeout=60)
    options.update(params)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        Request(options)
