"""backup_selection: normalisation, comparison, the role-propagation retry and full-page reads."""

from __future__ import annotations

import datetime

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from ansible_collections.backupkit.dynamodb.plugins.module_utils import _backup_selection as sel
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import create_backup_selection
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import is_role_propagation_error

PLAN_ID = "11111111-2222-3333-4444-555555555555"
ROLE = "arn:aws:iam::123456789012:role/backup"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
EMPTY_CONDITIONS = {"string_equals": [], "string_like": [], "string_not_equals": [], "string_not_like": []}


def client_error(code, message):
    return ClientError({"Error": {"Code": code, "Message": message}}, "CreateBackupSelection")


# --- normalisation -------------------------------------------------------------------------


def test_list_of_tags_is_a_set_of_triples_with_user_text_untouched():
    tags = [
        {"condition_type": "STRINGEQUALS", "condition_key": "Key with Spaces", "condition_value": "Some Value"},
        {"condition_type": "STRINGEQUALS", "condition_key": "CamelCaseKey", "condition_value": "MixedCase"},
        {"condition_type": "STRINGEQUALS", "condition_key": "Key with Spaces", "condition_value": "Some Value"},
    ]
    assert sel.normalise_list_of_tags(tags) == [
        {"condition_type": "STRINGEQUALS", "condition_key": "CamelCaseKey", "condition_value": "MixedCase"},
        {"condition_type": "STRINGEQUALS", "condition_key": "Key with Spaces", "condition_value": "Some Value"},
    ]
    assert sel.normalise_list_of_tags(tags) == sel.normalise_list_of_tags(list(reversed(tags)))


def test_list_of_tags_in_aws_format_equals_option_format_and_type_defaults():
    option = [{"condition_type": None, "condition_key": "CamelCaseKey", "condition_value": "v"}]
    aws = [{"ConditionType": "STRINGEQUALS", "ConditionKey": "CamelCaseKey", "ConditionValue": "v"}]
    assert sel.normalise_list_of_tags(option) == sel.normalise_list_of_tags(aws)
    assert sel.normalise_list_of_tags(aws)[0]["condition_key"] == "CamelCaseKey"


def test_list_of_tags_case_differences_are_differences():
    lower = [{"condition_type": "STRINGEQUALS", "condition_key": "env", "condition_value": "prod"}]
    upper = [{"condition_type": "STRINGEQUALS", "condition_key": "Env", "condition_value": "prod"}]
    assert sel.normalise_list_of_tags(lower) != sel.normalise_list_of_tags(upper)


def test_conditions_missing_types_are_filled_like_aws_returns_them():
    assert sel.normalise_conditions(None) == EMPTY_CONDITIONS
    assert sel.normalise_conditions({}) == EMPTY_CONDITIONS
    aws_default = {"StringEquals": [], "StringLike": [], "StringNotEquals": [], "StringNotLike": []}
    assert sel.normalise_conditions(aws_default) == EMPTY_CONDITIONS


def test_conditions_option_format_maps_to_aws_format():
    option = {
        "string_equals": [
            {"condition_key": "aws:ResourceTag/Key with Spaces", "condition_value": "B"},
            {"condition_key": "aws:ResourceTag/CamelCaseKey", "condition_value": "A"},
        ],
        "string_like": [],
        "string_not_equals": [],
        "string_not_like": [{"condition_key": "aws:ResourceTag/Stage", "condition_value": "dev*"}],
    }
    aws = {
        "StringEquals": [
            {"ConditionKey": "aws:ResourceTag/CamelCaseKey", "ConditionValue": "A"},
            {"ConditionKey": "aws:ResourceTag/Key with Spaces", "ConditionValue": "B"},
        ],
        "StringNotLike": [{"ConditionKey": "aws:ResourceTag/Stage", "ConditionValue": "dev*"}],
    }
    assert sel.normalise_conditions(option) == sel.normalise_conditions(aws)
    assert sel.normalise_conditions(aws)["string_equals"][1] == {
        "condition_key": "aws:ResourceTag/Key with Spaces",
        "condition_value": "B",
    }


