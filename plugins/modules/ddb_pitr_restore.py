#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ddb_pitr_restore
short_description: Restore a DynamoDB table to a point in time into a new table
version_added: 0.1.0
description:
  - Restores a DynamoDB table with point-in-time recovery (PITR) turned on, as it was at a given time or at
    the latest restorable time, into a new table (C(RestoreTableToPointInTime)), and waits for the new table
    to be C(ACTIVE).
  - The module never overwrites a table. When O(target_table_name) exists and was restored from
    O(source_table) (at O(restore_date_time), when one is given), nothing is done and the result is not
    changed (a restore still in progress is waited for). When it exists otherwise, the task fails before
    any restore is started and the table is left as it is.
  - The source, its point-in-time recovery and its restorable window are checked before anything is started;
    a time outside the window fails naming O(restore_date_time) and the window.
  - The new table gets the source's key schema, indexes, billing mode and encryption, as DynamoDB restores
    them. Tags, TTL, streams, auto scaling, point-in-time recovery and deletion protection are not restored
    by DynamoDB; set them on the new table (for example with M(backupkit.dynamodb.ddb_table_protection)).
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  source_table:
    description:
      - The table to restore, by name or ARN. Point-in-time recovery must be on.
    type: str
    required: true
  restore_date_time:
    description:
      - The instant to restore, as ISO 8601 (V(2024-05-21T13:00:00Z), V(2024-05-21T15:00:00+02:00); without a zone,
        UTC), within the table's restorable window.
      - V(latest) restores the latest restorable time (DynamoDB's C(UseLatestRestorableTime), typically five
        minutes before now).
    type: str
    default: latest
  target_table_name:
    description:
      - The name of the new table. It must not exist, unless it was restored from O(source_table).
      - 3 to 255 letters, digits, V(_), V(-) and V(.).
    type: str
    required: true
  wait:
    description:
      - Wait for the new table to be C(ACTIVE).
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait when O(wait=true). When they run out the task fails; the restore goes on in
        DynamoDB, and running the task again waits for it instead of starting another.
    type: int
    default: 1800
notes:
  - Options are checked before any AWS call; a bad time or table name fails at once.
  - Whether an existing table was restored from the source is read from its C(RestoreSummary)
    (C(SourceTableArn), C(RestoreDateTime)).
  - With O(restore_date_time=latest), a table restored from the source at any time counts as done.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Checks the target, the source and its restorable window, starts nothing, and reports what it would restore.
  diff_mode:
    support: none
    description: The module creates a new table; there is nothing to compare.
seealso:
  - module: backupkit.dynamodb.ddb_table_protection
  - module: backupkit.dynamodb.backup_restore
"""

EXAMPLES = r"""
- name: Restore the orders table as it was at 13:00 UTC into a new table
  backupkit.dynamodb.ddb_pitr_restore:
    source_table: orders
    restore_date_time: "2024-05-21T13:00:00Z"
    target_table_name: orders-at-1300

- name: Restore the latest restorable state, without waiting
  backupkit.dynamodb.ddb_pitr_restore:
    source_table: arn:aws:dynamodb:us-east-1:123456789012:table/orders
    target_table_name: orders-latest
    wait: false
"""

RETURN = r"""
msg:
  description: What was done, or in check mode what would be done.
  returned: always
  type: str
  sample: Restored table orders as it was at 2024-05-21T13:00:00+00:00 into new table orders-at-1300
source_table_arn:
  description: The ARN of the source table.
  returned: always
  type: str
  sample: arn:aws:dynamodb:us-east-1:123456789012:table/orders
restore_date_time:
  description:
    - The instant restored (ISO 8601), as DynamoDB reports it once the restore has started; V(null) in check mode
      with O(restore_date_time=latest).
  returned: always
  type: str
  sample: "2024-05-21T13:00:00+00:00"
earliest_restorable_date_time:
  description: The start of the source's restorable window (ISO 8601), when a restore was checked or started.
  returned: when the target did not exist
  type: str
  sample: "2024-05-01T00:00:00+00:00"
latest_restorable_date_time:
  description: The end of the source's restorable window (ISO 8601), when a restore was checked or started.
  returned: when the target did not exist
  type: str
  sample: "2024-05-21T13:55:00+00:00"
table:
  description:
    - The target table as C(DescribeTable) returns it, in snake_case; V(null) in check mode when it would be created.
  returned: always
  type: dict
  contains:
    table_name:
      description: The table's name.
      type: str
      returned: always
      sample: orders-at-1300
    table_status:
      description: Its status, V(ACTIVE) after a completed wait.
      type: str
      returned: always
      sample: ACTIVE
    restore_summary:
      description: Where and when the table was restored from.
      type: dict
      returned: always
      sample: {"source_table_arn": "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
               "restore_date_time": "2024-05-21T13:00:00+00:00", "restore_in_progress": false}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import RestoreJobError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._pitr_restore import LATEST
from ansible_collections.backupkit.dynamodb.plugins.module_utils._pitr_restore import PitrRestorer
from ansible_collections.backupkit.dynamodb.plugins.module_utils._pitr_restore import Request


def main():
    argument_spec = dict(
        source_table=dict(type="str", required=True),
        restore_date_time=dict(type="str", default=LATEST),
        target_table_name=dict(type="str", required=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        request = Request(module.params)
    except ValueError as e:
        module.fail_json(msg=str(e))
    try:
        result = PitrRestorer(module, request).run()
    except ValueError as e:
        module.fail_json(msg=str(e))
    except RestoreJobError as e:
        module.fail_json(msg=e.message, **e.kwargs)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
