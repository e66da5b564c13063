#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_vault_key
short_description: Create the KMS key of a backup vault behind its alias, at most once
version_added: 0.2.0
description:
  - Makes sure a customer managed KMS key (symmetric, encrypt and decrypt) exists behind O(alias), to encrypt an AWS
    Backup vault. When the alias exists, its key is returned and nothing is changed. Else a key is created with
    O(description) and O(tags), the alias is pointed at it and, with O(enable_key_rotation), its yearly rotation
    is turned on.
  - KMS's C(CreateKey) has no idempotency token, and botocore makes a call again after an HTTP 5xx, so a
    C(CreateKey) that KMS performed but whose answer was lost would otherwise leave a second key. This module
    creates the key with a tag C(backupkit:create-token) holding a token of this one creation, makes each
    C(CreateKey) once (none of botocore's retries), and after a throttling, 5xx or connection error looks for a key
    with that token before any further attempt, and after the last one; the key found is used. The tag is removed
    once the alias is set.
  - An existing key is not changed (its tags, description, rotation, whether it is enabled); manage those with
    M(amazon.aws.kms_key) after this module, which then finds the key by its alias and never creates one.
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  alias:
    description:
      - The key's alias, with or without its C(alias/) prefix (letters, digits, C(/), C(_) and C(-)).
      - Aliases under C(alias/aws/) belong to AWS managed keys and are refused.
    type: str
    required: true
  description:
    description: The description of a key created.
    type: str
    default: ''
  tags:
    description: The tags of a key created.
    type: dict
    default: {}
  enable_key_rotation:
    description: Whether to turn on the yearly rotation of a key created.
    type: bool
    default: true
notes:
  - Attempts of C(CreateKey) - 8, or the number of attempts chosen in O(aws_config) (C(retries.total_max_attempts),
    C(retries.max_attempts)) or E(AWS_MAX_ATTEMPTS) - each one C(CreateKey) request; every other call is retried as
    in the collection's other modules.
  - The search for a key after a failed C(CreateKey) needs C(kms:ListKeys) and C(kms:ListResourceTags); creating
    needs C(kms:CreateKey), C(kms:TagResource), C(kms:CreateAlias), C(kms:EnableKeyRotation), C(kms:UntagResource)
    and C(kms:DescribeKey).
  - When another run creates the alias at the same time (two setups at once), the alias's key is returned and the
    key this run created is scheduled for deletion (7 days; C(kms:ScheduleKeyDeletion)), with a warning.
  - A run killed between C(CreateKey) and C(CreateAlias) can still leave a key without alias (tagged
    C(backupkit:create-token)); such keys can be found by that tag.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports whether a key would be created, and creates nothing.
  diff_mode:
    support: full
    description: Returns the alias, key and description before and after.
"""

EXAMPLES = r"""
- name: The vault's key, created once
  backupkit.dynamodb.backup_vault_key:
    alias: backupkit-vault
    description: Encrypts the AWS Backup vault backupkit-vault
    tags:
      team: data
  register: vault_key

- name: Keep its tags and rotation as they should be (finds the key by its alias, never creates one)
  amazon.aws.kms_key:
    alias: backupkit-vault
    enable_key_rotation: true
    tags:
      team: data
"""

RETURN = r"""
alias:
  description: The alias, with its C(alias/) prefix.
  returned: always
  type: str
  sample: alias/backupkit-vault
key_arn:
  description: The key's ARN (empty in check mode when the key would be created).
  returned: always
  type: str
  sample: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
key_id:
  description: The key's id (empty in check mode when the key would be created).
  returned: always
  type: str
  sample: 1234abcd-12ab-34cd-56ef-1234567890ab
description:
  description: The key's description.
  returned: always
  type: str
created:
  description: Whether the key was (in check mode, would be) created by this run.
  returned: always
  type: bool
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import run_module
from ansible_collections.backupkit.dynamodb.plugins.module_utils._vault_key import ensure_present
from ansible_collections.backupkit.dynamodb.plugins.module_utils._vault_key import input_problems


def main():
    argument_spec = dict(
        alias=dict(type="str", required=True),
        description=dict(type="str", default=""),
        tags=dict(type="dict", default={}),
        enable_key_rotation=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, ensure_present, input_problems=input_problems)


if __name__ == "__main__":
    main()
