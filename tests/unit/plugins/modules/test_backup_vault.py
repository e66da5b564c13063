# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of backup_vault's engine (module_utils/_backup_vault.py): normalisation, policy, tag and lock comparison."""

from __future__ import annotations

import datetime
import json

import pytest

from ansible_collections.backupkit.dynamodb.plugins.module_utils import _backup_vault as utils
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError, describe_backup_vault, list_tags

UTC = datetime.timezone.utc
NOW = datetime.datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
PAST = (NOW - datetime.timedelta(days=1)).isoformat()
FUTURE = (NOW + datetime.timedelta(days=2)).isoformat()

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "NoDelete", "Effect": "Deny", "Principal": "*", "Action": ["backup:DeleteRecoveryPoint"], "Resource": "*"},
    ],
}


def params(**overrides):
    base = dict(
        backup_vault_name="v",
        encryption_key_arn=None,
        creator_request_id=None,
        tags=None,
        purge_tags=True,
        access_policy=None,
        lock=None,
        notifications=None,
    )
    base.update(overrides)
    return base


def describe_response(**extra):
    response = {
        "BackupVaultName": "v",
        "BackupVaultArn": "arn:aws:backup:us-east-1:123456789012:backup-vault:v",
        "CreationDate": datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        "CreatorRequestId": "abc",
        "EncryptionKeyArn": "arn:aws:kms:us-east-1:123456789012:key/k1",
        "NumberOfRecoveryPoints": 2,
        "Locked": False,
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }
    response.update(extra)
    return response


def state(lock=None, tags=None, policy=None, notifications=None, **vault_extra):
    response = describe_response(**vault_extra)
    if lock:
        response.update(Locked=True)
        if lock.get("min_retention_days") is not None:
            response["MinRetentionDays"] = lock["min_retention_days"]
        if lock.get("max_retention_days") is not None:
            response["MaxRetentionDays"] = lock["max_retention_days"]
        if lock.get("lock_date"):
            response["LockDate"] = datetime.datetime.fromisoformat(lock["lock_date"])
    vault = utils.normalise_vault(response, tags or {})
    return {
        "vault": vault,
        "access_policy": policy or {},
        "lock": utils.lock_from_vault(vault),
        "notifications": notifications,
        "number_of_recovery_points": vault["number_of_recovery_points"],
    }


# --- normalisation -------------------------------------------------------------------------------


def test_normalise_vault_snake_cases_aws_keys_but_not_tags():
    vault = utils.normalise_vault(describe_response(), {"CamelCaseKey": "x", "Key with Spaces": "y"})
    assert vault["backup_vault_name"] == "v"
    assert vault["backup_vault_arn"].endswith(":backup-vault:v")
    assert vault["creation_date"] == "2025-01-02T03:04:05+00:00"
    assert vault["number_of_recovery_points"] == 2
    assert vault["tags"] == {"CamelCaseKey": "x", "Key with Spaces": "y"}
    assert "response_metadata" not in vault


def test_normalise_vault_fills_what_aws_leaves_out():
    vault = utils.normalise_vault({"BackupVaultName": "v", "BackupVaultArn": "arn"}, None)
    assert vault["locked"] is False
    assert vault["number_of_recovery_points"] == 0
    assert vault["encryption_key_arn"] is None
    assert vault["lock_date"] is None
    assert vault["tags"] == {}


def test_lock_from_vault_modes():
    assert utils.lock_from_vault(utils.normalise_vault(describe_response(), {})) is None
    governance = utils.lock_from_vault(utils.normalise_vault(describe_response(Locked=True, MinRetentionDays=1), {}))
    assert governance == {"mode": "governance", "min_retention_days": 1, "max_retention_days": None, "lock_date": None}
    compliance = utils.lock_from_vault(
        utils.normalise_vault(describe_response(Locked=True, MaxRetentionDays=9, LockDate=NOW), {})
    )
    assert compliance["mode"] == "compliance"
    assert compliance["lock_date"] == NOW.isoformat()


def test_normalise_notifications_sorts_and_dedupes():
    assert utils.normalise_notifications(None) is None
    assert utils.normalise_notifications({"BackupVaultName": "v"}) is None
    got = utils.normalise_notifications(
        {"SNSTopicArn": "arn:sns", "BackupVaultEvents": ["RESTORE_JOB_COMPLETED", "BACKUP_JOB_COMPLETED", "BACKUP_JOB_COMPLETED"]}
    )
    assert got == {"sns_topic_arn": "arn:sns", "events": ["BACKUP_JOB_COMPLETED", "RESTORE_JOB_COMPLETED"]}


