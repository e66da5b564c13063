#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ddb_table_compare
short_description: Compare two DynamoDB tables item by item
version_added: 0.1.0
description:
  - Compares every item of O(source_table) with the item of the same key in O(target_table), for
    example a table restored from a backup with the table it was backed up from, and counts the items
    missing in the target, the items only the target has and the items that differ.
  - Values are compared the way DynamoDB stores them (V(1.50) and V(1.5) are the same number, sets are
    unordered); O(ignore_attributes) leaves attributes out of the comparison.
  - Reads only. Both tables are read once, at the same time, each with a parallel scan of O(segments)
    segments; per item the module keeps a 64-bit digest of its key, a 64-bit digest of the item and the
    key itself (about 45 bytes an item for short keys, 150 MB at the peak for two tables of 1,000,000 items), so the
    comparison reads what a plain scan of both tables reads. The differing items among the samples are
    then read again from both tables with BatchGetItem to name the attributes that differ.
  - When the two tables hold more than 2,000,000 items together (DescribeTable's C(ItemCount), which
    DynamoDB updates about every six hours), the module holds no table at all instead - it scans the
    source page by page and reads each page's keys from the target with BatchGetItem, then counts the
    target with a V(Select=COUNT) scan - which costs one more read of the target but keeps memory bounded
    however large the tables grow.
  - Throttling, HTTP 5xx answers and unprocessed keys are retried with exponential backoff and jitter.
  - O(fail_on_diff=true) turns a difference into a failed task, for restore drills.
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  source_table:
    description:
      - The table to compare with, by name or ARN (usually the original table).
    type: str
    required: true
  target_table:
    description:
      - The table to check, by name or ARN (usually the restored table).
      - Its key schema must match the source's (the same key attribute names, roles and types).
    type: str
    required: true
  ignore_attributes:
    description:
      - Top-level attribute names left out of the comparison, in both tables, for example a load timestamp.
      - Key attributes cannot be ignored.
    type: list
    elements: str
    default: []
  sample_limit:
    description:
      - The most keys returned in each list of RV(samples). V(0) returns counts only.
      - Samples of missing and different items are those with the smallest keys (numbers by value), so
        they are the same on every run of the same tables.
    type: int
    default: 10
  segments:
    description:
      - Parallel scan segments (and threads) per table, between 1 and 64.
    type: int
    default: 8
  fail_on_diff:
    description:
      - Fail the task when the tables differ, with a message that sums up the counts. The result keys are
        returned with the failure.
    type: bool
    default: false
  source_region:
    description:
      - The Region of O(source_table) when it is not the Region of the connection, for example the source Region of
        a table restored in a disaster recovery Region. The target table is read in the Region of the connection.
    type: str
    version_added: 0.2.0
  skip_unreachable_source:
    description:
      - When AWS cannot be reached for O(source_table) (its Region is down, with an HTTP 5xx C(ServiceUnavailable) or
        C(InternalFailure) answer, or no connection), return RV(compared=false) with the reason in
        RV(source_unreachable) instead of failing, after one attempt (no retry). The target table is still counted.
      - Any other error (no such table, access denied) fails the task as usual.
    type: bool
    default: false
    version_added: 0.2.0
notes:
  - Compare tables that are not being written. An item written while the tables are read shows as a
    difference; when a sampled difference is gone when it is read again, or (for tables above 2,000,000
    items) the counts of the separate scans do not add up, the module fails and says a table was written.
  - Reads are strongly consistent and cost read capacity for every item of both tables; on provisioned
    tables, expect throttling (which is retried) or raise the read capacity for the comparison.
  - A table that is still being created or restored cannot be compared; wait until it is V(ACTIVE).
  - Both tables are read with the module's connection; a table of another account needs its ARN and a
    resource-based policy that lets the caller scan it.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: The module only reads; check mode compares the tables exactly as a normal run does.
  diff_mode:
    support: none
    description: A comparison changes nothing; the differences are in RV(samples).
"""

EXAMPLES = r"""
- name: Prove that the restored table holds what the original table held
  backupkit.dynamodb.ddb_table_compare:
    source_table: order_transaction
    target_table: order_transaction_restored
    fail_on_diff: true

- name: Compare, leaving out an attribute that each load stamps differently
  backupkit.dynamodb.ddb_table_compare:
    source_table: arn:aws:dynamodb:us-east-1:123456789012:table/order_transaction
    target_table: order_transaction_copy
    ignore_attributes: [loaded_at]
    sample_limit: 3
  register: comparison

- name: Show what differs
  ansible.builtin.debug:
    msg: >-
      {{ comparison.missing_in_target }} missing, {{ comparison.extra_in_target }} extra,
      {{ comparison.different }} different; first missing keys: {{ comparison.samples.missing_in_target }}
  when: not comparison.equal
"""

RETURN = r"""
compared:
  description:
    - Whether the tables were compared; V(false) only with O(skip_unreachable_source=true) when the source could not be reached.
  returned: always
  type: bool
  sample: true
  version_added: 0.2.0
