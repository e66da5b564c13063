"""backup_vault_key's creation: a CreateKey whose answer was lost is never made a second time blindly."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from ansible_collections.backupkit.dynamodb.plugins.module_utils import _kms
from ansible_collections.backupkit.dynamodb.plugins.module_utils._vault_key import input_problems

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
TOKEN = "token-1"


def kms():
    return boto3.client("kms", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x",
                        config=Config(retries={"total_max_attempts": 1}))


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    from ansible_collections.amazon.aws.plugins.module_utils import cloud

    monkeypatch.setattr(cloud.time, "sleep", lambda seconds: None)


def expect_search(stub, found):
    """ListKeys, then ListResourceTags (and DescribeKey when the token is found) of one key."""
    stub.add_response("list_keys", {"Keys": [{"KeyId": KEY_ID, "KeyArn": f"arn:aws:kms:us-east-1:1:key/{KEY_ID}"}]})
    tags = [{"TagKey": _kms.CREATE_TOKEN_TAG, "TagValue": TOKEN}] if found else [{"TagKey": "team", "TagValue": "x"}]
    stub.add_response("list_resource_tags", {"Tags": tags}, {"KeyId": KEY_ID})
    if found:
        stub.add_response("describe_key", {"KeyMetadata": {"KeyId": KEY_ID, "KeyState": "Enabled"}}, {"KeyId": KEY_ID})


def test_a_lost_answer_finds_the_key_it_made_instead_of_making_another():
    reader, creator = kms(), kms()
    sleeps = []
    with Stubber(reader) as reads, Stubber(creator) as creates:
        creates.add_client_error("create_key", service_error_code="KMSInternalException", http_status_code=500)
        expect_search(reads, found=True)
        key_id, answered = _kms.create_key_once(reader, creator, {"Description": "d", "Tags": []}, TOKEN,
                                                sleep=sleeps.append)
        creates.assert_no_pending_responses()  # one CreateKey only
        reads.assert_no_pending_responses()
    assert (key_id, answered) == (KEY_ID, False)
    assert len(sleeps) == 1


def test_a_create_key_not_performed_is_made_again_with_the_same_token():
    reader, creator = kms(), kms()
    tagged = {"Description": "d", "Tags": [{"TagKey": "team", "TagValue": "x"},
                                           {"TagKey": _kms.CREATE_TOKEN_TAG, "TagValue": TOKEN}]}
    with Stubber(reader) as reads, Stubber(creator) as creates:
        creates.add_client_error("create_key", service_error_code="ThrottlingException", http_status_code=400)
        expect_search(reads, found=False)
        creates.add_response("create_key", {"KeyMetadata": {"KeyId": KEY_ID}}, tagged)
        assert _kms.create_key_once(reader, creator, {"Description": "d", "Tags": [{"TagKey": "team", "TagValue": "x"}]},
                                    TOKEN, sleep=lambda s: None) == (KEY_ID, True)
        creates.assert_no_pending_responses()


def test_a_refused_create_key_is_reported_at_once():
    reader, creator = kms(), kms()
    with Stubber(reader), Stubber(creator) as creates:
        creates.add_client_error("create_key", service_error_code="AccessDeniedException", http_status_code=400)
        with pytest.raises(_kms.AnsibleKMSError) as raised:
            _kms.create_key_once(reader, creator, {"Description": "d"}, TOKEN, sleep=lambda s: None)
    assert "AccessDeniedException" in str(raised.value.exception)


def test_after_the_last_attempt_the_key_is_still_looked_for():
    reader, creator = kms(), kms()
    with Stubber(reader) as reads, Stubber(creator) as creates:
        creates.add_client_error("create_key", service_error_code="InternalFailure", http_status_code=500)
        expect_search(reads, found=True)
        assert _kms.create_key_once(reader, creator, {"Description": "d"}, TOKEN, attempts=1,
                                    sleep=lambda s: None) == (KEY_ID, False)


def test_the_attempts_follow_the_users_choice(monkeypatch):
    assert _kms.create_attempts(kms()) == 1  # total_max_attempts 1 in the client's configuration
    plain = boto3.client("kms", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    assert _kms.create_attempts(plain, environ={}) == _kms.ATTEMPTS
    assert _kms.create_attempts(plain, environ={"AWS_MAX_ATTEMPTS": "4"}) == 4


@pytest.mark.parametrize(("params", "named"), [
    ({"alias": "aws/backup"}, "reserved"),
    ({"alias": "alias/bad alias!"}, "not a KMS alias name"),
    ({"alias": "ok", "tags": {_kms.CREATE_TOKEN_TAG: "x"}}, "module's own tag"),
])
def test_bad_input_names_the_option(params, named):
    problems = input_problems(dict({"description": "", "tags": {}}, **params))
    assert problems and named in problems[0]
    assert input_problems({"alias": "backupkit-vault", "description": "", "tags": {"team": "data"}}) == []


def test_an_alias_another_run_made_meanwhile_wins():
    """Two setups at once: the loser's CreateAlias finds the alias; it is told which key the alias names."""
    other = "ffffffff-12ab-34cd-56ef-1234567890ab"
    client = kms()
    with Stubber(client) as stub:
        stub.add_client_error("create_alias", service_error_code="AlreadyExistsException", http_status_code=400)
        stub.add_response("describe_key", {"KeyMetadata": {"KeyId": other}}, {"KeyId": "alias/vault"})
        assert _kms.create_alias(client, "alias/vault", KEY_ID) == other
        stub.add_response("create_alias", {}, {"AliasName": "alias/vault", "TargetKeyId": KEY_ID})
        assert _kms.create_alias(client, "alias/vault", KEY_ID) == KEY_ID
