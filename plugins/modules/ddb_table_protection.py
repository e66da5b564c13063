#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ddb_table_protection
short_description: DynamoDB's own protection of a table, point-in-time recovery and deletion protection
version_added: 0.1.0
description:
  - Turns point-in-time recovery (PITR, continuous backups) of one DynamoDB table on or off and sets how many
    days back it reaches, and turns the table's deletion protection on or off.
  - Reads C(DescribeTable) and C(DescribeContinuousBackups), and changes only what differs, with
    C(UpdateTable) (deletion protection) and C(UpdateContinuousBackups) (point-in-time recovery).
  - An option that is not given is left as the table has it.
  - Returns the restorable window of point-in-time recovery (RV(table_protection.earliest_restorable_date_time),
    RV(table_protection.latest_restorable_date_time)).
  - These are DynamoDB's settings, beside AWS Backup's recovery points; turning point-in-time recovery off
    drops the table's restorable history at once.
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  name:
    description:
      - The name of the table, in the account and Region of the connection. The table must exist.
    type: str
    required: true
    aliases: [table_name]
  point_in_time_recovery:
    description:
      - Whether point-in-time recovery is on.
      - Not given, it is left as it is.
    type: bool
  recovery_period_days:
    description:
      - How many days back point-in-time recovery reaches, from V(1) to V(35).
      - Only with point-in-time recovery on (O(point_in_time_recovery=true), or on already when
        O(point_in_time_recovery) is not given).
      - Not given, it is left as it is; when point-in-time recovery is turned on, DynamoDB's default is V(35).
    type: int
  deletion_protection:
    description:
      - Whether the table's deletion protection is on (C(DeleteTable) is refused while it is).
      - Not given, it is left as it is.
    type: bool
notes:
  - DynamoDB may refuse C(UpdateContinuousBackups) for a few seconds after a table is created
    (C(ContinuousBackupsUnavailableException)); the module makes the call again for up to 60 seconds.
  - C(UpdateTable) is refused while the table is not C(ACTIVE) (for example while it is being created
    or updated).
  - "Permissions: C(dynamodb:DescribeTable), C(dynamodb:DescribeContinuousBackups), and to change the table
    C(dynamodb:UpdateContinuousBackups) and C(dynamodb:UpdateTable), on the table."
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Changes nothing and returns the settings the table would have.
  diff_mode:
    support: full
    description: Returns the table's managed settings before and after.
seealso:
  - module: backupkit.dynamodb.backup_job
  - module: backupkit.dynamodb.backup_restore
"""

EXAMPLES = r"""
- name: Keep 14 days of point-in-time recovery and refuse deletion of the orders table
  backupkit.dynamodb.ddb_table_protection:
    name: orders
    point_in_time_recovery: true
    recovery_period_days: 14
    deletion_protection: true
  register: protection

- name: Show how far back the table can be restored
  ansible.builtin.debug:
    msg: "{{ protection.table_protection.earliest_restorable_date_time }}"

- name: Allow the table to be deleted, leaving point-in-time recovery as it is
  backupkit.dynamodb.ddb_table_protection:
    name: orders
    deletion_protection: false
"""

RETURN = r"""
table_protection:
  description:
    - The table's protection after the run (in check mode, as it would be).
  returned: success
  type: dict
  contains:
    table_name:
      description: The name of the table.
      returned: success
      type: str
      sample: orders
    table_arn:
      description: The ARN of the table.
      returned: success
      type: str
      sample: arn:aws:dynamodb:us-east-1:111122223333:table/orders
    point_in_time_recovery:
      description: Whether point-in-time recovery is on.
      returned: success
      type: bool
      sample: true
    recovery_period_days:
      description: How many days back point-in-time recovery reaches; V(null) while it is off.
      returned: success
      type: int
      sample: 14
    deletion_protection:
      description: Whether deletion protection is on.
      returned: success
      type: bool
      sample: true
    earliest_restorable_date_time:
      description:
        - The earliest time the table can be restored to (ISO 8601); V(null) while point-in-time recovery is off
          (and in check mode when it would be turned on).
      returned: success
      type: str
      sample: "2024-05-07T13:21:10+00:00"
    latest_restorable_date_time:
      description:
        - The latest time the table can be restored to (ISO 8601), typically about five minutes ago; V(null) while
          point-in-time recovery is off (and in check mode when it would be turned on).
      returned: success
      type: str
      sample: "2024-05-21T13:16:10+00:00"
diff:
  description: The managed settings (C(point_in_time_recovery), C(recovery_period_days), C(deletion_protection)) before and after.
  returned: when diff mode is on
  type: dict
  sample: {"before": {"point_in_time_recovery": false, "recovery_period_days": null, "deletion_protection": false},
           "after": {"point_in_time_recovery": true, "recovery_period_days": 14, "deletion_protection": true}}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import run_module
from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_protection import ensure
from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_protection import input_problems


def main():
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["table_name"]),
        point_in_time_recovery=dict(type="bool"),
        recovery_period_days=dict(type="int"),
        deletion_protection=dict(type="bool"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, ensure, input_problems=input_problems)


if __name__ == "__main__":
    main()