@pytest.mark.parametrize("value, expected", [(None, {}), ("", {}), ("{}", {}), ({}, {}), (json.dumps(POLICY), POLICY), (POLICY, POLICY)])
def test_parse_policy(value, expected):
    assert utils.parse_policy(value) == expected


@pytest.mark.parametrize("value, message", [("{not json", "not valid JSON"), ("[1, 2]", "must be a JSON object"), ('"text"', "must be a JSON object")])
def test_parse_policy_refuses_bad_documents(value, message):
    with pytest.raises(ValueError, match=message):
        utils.parse_policy(value)


# --- desired state and validation ----------------------------------------------------------------


def test_desired_manages_only_given_parts_and_keeps_tag_case():
    desired = utils.desired(params(tags={"CamelCaseKey": 1, "Key with Spaces": "b"}))
    assert desired["tags"] == {"CamelCaseKey": "1", "Key with Spaces": "b"}
    assert "access_policy" not in desired and "lock" not in desired and "notifications" not in desired


def test_desired_empty_dicts_mean_remove():
    desired = utils.desired(
        params(access_policy="{}", lock=dict(min_retention_days=None, max_retention_days=None, changeable_for_days=None),
               notifications=dict(sns_topic_arn=None, events=None))
    )
    assert desired["access_policy"] == {}
    assert desired["lock"] is None
    assert desired["notifications"] is None


def test_desired_refuses_invalid_policy_json():
    with pytest.raises(ValueError, match="access_policy is not valid JSON"):
        utils.desired(params(access_policy="{'Version': "))


@pytest.mark.parametrize(
    "lock, message",
    [
        (dict(min_retention_days=10, max_retention_days=5), r"min_retention_days \(10\) must not be greater"),
        (dict(min_retention_days=0), "at least 1"),
        (dict(max_retention_days=40000), "between 1 and 36500"),
        (dict(min_retention_days=1, changeable_for_days=2), "changeable_for_days must be between 3"),
    ],
)
def test_desired_lock_refuses_bad_values(lock, message):
    with pytest.raises(ValueError, match=message):
        utils.desired_lock(lock)


def test_desired_lock_mode():
    assert utils.desired_lock(dict(min_retention_days=1))["mode"] == "governance"
    assert utils.desired_lock(dict(min_retention_days=1, changeable_for_days=3))["mode"] == "compliance"


def test_desired_notifications():
    known = {"BACKUP_JOB_COMPLETED", "BACKUP_JOB_FAILED"}
    got = utils.desired_notifications(dict(sns_topic_arn="t", events=["BACKUP_JOB_FAILED", "BACKUP_JOB_COMPLETED", "BACKUP_JOB_FAILED"]), known)
    assert got == {"sns_topic_arn": "t", "events": ["BACKUP_JOB_COMPLETED", "BACKUP_JOB_FAILED"]}
    with pytest.raises(ValueError, match="unknown event"):
        utils.desired_notifications(dict(sns_topic_arn="t", events=["backup_job_completed"]), known)
    with pytest.raises(ValueError, match="sns_topic_arn is required"):
        utils.desired_notifications(dict(events=["BACKUP_JOB_FAILED"]), known)
    with pytest.raises(ValueError, match="at least one event"):
        utils.desired_notifications(dict(sns_topic_arn="t", events=[]), known)


# --- policy and tag comparison -------------------------------------------------------------------


def test_policy_differs_is_semantic():
    reordered = json.loads(json.dumps({"Statement": [dict(reversed(list(POLICY["Statement"][0].items())))], "Version": "2012-10-17"}))
    reordered["Statement"][0]["Action"] = "backup:DeleteRecoveryPoint"  # single-item list vs string
    assert not utils.policy_differs(POLICY, reordered)
    assert utils.policy_differs(POLICY, {})
    assert utils.policy_differs({}, POLICY)
    assert not utils.policy_differs({}, {})
    other = json.loads(json.dumps(POLICY))
    other["Statement"][0]["Effect"] = "Allow"
    assert utils.policy_differs(POLICY, other)


def test_predict_keeps_current_policy_when_equivalent():
    current = state(policy=POLICY)
    equivalent = json.loads(json.dumps(POLICY, sort_keys=True))
    equivalent["Statement"][0]["Action"] = "backup:DeleteRecoveryPoint"
    predicted = utils.predict(current, utils.desired(params(access_policy=json.dumps(equivalent))), NOW)
    assert predicted["access_policy"] is not equivalent
    assert utils.view(predicted) == {
        "backup_vault_name": "v",
        "encryption_key_arn": "arn:aws:kms:us-east-1:123456789012:key/k1",
        "tags": {},
        "access_policy": POLICY,
        "lock": None,
        "notifications": None,
    }