source_unreachable:
  description: Why the source could not be reached (AWS's error), V(null) when it was compared.
  returned: always
  type: str
  sample: "An error occurred (ServiceUnavailable) when calling the DescribeTable operation: The request has failed due to a temporary failure of the server."
  version_added: 0.2.0
equal:
  description:
    - Whether the tables hold the same items (ignoring O(ignore_attributes)).
    - V(null) when RV(compared=false).
  returned: always
  type: bool
  sample: false
source_count:
  description: Items in the source table; V(null) when RV(compared=false).
  returned: always
  type: int
  sample: 200
target_count:
  description: Items in the target table.
  returned: always
  type: int
  sample: 201
missing_in_target:
  description: Source items whose key the target does not have.
  returned: always
  type: int
  sample: 3
extra_in_target:
  description: Target items whose key the source does not have.
  returned: always
  type: int
  sample: 4
different:
  description: Items with the same key in both tables whose attributes differ.
  returned: always
  type: int
  sample: 2
samples:
  description:
    - Up to O(sample_limit) examples of each kind of difference.
    - 'Keys are dicts in DynamoDB JSON, for example V({"order_id": {"S": "O-1"}, "item_id": {"S": "I-1"}}),
      with binary values as base64 text.'
  returned: always
  type: dict
  contains:
    missing_in_target:
      description: Keys of source items missing in the target, smallest keys first.
      returned: always
      type: list
      elements: dict
      sample: [{"order_id": {"S": "O-007"}, "item_id": {"S": "I-1"}}]
    extra_in_target:
      description:
        - Keys of target items that the source does not have, smallest keys first.
        - For tables above 2,000,000 items together, the target is searched only until O(sample_limit) of
          them are found, so these are some of the extra keys, not necessarily the smallest.
      returned: always
      type: list
      elements: dict
      sample: [{"order_id": {"S": "O-900"}, "item_id": {"S": "I-1"}}]
    different:
      description: Items that differ, smallest keys first, with the differing attributes only.
      returned: always
      type: list
      elements: dict
      contains:
        key:
          description: The item's key in DynamoDB JSON.
          returned: always
          type: dict
          sample: {"order_id": {"S": "O-012"}, "item_id": {"S": "I-2"}}
        attributes:
          description: Names of the attributes that differ (or that one table's item lacks), sorted.
          returned: always
          type: list
          elements: str
          sample: [price, status]
        source:
          description: Those attributes in the source item, in DynamoDB JSON (an attribute the item lacks is absent).
          returned: always
          type: dict
          sample: {"price": {"N": "1.5"}, "status": {"S": "NEW"}}
        target:
          description: Those attributes in the target item, in DynamoDB JSON (an attribute the item lacks is absent).
          returned: always
          type: dict
          sample: {"price": {"N": "2"}, "status": {"S": "SHIPPED"}}
source_table:
  description: The source table's name.
  returned: always
  type: str
  sample: order_transaction
target_table:
  description: The target table's name.
  returned: always
  type: str
  sample: order_transaction_restored
key_schema:
  description: The key attributes both tables share, hash key first.
  returned: always
  type: list
  elements: dict
  contains:
    attribute_name:
      description: The attribute's name.
      returned: always
      type: str
      sample: order_id
    key_type:
      description: V(HASH) or V(RANGE).
      returned: always
      type: str
      sample: HASH
    attribute_type:
      description: V(S), V(N) or V(B).
      returned: always
      type: str
      sample: S
elapsed_seconds:
  description: Seconds the comparison took.
  returned: always
  type: float
  sample: 2.71
"""

import time

try:
    import botocore.config
    import botocore.exceptions
except ImportError:
    pass  # AnsibleAWSModule reports missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import describe_table
from ansible_collections.backupkit.dynamodb.plugins.module_utils._dynamodb import key_schema_of
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import botocore_retries
from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_compare import DIGEST_ITEMS
from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_compare import TableComparison
from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_compare import TablesChanged
from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_compare import key_schema_mismatch
from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_compare import summary

MAX_SEGMENTS = 64
MAX_SAMPLE_LIMIT = 1000
READABLE_STATUSES = ("ACTIVE", "UPDATING")
# what AWS answers when a Region's service is down (the AWS common errors for it)
UNREACHABLE_CODES = ("ServiceUnavailable", "ServiceUnavailableException", "InternalFailure", "InternalServerError")
UNREACHABLE_EXCEPTIONS = ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError")


def unreachable_reason(error):
    """AWS's message when ``error`` (an AnsibleAWSError or botocore error) says the service cannot be reached, else None."""
    cause = getattr(error, "exception", None) or error
    if isinstance(cause, botocore.exceptions.ClientError):
        if cause.response.get("Error", {}).get("Code") in UNREACHABLE_CODES:
            return str(cause)
        return None
    if type(cause).__name__ in UNREACHABLE_EXCEPTIONS or isinstance(cause, botocore.exceptions.EndpointConnectionError):
        return str(cause)
    return None


def source_probe(module, config):
    """None when the source table can be described (one attempt, no retry), else why its Region cannot be reached."""
    probe = module.client("dynamodb", config=config.merge(botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})),
                          **source_region(module))
    try:
        describe_table(probe, module.params["source_table"])
    except (AnsibleAWSError, botocore.exceptions.BotoCoreError) as e:
        reason = unreachable_reason(e)
        if reason is None:
            raise
        return reason
    return None