def test_desired_equals_what_aws_returns_for_it():
    desired = sel.desired(
        "sel",
        ROLE,
        resources=[TABLE, "arn:aws:dynamodb:us-east-1:123456789012:table/a", TABLE],
        not_resources=None,
        list_of_tags=[{"condition_type": "STRINGEQUALS", "condition_key": "Key with Spaces", "condition_value": "x"}],
        conditions=None,
    )
    # AWS answers every list, in its own order, and the four condition types
    aws = {
        "SelectionName": "sel",
        "IamRoleArn": ROLE,
        "Resources": ["arn:aws:dynamodb:us-east-1:123456789012:table/a", TABLE],
        "NotResources": [],
        "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "Key with Spaces", "ConditionValue": "x"}],
        "Conditions": {"StringEquals": [], "StringLike": [], "StringNotEquals": [], "StringNotLike": []},
    }
    # written out: the resources sorted and de-duplicated, the tag text untouched, every condition type
    expected = {
        "selection_name": "sel",
        "iam_role_arn": ROLE,
        "resources": ["arn:aws:dynamodb:us-east-1:123456789012:table/a", TABLE],
        "not_resources": [],
        "list_of_tags": [{"condition_type": "STRINGEQUALS", "condition_key": "Key with Spaces", "condition_value": "x"}],
        "conditions": EMPTY_CONDITIONS,
    }
    assert desired == expected
    assert sel.normalise_selection(aws) == expected
    # a selection AWS returns without the empty parts is the same selection
    assert sel.normalise_selection({k: v for k, v in aws.items() if v}) == expected


@pytest.mark.parametrize(
    "change",
    [
        {"iam_role_arn": "arn:aws:iam::123456789012:role/other"},
        {"resources": [TABLE, "arn:aws:dynamodb:us-east-1:123456789012:table/b"]},
        {"not_resources": [TABLE]},
        {"list_of_tags": [{"condition_type": "STRINGEQUALS", "condition_key": "k", "condition_value": "v"}]},
        {"conditions": {"string_like": [{"condition_key": "aws:ResourceTag/k", "condition_value": "v*"}]}},
    ],
)
def test_any_real_change_is_a_difference(change):
    base = dict(selection_name="sel", iam_role_arn=ROLE, resources=[TABLE])
    assert sel.desired(**base) != sel.desired(**dict(base, **change))


def test_to_api_round_trips_and_leaves_out_empty_parts():
    desired = sel.desired(
        "sel",
        ROLE,
        resources=[TABLE],
        list_of_tags=[{"condition_type": None, "condition_key": "CamelCaseKey", "condition_value": "v"}],
        conditions={"string_equals": [{"condition_key": "aws:ResourceTag/a", "condition_value": "b"}]},
    )
    api = sel.to_api(desired)
    assert api == {
        "SelectionName": "sel",
        "IamRoleArn": ROLE,
        "Resources": [TABLE],
        "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "CamelCaseKey", "ConditionValue": "v"}],
        "Conditions": {"StringEquals": [{"ConditionKey": "aws:ResourceTag/a", "ConditionValue": "b"}]},
    }
    assert sel.normalise_selection(api) == {
        "selection_name": "sel",
        "iam_role_arn": ROLE,
        "resources": [TABLE],
        "not_resources": [],
        "list_of_tags": [{"condition_type": "STRINGEQUALS", "condition_key": "CamelCaseKey", "condition_value": "v"}],
        "conditions": dict(EMPTY_CONDITIONS, string_equals=[{"condition_key": "aws:ResourceTag/a", "condition_value": "b"}]),
    }


def test_describe_result_adds_server_fields_and_comparable_drops_them():
    created = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    response = {
        "BackupPlanId": PLAN_ID,
        "SelectionId": "sel-1",
        "CreationDate": created,
        "CreatorRequestId": "token",
        "BackupSelection": {"SelectionName": "sel", "IamRoleArn": ROLE, "Resources": [TABLE]},
    }
    result = sel.selection_result(response)
    assert result["creation_date"] == "2024-01-02T03:04:05+00:00"
    assert result["selection_id"] == "sel-1" and result["backup_plan_id"] == PLAN_ID
    assert sel.view(result) == {
        "selection_name": "sel", "iam_role_arn": ROLE, "resources": [TABLE], "not_resources": [],
        "list_of_tags": [], "conditions": EMPTY_CONDITIONS, "duplicates": [],
    }
    flat = sel.flatten_response(response)
    assert flat["SelectionName"] == "sel" and flat["CreationDate"] == "2024-01-02T03:04:05+00:00"
    assert "BackupSelection" not in flat


