"""The settings a restore does not bring back, as backupkit:* tags: encoding, decoding, limits, bad values."""

from __future__ import annotations

import pytest

from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_settings import (
    MARKER,
    SETTINGS,
    TAG_VALUE,
    TAG_VALUE_MAX,
    decode,
    decode_name,
    empty_settings,
    encode,
    encode_name,
    tag_changes,
    user_tags,
)

FULL = {
    "ttl_attribute": "expires_at",
    "stream_view_type": "NEW_AND_OLD_IMAGES",
    "point_in_time_recovery": True,
    "recovery_period_days": 7,
    "deletion_protection": True,
    "auto_scaling": {"read": {"min": 5, "max": 100, "target": 70}, "write": {"min": 1, "max": 40, "target": 55.5}},
}


def test_every_setting_round_trips_through_tags_a_recovery_point_can_hold() -> None:
    tags, recorded, problems = encode(FULL)
    assert problems == [] and recorded == list(SETTINGS)
    assert tags == {
        MARKER: "1:ttl+stream+pitr+deletion_protection+auto_scaling",
        "backupkit:ttl": "expires_at",
        "backupkit:stream": "NEW_AND_OLD_IMAGES",
        "backupkit:pitr": "7",
        "backupkit:deletion-protection": "true",
        "backupkit:auto-scaling-read": "5/100/70",
        "backupkit:auto-scaling-write": "1/40/55.5",
    }
    assert all(len(value) <= TAG_VALUE_MAX and TAG_VALUE.match(value) for value in tags.values())
    assert decode(tags) == (FULL, list(SETTINGS), [])


def test_settings_that_are_off_have_no_tag_and_decode_as_off() -> None:
    tags, recorded, problems = encode(empty_settings())
    assert tags == {MARKER: "1:ttl+stream+pitr+deletion_protection+auto_scaling"}
    assert decode(tags) == (empty_settings(), list(SETTINGS), [])


def test_a_setting_not_recorded_is_not_taken_for_off() -> None:
    tags, recorded, _problems = encode(FULL, recorded=[s for s in SETTINGS if s != "auto_scaling"])
    assert "backupkit:auto-scaling-read" not in tags and tags[MARKER] == "1:ttl+stream+pitr+deletion_protection"
    settings, recorded, problems = decode(tags)
    assert "auto_scaling" not in recorded and problems == []
    # no marker at all (a backup taken before the settings were recorded): nothing recorded
    assert decode({"team": "payments"}) == (empty_settings(), [], [])


@pytest.mark.parametrize("name", [
    "ttl", "a" * 256, "expires-at.v2@x", "déjà vu", "has,comma", "semi;colon", "b64:looks-encoded", "x" * 150 + "#",
    "emoji-\U0001F600",
])
def test_any_attribute_name_that_fits_round_trips(name: str) -> None:
    value = encode_name(name)
    assert len(value) <= TAG_VALUE_MAX and TAG_VALUE.match(value)
    assert decode_name(value) == name
    settings = dict(empty_settings(), ttl_attribute=name)
    assert decode(encode(settings)[0])[0]["ttl_attribute"] == name


def test_an_attribute_name_too_long_to_encode_is_not_recorded_and_says_why() -> None:
    long_name = "#" * 200  # base64 of 200 bytes is 268 characters
    with pytest.raises(ValueError, match="cannot be recorded in a tag value of 256 characters"):
        encode_name(long_name)
    tags, recorded, problems = encode(dict(FULL, ttl_attribute=long_name))
    assert "ttl" not in recorded and "backupkit:ttl" not in tags
    assert problems and problems[0].startswith("ttl: ")
    assert decode(tags)[1] == ["stream", "pitr", "deletion_protection", "auto_scaling"]


