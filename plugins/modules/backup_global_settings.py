#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_global_settings
short_description: Manage AWS Backup's global settings of an AWS Organizations organization
version_added: 0.1.0
description:
  - Reads and changes AWS Backup's global settings (C(DescribeGlobalSettings), C(UpdateGlobalSettings)).
  - They are the settings of the AWS Organizations organization, not of one account or Region. Any account of
    the organization reads them; B(only the organization's management account can change them) - from any
    other account the task fails, names the account and changes nothing.
  - O(cross_account_backup) must be on before any account of the organization can copy backups into a vault
    of another account (M(backupkit.dynamodb.backup_copy_job), copy actions of M(backupkit.dynamodb.backup_plan)).
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  cross_account_backup:
    description:
      - Whether accounts of the organization may copy backups to other accounts of it
        (C(isCrossAccountBackupEnabled)).
      - Left out, the settings are only read.
    type: bool
notes:
  - An account outside any organization has no global settings; the task fails saying so.
  - In check mode the task cannot know whether the account is the management account; it reports the
    change it would make.
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
seealso:
  - module: backupkit.dynamodb.backup_copy_job
  - module: backupkit.dynamodb.backup_vault
"""

EXAMPLES = r"""
- name: Let the accounts of the organization copy backups to a central backup account (management account)
  backupkit.dynamodb.backup_global_settings:
    cross_account_backup: true

- name: Read the settings (any account of the organization)
  backupkit.dynamodb.backup_global_settings:
  register: settings
"""

RETURN = r"""
global_settings:
  description: The settings after the task (in check mode, as they would be).
  returned: always
  type: dict
  contains:
    cross_account_backup:
      description: Whether cross-account backup is on in the organization.
      type: bool
      returned: always
      sample: true
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import run_module
from ansible_collections.backupkit.dynamodb.plugins.module_utils._global_settings import ensure_present


def main():
    argument_spec = dict(cross_account_backup=dict(type="bool"))
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, ensure_present)


if __name__ == "__main__":
    main()
