#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_region_settings
short_description: Manage the AWS Backup opt-in settings of an account and region
version_added: 0.1.0
description:
  - Manages the AWS Backup region settings that decide what AWS Backup does with each
    resource type in the current account and region.
  - O(resource_type_opt_in_preference) decides which resource types AWS Backup protects
    (a backup plan selecting a DynamoDB table does nothing while V(DynamoDB) is opted out).
  - O(resource_type_management_preference) decides which resource types AWS Backup manages
    fully. For DynamoDB this is I(advanced DynamoDB backup), which is what makes cold storage,
    cross-account and cross-region copies, independent encryption with the vault's key and
    tags on recovery points apply to DynamoDB backups.
  - Only the resource types named are touched; every other setting of the region is left as it is.
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  resource_type_opt_in_preference:
    description:
      - 'Resource types and whether AWS Backup protects them, for example V({"DynamoDB": true}).'
      - Resource type names are case-sensitive, as AWS spells them (V(DynamoDB), V(Aurora), V(EFS), ...).
    type: dict
  resource_type_management_preference:
    description:
      - 'Resource types and whether AWS Backup fully manages their backups, for example
        V({"DynamoDB": true}) to turn on advanced DynamoDB backup.'
      - AWS accepts V(DynamoDB) and V(EFS) here.
    type: dict
notes:
  - At least one of O(resource_type_opt_in_preference) and O(resource_type_management_preference) is required.
  - The settings apply to the account and region of the connection; loop over regions to set several.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports what would change and writes nothing.
  diff_mode:
    support: full
    description: Returns the settings before and after.
"""

EXAMPLES = r"""
- name: Turn on AWS Backup for DynamoDB, with advanced DynamoDB backup
  backupkit.dynamodb.backup_region_settings:
    resource_type_opt_in_preference:
      DynamoDB: true
    resource_type_management_preference:
      DynamoDB: true

- name: Turn on advanced DynamoDB backup in several regions
  backupkit.dynamodb.backup_region_settings:
    region: "{{ region_name }}"
    resource_type_management_preference:
      DynamoDB: true
  loop: [us-east-1, eu-west-1]
  loop_control:
    loop_var: region_name
"""

RETURN = r"""
region_settings:
  description: The region settings after the change (in check mode, as they would be).
  returned: always
  type: dict
  contains:
    resource_type_opt_in_preference:
      description: Every resource type and whether AWS Backup protects it.
      type: dict
      returned: always
      sample: {"Aurora": true, "DynamoDB": true, "EFS": true}
    resource_type_management_preference:
      description: Resource types and whether AWS Backup fully manages them.
      type: dict
      returned: always
      sample: {"DynamoDB": true, "EFS": true}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import run_module
from ansible_collections.backupkit.dynamodb.plugins.module_utils._region_settings import SETTINGS
from ansible_collections.backupkit.dynamodb.plugins.module_utils._region_settings import ensure_present


def main():
    argument_spec = dict(
        resource_type_opt_in_preference=dict(type="dict"),
        resource_type_management_preference=dict(type="dict"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_one_of=[list(SETTINGS)],
        supports_check_mode=True,
    )
    run_module(module, ensure_present)


if __name__ == "__main__":
    main()
