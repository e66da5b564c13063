"""The IAM policy evaluator: AWS's evaluation rules, without a server."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from backupkit_emulator.iam_policy import (
    ALLOWED,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Policy,
    PolicyDocumentError,
    Position,
    evaluate,
    parse_policy,
    statement_applies,
)

ACCOUNT = "123456789012"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"
BACKUP = f"{TABLE}/backup/01700000000000-abcdef12"
USER = f"arn:aws:iam::{ACCOUNT}:user/dev"
BREAK_GLASS = f"arn:aws:iam::{ACCOUNT}:role/breakglass"


def policy(*statements: dict[str, Any], name: str = "p") -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, name)


def decision(policies: list[Policy], action: str, resource: str = "*", **context: Any) -> str:
    return evaluate(policies, action, resource, {k.replace("__", ":"): v for k, v in context.items()}).decision


ALLOW_DYNAMODB = {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}
DENY_DELETE_BACKUP = {
    "Effect": "Deny",
    "Action": "dynamodb:DeleteBackup",
    "Resource": "arn:aws:dynamodb:*:*:table/*/backup/*",
}


def test_explicit_deny_wins_over_allow_even_in_another_policy() -> None:
    policies = [policy(ALLOW_DYNAMODB, name="allow"), policy(DENY_DELETE_BACKUP, name="deny")]
    result = evaluate(policies, "dynamodb:DeleteBackup", BACKUP)
    assert result.decision == EXPLICIT_DENY
    # only the deny statement is reported, as the simulator does
    assert [s.source_id for s in result.matched] == ["deny"]


def test_allow_applies_where_no_deny_matches() -> None:
    policies = [policy(ALLOW_DYNAMODB, DENY_DELETE_BACKUP)]
    assert decision(policies, "dynamodb:CreateBackup", TABLE) == ALLOWED
    # the deny names backup ARNs only: deleting the table itself is allowed
    assert decision(policies, "dynamodb:DeleteTable", TABLE) == ALLOWED


def test_nothing_matching_is_an_implicit_deny() -> None:
    policies = [policy(ALLOW_DYNAMODB)]
    result = evaluate(policies, "backup:DeleteRecoveryPoint", "*")
    assert result.decision == IMPLICIT_DENY
    assert result.matched == ()
    assert evaluate([], "dynamodb:GetItem", TABLE).decision == IMPLICIT_DENY


def test_actions_match_case_insensitively_with_wildcards() -> None:
    policies = [policy({"Effect": "Allow", "Action": ["DynamoDB:delete*", "dynamodb:?etItem"], "Resource": "*"})]
    assert decision(policies, "dynamodb:DeleteBackup") == ALLOWED
    assert decision(policies, "dynamodb:GetItem") == ALLOWED
    assert decision(policies, "dynamodb:PutItem") == IMPLICIT_DENY
    # ? is exactly one character, and a pattern covers the whole action name
    assert decision(policies, "dynamodb:BatchGetItem") == IMPLICIT_DENY
    assert decision(policies, "backup:DeleteRecoveryPoint") == IMPLICIT_DENY


def test_resources_match_case_sensitively_and_star_spans_slashes() -> None:
    policies = [policy({"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:*:*:table/Orders*"})]
    assert decision(policies, "dynamodb:GetItem", TABLE.replace("orders", "Orders")) == ALLOWED
    assert decision(policies, "dynamodb:GetItem", TABLE) == IMPLICIT_DENY
    # table/Orders* also covers the table's backups and indexes (the * crosses "/")
    assert decision(policies, "dynamodb:DeleteBackup", BACKUP.replace("orders", "Orders")) == ALLOWED


def test_backup_pattern_does_not_cover_the_table() -> None:
    policies = [policy(DENY_DELETE_BACKUP)]
    assert decision(policies, "dynamodb:DeleteBackup", BACKUP) == EXPLICIT_DENY
    assert decision(policies, "dynamodb:DeleteBackup", TABLE) == IMPLICIT_DENY


def test_not_action_allows_everything_but_the_listed_actions() -> None:
    policies = [policy({"Effect": "Allow", "NotAction": ["iam:*", "dynamodb:Delete*"], "Resource": "*"})]
    assert decision(policies, "dynamodb:PutItem", TABLE) == ALLOWED
    assert decision(policies, "backup:StartBackupJob") == ALLOWED
    assert decision(policies, "dynamodb:DeleteTable", TABLE) == IMPLICIT_DENY
    assert decision(policies, "iam:CreateUser") == IMPLICIT_DENY


def test_deny_with_not_action_denies_everything_else() -> None:
    policies = [
        policy(ALLOW_DYNAMODB, {"Effect": "Deny", "NotAction": "dynamodb:Describe*", "Resource": "*"}),
    ]
    assert decision(policies, "dynamodb:DescribeTable", TABLE) == ALLOWED
    assert decision(policies, "dynamodb:PutItem", TABLE) == EXPLICIT_DENY


def test_not_resource_excludes_the_listed_resources() -> None:
    scratch = "arn:aws:dynamodb:us-east-1:123456789012:table/scratch-1"
    policies = [
        policy(
            ALLOW_DYNAMODB,
            {
                "Effect": "Deny",
                "Action": "dynamodb:DeleteTable",
                "NotResource": ["arn:aws:dynamodb:*:*:table/scratch-*"],
            },
        )
    ]
    assert decision(policies, "dynamodb:DeleteTable", scratch) == ALLOWED
    assert decision(policies, "dynamodb:DeleteTable", TABLE) == EXPLICIT_DENY


def test_statement_as_object_and_strings_instead_of_lists() -> None:
    parsed = parse_policy(
        '{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "backup:DeleteBackupSelection",'
        ' "Resource": "*"}}',
        "single",
    )
    assert decision([parsed], "backup:DeleteBackupSelection") == EXPLICIT_DENY


EXEMPT_DENY = {
    "Effect": "Deny",
    "Action": ["dynamodb:DeleteBackup", "backup:DeleteRecoveryPoint"],
    "Resource": "*",
    "Condition": {"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/breakglass"]}},
}


def test_break_glass_role_is_exempt_from_the_deny() -> None:
    policies = [policy(ALLOW_DYNAMODB, {"Effect": "Allow", "Action": "backup:*", "Resource": "*"}, EXEMPT_DENY)]
    assert decision(policies, "dynamodb:DeleteBackup", BACKUP, aws__PrincipalArn=USER) == EXPLICIT_DENY
    assert decision(policies, "backup:DeleteRecoveryPoint", "*", aws__PrincipalArn=USER) == EXPLICIT_DENY
    assert decision(policies, "dynamodb:DeleteBackup", BACKUP, aws__PrincipalArn=BREAK_GLASS) == ALLOWED
    assert decision(policies, "backup:DeleteRecoveryPoint", "*", aws__PrincipalArn=BREAK_GLASS) == ALLOWED


def test_arn_like_compares_arn_components() -> None:
    allow_roles = policy(
        {
            "Effect": "Allow",
            "Action": "dynamodb:*",
            "Resource": "*",
            "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/break*"}},
        }
    )
    assert decision([allow_roles], "dynamodb:GetItem", TABLE, aws__PrincipalArn=BREAK_GLASS) == ALLOWED
    assert decision([allow_roles], "dynamodb:GetItem", TABLE, aws__PrincipalArn=USER) == IMPLICIT_DENY
    # the account component's * does not swallow the ":role" part of a user ARN
    sneaky = f"arn:aws:iam::{ACCOUNT}:user/x:role/breakglass"
    assert decision([allow_roles], "dynamodb:GetItem", TABLE, aws__PrincipalArn=sneaky) == IMPLICIT_DENY


def test_arn_equals_and_not_equals() -> None:
    only_user = {"ArnEquals": {"aws:PrincipalArn": USER}}
    not_user = {"ArnNotEquals": {"aws:PrincipalArn": USER}}
    allow = {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}
    assert decision([policy({**allow, "Condition": only_user})], "dynamodb:GetItem", aws__PrincipalArn=USER) == ALLOWED
    assert (
        decision([policy({**allow, "Condition": not_user})], "dynamodb:GetItem", aws__PrincipalArn=USER)
        == IMPLICIT_DENY
    )
    assert (
        decision([policy({**allow, "Condition": not_user})], "dynamodb:GetItem", aws__PrincipalArn=BREAK_GLASS)
        == ALLOWED
    )


@pytest.mark.parametrize(
    "operator, expected, actual, holds",
    [
        ("StringEquals", "us-east-1", "us-east-1", True),
        ("StringEquals", "us-east-1", "US-EAST-1", False),
        ("StringNotEquals", "us-east-1", "eu-west-1", True),
        ("StringNotEquals", "us-east-1", "us-east-1", False),
        ("StringLike", "us-*", "us-west-2", True),
        ("StringLike", "us-?ast-1", "us-east-1", True),
        ("StringLike", "us-*", "eu-west-1", False),
        ("StringNotLike", "us-*", "eu-west-1", True),
        ("StringNotLike", "us-*", "us-east-1", False),
        ("StringEqualsIgnoreCase", "US-EAST-1", "us-east-1", True),
    ],
)
def test_string_operators(operator: str, expected: str, actual: str, holds: bool) -> None:
    statement = {
        "Effect": "Allow",
        "Action": "*",
        "Resource": "*",
        "Condition": {operator: {"aws:RequestedRegion": expected}},
    }
    assert statement_applies(statement, "dynamodb:GetItem", TABLE, {"aws:RequestedRegion": actual}) is holds


def test_condition_keys_are_case_insensitive() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringEquals": {"AWS:PRINCIPALARN": USER}},
    }
    assert statement_applies(statement, "dynamodb:GetItem", TABLE, {"aws:principalarn": USER})


def test_missing_key_fails_positive_operators_and_satisfies_negated_ones() -> None:
    def applies(operator: str) -> bool:
        statement = {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {operator: {"aws:PrincipalArn": BREAK_GLASS}},
        }
        return statement_applies(statement, "dynamodb:DeleteBackup", BACKUP, {})

    assert not applies("StringEquals")
    assert not applies("ArnLike")
    assert applies("StringNotEquals")
    assert applies("ArnNotLike")
    assert applies("StringEqualsIfExists")
    assert applies("ArnLikeIfExists")


def test_missing_context_values_are_reported() -> None:
    policies = [
        policy(
            {
                "Effect": "Allow",
                "Action": "dynamodb:*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
            }
        )
    ]
    result = evaluate(policies, "dynamodb:GetItem", TABLE, {})
    assert result.decision == IMPLICIT_DENY
    assert result.missing_context == ("aws:RequestedRegion",)
    supplied = evaluate(policies, "dynamodb:GetItem", TABLE, {"aws:RequestedRegion": "us-east-1"})
    assert supplied.decision == ALLOWED
    assert supplied.missing_context == ()


def test_multivalued_keys_with_set_operators() -> None:
    def applies(operator: str, tags: list[str] | None) -> bool:
        statement = {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {operator: {"aws:TagKeys": ["Owner", "Env"]}},
        }
        return statement_applies(
            statement, "dynamodb:TagResource", TABLE, {} if tags is None else {"aws:TagKeys": tags}
        )

    assert applies("ForAllValues:StringEquals", ["Owner"])
    assert not applies("ForAllValues:StringEquals", ["Owner", "Cost"])
    assert applies("ForAllValues:StringEquals", None)
    assert applies("ForAnyValue:StringEquals", ["Cost", "Env"])
    assert not applies("ForAnyValue:StringEquals", ["Cost"])
    assert not applies("ForAnyValue:StringEquals", None)


def test_null_and_bool_operators() -> None:
    def applies(condition: dict[str, Any], context: dict[str, Any]) -> bool:
        statement = {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": condition}
        return statement_applies(statement, "dynamodb:DeleteTable", TABLE, context)

    assert applies({"Null": {"aws:MultiFactorAuthPresent": "true"}}, {})
    assert not applies({"Null": {"aws:MultiFactorAuthPresent": "true"}}, {"aws:MultiFactorAuthPresent": "false"})
    assert applies({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": False})
    assert not applies({"Bool": {"aws:SecureTransport": "false"}}, {"aws:SecureTransport": "true"})


def test_unknown_operator_never_applies() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringSortOf": {"aws:RequestedRegion": "us-east-1"}},
    }
    assert not statement_applies(statement, "dynamodb:GetItem", TABLE, {"aws:RequestedRegion": "us-east-1"})


def test_url_encoded_documents_are_read() -> None:
    text = json.dumps({"Version": "2012-10-17", "Statement": [DENY_DELETE_BACKUP]})
    assert decision([parse_policy(quote(text), "encoded")], "dynamodb:DeleteBackup", BACKUP) == EXPLICIT_DENY


def test_malformed_documents_are_rejected() -> None:
    with pytest.raises(PolicyDocumentError):
        parse_policy("{not json", "bad")
    with pytest.raises(PolicyDocumentError):
        parse_policy('{"Statement": ["Allow"]}', "bad")


def test_statement_positions_match_the_simulator() -> None:
    """The AWS CLI's simulate-custom-policy example reports Line 1, Column 38 to Column 167."""
    text = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*",'
        '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}'
    )
    parsed = parse_policy(text, "PolicyInputList.1")
    statement = parsed.statements[0]
    assert (statement.start, statement.end) == (Position(1, 38), Position(1, 167))
    assert decision([parsed], "dynamodb:CreateBackup", aws__CurrentTime="2019-04-25T11:00:00Z") == ALLOWED
    assert decision([parsed], "dynamodb:CreateBackup", aws__CurrentTime="2014-04-25T11:00:00Z") == IMPLICIT_DENY


def test_positions_of_statements_in_a_pretty_printed_list() -> None:
    text = json.dumps({"Version": "2012-10-17", "Statement": [ALLOW_DYNAMODB, DENY_DELETE_BACKUP]}, indent=4)
    first, second = parse_policy(text, "p").statements
    lines = text.splitlines()
    assert lines[first.start.line - 1].strip() == "{"
    assert lines[first.end.line - 1].strip() == "},"
    assert lines[second.end.line - 1].strip() == "}"
    assert first.end.line < second.start.line