@pytest.mark.parametrize(
    "region,partition",
    [("us-east-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")],
)
def test_dynamodb_table_arn(region, partition):
    assert sel.dynamodb_table_arn("orders", partition, region, "123456789012") == (
        f"arn:{partition}:dynamodb:{region}:123456789012:table/orders"
    )
    assert sel.dynamodb_table_arn(TABLE, partition, region, None) == TABLE


# --- the role-propagation retry ------------------------------------------------------------


@pytest.mark.parametrize(
    "code,message,expected",
    [
        ("InvalidParameterValueException", f"IAM Role {ROLE} cannot be assumed by AWS Backup", True),
        ("InvalidParameterValueException", f"IAM Role {ROLE} is not authorized to call tag:GetResources", True),
        ("InvalidParameterValueException", f"Unable to assume role {ROLE}", True),
        ("InvalidParameterValueException", "Invalid ARN: arn:aws:iam::1:role", False),
        ("InvalidParameterValueException", "Cannot find Backup plan", False),
        ("AccessDeniedException", "User is not authorized to perform backup:CreateBackupSelection", False),
        ("ThrottlingException", "Rate exceeded", False),
    ],
)
def test_role_propagation_predicate(code, message, expected):
    assert is_role_propagation_error(client_error(code, message)) is expected


def test_role_propagation_predicate_ignores_other_exceptions():
    assert is_role_propagation_error(ValueError("cannot be assumed")) is False


def propagation_error(stubber):
    stubber.add_client_error("create_backup_selection", "InvalidParameterValueException",
                             f"IAM Role {ROLE} cannot be assumed by AWS Backup")


def test_retry_until_the_role_is_usable(backup, clock):
    client, stubber = backup
    for _attempt in range(3):
        propagation_error(stubber)
    stubber.add_response("create_backup_selection", {"SelectionId": "s1", "BackupPlanId": PLAN_ID}, None)
    created = create_backup_selection(client, PLAN_ID, {"SelectionName": "s", "IamRoleArn": ROLE},
                                      clock=clock, sleep=clock.sleep)
    assert created["SelectionId"] == "s1"
    assert clock.sleeps == [2, 4, 8]


def test_retry_is_bounded_in_time(backup, clock):
    client, stubber = backup
    for _attempt in range(7):  # at 0, 2, 6, 14, 30, 46 and 60 seconds: seven attempts in 60 seconds
        propagation_error(stubber)
    with pytest.raises(AnsibleBackupError, match="create AWS Backup selection"):
        create_backup_selection(client, PLAN_ID, {"SelectionName": "s", "IamRoleArn": ROLE}, timeout=60,
                                clock=clock, sleep=clock.sleep)
    assert clock.sleeps == [2, 4, 8, 16, 16, 14]


def test_other_errors_are_not_retried(backup, clock):
    client, stubber = backup
    stubber.add_client_error("create_backup_selection", "InvalidParameterValueException", "Invalid ARN")
    with pytest.raises(AnsibleBackupError):
        create_backup_selection(client, PLAN_ID, {"SelectionName": "s", "IamRoleArn": ROLE}, clock=clock, sleep=clock.sleep)
    assert clock.sleeps == []


# --- reading every page, with botocore's own paginator --------------------------------------