def source_region(module):
    return dict(region=module.params["source_region"]) if module.params["source_region"] else {}


def check_options(module):
    params = module.params
    if not 1 <= params["segments"] <= MAX_SEGMENTS:
        module.fail_json(msg="segments must be between 1 and %d, got %d" % (MAX_SEGMENTS, params["segments"]))
    if not 0 <= params["sample_limit"] <= MAX_SAMPLE_LIMIT:
        module.fail_json(msg="sample_limit must be between 0 and %d, got %d" % (MAX_SAMPLE_LIMIT, params["sample_limit"]))


def readable_table(module, client, option):
    """DescribeTable of the table named by ``option``; fail unless it exists and can be read whole."""
    name = module.params[option]
    table = describe_table(client, name)
    if table is None:
        module.fail_json(msg="%s %s does not exist" % (option, name))
    status = table.get("TableStatus", "ACTIVE")
    if status not in READABLE_STATUSES:
        module.fail_json(msg="%s %s is %s; it can be compared once it is ACTIVE" % (option, name, status))
    if (table.get("RestoreSummary") or {}).get("RestoreInProgress"):
        module.fail_json(msg="%s %s is still being restored; compare it once the restore has completed" % (option, name))
    return table


def run(module):
    params = module.params
    started = time.monotonic()
    check_options(module)
    config = dict(max_pool_connections=2 * params["segments"] + 4)  # both tables are scanned at once
    retries = botocore_retries(params)
    if retries:
        config["retries"] = retries
    config = botocore.config.Config(**config)
    client = module.client("dynamodb", config=config)
    if params["skip_unreachable_source"]:
        reason = source_probe(module, config)
        if reason is not None:
            target = readable_table(module, client, "target_table")
            target_count = TableComparison(client, None, params["target_table"], key_schema_of(target),
                                           segments=params["segments"]).count_target()
            return dict(
                changed=False, compared=False, source_unreachable=reason, equal=None, source_count=None,
                target_count=target_count, missing_in_target=None, extra_in_target=None, different=None,
                samples=dict(missing_in_target=[], extra_in_target=[], different=[]),
                source_table=params["source_table"], target_table=target["TableName"],
                key_schema=[dict(attribute_name=name, key_type=role, attribute_type=attr_type)
                            for name, role, attr_type in key_schema_of(target)],
                elapsed_seconds=round(time.monotonic() - started, 3),
            )
    source_client = module.client("dynamodb", config=config, **source_region(module)) if params["source_region"] else client
    source = readable_table(module, source_client, "source_table")
    target = readable_table(module, client, "target_table")
    schema = key_schema_of(source)
    mismatch = key_schema_mismatch(schema, key_schema_of(target))
    if mismatch:
        module.fail_json(msg="%s and %s cannot be compared: %s" % (source["TableName"], target["TableName"], mismatch))
    ignored_keys = sorted(set(params["ignore_attributes"]) & set(name for name, _role, _type in schema))
    if ignored_keys:
        module.fail_json(msg="ignore_attributes names key attributes, which cannot be ignored: %s" % ", ".join(ignored_keys))

    items = (source.get("ItemCount") or 0) + (target.get("ItemCount") or 0)
    comparison = TableComparison(
        client, params["source_table"], params["target_table"], schema,
        ignore_attributes=params["ignore_attributes"], sample_limit=params["sample_limit"], segments=params["segments"],
        source_client=source_client, method="digests" if items <= DIGEST_ITEMS else "stream",
    )
    try:
        compared = comparison.run()
    except TablesChanged as exc:
        module.fail_json(msg="%s and %s could not be compared: %s" % (source["TableName"], target["TableName"], exc))
    if not comparison.extras_complete:
        module.warn(
            "fewer extra keys were found in %s than its count implies; a table may have been written during the comparison"
            % target["TableName"]
        )
    result = dict(
        changed=False,
        compared=True,
        source_unreachable=None,
        source_table=source["TableName"],
        target_table=target["TableName"],
        key_schema=[dict(attribute_name=name, key_type=role, attribute_type=attr_type) for name, role, attr_type in schema],
        elapsed_seconds=round(time.monotonic() - started, 3),
        **compared
    )
    if params["fail_on_diff"] and not result["equal"]:
        module.fail_json(msg=summary(result, source["TableName"], target["TableName"]), **result)
    return result


def main():
    argument_spec = dict(
        source_table=dict(type="str", required=True),
        target_table=dict(type="str", required=True),
        ignore_attributes=dict(type="list", elements="str", default=[]),
        sample_limit=dict(type="int", default=10),
        segments=dict(type="int", default=8),
        fail_on_diff=dict(type="bool", default=False),
        source_region=dict(type="str"),
        skip_unreachable_source=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        result = run(module)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
