"""The deny-backup-deletion guard: documents, vault statements, versions, ARN matching and verification."""

from __future__ import annotations

import datetime
import json
from urllib.parse import quote

import boto3
import pytest
from botocore.stub import ANY, Stubber

from ansible_collections.amazon.aws.plugins.module_utils.iam import AnsibleIAMError

from ansible_collections.backupkit.dynamodb.plugins.module_utils import _deny_policy as dp

ACCOUNT = "111122223333"
REGION = "eu-west-1"
POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/backupkit/guard"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/breakglass"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/alice"
DEFAULTS = dp.default_resources("aws", REGION, ACCOUNT)
FOREIGN = {"Sid": "KeepVaults", "Effect": "Deny", "Principal": "*", "Action": "backup:DeleteBackupVault", "Resource": "*"}


def iam_client():
    return boto3.client("iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def version(number, default=False):
    return {
        "VersionId": f"v{number}",
        "IsDefaultVersion": default,
        "CreateDate": datetime.datetime(2024, 1, number, tzinfo=datetime.timezone.utc),
    }


# --- documents ------------------------------------------------------------------------------


def test_default_resources_are_this_account_and_region():
    assert DEFAULTS == [
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/*/backup/*",
        f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:*",
        f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-plan:*",
        f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:*",
    ]


def test_the_default_deny_actions_cover_the_issue_list():
    required = {
        "dynamodb:DeleteBackup", "backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle",
        "backup:DisassociateRecoveryPoint", "backup:DeleteBackupSelection", "backup:DeleteBackupPlan",
        "backup:UpdateBackupPlan", "backup:DeleteBackupVault", "backup:DeleteBackupVaultAccessPolicy",
        "backup:PutBackupVaultAccessPolicy", "backup:DeleteBackupVaultLockConfiguration",
    }
    assert required <= set(dp.DEFAULT_DENY_ACTIONS)
    assert len(set(dp.DEFAULT_DENY_ACTIONS)) == len(dp.DEFAULT_DENY_ACTIONS)
    # every default action has resource types to simulate it on
    assert all(action.lower() in dp.ACTION_RESOURCE_KINDS for action in dp.DEFAULT_DENY_ACTIONS)


def test_document_with_allow_and_exemption():
    document = dp.build_document(["dynamodb:DeleteBackup"], DEFAULTS, ["dynamodb:CreateTable"], None, [ROLE_ARN])
    assert document == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "BackupkitAllow", "Effect": "Allow", "Action": ["dynamodb:CreateTable"], "Resource": ["*"]},
            {
                "Sid": "BackupkitDenyBackupDeletion",
                "Effect": "Deny",
                "Action": ["dynamodb:DeleteBackup"],
                "Resource": DEFAULTS,
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": [ROLE_ARN]}},
            },
        ],
    }


def test_document_without_allow_or_exemption_has_one_unconditional_deny():
    document = dp.build_document(["backup:*"], ["*"])
    assert document["Statement"] == [
        {"Sid": "BackupkitDenyBackupDeletion", "Effect": "Deny", "Action": ["backup:*"], "Resource": ["*"]}
    ]


def test_documents_are_compared_as_policies():
    one = dp.build_document(["a:B", "c:D"], ["arn:aws:x:::y"], ["e:F"], None, [ROLE_ARN])
    other = json.loads(json.dumps(one))
    other["Statement"].reverse()
    other["Statement"][0]["Action"].reverse()
    other["Statement"][1]["Action"] = "e:F"
    other["Statement"][0]["Condition"]["ArnNotLike"]["aws:PrincipalArn"] = ROLE_ARN
    assert not dp.policy_differs(one, other)
    other["Statement"][1]["Action"] = ["e:F", "g:H"]
    assert dp.policy_differs(one, other)
    assert dp.policy_differs({}, one) and dp.policy_differs(one, None) and not dp.policy_differs(None, {})


def test_unique_keeps_first_order():
    assert dp.unique(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]
    assert dp.unique(None) == []


@pytest.mark.parametrize(
    "function, value, ok",
    [
        (dp.action_problem, "dynamodb:DeleteBackup", True),
        (dp.action_problem, "backup:Delete*", True),
        (dp.action_problem, "*", True),
        (dp.action_problem, "DeleteBackup", False),
        (dp.action_problem, "dynamodb:Delete Backup", False),
        (dp.resource_problem, "*", True),
        (dp.resource_problem, DEFAULTS[0], True),
        (dp.resource_problem, "table/*/backup/*", False),
        (dp.principal_arn_problem, ROLE_ARN, True),
        (dp.principal_arn_problem, "arn:aws:iam::*:role/break*", True),
        (dp.principal_arn_problem, f"arn:aws:sts::{ACCOUNT}:assumed-role/breakglass/oncall", False),
        (dp.principal_arn_problem, "arn:aws:s3:::bucket", False),
        (dp.principal_arn_problem, "breakglass", False),
    ],
)
def test_input_checks(function, value, ok):
    assert (function("option", value) is None) == ok


def test_document_size_ignores_whitespace():
    document = {"Version": "2012-10-17", "Statement": []}
    assert dp.document_size(document) == len('{"Version":"2012-10-17","Statement":[]}')


def test_policy_document_accepts_dicts_json_and_url_encoded_json():
    document = {"Version": "2012-10-17", "Statement": []}
    assert dp.policy_document({"Document": document}) == document
    assert dp.policy_document({"Document": json.dumps(document)}) == document
    assert dp.policy_document({"Document": quote(json.dumps(document))}) == document


def test_policy_arn():
    assert dp.policy_arn("aws", ACCOUNT, "/backupkit/", "guard") == POLICY_ARN
    assert dp.policy_arn("aws-cn", ACCOUNT, None, "guard") == f"arn:aws-cn:iam::{ACCOUNT}:policy/guard"


# --- vault statements -----------------------------------------------------------------------


def test_vault_statement_denies_to_everyone_but_the_exempt():
    assert dp.vault_statement([ROLE_ARN]) == {
        "Sid": "BackupkitDenyRecoveryPointDeletion",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle", "backup:PutBackupVaultAccessPolicy"],
        "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": [ROLE_ARN]}},
    }
    assert "Condition" not in dp.vault_statement()


def test_statement_is_added_next_to_a_single_foreign_statement():
    policy = {"Version": "2012-10-17", "Statement": FOREIGN}
    ours = dp.vault_statement()
    updated = dp.with_our_statement(policy, ours)
    assert updated == {"Version": "2012-10-17", "Statement": [FOREIGN, ours]}
    assert policy == {"Version": "2012-10-17", "Statement": FOREIGN}  # not modified in place


def test_statement_into_a_vault_without_policy():
    ours = dp.vault_statement()
    assert dp.with_our_statement({}, ours) == {"Version": "2012-10-17", "Statement": [ours]}
    assert dp.with_our_statement(None, None) == {}


def test_an_equal_statement_leaves_the_policy_as_it_is():
    ours = dp.vault_statement([ROLE_ARN])
    written = dict(ours, Action=list(reversed(ours["Action"])), Principal={"AWS": "*"})
    written["Condition"] = {"ArnNotLike": {"aws:PrincipalArn": ROLE_ARN}}
    policy = {"Statement": [written, FOREIGN]}
    assert dp.with_our_statement(policy, ours) is policy
    assert dp.our_statement(policy) is written


def test_a_changed_statement_is_replaced_in_place_of_the_old_one():
    old = dp.vault_statement()
    new = dp.vault_statement([ROLE_ARN])
    updated = dp.with_our_statement({"Version": "2012-10-17", "Statement": [old, FOREIGN]}, new)
    assert updated["Statement"] == [FOREIGN, new]


def test_duplicate_statements_of_ours_become_one():
    ours = dp.vault_statement()
    updated = dp.with_our_statement({"Statement": [ours, FOREIGN, ours]}, ours)
    assert updated["Statement"] == [FOREIGN, ours]


def test_removing_keeps_the_others_and_empties_a_policy_of_ours_alone():
    ours = dp.vault_statement()
    assert dp.with_our_statement({"Version": "2012-10-17", "Statement": [FOREIGN, ours]}, None) == {
        "Version": "2012-10-17",
        "Statement": [FOREIGN],
    }
    assert dp.with_our_statement({"Version": "2012-10-17", "Statement": [ours]}, None) == {}
    untouched = {"Statement": [FOREIGN]}
    assert dp.with_our_statement(untouched, None) is untouched


# --- versions -------------------------------------------------------------------------------


def test_no_version_is_deleted_below_the_limit():
    assert dp.versions_to_delete([version(1), version(2, True)]) == []
    assert dp.versions_to_delete([version(n, n == 4) for n in range(1, 5)]) == []


def test_the_oldest_non_default_version_is_deleted_at_the_limit():
    assert dp.versions_to_delete([version(n, n == 5) for n in range(1, 6)]) == ["v1"]
    # the default is never deleted, even when it is the oldest
    assert dp.versions_to_delete([version(n, n == 1) for n in range(1, 6)]) == ["v2"]
    # version numbers, not their text, decide the age
    assert dp.versions_to_delete([version(n, n == 12) for n in (9, 10, 11, 12, 13)]) == ["v9"]


def test_create_policy_version_makes_room_first():
    client = iam_client()
    document = {"Version": "2012-10-17", "Statement": []}
    with Stubber(client) as stub:
        stub.add_response("list_policy_versions", {"Versions": [version(n, n == 3) for n in range(1, 6)]}, {"PolicyArn": POLICY_ARN})
        stub.add_response("delete_policy_version", {}, {"PolicyArn": POLICY_ARN, "VersionId": "v1"})
        stub.add_response(
            "create_policy_version",
            {"PolicyVersion": {"VersionId": "v6", "IsDefaultVersion": True}},
            {"PolicyArn": POLICY_ARN, "PolicyDocument": json.dumps(document), "SetAsDefault": True},
        )
        created, deleted = dp.create_policy_version(client, POLICY_ARN, document)
        stub.assert_no_pending_responses()
    assert created["VersionId"] == "v6"
    assert deleted == ["v1"]


def test_create_policy_version_retries_once_after_limit_exceeded():
    client = iam_client()
    document = {"Version": "2012-10-17", "Statement": []}
    with Stubber(client) as stub:
        stub.add_response("list_policy_versions", {"Versions": [version(n, n == 4) for n in range(1, 5)]}, {"PolicyArn": POLICY_ARN})
        stub.add_client_error("create_policy_version", "LimitExceeded", "A managed policy can have up to 5 versions.")
        stub.add_response("list_policy_versions", {"Versions": [version(n, n == 4) for n in range(1, 6)]}, {"PolicyArn": POLICY_ARN})
        stub.add_response("delete_policy_version", {}, {"PolicyArn": POLICY_ARN, "VersionId": "v1"})
        stub.add_response("create_policy_version", {"PolicyVersion": {"VersionId": "v6", "IsDefaultVersion": True}}, None)
        created, deleted = dp.create_policy_version(client, POLICY_ARN, document)
        stub.assert_no_pending_responses()
    assert (created["VersionId"], deleted) == ("v6", ["v1"])


def test_other_errors_of_create_policy_version_reach_the_module():
    client = iam_client()
    with Stubber(client) as stub:
        stub.add_response("list_policy_versions", {"Versions": [version(1, True)]}, {"PolicyArn": POLICY_ARN})
        stub.add_client_error("create_policy_version", "MalformedPolicyDocument", "bad")
        with pytest.raises(AnsibleIAMError):
            dp.create_policy_version(client, POLICY_ARN, {})


def test_find_matching_version_reads_non_default_versions_newest_first():
    client = iam_client()
    wanted = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "a:B", "Resource": "*"}]}
    written = {"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": ["a:B"], "Resource": ["*"]}}
    with Stubber(client) as stub:
        stub.add_response("get_policy_version", {"PolicyVersion": {"VersionId": "v3", "Document": quote(json.dumps({}))}},
                          {"PolicyArn": POLICY_ARN, "VersionId": "v3"})
        stub.add_response("get_policy_version", {"PolicyVersion": {"VersionId": "v2", "Document": quote(json.dumps(written))}},
                          {"PolicyArn": POLICY_ARN, "VersionId": "v2"})
        found = dp.find_matching_version(client, POLICY_ARN, [version(2), version(4, True), version(3)], wanted)
        stub.assert_no_pending_responses()
    assert found == "v2"


def test_missing_policy_is_none():
    client = iam_client()
    with Stubber(client) as stub:
        stub.add_client_error("get_policy", "NoSuchEntity", "Policy not found", 404)
        assert dp.get_policy(client, POLICY_ARN) is None


def test_attachments_are_sorted_names():
    client = iam_client()
    with Stubber(client) as stub:
        stub.add_response(
            "list_entities_for_policy",
            {
                "PolicyGroups": [{"GroupName": "devs", "GroupId": "g" * 16}],
                "PolicyUsers": [{"UserName": "zed", "UserId": "u" * 16}, {"UserName": "amy", "UserId": "v" * 16}],
                "PolicyRoles": [],
                "IsTruncated": False,
            },
            {"PolicyArn": POLICY_ARN},
        )
        assert dp.list_attachments(client, POLICY_ARN) == {"roles": [], "groups": ["devs"], "users": ["amy", "zed"]}


# --- ARN matching ---------------------------------------------------------------------------


def test_resource_matching_is_iam_wildcards():
    assert dp.resource_matches(DEFAULTS[0], f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders/backup/0170-abc")
    assert dp.resource_matches("*", "anything")
    assert not dp.resource_matches(DEFAULTS[0], f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders")
    assert not dp.resource_matches(DEFAULTS[0].replace("dynamodb", "DynamoDB"), DEFAULTS[0])
    assert dp.resource_matches("arn:aws:backup:eu-west-?:*", DEFAULTS[1])


def test_arn_like_matches_each_part_and_exemptions():
    assert dp.arn_like("arn:aws:iam::*:role/*breakglass", ROLE_ARN)
    assert dp.arn_like("arn:aws:iam::*:role/*breakglass", f"arn:aws:iam::{ACCOUNT}:role/team/breakglass")
    assert not dp.arn_like("arn:aws:iam::*:role/*breakglass", USER_ARN)
    # a wildcard does not reach over a colon into another part
    assert not dp.arn_like("arn:aws:*", ROLE_ARN)
    assert dp.is_exempt(ROLE_ARN, ["arn:aws:iam::*:user/x", ROLE_ARN])
    assert not dp.is_exempt(ROLE_ARN, [])
    assert not dp.is_exempt(None, ["*"])


# --- verification ---------------------------------------------------------------------------


def test_recovery_point_actions_are_simulated_on_both_arn_forms():
    resources = dp.representative_resources("backup:DeleteRecoveryPoint", DEFAULTS, "aws", REGION, ACCOUNT)
    assert resources == [
        f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:backupkit-verify",
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/backupkit-verify/backup/01700000000000-abcdef12",
    ]
    assert dp.representative_resources("backup:DeleteBackupSelection", DEFAULTS, "aws", REGION, ACCOUNT) == [
        f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-plan:backupkit-verify"
    ]


def test_a_narrowed_policy_is_simulated_on_its_own_resources():
    narrowed = [f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders/backup/*"]
    assert dp.representative_resources("dynamodb:DeleteBackup", narrowed, "aws", REGION, ACCOUNT) == [
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders/backup/backupkit-verify"
    ]


def test_a_resource_type_the_policy_does_not_cover_is_simulated_on_a_sample():
    only_tables = [DEFAULTS[0]]
    assert dp.representative_resources("backup:DeleteRecoveryPoint", only_tables, "aws", REGION, ACCOUNT) == [
        f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:backupkit-verify",
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/backupkit-verify/backup/01700000000000-abcdef12",
    ]


def test_unknown_actions_use_a_resource_of_their_service():
    assert dp.representative_resources("backup:StopBackupJob", DEFAULTS, "aws", REGION, ACCOUNT) == [
        f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:backupkit-verify"
    ]
    assert dp.representative_resources("s3:DeleteObject", ["*"], "aws", REGION, ACCOUNT) == ["*"]
    assert dp.representative_resources("s3:DeleteObject", DEFAULTS, "aws", REGION, ACCOUNT) == ["*"]


def test_verification_plan_groups_actions_and_expands_wildcards():
    plan, skipped = dp.verification_plan(
        ["backup:DeleteBackupVault*", "backup:DeleteBackupPlan", "s3:Nothing*"], DEFAULTS, "aws", REGION, ACCOUNT
    )
    assert skipped == ["s3:Nothing*"]
    as_dict = dict(plan)
    vault = (f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:backupkit-verify",)
    plan_arn = (f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-plan:backupkit-verify",)
    assert sorted(as_dict[vault]) == [
        "backup:DeleteBackupVault",
        "backup:DeleteBackupVaultAccessPolicy",
        "backup:DeleteBackupVaultLockConfiguration",
        "backup:DeleteBackupVaultNotifications",
    ]
    assert as_dict[plan_arn] == ["backup:DeleteBackupPlan"]


def test_principals_are_attached_roles_users_and_group_members():
    client = iam_client()
    created = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)

    def user(name):
        return {"Path": "/", "UserName": name, "UserId": name * 16, "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}", "CreateDate": created}

    def group(name):
        return {"Path": "/", "GroupName": name, "GroupId": name * 16, "Arn": f"arn:aws:iam::{ACCOUNT}:group/{name}", "CreateDate": created}

    role = {"Path": "/", "RoleName": "breakglass", "RoleId": "r" * 16, "Arn": ROLE_ARN, "CreateDate": created}
    with Stubber(client) as stub:
        stub.add_response("get_role", {"Role": role}, {"RoleName": "breakglass"})
        stub.add_response("get_user", {"User": user("alice")}, {"UserName": "alice"})
        stub.add_response("get_group", {"Group": group("devs"), "Users": [user("alice"), user("bob")], "IsTruncated": False}, {"GroupName": "devs"})
        stub.add_response("get_group", {"Group": group("empty"), "Users": [], "IsTruncated": False}, {"GroupName": "empty"})
        stub.add_response("get_group", {"Group": group("empty"), "Users": [], "IsTruncated": False}, {"GroupName": "empty"})
        principals = dp.principals_to_verify(
            client, {"roles": ["breakglass"], "users": ["alice"], "groups": ["devs", "empty"]}, [ROLE_ARN]
        )
        stub.assert_no_pending_responses()
    assert principals == [
        {"arn": ROLE_ARN, "attached_as": "role/breakglass", "exempt": True, "context_arn": ROLE_ARN},
        {"arn": USER_ARN, "attached_as": "user/alice", "exempt": False, "context_arn": USER_ARN},
        {"arn": f"arn:aws:iam::{ACCOUNT}:user/bob", "attached_as": "group/devs", "exempt": False,
         "context_arn": f"arn:aws:iam::{ACCOUNT}:user/bob"},
        {"arn": f"arn:aws:iam::{ACCOUNT}:group/empty", "attached_as": "group/empty", "exempt": False, "context_arn": None},
    ]


def result(action, resource, decision):
    return {"EvalActionName": action, "EvalResourceName": resource, "EvalDecision": decision}


def test_simulation_rows_and_failures():
    client = iam_client()
    rp = f"arn:aws:backup:{REGION}:{ACCOUNT}:recovery-point:backupkit-verify"
    principals = [
        {"arn": USER_ARN, "attached_as": "user/alice", "exempt": False, "context_arn": USER_ARN},
        {"arn": ROLE_ARN, "attached_as": "role/breakglass", "exempt": True, "context_arn": ROLE_ARN},
    ]
    plan = [((rp,), ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"])]
    with Stubber(client) as stub:
        stub.add_response(
            "simulate_principal_policy",
            {"EvaluationResults": [result("backup:DeleteRecoveryPoint", rp, "explicitDeny")], "IsTruncated": True, "Marker": "1"},
            {
                "PolicySourceArn": USER_ARN,
                "ActionNames": ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
                "ResourceArns": [rp],
                "ContextEntries": [{"ContextKeyName": "aws:PrincipalArn", "ContextKeyValues": [USER_ARN], "ContextKeyType": "string"}],
            },
        )
        stub.add_response(
            "simulate_principal_policy",
            {"EvaluationResults": [result("backup:UpdateRecoveryPointLifecycle", rp, "implicitDeny")], "IsTruncated": False},
            {"PolicySourceArn": USER_ARN, "ActionNames": ANY, "ResourceArns": ANY, "ContextEntries": ANY, "Marker": "1"},
        )
        stub.add_response(
            "simulate_principal_policy",
            {"EvaluationResults": [result("backup:DeleteRecoveryPoint", rp, "allowed"),
                                   result("backup:UpdateRecoveryPointLifecycle", rp, "allowed")], "IsTruncated": False},
            {"PolicySourceArn": ROLE_ARN, "ActionNames": ANY, "ResourceArns": ANY, "ContextEntries": ANY},
        )
        rows = dp.verify(client, principals, plan, timeout=0)
        stub.assert_no_pending_responses()
    assert [(r["principal"], r["action"], r["decision"], r["exempt"]) for r in rows] == [
        (USER_ARN, "backup:DeleteRecoveryPoint", "explicitDeny", False),
        (USER_ARN, "backup:UpdateRecoveryPointLifecycle", "implicitDeny", False),
        (ROLE_ARN, "backup:DeleteRecoveryPoint", "allowed", True),
        (ROLE_ARN, "backup:UpdateRecoveryPointLifecycle", "allowed", True),
    ]
    assert dp.failed_rows(rows) == [rows[1]]


def test_verify_asks_again_until_iam_has_caught_up(monkeypatch, clock):
    answers = iter([
        [{"principal": USER_ARN, "decision": "implicitDeny", "exempt": False}],
        [{"principal": USER_ARN, "decision": "explicitDeny", "exempt": False}],
    ])
    monkeypatch.setattr(dp, "simulate", lambda *args: next(answers))
    rows = dp.verify(None, [], [], timeout=30, delay=3, clock=clock, sleep=clock.sleep)
    assert rows[0]["decision"] == "explicitDeny"
    assert clock.sleeps == [3]


def test_verify_without_timeout_asks_once(monkeypatch):
    calls = []
    monkeypatch.setattr(dp, "simulate", lambda *args: calls.append(1) or [{"decision": "implicitDeny", "exempt": False}])
    dp.verify(None, [], [], timeout=0)
    assert calls == [1]
