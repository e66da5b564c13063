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