@pytest.mark.parametrize("key, value, reason", [
    ("backupkit:stream", "ALL_IMAGES", "is not a stream view type"),
    ("backupkit:pitr", "forty", "is not a number of days"),
    ("backupkit:pitr", "36", "outside 1-35"),
    ("backupkit:pitr", "0", "outside 1-35"),
    ("backupkit:deletion-protection", "yes", "is not true or false"),
    ("backupkit:auto-scaling-read", "5/100", "is not MIN/MAX/TARGET"),
    ("backupkit:auto-scaling-read", "5/x/70", "(numbers)"),
    ("backupkit:auto-scaling-read", "50/10/70", "1 <= MIN <= MAX"),
    ("backupkit:auto-scaling-write", "5/100/95", "target utilisation must be from 20 to 90"),
    ("backupkit:ttl", "b64:!!!", "is not base64"),
    ("backupkit:ttl", "b64:", "empty attribute name"),
])
def test_a_bad_value_leaves_that_setting_out_and_says_why(key: str, value: str, reason: str) -> None:
    tags = dict(encode(FULL)[0], **{key: value})
    settings, recorded, problems = decode(tags)
    setting = {"stream": "stream", "pitr": "pitr", "deletion-protection": "deletion_protection",
               "auto-scaling-read": "auto_scaling", "auto-scaling-write": "auto_scaling", "ttl": "ttl"}[key.split(":")[1]]
    assert setting not in recorded
    assert len(problems) == 1 and problems[0].startswith(setting + ": ") and reason in problems[0]
    assert len(recorded) == len(SETTINGS) - 1  # the others are still read


def test_an_unknown_version_or_setting_is_reported() -> None:
    assert decode({MARKER: "2:ttl"})[1:] == ([], ["backupkit:settings='2:ttl' is not a version 1 record of the settings"])
    settings, recorded, problems = decode({MARKER: "1:ttl+colour"})
    assert recorded == ["ttl"] and problems == ["backupkit:settings names an unknown setting 'colour'"]


def test_bad_settings_are_refused_when_encoding() -> None:
    tags, recorded, problems = encode(dict(FULL, stream_view_type="SOMETIMES",
                                           auto_scaling={"read": {"min": 10, "max": 5, "target": 70}}))
    assert "stream" not in recorded and "auto_scaling" not in recorded
    assert "backupkit:stream" not in tags and "backupkit:auto-scaling-read" not in tags
    assert [p.split(":")[0] for p in problems] == ["stream", "auto_scaling"]


def test_user_tags_leave_out_the_collections_and_aws_tags() -> None:
    assert user_tags({"team": "payments", "backupkit:pitr": "7", "aws:backup:source-resource": "x",
                      "AWS:other": "y"}) == {"team": "payments"}


def test_tag_changes_touch_only_backupkit_tags_that_differ() -> None:
    current = {"team": "payments", "backupkit:pitr": "7", "backupkit:stream": "KEYS_ONLY", MARKER: "1:pitr+stream"}
    wanted = {MARKER: "1:pitr+stream", "backupkit:pitr": "14"}
    assert tag_changes(current, wanted) == ({"backupkit:pitr": "14"}, ["backupkit:stream"])
    assert tag_changes(dict(current, **{"backupkit:pitr": "14"}), dict(current, **{"backupkit:pitr": "14"})) == ({}, [])


# --- apply: the recorded settings re-applied to a restored table, against stubbed clients -----------------

NAME = "orders"
TABLE_ARN = f"arn:aws:dynamodb:us-west-2:123456789012:table/{NAME}"
RESTORED = {"TableName": NAME, "TableArn": TABLE_ARN, "TableStatus": "ACTIVE",
            "BillingModeSummary": {"BillingMode": "PROVISIONED"}}


