# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The settings of a DynamoDB table that AWS's restore does not carry over, recorded as tags (private).

A restore of a DynamoDB backup creates a table with the source's key schema, indexes, billing mode
and items, and nothing else: time to live, the stream, point-in-time recovery, deletion protection,
the tags (unless asked for) and Application Auto Scaling are lost. To bring them back when the source
Region or account cannot be reached, they travel with the recovery point as ``backupkit:*`` tags:

- the collection keeps them on the table (:func:`record`, module ``ddb_table_settings``; the table and
  backup_now roles run it);
- AWS Backup copies a table's tags to its recovery points (DynamoDB: with advanced DynamoDB backup
  only), and the tags given to StartBackupJob (``RecoveryPointTags``) on top;
- a copy job copies the recovery point's tags to the copy (AWS documents it for copies to another
  Region);
- backup_restore reads the tags of the recovery point it restores, in its own vault, and re-applies
  them to the new table (:func:`apply`).

The tags (each value at most 256 characters of AWS's tag alphabet)::

    backupkit:settings              1:ttl+stream+pitr+deletion_protection+auto_scaling   what was recorded
    backupkit:ttl                   expires_at   (or b64:BASE64 of a name outside the tag alphabet)
    backupkit:stream                NEW_AND_OLD_IMAGES
    backupkit:pitr                  35           (the recovery period in days)
    backupkit:deletion-protection   true
    backupkit:auto-scaling-read     5/100/70     (min/max/target utilisation %)
    backupkit:auto-scaling-write    5/100/70

A setting named in ``backupkit:settings`` whose own tag is absent was off. A setting not named there
was not recorded (an older backup, or auto scaling that could not be read) and is not re-applied.
The table's other tags are the recovery point's tags other than ``backupkit:*`` and ``aws:*``.
"""

from __future__ import annotations

import base64
import binascii
import re
import time

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.backupkit.dynamodb.plugins.module_utils._autoscaling import describe_scalable_targets
from ansible_collections.backupkit.dynamodb.plugins.module_utils._autoscaling import describe_scaling_policies
from ansible_collections.backupkit.dynamodb.plugins.module_utils._autoscaling import put_scaling_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._autoscaling import register_scalable_target
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import describe_continuous_backups
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import describe_table
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import describe_time_to_live
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import list_tags_of_resource
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import tag_table
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import untag_table
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import update_continuous_backups
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import update_table
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import update_time_to_live
from ansible_collections.backupkit.dynamodb.plugins.module_utils._poll import poll

PREFIX = "backupkit:"
MARKER = PREFIX + "settings"
VERSION = "1"
TAG_TTL = PREFIX + "ttl"
TAG_STREAM = PREFIX + "stream"
TAG_PITR = PREFIX + "pitr"
TAG_DELETION_PROTECTION = PREFIX + "deletion-protection"
TAG_AUTO_SCALING = {"read": PREFIX + "auto-scaling-read", "write": PREFIX + "auto-scaling-write"}

# the settings, in the order they are recorded and re-applied
TTL = "ttl"
STREAM = "stream"
PITR = "pitr"
DELETION_PROTECTION = "deletion_protection"
AUTO_SCALING = "auto_scaling"
TAGS = "tags"
SETTINGS = (TTL, STREAM, PITR, DELETION_PROTECTION, AUTO_SCALING)

TAG_VALUE_MAX = 256
# AWS's tag values (DynamoDB, AWS Backup): Unicode letters, digits, white space and _ . : / = + - @
# (white space here: the space only; \w is letters, digits and _)
TAG_VALUE = re.compile(r"^[\w .:/=+\-@]*$", re.UNICODE)
SEPARATOR = "+"  # between the names in backupkit:settings (a comma is not a tag value character)
B64 = "b64:"
STREAM_VIEW_TYPES = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
PITR_DAYS = (1, 35)
DIMENSIONS = {"read": "dynamodb:table:ReadCapacityUnits", "write": "dynamodb:table:WriteCapacityUnits"}
METRICS = {"read": "DynamoDBReadCapacityUtilization", "write": "DynamoDBWriteCapacityUtilization"}
# Application Auto Scaling's limits of a target tracking target value for DynamoDB
TARGET_RANGE = (20.0, 90.0)


# ---------------------------------------------------------------------------
# Pure: settings <-> tags
# ---------------------------------------------------------------------------


def empty_settings():
    """The settings of a table with none of them on."""
    return {
        "ttl_attribute": None,
        "stream_view_type": None,
        "point_in_time_recovery": False,
        "recovery_period_days": None,
        "deletion_protection": False,
        "auto_scaling": {},
    }


def encode_name(name):
    """An attribute name as a tag value: itself when AWS takes it as one, else ``b64:`` and its base64.
    ValueError when neither fits in 256 characters."""
    if not name:
        raise ValueError("an attribute name cannot be empty")
    if TAG_VALUE.match(name) and not name.startswith(B64) and len(name) <= TAG_VALUE_MAX:
        return name
    encoded = B64 + base64.b64encode(name.encode("utf-8")).decode("ascii")
    if len(encoded) > TAG_VALUE_MAX:
        raise ValueError(
            f"the attribute name {name[:40]!r}... cannot be recorded in a tag value of {TAG_VALUE_MAX} characters "
            f"(encoded it takes {len(encoded)})"
        )
    return encoded


def decode_name(value):
    if value.startswith(B64):
        try:
            name = base64.b64decode(value[len(B64):].encode("ascii"), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError):
            raise ValueError(f"{value!r} is not base64 of an attribute name") from None
        if not name:
            raise ValueError(f"{value!r} is an empty attribute name")
        return name
    if not value:
        raise ValueError("an attribute name cannot be empty")
    return value


def _number(text):
    value = float(text)
    return int(value) if value == int(value) else value


def encode_scaling(scaling):
    """{min, max, target} as ``min/max/target``."""
    low, high, target = int(scaling["min"]), int(scaling["max"]), float(scaling["target"])
    if low < 1 or high < low:
        raise ValueError(f"auto scaling needs 1 <= min <= max, got min {low} and max {high}")
    return f"{low}/{high}/{_number(target)}"


def decode_scaling(value):
    parts = value.split("/")
    if len(parts) != 3:
        raise ValueError(f"{value!r} is not MIN/MAX/TARGET")
    try:
        low, high, target = int(parts[0]), int(parts[1]), float(parts[2])
    except ValueError:
        raise ValueError(f"{value!r} is not MIN/MAX/TARGET (numbers)") from None
    if low < 1 or high < low:
        raise ValueError(f"{value!r}: auto scaling needs 1 <= MIN <= MAX")
    if not TARGET_RANGE[0] <= target <= TARGET_RANGE[1]:
        raise ValueError(f"{value!r}: the target utilisation must be from {TARGET_RANGE[0]:g} to {TARGET_RANGE[1]:g}")
    return {"min": low, "max": high, "target": _number(target)}


def encode(settings, recorded=SETTINGS):
    """The ``backupkit:*`` tags of ``settings`` (only the settings in ``recorded``).

    Returns (tags, recorded names, problems): a setting that cannot be written as a tag is left out
    of the marker, with the reason in problems.
    """
    tags = {}
    names = []
    problems = []
    for name in SETTINGS:
        if name not in recorded:
            continue
        try:
            if name == TTL and settings.get("ttl_attribute"):
                tags[TAG_TTL] = encode_name(settings["ttl_attribute"])
            elif name == STREAM and settings.get("stream_view_type"):
                if settings["stream_view_type"] not in STREAM_VIEW_TYPES:
                    raise ValueError(f"unknown stream view type {settings['stream_view_type']!r}")
                tags[TAG_STREAM] = settings["stream_view_type"]
            elif name == PITR and settings.get("point_in_time_recovery"):
                tags[TAG_PITR] = str(int(settings.get("recovery_period_days") or PITR_DAYS[1]))
            elif name == DELETION_PROTECTION and settings.get("deletion_protection"):
                tags[TAG_DELETION_PROTECTION] = "true"
            elif name == AUTO_SCALING:
                for direction, scaling in sorted((settings.get("auto_scaling") or {}).items()):
                    tags[TAG_AUTO_SCALING[direction]] = encode_scaling(scaling)
        except (ValueError, KeyError, TypeError) as e:
            problems.append(f"{name}: {e}")
            for key in _keys_of(name):
                tags.pop(key, None)
            continue
        names.append(name)
    tags[MARKER] = VERSION + ":" + SEPARATOR.join(names)
    for key, value in tags.items():
        if len(value) > TAG_VALUE_MAX or not TAG_VALUE.match(value):  # never: every encoder keeps to the alphabet
            raise ValueError(f"tag {key}={value!r} is not a valid tag value")
    return tags, names, problems


def _keys_of(name):
    return {
        TTL: [TAG_TTL], STREAM: [TAG_STREAM], PITR: [TAG_PITR], DELETION_PROTECTION: [TAG_DELETION_PROTECTION],
        AUTO_SCALING: list(TAG_AUTO_SCALING.values()),
    }[name]


def decode(tags):
    """The settings recorded in a recovery point's (or table's) tags.

    Returns (settings, recorded names, problems): a setting whose tag cannot be read is left out of
    the recorded names, with the reason in problems. No marker: nothing recorded.
    """
    tags = tags or {}
    settings = empty_settings()
    marker = tags.get(MARKER)
    if marker is None:
        return settings, [], []
    version, _sep, names = marker.partition(":")
    if version != VERSION:
        return settings, [], [f"{MARKER}={marker!r} is not a version {VERSION} record of the settings"]
    listed = [name for name in names.split(SEPARATOR) if name]
    problems = [f"{MARKER} names an unknown setting {name!r}" for name in listed if name not in SETTINGS]
    recorded = []
    for name in SETTINGS:
        if name not in listed:
            continue
        try:
            if name == TTL and TAG_TTL in tags:
                settings["ttl_attribute"] = decode_name(tags[TAG_TTL])
            elif name == STREAM and TAG_STREAM in tags:
                if tags[TAG_STREAM] not in STREAM_VIEW_TYPES:
                    raise ValueError(f"{tags[TAG_STREAM]!r} is not a stream view type ({', '.join(STREAM_VIEW_TYPES)})")
                settings["stream_view_type"] = tags[TAG_STREAM]
            elif name == PITR and TAG_PITR in tags:
                try:
                    days = int(tags[TAG_PITR])
                except ValueError:
                    raise ValueError(f"{tags[TAG_PITR]!r} is not a number of days") from None
                if not PITR_DAYS[0] <= days <= PITR_DAYS[1]:
                    raise ValueError(f"{days} days is outside {PITR_DAYS[0]}-{PITR_DAYS[1]}")
                settings["point_in_time_recovery"] = True
                settings["recovery_period_days"] = days
            elif name == DELETION_PROTECTION and TAG_DELETION_PROTECTION in tags:
                if tags[TAG_DELETION_PROTECTION] not in ("true", "false"):
                    raise ValueError(f"{tags[TAG_DELETION_PROTECTION]!r} is not true or false")
                settings["deletion_protection"] = tags[TAG_DELETION_PROTECTION] == "true"
            elif name == AUTO_SCALING:
                scaling = {}
                for direction, key in sorted(TAG_AUTO_SCALING.items()):
                    if key in tags:
                        scaling[direction] = decode_scaling(tags[key])
                settings["auto_scaling"] = scaling
        except ValueError as e:
            problems.append(f"{name}: {e}")
            continue
        recorded.append(name)
    return settings, recorded, problems


def user_tags(tags):
    """The tags of a table or recovery point other than the collection's and AWS's."""
    return {k: v for k, v in (tags or {}).items() if not k.startswith(PREFIX) and not k.lower().startswith("aws:")}


def tag_changes(current, wanted):
    """(tags to set, keys to remove) that make the ``backupkit:*`` tags of ``current`` exactly ``wanted``."""
    to_set = {k: v for k, v in wanted.items() if current.get(k) != v}
    to_remove = sorted(k for k in current if k.startswith(PREFIX) and k not in wanted)
    return to_set, to_remove


# ---------------------------------------------------------------------------
# Reading a table's settings
# ---------------------------------------------------------------------------


def read_auto_scaling(client, table_name):
    """{read|write: {min, max, target}} of the table's Application Auto Scaling (table capacity only)."""
    resource_id = f"table/{table_name}"
    targets = {t.get("ScalableDimension"): t for t in describe_scalable_targets(client, resource_id)}
    policies = describe_scaling_policies(client, resource_id)
    scaling = {}
    for direction, dimension in DIMENSIONS.items():
        target = targets.get(dimension)
        if target is None:
            continue
        value = None
        for policy in policies:
            config = policy.get("TargetTrackingScalingPolicyConfiguration") or {}
            metric = (config.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType")
            if policy.get("ScalableDimension") == dimension and metric == METRICS[direction]:
                value = config.get("TargetValue")
        if value is None:
            continue  # a target without a target tracking policy does not scale: nothing to bring back
        scaling[direction] = {"min": int(target["MinCapacity"]), "max": int(target["MaxCapacity"]), "target": _number(value)}
    return scaling


def read(ddb, autoscaling, table):
    """The settings of a table (its DescribeTable answer), and the names of those that could be read,
    and why others could not (auto scaling needs application-autoscaling:Describe*)."""
    name = table["TableName"]
    settings = empty_settings()
    ttl = describe_time_to_live(ddb, name) or {}
    if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        settings["ttl_attribute"] = ttl.get("AttributeName")
    stream = table.get("StreamSpecification") or {}
    if stream.get("StreamEnabled"):
        settings["stream_view_type"] = stream.get("StreamViewType")
    pitr = (describe_continuous_backups(ddb, name) or {}).get("PointInTimeRecoveryDescription") or {}
    if pitr.get("PointInTimeRecoveryStatus") == "ENABLED":
        settings["point_in_time_recovery"] = True
        settings["recovery_period_days"] = pitr.get("RecoveryPeriodInDays") or PITR_DAYS[1]
    settings["deletion_protection"] = bool(table.get("DeletionProtectionEnabled"))
    readable = list(SETTINGS)
    problems = []
    try:
        settings["auto_scaling"] = read_auto_scaling(autoscaling, name)
    except AnsibleAWSError as e:
        readable.remove(AUTO_SCALING)
        problems.append(f"auto_scaling was not recorded: {e.message}")
    return settings, readable, problems


def record(module, name):
    """The engine of ddb_table_settings: read the table's settings and make its ``backupkit:*`` tags
    describe them (when ``record`` is true). Returns the module's result."""
    ddb = module.client("dynamodb")
    table = describe_table(ddb, name)
    if table is None:
        module.fail_json(msg=f"name: DynamoDB table {name} does not exist in Region {module.region}")
    settings, readable, problems = read(ddb, module.client("application-autoscaling"), table)
    wanted, recorded, encode_problems = encode(settings, readable)
    problems += encode_problems
    for problem in problems:
        module.warn(f"table {name}: {problem}")
    current = dict((t["Key"], t["Value"]) for t in list_tags_of_resource(ddb, table["TableArn"]))
    before = {k: v for k, v in current.items() if k.startswith(PREFIX)}
    to_set, to_remove = tag_changes(current, wanted)
    changed = bool(to_set or to_remove) and module.params.get("record", True)
    if changed and not module.check_mode:
        if to_set:
            tag_table(ddb, table["TableArn"], to_set)
        if to_remove:
            untag_table(ddb, table["TableArn"], to_remove)
        module.log(f"table {name}: settings tags set {sorted(to_set)}, removed {to_remove}")
    result = dict(
        changed=changed,
        table_name=name,
        table_arn=table["TableArn"],
        settings=settings,
        recorded=recorded,
        settings_tags=wanted,
        tags=user_tags(current),
        problems=problems,
    )
    if module._diff:
        result["diff"] = dict(before=before, after=wanted if module.params.get("record", True) else before)
    return result


# ---------------------------------------------------------------------------
# Re-applying recorded settings to a restored table
# ---------------------------------------------------------------------------


def _wait_active(ddb, name, timeout, clock=time.monotonic, sleep=time.sleep):
    table, _done = poll(lambda: describe_table(ddb, name), lambda t: t is None or t.get("TableStatus") == "ACTIVE",
                        deadline=clock() + timeout, clock=clock, sleep=sleep)
    return table


class Outcome(object):
    """What a re-application did: settings applied, already in place, and not applied (with why)."""

    def __init__(self):
        self.applied = []
        self.in_place = []
        self.not_applied = []

    def result(self, recorded, settings, tags):
        return dict(recorded=recorded, settings=settings, tags=tags, applied=self.applied, in_place=self.in_place,
                    not_applied=self.not_applied)


NOT_RECORDED = "not recorded when the backup was taken"
NO_RECORD = ("the recovery point records no settings (no backupkit:settings tag); its tags are the source table's "
             "only when the backup recorded them - copy_source_tags=true copies them")


def apply(ddb, autoscaling, table, tags, check_mode=False, log=None, timeout=600):
    """Re-apply the settings recorded in ``tags`` (a recovery point's) to ``table`` (DescribeTable of
    an ACTIVE restored table). Returns (changed, result): the result names each setting applied,
    already in place, or not applied with the reason (an AWS error on one setting is its reason:
    the others are still applied)."""
    log = log or (lambda msg: None)
    settings, recorded, problems = decode(tags)
    outcome = Outcome()
    for problem in problems:
        outcome.not_applied.append({"setting": problem.partition(":")[0], "reason": problem})
    reasons_taken = {entry["setting"] for entry in outcome.not_applied}
    for setting in SETTINGS:
        if setting not in recorded and setting not in reasons_taken:
            outcome.not_applied.append({"setting": setting, "reason": NOT_RECORDED})
    wanted_tags = user_tags(tags) if MARKER in (tags or {}) else {}
    if MARKER not in (tags or {}):
        outcome.not_applied.append({"setting": TAGS, "reason": NO_RECORD})

    steps = [(TTL, _apply_ttl), (STREAM, _apply_stream), (PITR, _apply_pitr), (AUTO_SCALING, _apply_scaling),
             (TAGS, _apply_tags), (DELETION_PROTECTION, _apply_deletion_protection)]
    state = {"table": table}
    for setting, step in steps:
        if setting == TAGS:
            if not wanted_tags:
                continue
        elif setting not in recorded:
            continue
        try:
            verdict = step(ddb, autoscaling, state, settings, wanted_tags, check_mode, log, timeout)
        except AnsibleAWSError as e:
            verdict = f"AWS refused it: {e.message}" + (f" ({e.exception})" if getattr(e, "exception", None) else "")
        if verdict is True:
            outcome.applied.append(setting)
        elif verdict is False:
            outcome.in_place.append(setting)
        else:
            outcome.not_applied.append({"setting": setting, "reason": verdict})
    return bool(outcome.applied), outcome.result(recorded, settings, wanted_tags)


# Each step: True (applied), False (in place or off), or the reason it cannot be applied.


def _apply_ttl(ddb, _autoscaling, state, settings, _tags, check_mode, log, _timeout):
    name = state["table"]["TableName"]
    if not settings["ttl_attribute"]:
        return False
    ttl = describe_time_to_live(ddb, name) or {}
    if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        if ttl.get("AttributeName") == settings["ttl_attribute"]:
            return False
        return f"time to live is on with attribute {ttl.get('AttributeName')!r}, not {settings['ttl_attribute']!r}"
    if not check_mode:
        update_time_to_live(ddb, name, settings["ttl_attribute"])
        log(f"table {name}: time to live on attribute {settings['ttl_attribute']}")
    return True


def _apply_stream(ddb, _autoscaling, state, settings, _tags, check_mode, log, timeout):
    table = state["table"]
    name = table["TableName"]
    if not settings["stream_view_type"]:
        return False
    stream = table.get("StreamSpecification") or {}
    if stream.get("StreamEnabled"):
        if stream.get("StreamViewType") == settings["stream_view_type"]:
            return False
        return f"the stream is on with view type {stream.get('StreamViewType')}, not {settings['stream_view_type']}"
    if not check_mode:
        update_table(ddb, name, StreamSpecification={"StreamEnabled": True, "StreamViewType": settings["stream_view_type"]})
        state["table"] = _wait_active(ddb, name, timeout) or table
        log(f"table {name}: stream {settings['stream_view_type']}")
    return True


def _apply_pitr(ddb, _autoscaling, state, settings, _tags, check_mode, log, _timeout):
    name = state["table"]["TableName"]
    if not settings["point_in_time_recovery"]:
        return False
    pitr = (describe_continuous_backups(ddb, name) or {}).get("PointInTimeRecoveryDescription") or {}
    on = pitr.get("PointInTimeRecoveryStatus") == "ENABLED"
    if on and (pitr.get("RecoveryPeriodInDays") or PITR_DAYS[1]) == settings["recovery_period_days"]:
        return False
    if not check_mode:
        update_continuous_backups(ddb, name, {"PointInTimeRecoveryEnabled": True,
                                              "RecoveryPeriodInDays": settings["recovery_period_days"]})
        log(f"table {name}: point-in-time recovery, {settings['recovery_period_days']} days")
    return True


def _apply_scaling(_ddb, autoscaling, state, settings, _tags, check_mode, log, _timeout):
    table = state["table"]
    name = table["TableName"]
    if not settings["auto_scaling"]:
        return False
    if (table.get("BillingModeSummary") or {}).get("BillingMode") == "PAY_PER_REQUEST":
        return "the restored table is on-demand (PAY_PER_REQUEST)"
    if read_auto_scaling(autoscaling, name) == settings["auto_scaling"]:
        return False
    if not check_mode:
        resource_id = f"table/{name}"
        for direction, scaling in sorted(settings["auto_scaling"].items()):
            register_scalable_target(autoscaling, resource_id, DIMENSIONS[direction], scaling["min"], scaling["max"])
            put_scaling_policy(autoscaling, resource_id, DIMENSIONS[direction], METRICS[direction], scaling["target"])
        log(f"table {name}: auto scaling {settings['auto_scaling']}")
    return True


def _apply_tags(ddb, _autoscaling, state, _settings, tags, check_mode, log, _timeout):
    table = state["table"]
    current = dict((t["Key"], t["Value"]) for t in list_tags_of_resource(ddb, table["TableArn"]))
    missing = {k: v for k, v in tags.items() if current.get(k) != v}
    if not missing:
        return False
    if not check_mode:
        tag_table(ddb, table["TableArn"], missing)
        log(f"table {table['TableName']}: tags {sorted(missing)}")
    return True


def _apply_deletion_protection(ddb, _autoscaling, state, settings, _tags, check_mode, log, _timeout):
    # last: a table half restored is easier to remove without it
    table = state["table"]
    if not settings["deletion_protection"] or table.get("DeletionProtectionEnabled"):
        return False
    if not check_mode:
        update_table(ddb, table["TableName"], DeletionProtectionEnabled=True)
        log(f"table {table['TableName']}: deletion protection on")
    return True
