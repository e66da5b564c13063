#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ddb_table_settings
short_description: Record on a DynamoDB table the settings a restore does not bring back
version_added: 0.1.0
description:
  - Reads the settings of one DynamoDB table that AWS's restore of a backup does not carry over - time to
    live (its attribute), the stream (its view type), point-in-time recovery (and its recovery period),
    deletion protection, and Application Auto Scaling of the table's read and write capacity (minimum,
    maximum and target utilisation) - and records them on the table as C(backupkit:*) tags.
  - AWS Backup copies a table's tags to its recovery points (for DynamoDB with advanced DynamoDB backup on)
    and a copy job copies a recovery point's tags to the copy, so the settings travel with every backup and
    copy taken afterwards. M(backupkit.dynamodb.backup_restore) reads them from the recovery point it restores,
    in the vault where it is, and re-applies them to the new table, also when the source Region or account
    cannot be reached.
  - Only the C(backupkit:*) tags are changed, and only those that differ; the table's other tags are left
    as they are (they reach the recovery points as they are).
  - The tags describe the table when the module runs. Run it again after a setting changes (the
    C(backupkit.dynamodb.table) and C(backupkit.dynamodb.backup_now) roles do); a scheduled backup records
    the tags the table has when it is taken.
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  name:
    description:
      - The name of the table, in the account and Region of the connection. The table must exist.
    type: str
    required: true
    aliases: [table_name]
  record:
    description:
      - Write the C(backupkit:*) tags on the table. With V(false), only read and return the settings and the tags
        that would be written.
    type: bool
    default: true
notes:
  - "The tags: C(backupkit:settings) (V(1:) and the settings recorded, for example V(1:ttl+stream+pitr+deletion_protection+auto_scaling)),
    C(backupkit:ttl) (the attribute name, or V(b64:) and its base64 when it has characters a tag value cannot hold),
    C(backupkit:stream) (the view type), C(backupkit:pitr) (the recovery period in days), C(backupkit:deletion-protection)
    (V(true)), C(backupkit:auto-scaling-read) and C(backupkit:auto-scaling-write) (V(MIN/MAX/TARGET)). A setting that
    is off has no tag of its own; one left out of C(backupkit:settings) was not recorded."
  - Each value is at most 256 characters. A time to live attribute name too long for that is not recorded, with a
    warning; so is auto scaling when it cannot be read (C(application-autoscaling:DescribeScalableTargets) and
    C(application-autoscaling:DescribeScalingPolicies) are needed).
  - The tags count in the 50 tags a table and a recovery point can have (at most 7 of them).
  - Auto scaling of global secondary indexes is not recorded.
  - "Permissions: C(dynamodb:DescribeTable), C(dynamodb:DescribeTimeToLive), C(dynamodb:DescribeContinuousBackups),
    C(dynamodb:ListTagsOfResource), C(dynamodb:TagResource), C(dynamodb:UntagResource), and the two
    C(application-autoscaling) permissions above."
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reads the settings and returns the tags it would write, writing nothing.
  diff_mode:
    support: full
    description: Returns the table's C(backupkit:*) tags before and after.
seealso:
  - module: backupkit.dynamodb.backup_restore
  - module: backupkit.dynamodb.backup_job
  - module: backupkit.dynamodb.ddb_table_protection
"""

EXAMPLES = r"""
- name: Record the settings of the orders table before backing it up
  backupkit.dynamodb.ddb_table_settings:
    name: orders
  register: recorded

- name: Back it up now, the settings also as recovery point tags
  backupkit.dynamodb.backup_job:
    resource: orders
    backup_vault_name: dynamodb-backups
    iam_role_name: AWSBackupDefaultServiceRole
    recovery_point_tags: "{{ recorded.settings_tags }}"

- name: Only read the settings
  backupkit.dynamodb.ddb_table_settings:
    name: orders
    record: false
  register: settings
"""

RETURN = r"""
table_name:
  description: The table's name.
  returned: success
  type: str
  sample: orders
table_arn:
  description: The table's ARN.
  returned: success
  type: str
  sample: arn:aws:dynamodb:us-east-1:111122223333:table/orders
settings:
  description: The table's settings as read.
  returned: success
  type: dict
  contains:
    ttl_attribute:
      description: The time to live attribute; V(null) when time to live is off.
      returned: success
      type: str
      sample: expires_at
    stream_view_type:
      description: The stream's view type; V(null) when the stream is off.
      returned: success
      type: str
      sample: NEW_AND_OLD_IMAGES
    point_in_time_recovery:
      description: Whether point-in-time recovery is on.
      returned: success
      type: bool
      sample: true
    recovery_period_days:
      description: Its recovery period; V(null) when it is off.
      returned: success
      type: int
      sample: 35
    deletion_protection:
      description: Whether deletion protection is on.
      returned: success
      type: bool
      sample: true
    auto_scaling:
      description: Application Auto Scaling of the table's capacity, V(read) and V(write), each with V(min), V(max) and V(target); empty when none.
      returned: success
      type: dict
      sample: {"read": {"min": 5, "max": 100, "target": 70}}
recorded:
  description: The settings recorded (V(ttl), V(stream), V(pitr), V(deletion_protection), V(auto_scaling)).
  returned: success
  type: list
  elements: str
  sample: [ttl, stream, pitr, deletion_protection, auto_scaling]
settings_tags:
  description: The C(backupkit:*) tags that describe the settings (on the table after the run unless O(record=false) or check mode).
  returned: success
  type: dict
  sample: {"backupkit:settings": "1:ttl+stream+pitr+deletion_protection+auto_scaling", "backupkit:ttl": "expires_at",
           "backupkit:stream": "NEW_AND_OLD_IMAGES", "backupkit:pitr": "35", "backupkit:deletion-protection": "true"}
tags:
  description: The table's other tags (not C(backupkit:*), not C(aws:*)); they reach its recovery points as they are.
  returned: success
  type: dict
  sample: {"team": "payments"}
problems:
  description: Why a setting was not recorded (also given as warnings).
  returned: success
  type: list
  elements: str
  sample: []
diff:
  description: The table's C(backupkit:*) tags before and after.
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import run_module
from ansible_collections.backupkit.dynamodb.plugins.module_utils._table_settings import record


def input_problems(params):
    if not params["name"].strip():
        return ["name must name a DynamoDB table"]
    return []


def main():
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["table_name"]),
        record=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, lambda m: record(m, m.params["name"]), input_problems=input_problems)


if __name__ == "__main__":
    main()