@pytest.fixture
def stubbed():
    import boto3
    from botocore.stub import Stubber

    made = {service: boto3.client(service, region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x")
            for service in ("dynamodb", "application-autoscaling")}
    stubs = {service: Stubber(client) for service, client in made.items()}
    for stub in stubs.values():
        stub.activate()
    yield made, stubs
    for stub in stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()


def _recorded_tags():
    return dict(encode(FULL)[0], team="payments", **{"aws:backup:source-resource": "x"})


def test_apply_re_applies_every_recorded_setting_and_the_tables_tags(stubbed, monkeypatch) -> None:
    from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_settings import apply

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    made, stubs = stubbed
    ddb, aas = stubs["dynamodb"], stubs["application-autoscaling"]
    ddb.add_response("describe_time_to_live", {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}, {"TableName": NAME})
    ddb.add_response("update_time_to_live", {"TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expires_at"}},
                     {"TableName": NAME, "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expires_at"}})
    ddb.add_response("update_table", {"TableDescription": {}}, {
        "TableName": NAME, "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}})
    ddb.add_response("describe_table", {"Table": RESTORED}, {"TableName": NAME})
    ddb.add_response("describe_continuous_backups", {"ContinuousBackupsDescription": {
        "ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}},
        {"TableName": NAME})
    ddb.add_response("update_continuous_backups", {"ContinuousBackupsDescription": {"ContinuousBackupsStatus": "ENABLED"}}, {
        "TableName": NAME, "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7}})
    aas.add_response("describe_scalable_targets", {"ScalableTargets": []},
                     {"ServiceNamespace": "dynamodb", "ResourceIds": [f"table/{NAME}"]})
    aas.add_response("describe_scaling_policies", {"ScalingPolicies": []},
                     {"ServiceNamespace": "dynamodb", "ResourceId": f"table/{NAME}"})
    for direction, dimension, metric, low, high, target in (
            ("read", "dynamodb:table:ReadCapacityUnits", "DynamoDBReadCapacityUtilization", 5, 100, 70.0),
            ("write", "dynamodb:table:WriteCapacityUnits", "DynamoDBWriteCapacityUtilization", 1, 40, 55.5)):
        aas.add_response("register_scalable_target", {}, {"ServiceNamespace": "dynamodb", "ResourceId": f"table/{NAME}",
                                                          "ScalableDimension": dimension, "MinCapacity": low, "MaxCapacity": high})
        aas.add_response("put_scaling_policy", {"PolicyARN": "arn:x"}, {
            "PolicyName": f"{metric}:table/{NAME}", "ServiceNamespace": "dynamodb", "ResourceId": f"table/{NAME}",
            "ScalableDimension": dimension, "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {"TargetValue": target,
                                                         "PredefinedMetricSpecification": {"PredefinedMetricType": metric}}})
    ddb.add_response("list_tags_of_resource", {"Tags": []}, {"ResourceArn": TABLE_ARN})
    ddb.add_response("tag_resource", {}, {"ResourceArn": TABLE_ARN, "Tags": [{"Key": "team", "Value": "payments"}]})
    ddb.add_response("update_table", {"TableDescription": {}}, {"TableName": NAME, "DeletionProtectionEnabled": True})

    changed, result = apply(made["dynamodb"], made["application-autoscaling"], dict(RESTORED), _recorded_tags())
    assert changed is True
    assert result["applied"] == ["ttl", "stream", "pitr", "auto_scaling", "tags", "deletion_protection"]
    assert result["in_place"] == [] and result["not_applied"] == []
    assert result["tags"] == {"team": "payments"}  # never backupkit:* or aws:* tags


def test_apply_goes_on_past_a_setting_aws_refuses_and_says_why(stubbed, monkeypatch) -> None:
    from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_settings import apply

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    made, stubs = stubbed
    ddb = stubs["dynamodb"]
    tags = encode(dict(empty_settings(), ttl_attribute="expires_at", deletion_protection=True))[0]
    ddb.add_response("describe_time_to_live", {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}, {"TableName": NAME})
    ddb.add_client_error("update_time_to_live", "AccessDeniedException", "not authorized to perform: dynamodb:UpdateTimeToLive")
    ddb.add_response("update_table", {"TableDescription": {}}, {"TableName": NAME, "DeletionProtectionEnabled": True})

    changed, result = apply(made["dynamodb"], made["application-autoscaling"], dict(RESTORED), tags)
    assert changed is True
    assert result["applied"] == ["deletion_protection"]
    assert result["in_place"] == ["stream", "pitr", "auto_scaling"]  # off in the source: nothing to do
    assert [entry["setting"] for entry in result["not_applied"]] == ["ttl"]
    assert "AWS refused it" in result["not_applied"][0]["reason"]
    assert "dynamodb:UpdateTimeToLive" in result["not_applied"][0]["reason"]


def test_apply_without_a_record_changes_nothing_and_says_so(stubbed) -> None:
    from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_settings import apply

    made, _stubs = stubbed
    changed, result = apply(made["dynamodb"], made["application-autoscaling"], dict(RESTORED), {"team": "payments"})
    assert changed is False and result["applied"] == [] and result["tags"] == {}
    assert [entry["setting"] for entry in result["not_applied"]] == list(SETTINGS) + ["tags"]
    assert result["not_applied"][-1]["reason"].startswith("the recovery point records no settings")