def test_predict_tags_purge_and_merge():
    current = {"CamelCaseKey": "a", "old": "x", "aws:reserved": "r"}
    assert utils.predict_tags(current, None, True) == current
    assert utils.predict_tags(current, {"CamelCaseKey": "b"}, True) == {"CamelCaseKey": "b", "aws:reserved": "r"}
    assert utils.predict_tags(current, {"Key with Spaces": "c"}, False) == dict(current, **{"Key with Spaces": "c"})


# --- lock comparison -----------------------------------------------------------------------------


def test_lock_is_immutable_only_for_compliance_after_lock_date():
    assert not utils.lock_is_immutable(None, NOW)
    assert not utils.lock_is_immutable({"mode": "governance", "lock_date": None}, NOW)
    assert not utils.lock_is_immutable({"mode": "compliance", "lock_date": FUTURE}, NOW)
    assert utils.lock_is_immutable({"mode": "compliance", "lock_date": PAST}, NOW)


def test_lock_change_error_refuses_weakening_an_immutable_lock():
    current = {"mode": "compliance", "min_retention_days": 7, "max_retention_days": 30, "lock_date": PAST}
    weaker = utils.desired_lock(dict(min_retention_days=1, max_retention_days=30, changeable_for_days=3))
    message = utils.lock_change_error("v", current, weaker, NOW)
    assert "immutable" in message and "weaken" in message and "min_retention_days 7 -> 1" in message
    assert "weaken" in utils.lock_change_error("v", current, utils.desired_lock(dict(min_retention_days=7, max_retention_days=30)), NOW)
    assert "remove" in utils.lock_change_error("v", current, None, NOW)
    stronger = utils.desired_lock(dict(min_retention_days=10, max_retention_days=30, changeable_for_days=3))
    assert "change it" in utils.lock_change_error("v", current, stronger, NOW)


def test_lock_change_error_allows_unchanged_and_mutable_locks():
    immutable = {"mode": "compliance", "min_retention_days": 7, "max_retention_days": 30, "lock_date": PAST}
    same = utils.desired_lock(dict(min_retention_days=7, max_retention_days=30, changeable_for_days=5))
    assert utils.lock_change_error("v", immutable, same, NOW) is None
    in_grace = dict(immutable, lock_date=FUTURE)
    assert utils.lock_change_error("v", in_grace, None, NOW) is None
    governance = {"mode": "governance", "min_retention_days": 7, "max_retention_days": 30, "lock_date": None}
    assert utils.lock_change_error("v", governance, utils.desired_lock(dict(min_retention_days=1)), NOW) is None


def test_predict_lock():
    governance = utils.desired_lock(dict(min_retention_days=1, max_retention_days=10))
    predicted = utils.predict_lock(None, governance, NOW)
    assert predicted == {"mode": "governance", "min_retention_days": 1, "max_retention_days": 10, "lock_date": None}
    compliance = utils.desired_lock(dict(min_retention_days=1, max_retention_days=10, changeable_for_days=3))
    predicted = utils.predict_lock(predicted, compliance, NOW)
    assert predicted["mode"] == "compliance"
    assert predicted["lock_date"] == (NOW + datetime.timedelta(days=3)).isoformat()
    # an existing compliance lock with the same days is kept, lock date and all
    existing = dict(predicted, lock_date=FUTURE)
    assert utils.predict_lock(existing, utils.desired_lock(dict(min_retention_days=1, max_retention_days=10, changeable_for_days=9)), NOW) == existing
    assert utils.predict_lock(existing, None, NOW) is None


def test_predict_updates_vault_lock_fields():
    current = state()
    predicted = utils.predict(current, utils.desired(params(lock=dict(min_retention_days=2, max_retention_days=4))), NOW)
    assert predicted["vault"]["locked"] is True
    assert predicted["vault"]["min_retention_days"] == 2
    assert predicted["vault"]["max_retention_days"] == 4
    assert current["vault"]["locked"] is False  # the current state is not modified
    removed = utils.predict(predicted, utils.desired(params(lock={})), NOW)
    assert removed["vault"]["locked"] is False and removed["lock"] is None


# --- changed / diff ------------------------------------------------------------------------------