@pytest.fixture
def backup():
    client = boto3.client(
        "backup", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def summary(selection_id, name):
    return {"SelectionId": selection_id, "SelectionName": name, "BackupPlanId": PLAN_ID, "IamRoleArn": ROLE}


def get_response(selection_id, name, **selection):
    return {
        "BackupPlanId": PLAN_ID,
        "SelectionId": selection_id,
        "CreationDate": datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
        "BackupSelection": dict({"SelectionName": name, "IamRoleArn": ROLE}, **selection),
    }


def stub_pages(stubber, pages):
    token = None
    for number, page in enumerate(pages):
        params = {"BackupPlanId": PLAN_ID}
        if token:
            params["NextToken"] = token
        token = f"page-{number + 1}" if number + 1 < len(pages) else None
        response = {"BackupSelectionsList": page}
        if token:
            response["NextToken"] = token
        stubber.add_response("list_backup_selections", response, params)


def test_selection_on_the_last_page_is_found(backup):
    client, stubber = backup
    stub_pages(
        stubber,
        [[summary("s1", "extra-1")], [summary("s2", "extra-2"), summary("s3", "extra-3")], [summary("s4", "target")]],
    )
    stubber.add_response("get_backup_selection", get_response("s4", "target", Resources=[TABLE]),
                         {"BackupPlanId": PLAN_ID, "SelectionId": "s4"})
    found = sel.find_selections(client, PLAN_ID, "target")
    assert [s["SelectionId"] for s in found] == ["s4"]


def test_plan_gone_while_listing_means_no_selections(backup):
    client, stubber = backup
    stubber.add_client_error("list_backup_selections", "ResourceNotFoundException", "no plan")
    assert sel.find_selections(client, PLAN_ID, "target") == []


def test_plan_found_on_a_later_page(backup):
    client, stubber = backup
    stubber.add_response("list_backup_plans", {"BackupPlansList": [{"BackupPlanName": "a", "BackupPlanId": "1"}],
                                               "NextToken": "t"}, {})
    stubber.add_response("list_backup_plans", {"BackupPlansList": [{"BackupPlanName": "b", "BackupPlanId": "2"}]},
                         {"NextToken": "t"})
    assert sel.find_plan_id(client, "b") == "2"


# --- the module's steps against a stubbed client --------------------------------------------


class FakeModule:
    def __init__(self, backup_client, check_mode=False, diff=True, **params):
        self.backup_client = backup_client
        self.params = dict(
            backup_selection_name="target",
            backup_plan_name="plan",
            iam_role_arn=ROLE,
            iam_role_name=None,
            resources=[TABLE],
            dynamodb_tables=None,
            not_resources=None,
            list_of_tags=None,
            conditions=None,
            state="present",
        )
        self.params.update(params)
        self.check_mode = check_mode
        self._diff = diff

    def client(self, service):
        assert service == "backup", f"no {service} client expected"
        return self.backup_client


def stub_lookup(stubber, selection):
    stubber.add_response("list_backup_plans", {"BackupPlansList": [{"BackupPlanName": "plan", "BackupPlanId": PLAN_ID}]}, {})
    stub_pages(stubber, [[summary("old", "target")]] if selection else [[]])
    if selection:
        stubber.add_response("get_backup_selection", get_response("old", "target", **selection),
                             {"BackupPlanId": PLAN_ID, "SelectionId": "old"})


def test_unchanged_selection_writes_nothing(backup):
    client, stubber = backup
    stub_lookup(stubber, {"Resources": [TABLE], "ListOfTags": [], "NotResources": [],
                          "Conditions": {"StringEquals": [], "StringLike": [], "StringNotEquals": [], "StringNotLike": []}})
    result = sel.ensure_present(FakeModule(client))
    assert result["changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"]
    assert result["backup_selection"]["selection_id"] == "old"
    assert result["replaced"] is False


def test_check_mode_predicts_a_replacement_and_writes_nothing(backup):
    client, stubber = backup
    stub_lookup(stubber, {"Resources": [TABLE]})
    tags = [{"condition_type": "STRINGEQUALS", "condition_key": "Key with Spaces", "condition_value": "v"}]
    result = sel.ensure_present(FakeModule(client, check_mode=True, list_of_tags=tags))
    assert result["changed"] is True
    assert result["replaced"] is True and result["replaced_selection_id"] == "old"
    assert result["backup_selection"]["list_of_tags"][0]["condition_key"] == "Key with Spaces"
    assert result["diff"]["before"]["list_of_tags"] == []


def test_changed_selection_is_deleted_and_created_again(backup):
    client, stubber = backup
    stub_lookup(stubber, {"Resources": [TABLE]})
    tags = [{"condition_type": None, "condition_key": "Key with Spaces", "condition_value": "v"}]
    stubber.add_response("delete_backup_selection", {}, {"BackupPlanId": PLAN_ID, "SelectionId": "old"})
    wanted = {
        "SelectionName": "target",
        "IamRoleArn": ROLE,
        "Resources": [TABLE],
        "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "Key with Spaces", "ConditionValue": "v"}],
    }
    stubber.add_response("create_backup_selection", {"SelectionId": "new", "BackupPlanId": PLAN_ID},
                         {"BackupPlanId": PLAN_ID, "BackupSelection": wanted, "CreatorRequestId": ANY})
    stub_pages(stubber, [[summary("new", "target")]])  # listed again after the create: one of that name
    stubber.add_response("get_backup_selection", get_response("new", "target", **wanted),
                         {"BackupPlanId": PLAN_ID, "SelectionId": "new"})
    result = sel.ensure_present(FakeModule(client, list_of_tags=tags))
    assert result["changed"] is True
    assert result["replaced"] is True and result["replaced_selection_id"] == "old"
    assert result["backup_selection"]["selection_id"] == "new"
    # the expected value is written out: computing it with the code's own normaliser could not fail
    assert result["diff"]["after"]["list_of_tags"] == [
        {"condition_type": "STRINGEQUALS", "condition_key": "Key with Spaces", "condition_value": "v"}
    ]


def test_absent_with_the_plan_gone_is_not_a_change(backup):
    client, stubber = backup
    stubber.add_response("list_backup_plans", {"BackupPlansList": []}, {})
    result = sel.ensure_absent(FakeModule(client, state="absent"))
    assert result["changed"] is False
    assert result["exists"] is False and result["backup_selection"] == {}


# --- input checks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params,message",
    [
        ({"dynamodb_tables": ["bad table!"]}, "dynamodb_tables: 'bad table!' is not a DynamoDB table name"),
        ({"dynamodb_tables": ["arn:aws:s3:::bucket"]}, "dynamodb_tables: 'arn:aws:s3:::bucket' is not a DynamoDB table ARN"),
        ({"resources": ["not-an-arn"]}, "resources: 'not-an-arn' is not an ARN"),
        ({"resources": [TABLE], "not_resources": ["nope"]}, "not_resources: 'nope' is not an ARN"),
        ({"list_of_tags": [{"condition_key": "Stage", "condition_value": None}]}, "list_of_tags[0]: condition_value is required"),
        ({"list_of_tags": [{"condition_key": "", "condition_value": "v"}]}, "list_of_tags[0]: condition_key is required"),
        ({}, "a selection needs resources, dynamodb_tables, list_of_tags or conditions"),
        ({"conditions": {"string_equals": [], "string_like": None}}, "a selection needs resources"),
    ],
)
def test_bad_selection_input_is_named(params, message):
    problems = sel.input_problems(params)
    assert any(message in problem for problem in problems), problems


