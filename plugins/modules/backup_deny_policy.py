#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: backup_deny_policy
short_description: Keep people from deleting DynamoDB backups and AWS Backup recovery points, and prove it
version_added: 0.1.0
description:
  - Manages a customer-managed IAM policy that denies every action that destroys or weakens a backup
    (O(deny_actions)) on the backups, recovery points, backup plans and vaults of the account
    (O(resources)), except for the principals in O(exempt_principal_arns) (a break-glass role).
  - The same policy may allow what people may do (O(allow_actions)), so one policy says
    "may create tables and backups, may never delete a backup".
  - Attaches the policy to roles, groups and users (O(attach_to)); O(purge_attachments=true) detaches it
    from principals not listed.
  - Optionally writes a statement into the access policy of backup vaults (O(vault_names)) that denies
    C(backup:DeleteRecoveryPoint), C(backup:UpdateRecoveryPointLifecycle) and C(backup:PutBackupVaultAccessPolicy)
    to every principal except the exempt ones, keeping the vault policy's other statements.
  - With O(verify=true), asks IAM's policy simulator (C(iam:SimulatePrincipalPolicy)) whether every principal the
    policy applies to is explicitly denied every denied action, and fails unless it is (RV(verification)).
  - An update creates a new policy version and makes it the default (or makes an older version with the same
    document the default again). IAM keeps at most five versions of a policy; when a sixth would be needed, the
    oldest versions that are not the default are deleted first.
  - Documents are compared as IAM policies (statement and list order, a single value or a list of one, whitespace
    and key order do not matter), so a second run with the same options reports no change and writes nothing.
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  state:
    description:
      - Whether the policy and the vault statements should exist.
      - V(absent) detaches the policy from every principal, deletes its versions and the policy, and removes the
        module's statement from the access policy of each vault in O(vault_names) (deleting the vault's access
        policy when no other statement is left).
    type: str
    choices: ['present', 'absent']
    default: present
  name:
    description:
      - Name of the customer-managed IAM policy.
    type: str
    required: true
  path:
    description:
      - Path of the policy, for example V(/backupkit/). Must begin and end with V(/).
      - When omitted, a new policy is created at V(/) and an existing policy of that name is found at any path.
      - IAM cannot move a policy to another path; when the policy exists at another path the module fails.
    type: str
  description:
    description:
      - Description of the policy, set when the policy is created.
      - IAM cannot change the description of an existing policy; a different description is reported as a warning.
    type: str
  deny_actions:
    description:
      - The actions denied to every principal the policy is attached to, except the exempt ones.
      - The default is every action that destroys or weakens a backup of a DynamoDB table. Besides the backup
        deletions it also denies changing a plan's rules, a recovery point's lifecycle or a vault's lock or access
        policy, since each of these can shorten how long backups are kept.
      - Wildcards are allowed (V(backup:Delete*)). Must not be empty.
    type: list
    elements: str
    default:
      - dynamodb:DeleteBackup
      - backup:DeleteRecoveryPoint
      - backup:UpdateRecoveryPointLifecycle
      - backup:DisassociateRecoveryPoint
      - backup:DisassociateRecoveryPointFromParent
      - backup:DeleteBackupSelection
      - backup:DeleteBackupPlan
      - backup:UpdateBackupPlan
      - backup:DeleteBackupVault
      - backup:DeleteBackupVaultAccessPolicy
      - backup:PutBackupVaultAccessPolicy
      - backup:DeleteBackupVaultLockConfiguration
      - backup:PutBackupVaultLockConfiguration
  resources:
    description:
      - The resources the actions are denied on.
      - 'Defaults to the DynamoDB backups and the AWS Backup recovery points, backup plans and vaults of the account
        and region of the connection:
        V(arn:PARTITION:dynamodb:REGION:ACCOUNT:table/*/backup/*),
        V(arn:PARTITION:backup:REGION:ACCOUNT:recovery-point:*),
        V(arn:PARTITION:backup:REGION:ACCOUNT:backup-plan:*) and
        V(arn:PARTITION:backup:REGION:ACCOUNT:backup-vault:*).'
      - The DynamoDB backup ARNs also cover AWS Backup recovery points of DynamoDB tables made without
        advanced DynamoDB backup (their recovery point ARN is the table's backup ARN).
      - An IAM policy applies in every region; to deny in every region, give the ARNs with V(*) as region, or
        V(["*"]) to deny the actions on every resource.
    type: list
    elements: str
  allow_actions:
    description:
      - Actions the policy allows (a statement with Sid C(BackupkitAllow)), for example creating tables and
        backups. The deny wins over this allow for the denied actions.
      - When omitted, the policy has no Allow statement.
    type: list
    elements: str
  allow_resources:
    description:
      - The resources of the Allow statement. Defaults to V(["*"]).
      - Requires O(allow_actions).
    type: list
    elements: str
  exempt_principal_arns:
    description:
      - ARNs of the principals the deny does not apply to, such as a break-glass role, written as an
        C(ArnNotLike) condition on C(aws:PrincipalArn). Wildcards are allowed.
      - For a role, give the role's ARN (C(arn:aws:iam::ACCOUNT:role/NAME)), not a session ARN.
      - The same principals are exempt from the vault statement of O(vault_names).
    type: list
    elements: str
  attach_to:
    description:
      - Principals to attach the policy to, by name or ARN.
      - Every principal must exist; an unknown one fails the module before anything is changed.
    type: dict
    suboptions:
      roles:
        description: IAM roles.
        type: list
        elements: str
      groups:
        description: IAM groups (the policy then applies to every member user).
        type: list
        elements: str
      users:
        description: IAM users.
        type: list
        elements: str
  purge_attachments:
    description:
      - Detach the policy from the principals of each kind given in O(attach_to) (V(roles), V(groups), V(users))
        that are not listed there. A kind left out of O(attach_to) is left as it is; give an empty list to
        detach the policy from every principal of that kind.
    type: bool
    default: false
  vault_names:
    description:
      - Backup vaults whose access policy gets the statement with Sid C(BackupkitDenyRecoveryPointDeletion), which
        denies C(backup:DeleteRecoveryPoint), C(backup:UpdateRecoveryPointLifecycle) and
        C(backup:PutBackupVaultAccessPolicy) to every principal (C(Principal "*")) except O(exempt_principal_arns).
        The other statements of the vault policy are kept.
      - The vaults must exist. Vaults no longer listed keep the statement; remove it with O(state=absent).
      - Once the statement is in place, a principal that is not exempt cannot put the vault's access policy any
        more (AWS denies C(PutBackupVaultAccessPolicy)), including whoever runs this module. RV(caller_arn) and
        RV(caller_exempt) tell whether the module's caller is exempt.
      - When AWS denies the caller C(PutBackupVaultAccessPolicy) on a vault that holds the statement, the module
        deletes the vault's access policy (the statement does not deny C(DeleteBackupVaultAccessPolicy)) and puts
        the new one right after; B(between those two calls the vault has no access policy), so recovery points are
        not protected by it for that moment. List the caller in O(exempt_principal_arns) to update the statement
        in place.
    type: list
    elements: str
  verify:
    description:
      - After the changes, ask IAM's policy simulator (C(SimulatePrincipalPolicy)) about every denied action on a
        representative resource (a DynamoDB backup, a recovery point in both ARN forms, a plan or a vault of the
        account and region, as O(resources) covers it), for every principal the policy applies to, and fail
        unless each answers C(explicitDeny).
      - The principals are every attached role and user, and every member user of every attached group (an
        attached group without members is simulated as the group itself). Each is simulated with its own ARN as
        C(aws:PrincipalArn), so the exemption is checked too.
      - Exempt principals are simulated and reported (RV(verification[].exempt)), but their answers do not fail
        the module. Failing also when no principal that is not exempt is attached (nothing would be proven).
      - In check mode the simulation runs only when nothing would change.
      - Ignored when O(state=absent).
    type: bool
    default: false
  verify_timeout:
    description:
      - When this run changed the policy or its attachments, how many seconds to keep asking the simulator
        while IAM's changes propagate, before failing the verification.
    type: int
    default: 30
notes:
  - The policy is global to the account; the vaults, and the default O(resources), are those of the connection's region.
  - Wildcard deny actions are simulated as the actions the module knows that they match (a wildcard that matches none
    is reported as a warning and not simulated).
  - Resource-based policies other than the named vaults' (for example an S3 bucket's), permissions boundaries, SCPs and
    session policies are not managed here.
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
    description: Returns the policy document, the attachments and the vault statements before and after.
"""

EXAMPLES = r"""
- name: Developers may create tables and backups, never delete a backup; the break-glass role may
  backupkit.dynamodb.backup_deny_policy:
    name: backupkit-deny-backup-deletion
    path: /backupkit/
    description: Nobody but the break-glass role deletes backups
    allow_actions:
      - dynamodb:CreateTable
      - dynamodb:DeleteTable
      - dynamodb:DescribeTable
      - dynamodb:ListTables
      - dynamodb:CreateBackup
      - dynamodb:DescribeBackup
      - dynamodb:ListBackups
      - backup:StartBackupJob
    exempt_principal_arns:
      - arn:aws:iam::123456789012:role/breakglass
    attach_to:
      groups:
        - developers
    vault_names:
      - dynamodb-backups
    verify: true
  register: guard

- name: Show who is denied what
  ansible.builtin.debug:
    msg: "{{ guard.verification | map(attribute='decision') | list }}"

- name: Deny in every region, and attach only to the listed principals
  backupkit.dynamodb.backup_deny_policy:
    name: backupkit-deny-backup-deletion
    resources:
      - arn:aws:dynamodb:*:123456789012:table/*/backup/*
      - arn:aws:backup:*:123456789012:recovery-point:*
      - arn:aws:backup:*:123456789012:backup-plan:*
      - arn:aws:backup:*:123456789012:backup-vault:*
    attach_to:
      groups: [developers]
      roles: []
      users: []
    purge_attachments: true

- name: Remove the guard and its vault statement
  backupkit.dynamodb.backup_deny_policy:
    name: backupkit-deny-backup-deletion
    vault_names:
      - dynamodb-backups
    state: absent
"""

RETURN = r"""
policy:
  description: The policy after the change (in check mode, as it would be); V({}) when it does not exist.
  returned: always
  type: dict
  contains:
    arn:
      description: ARN of the policy.
      type: str
      returned: when the policy exists
      sample: arn:aws:iam::123456789012:policy/backupkit/backupkit-deny-backup-deletion
    name:
      description: Name of the policy.
      type: str
      returned: when the policy exists
    path:
      description: Path of the policy.
      type: str
      returned: when the policy exists
      sample: /backupkit/
    description:
      description: Description of the policy.
      type: str
      returned: when the policy exists
    policy_id:
      description: IAM's id of the policy (V(null) in check mode before it is created).
      type: str
      returned: when the policy exists
    default_version_id:
      description: The default version (V(null) in check mode when a new version would be created).
      type: str
      returned: when the policy exists
      sample: v3
    version_ids:
      description: Ids of the versions IAM keeps, oldest first (at most five).
      type: list
      elements: str
      returned: when the policy exists
      sample: [v2, v3]
    document:
      description: The document of the default version, as IAM returns it (never case-converted).
      type: dict
      returned: when the policy exists
    attachment_count:
      description: How many roles, groups and users the policy is attached to.
      type: int
      returned: when the policy exists
    create_date:
      description: When the policy was created.
      type: str
      returned: when the policy exists
    update_date:
      description: When the policy was last updated.
      type: str
      returned: when the policy exists
attachments:
  description: Names of the principals the policy is attached to, sorted.
  returned: always
  type: dict
  contains:
    roles:
      description: Role names.
      type: list
      elements: str
      returned: always
    groups:
      description: Group names.
      type: list
      elements: str
      returned: always
    users:
      description: User names.
      type: list
      elements: str
      returned: always
  sample: {"roles": ["breakglass"], "groups": ["developers"], "users": []}
vault_policies:
  description: For each vault of O(vault_names), its access policy and the module's statement in it.
  returned: always
  type: dict
  sample:
    dynamodb-backups:
      policy: {"Version": "2012-10-17", "Statement": [{"Sid": "BackupkitDenyRecoveryPointDeletion", "Effect": "Deny"}]}
      statement: {"Sid": "BackupkitDenyRecoveryPointDeletion", "Effect": "Deny"}
  contains:
    policy:
      description: The vault's access policy (V({}) when it has none).
      type: dict
      returned: always
    statement:
      description: The module's statement (Sid C(BackupkitDenyRecoveryPointDeletion)), or V(null).
      type: dict
      returned: always
verification:
  description:
    - The policy simulator's answer for every principal, denied action and representative resource.
    - Also returned when the verification fails.
  returned: when O(verify=true) and the simulation ran
  type: list
  elements: dict
  contains:
    principal:
      description: ARN of the simulated user or role (or group, for a group without members).
      type: str
      sample: arn:aws:iam::123456789012:user/alice
    attached_as:
      description: The attachment that makes the policy apply to the principal (V(role/NAME), V(user/NAME), V(group/NAME)).
      type: str
      sample: group/developers
    action:
      description: The denied action.
      type: str
      sample: dynamodb:DeleteBackup
    resource:
      description: The representative resource.
      type: str
      sample: arn:aws:dynamodb:us-east-1:123456789012:table/backupkit-verify/backup/01700000000000-abcdef12
    decision:
      description: The simulator's decision, V(explicitDeny), V(implicitDeny) or V(allowed).
      type: str
      sample: explicitDeny
    exempt:
      description: Whether the principal is exempt (its decision does not count).
      type: bool
caller_arn:
  description:
    - The C(aws:PrincipalArn) of the module's caller (for an assumed-role session, the role's ARN), the principal
      the vault statement is checked against.
  returned: when O(state=present) and O(vault_names) is set
  type: str
  sample: arn:aws:iam::123456789012:role/deployer
caller_exempt:
  description:
    - Whether O(exempt_principal_arns) lists the module's caller. When false, the vault statement denies the caller
      C(backup:PutBackupVaultAccessPolicy) and the module updates the statement by deleting and putting the vault's
      access policy (see O(vault_names)).
  returned: when O(state=present) and O(vault_names) is set
  type: bool
  sample: false
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import run_module
from ansible_collections.backupkit.dynamodb.plugins.module_utils._deny_policy import DEFAULT_DENY_ACTIONS
from ansible_collections.backupkit.dynamodb.plugins.module_utils._deny_policy import ensure_absent
from ansible_collections.backupkit.dynamodb.plugins.module_utils._deny_policy import ensure_present
from ansible_collections.backupkit.dynamodb.plugins.module_utils._deny_policy import input_problems


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        name=dict(type="str", required=True),
        path=dict(type="str"),
        description=dict(type="str"),
        deny_actions=dict(type="list", elements="str", default=list(DEFAULT_DENY_ACTIONS)),
        resources=dict(type="list", elements="str"),
        allow_actions=dict(type="list", elements="str"),
        allow_resources=dict(type="list", elements="str"),
        exempt_principal_arns=dict(type="list", elements="str"),
        attach_to=dict(
            type="dict",
            options=dict(
                roles=dict(type="list", elements="str"),
                groups=dict(type="list", elements="str"),
                users=dict(type="list", elements="str"),
            ),
        ),
        purge_attachments=dict(type="bool", default=False),
        vault_names=dict(type="list", elements="str"),
        verify=dict(type="bool", default=False),
        verify_timeout=dict(type="int", default=30),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    run_module(module, ensure_present, ensure_absent, input_problems)


if __name__ == "__main__":
    main()
