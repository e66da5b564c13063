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

import copy

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import describe_region_settings
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import update_region_settings
from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import changed_result

# option name -> AWS field name
SETTINGS = {
    "resource_type_opt_in_preference": "ResourceTypeOptInPreference",
    "resource_type_management_preference": "ResourceTypeManagementPreference",
}


def describe(client):
    """The region settings as {option name: {resource type: bool}} (resource type names untouched)."""
    response = describe_region_settings(client)
    return {option: dict(response.get(field) or {}) for option, field in SETTINGS.items()}


def requested_changes(module, current):
    """Validate the requested maps against the resource types AWS reports; return {option: {type: bool}}."""
    requested = {}
    for option in SETTINGS:
        wanted = module.params.get(option)
        if wanted is None:
            continue
        known = current.get(option) or {}
        checked = {}
        for resource_type, value in wanted.items():
            if known and resource_type not in known:
                hint = [name for name in known if name.lower() == str(resource_type).lower()]
                if hint:
                    module.fail_json(msg=f"{option}: resource type {resource_type!r} is spelled {hint[0]!r} by AWS")
                module.fail_json(
                    msg=f"{option}: unknown resource type {resource_type!r}; this region knows: {', '.join(sorted(known))}"
                )
            try:
                checked[resource_type] = boolean(value, strict=True)
            except TypeError:
                module.fail_json(msg=f"{option}: value for {resource_type!r} must be a boolean, got {value!r}")
        requested[option] = checked
    return requested


def ensure(module, client):
    before = describe(client)
    predicted = copy.deepcopy(before)
    for option, values in requested_changes(module, before).items():
        predicted[option].update(values)

    if predicted == before or module.check_mode:
        return changed_result(before, predicted, module._diff, region_settings=predicted)

    params = {SETTINGS[option]: predicted[option] for option in SETTINGS if predicted[option] != before[option]}
    update_region_settings(client, **params)
    after = describe(client)
    return changed_result(before, after, module._diff, region_settings=after)


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
    client = module.client("backup")
    try:
        result = ensure(module, client)
    except AnsibleBackupError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