@pytest.mark.parametrize(
    "params",
    [
        {"dynamodb_tables": ["orders", "order_transaction-2.v1", TABLE]},
        {"resources": ["arn:aws:dynamodb:*:*:table/*", "*"]},
        {"list_of_tags": [{"condition_key": "Key with Spaces", "condition_value": "v"}]},
        {"conditions": {"string_like": [{"condition_key": "aws:ResourceTag/k", "condition_value": "v*"}]}},
    ],
)
def test_good_selection_input_passes(params):
    assert sel.input_problems(params) == []


# --- concurrent runs ----------------------------------------------------------------------


def stub_two_of_one_name(stubber, first, second):
    stubber.add_response("list_backup_plans", {"BackupPlansList": [{"BackupPlanName": "plan", "BackupPlanId": PLAN_ID}]}, {})
    stub_pages(stubber, [[summary("a", "target"), summary("b", "target")]])
    stubber.add_response("get_backup_selection", get_response("a", "target", **first), {"BackupPlanId": PLAN_ID, "SelectionId": "a"})
    stubber.add_response("get_backup_selection", get_response("b", "target", **second), {"BackupPlanId": PLAN_ID, "SelectionId": "b"})


def test_two_selections_of_one_name_converge_to_the_one_as_wanted(backup):
    client, stubber = backup
    # "a" selects another table, "b" is exactly what is asked for: "a" goes, "b" stays
    stub_two_of_one_name(stubber, {"Resources": ["arn:aws:dynamodb:us-east-1:123456789012:table/other"]}, {"Resources": [TABLE]})
    stubber.add_response("delete_backup_selection", {}, {"BackupPlanId": PLAN_ID, "SelectionId": "a"})
    result = sel.ensure_present(FakeModule(client))
    # changed is before != after: the duplicate is part of what is compared
    assert result["changed"] is True
    assert result["diff"]["before"]["duplicates"] == ["a"]
    assert result["diff"]["after"]["duplicates"] == []
    assert result["backup_selection"]["selection_id"] == "b"
    assert result["replaced"] is False
    assert result["msg"] == "Deleted 1 more backup selection(s) named 'target': a"