def test_view_ignores_server_owned_fields():
    one = state(tags={"CamelCaseKey": "a"})
    two = state(tags={"CamelCaseKey": "a"}, NumberOfRecoveryPoints=9, CreationDate=NOW, CreatorRequestId="other")
    assert utils.view(one) == utils.view(two)
    assert utils.view(None) is None


def test_predict_unchanged_second_run():
    current = state(
        tags={"CamelCaseKey": "a", "Key with Spaces": "b"},
        policy=POLICY,
        lock={"min_retention_days": 1, "max_retention_days": 10},
        notifications={"sns_topic_arn": "t", "events": ["BACKUP_JOB_COMPLETED", "BACKUP_JOB_FAILED"]},
    )
    desired = utils.desired(
        params(
            tags={"Key with Spaces": "b", "CamelCaseKey": "a"},
            access_policy=json.dumps(POLICY, sort_keys=True),
            lock=dict(min_retention_days=1, max_retention_days=10, changeable_for_days=None),
            notifications=dict(sns_topic_arn="t", events=["BACKUP_JOB_FAILED", "BACKUP_JOB_COMPLETED"]),
        )
    )
    assert utils.view(utils.predict(current, desired, NOW)) == {
        "backup_vault_name": "v",
        "encryption_key_arn": "arn:aws:kms:us-east-1:123456789012:key/k1",
        "tags": {"CamelCaseKey": "a", "Key with Spaces": "b"},
        "access_policy": POLICY,
        "lock": {"mode": "governance", "min_retention_days": 1, "max_retention_days": 10},
        "notifications": {"sns_topic_arn": "t", "events": ["BACKUP_JOB_COMPLETED", "BACKUP_JOB_FAILED"]},
    }


def test_predict_new_vault():
    desired = utils.desired(params(tags={"CamelCaseKey": "a"}, encryption_key_arn="arn:key", access_policy=json.dumps(POLICY)))
    predicted = utils.predict(None, desired, NOW)
    assert predicted["vault"]["backup_vault_arn"] is None
    assert predicted["vault"]["encryption_key_arn"] == "arn:key"
    assert predicted["vault"]["tags"] == {"CamelCaseKey": "a"}
    assert predicted["access_policy"] == POLICY
    assert predicted["lock"] is None and predicted["notifications"] is None


# --- AWS calls, against botocore's Stubber (no network) ------------------------------------------


@pytest.fixture(name="stubbed")
def fixture_stubbed():
    boto3 = pytest.importorskip("boto3")
    from botocore.stub import Stubber

    client = boto3.client("backup", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.mark.parametrize("code", ["AccessDeniedException", "ResourceNotFoundException"])
def test_describe_missing_vault_is_none(stubbed, code):
    client, stubber = stubbed
    stubber.add_client_error("describe_backup_vault", service_error_code=code, http_status_code=403)
    assert describe_backup_vault(client, "v") is None


def test_describe_other_errors_raise(stubbed):
    client, stubber = stubbed
    stubber.add_client_error("describe_backup_vault", service_error_code="InvalidParameterValueException", http_status_code=400)
    with pytest.raises(AnsibleBackupError, match="describe backup vault"):
        describe_backup_vault(client, "v")


def test_list_recovery_points_follows_every_page(stubbed):
    client, stubber = stubbed
    arn = "arn:aws:backup:us-east-1:123456789012:recovery-point:{}"
    stubber.add_response("list_recovery_points_by_backup_vault",
                         {"RecoveryPoints": [{"RecoveryPointArn": arn.format(1)}], "NextToken": "t1"}, {"BackupVaultName": "v"})
    stubber.add_response("list_recovery_points_by_backup_vault",
                         {"RecoveryPoints": [{"RecoveryPointArn": arn.format(2)}, {"RecoveryPointArn": arn.format(3)}]},
                         {"BackupVaultName": "v", "NextToken": "t1"})
    points = utils.list_recovery_points(client, "v")
    assert [p["RecoveryPointArn"] for p in points] == [arn.format(n) for n in (1, 2, 3)]


def test_list_vault_tags_follows_every_page(stubbed):
    client, stubber = stubbed
    stubber.add_response("list_tags", {"Tags": {"CamelCaseKey": "a"}, "NextToken": "t"}, {"ResourceArn": "arn"})
    stubber.add_response("list_tags", {"Tags": {"Key with Spaces": "b"}}, {"ResourceArn": "arn", "NextToken": "t"})
    assert list_tags(client, "arn") == {"CamelCaseKey": "a", "Key with Spaces": "b"}