def test_two_selections_of_one_name_in_check_mode_are_reported_not_deleted(backup):
    client, stubber = backup
    stub_two_of_one_name(stubber, {"Resources": [TABLE]}, {"Resources": [TABLE]})
    result = sel.ensure_present(FakeModule(client, check_mode=True))
    assert result["changed"] is True
    assert result["backup_selection"]["selection_id"] == "a"
    assert result["msg"] == "Would have deleted 1 more backup selection(s) named 'target': b"


def created_at(day):
    return datetime.datetime(2026, 12, day, tzinfo=datetime.timezone.utc)


def stub_create_then_relist(stubber, listed):
    """No selection of that name at first; CreateBackupSelection answers "mine"; the list then shows ``listed``
    ({id: (creation day, resources)})."""
    stubber.add_response("list_backup_plans", {"BackupPlansList": [{"BackupPlanName": "plan", "BackupPlanId": PLAN_ID}]}, {})
    stub_pages(stubber, [[]])
    stubber.add_response("create_backup_selection", {"SelectionId": "mine", "BackupPlanId": PLAN_ID}, None)
    stub_pages(stubber, [[summary(selection_id, "target") for selection_id in listed]])
    for selection_id, (day, resources) in listed.items():
        response = dict(get_response(selection_id, "target", Resources=resources), CreationDate=created_at(day))
        stubber.add_response("get_backup_selection", response, {"BackupPlanId": PLAN_ID, "SelectionId": selection_id})


def test_a_run_that_lost_the_race_deletes_the_selection_it_created(backup):
    client, stubber = backup
    stub_create_then_relist(stubber, {"mine": (2, [TABLE]), "theirs": (1, [TABLE])})
    stubber.add_response("delete_backup_selection", {}, {"BackupPlanId": PLAN_ID, "SelectionId": "mine"})
    result = sel.ensure_present(FakeModule(client))
    assert result["changed"] is True
    assert result["backup_selection"]["selection_id"] == "theirs"


def test_the_oldest_selection_wins_and_keeps_what_it_created(backup):
    client, stubber = backup
    stub_create_then_relist(stubber, {"mine": (1, [TABLE]), "theirs": (2, [TABLE])})
    result = sel.ensure_present(FakeModule(client))  # no DeleteBackupSelection: the stubber refuses any other call
    assert result["backup_selection"]["selection_id"] == "mine"


def test_same_creation_date_ties_break_on_the_selection_id(backup):
    client, stubber = backup
    stub_create_then_relist(stubber, {"mine": (1, [TABLE]), "aaaa": (1, [TABLE])})
    stubber.add_response("delete_backup_selection", {}, {"BackupPlanId": PLAN_ID, "SelectionId": "mine"})
    assert sel.ensure_present(FakeModule(client))["backup_selection"]["selection_id"] == "aaaa"


def test_losing_the_race_to_another_selection_fails_saying_so(backup):
    client, stubber = backup
    other = "arn:aws:dynamodb:us-east-1:123456789012:table/other"
    stub_create_then_relist(stubber, {"mine": (2, [TABLE]), "theirs": (1, [other])})
    stubber.add_response("delete_backup_selection", {}, {"BackupPlanId": PLAN_ID, "SelectionId": "mine"})
    with pytest.raises(AnsibleBackupError, match="Another run created backup selection 'target' \\(theirs\\)"):
        sel.ensure_present(FakeModule(client))
