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
      - Once the statement is in place, a principal that is not exempt cannot change the vault's access policy any
        more (AWS denies C(PutBackupVaultAccessPolicy)), including whoever runs this module; exempt that principal
        to manage the statement later. The module warns when it writes the statement and its caller is not exempt.
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
"""

import copy
import re

from ansible_collections.amazon.aws.plugins.module_utils.iam import validate_iam_identifiers
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.backupkit.dynamodb.plugins.module_utils import _deny_policy as dp
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import delete_vault_access_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import describe_backup_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import get_vault_access_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import parse_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import put_vault_access_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import changed_result
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import AnsibleIdentityError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import CallerContext
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import get_role

VAULT_NAME_PATTERN = r"^[A-Za-z0-9_-]{2,50}$"
KIND_OF_ARN = {"roles": "role", "groups": "group", "users": "user"}


# ---------------------------------------------------------------------------
# Input (pure)
# ---------------------------------------------------------------------------


def principal_name(kind, value):
    """The name in a principal name or ARN (ValueError when the ARN is not of that kind)."""
    if not value.startswith("arn:"):
        return value
    parts = value.split(":", 5)
    resource = parts[5] if len(parts) == 6 else ""
    if parts[2:3] != ["iam"] or not resource.startswith(KIND_OF_ARN[kind] + "/"):
        raise ValueError("attach_to.%s: %r is not the ARN of an IAM %s" % (kind, value, KIND_OF_ARN[kind]))
    return resource.rsplit("/", 1)[1]


def input_problems(params):
    """Everything wrong with the options, found before any AWS call."""
    problems = []
    problem = validate_iam_identifiers("policy", params["name"], params.get("path"))
    if problem:
        problems.append(problem)
    if params.get("description") and len(params["description"]) > dp.MAX_DESCRIPTION_LENGTH:
        problems.append("description may not be longer than %d characters" % dp.MAX_DESCRIPTION_LENGTH)
    if not params.get("deny_actions"):
        problems.append("deny_actions must name at least one action")
    for action in params.get("deny_actions") or []:
        problems.append(dp.action_problem("deny_actions", action))
    if params.get("resources") is not None and not params["resources"]:
        problems.append("resources must name at least one resource (use [\"*\"] for every resource)")
    for resource in params.get("resources") or []:
        problems.append(dp.resource_problem("resources", resource))
    if params.get("allow_actions") is not None and not params["allow_actions"]:
        problems.append("allow_actions must name at least one action when given")
    for action in params.get("allow_actions") or []:
        problems.append(dp.action_problem("allow_actions", action))
    if params.get("allow_resources") is not None:
        if not params.get("allow_actions"):
            problems.append("allow_resources requires allow_actions")
        elif not params["allow_resources"]:
            problems.append("allow_resources must name at least one resource when given")
    for resource in params.get("allow_resources") or []:
        problems.append(dp.resource_problem("allow_resources", resource))
    for arn in params.get("exempt_principal_arns") or []:
        problems.append(dp.principal_arn_problem("exempt_principal_arns", arn))
    for kind in dp.PRINCIPAL_KINDS:
        for value in (params.get("attach_to") or {}).get(kind) or []:
            try:
                name = principal_name(kind, value)
            except ValueError as e:
                problems.append(str(e))
                continue
            if validate_iam_identifiers(KIND_OF_ARN[kind], name):
                problems.append("attach_to.%s: %r is not a valid IAM %s name" % (kind, value, KIND_OF_ARN[kind]))
    for vault in params.get("vault_names") or []:
        if not re.match(VAULT_NAME_PATTERN, vault):
            problems.append("vault_names: %r is not a backup vault name (2 to 50 letters, digits, - or _)" % vault)
    if params.get("verify_timeout") is not None and params["verify_timeout"] < 0:
        problems.append("verify_timeout must not be negative")
    return [p for p in problems if p]


def desired_document(params, ctx):
    """The policy document the options describe (ARNs of the caller's account and region by default)."""
    resources = dp.unique(params.get("resources")) or dp.default_resources(ctx.partition, ctx.region, ctx.account_id)
    return dp.build_document(
        dp.unique(params["deny_actions"]),
        resources,
        dp.unique(params.get("allow_actions")),
        dp.unique(params.get("allow_resources")),
        dp.unique(params.get("exempt_principal_arns")),
    )


# ---------------------------------------------------------------------------
# State: describe, view, result
# ---------------------------------------------------------------------------


def _date(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def find_policy(module, iam, ctx):
    """The policy (GetPolicy's answer) by name, at the given path or, without one, at any path; None if missing."""
    name, path = module.params["name"], module.params.get("path")
    policy = dp.get_policy(iam, dp.policy_arn(ctx.partition, ctx.account_id, path or "/", name))
    if policy is None:
        match = next((p for p in dp.list_local_policies(iam) if p["PolicyName"] == name), None)
        policy = dp.get_policy(iam, match["Arn"]) if match else None
    if policy is not None and path is not None and policy.get("Path") != path:
        module.fail_json(
            msg="IAM policy %r exists at path %s, not %s; IAM cannot move a policy. Nothing was changed."
            % (name, policy.get("Path"), path)
        )
    return policy


def describe_policy(iam, policy):
    """The normalised policy, with its default document and versions, or None."""
    if policy is None:
        return None
    arn = policy["Arn"]
    document = dp.policy_document(dp.get_policy_version(iam, arn, policy["DefaultVersionId"]))
    versions = dp.list_policy_versions(iam, arn)
    ordered = sorted(versions, key=lambda v: dp.version_number(v.get("VersionId")))
    return {
        "arn": arn,
        "name": policy["PolicyName"],
        "path": policy.get("Path", "/"),
        "description": policy.get("Description", ""),
        "policy_id": policy.get("PolicyId"),
        "default_version_id": policy.get("DefaultVersionId"),
        "version_ids": [v["VersionId"] for v in ordered],
        "document": document,
        "attachment_count": policy.get("AttachmentCount", 0),
        "create_date": _date(policy.get("CreateDate")),
        "update_date": _date(policy.get("UpdateDate")),
    }


def describe_vaults(backup, vault_names):
    """{vault name: access policy ({} for none), or None when the vault does not exist}."""
    vaults = {}
    for name in dp.unique(vault_names):
        if describe_backup_vault(backup, name) is None:
            vaults[name] = None
            continue
        try:
            vaults[name] = parse_policy(get_vault_access_policy(backup, name))
        except ValueError as e:
            raise AnsibleBackupError(message="The access policy AWS returned for backup vault %r %s" % (name, e)) from None
    return vaults


def empty_attachments():
    return {kind: [] for kind in dp.PRINCIPAL_KINDS}


def describe(module, iam, backup, ctx):
    raw = find_policy(module, iam, ctx)
    policy = describe_policy(iam, raw)
    return {
        "policy": policy,
        "attachments": dp.list_attachments(iam, policy["arn"]) if policy else empty_attachments(),
        "vaults": describe_vaults(backup, module.params.get("vault_names")),
    }


def managed_view(state):
    """What the module manages, for ``changed`` and ``diff`` (no ids, dates or counts)."""
    policy = state["policy"]
    return {
        "policy": None if policy is None else {k: policy[k] for k in ("name", "path", "description", "document")},
        "attachments": copy.deepcopy(state["attachments"]),
        "vault_statements": {
            name: copy.deepcopy(dp.our_statement(vault_policy)) if vault_policy else None
            for name, vault_policy in state["vaults"].items()
        },
    }


def state_result(state):
    return dict(
        policy=copy.deepcopy(state["policy"]) if state["policy"] else {},
        attachments=copy.deepcopy(state["attachments"]),
        vault_policies={
            name: {"policy": copy.deepcopy(vault_policy or {}), "statement": copy.deepcopy(dp.our_statement(vault_policy))}
            for name, vault_policy in state["vaults"].items()
        },
    )


# ---------------------------------------------------------------------------
# present
# ---------------------------------------------------------------------------


def resolve_principals(module, iam, before):
    """{kind: [IAM's names]} of attach_to, each checked to exist; fails listing every unknown one."""
    attach_to = module.params.get("attach_to") or {}
    resolved, unknown = {}, []
    for kind in dp.PRINCIPAL_KINDS:
        if attach_to.get(kind) is None:
            continue
        names = []
        for value in attach_to[kind]:
            name = principal_name(kind, value)
            if name in before["attachments"][kind]:
                names.append(name)
                continue
            principal = dp.get_principal(iam, kind, name)
            if principal is None:
                unknown.append("%s %s" % (KIND_OF_ARN[kind], value))
            else:
                names.append(principal["name"])
        resolved[kind] = sorted(set(names))
    if unknown:
        module.fail_json(msg="attach_to: no such IAM %s. Nothing was changed." % ", ".join(unknown))
    return resolved


def predict_present(module, ctx, before, document, wanted_attachments):
    params = module.params
    predicted = copy.deepcopy(before)
    policy = predicted["policy"]
    if policy is None:
        path = params.get("path") or "/"
        predicted["policy"] = policy = {
            "arn": dp.policy_arn(ctx.partition, ctx.account_id, path, params["name"]),
            "name": params["name"],
            "path": path,
            "description": params.get("description") or "",
            "policy_id": None,
            "default_version_id": "v1",
            "version_ids": ["v1"],
            "document": copy.deepcopy(document),
            "attachment_count": 0,
            "create_date": None,
            "update_date": None,
        }
    else:
        if params.get("description") is not None and params["description"] != policy["description"]:
            module.warn(
                "IAM cannot change the description of policy %r (%r); the requested description %r is not applied"
                % (policy["name"], policy["description"], params["description"])
            )
        if dp.policy_differs(policy["document"], document):
            policy["document"] = copy.deepcopy(document)
            policy["default_version_id"] = None
            policy["version_ids"] = None
    for kind, names in wanted_attachments.items():
        current = predicted["attachments"][kind]
        predicted["attachments"][kind] = names if params["purge_attachments"] else sorted(set(current) | set(names))
    policy["attachment_count"] = sum(len(v) for v in predicted["attachments"].values())
    statement = dp.vault_statement(dp.unique(params.get("exempt_principal_arns")))
    for name, vault_policy in before["vaults"].items():
        predicted["vaults"][name] = dp.with_our_statement(vault_policy, statement)
    return predicted


def check_input_against(module, before, document):
    """Problems only AWS's answers reveal, still before any write."""
    missing = [name for name, vault_policy in before["vaults"].items() if vault_policy is None]
    if missing:
        module.fail_json(msg="vault_names: no such backup vault %s in %s. Nothing was changed." % (", ".join(missing), module.region))
    size = dp.document_size(document)
    if size > dp.MAX_POLICY_SIZE:
        module.fail_json(
            msg="The policy document would be %d characters long; IAM allows %d. Nothing was changed." % (size, dp.MAX_POLICY_SIZE)
        )


def caller_principal_arn(module, ctx):
    """aws:PrincipalArn of the module's caller (the role's ARN for an assumed-role session)."""
    arn = ctx._caller()["Arn"]
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        role_name = parts[5].split("/")[1]
        role = get_role(module.client("iam"), role_name)
        return role["Arn"] if role else "arn:%s:iam::%s:role/%s" % (parts[1], parts[4], role_name)
    return arn


def warn_if_caller_not_exempt(module, ctx, before, predicted):
    written = [name for name in predicted["vaults"] if predicted["vaults"][name] != before["vaults"][name]]
    if not written:
        return
    caller = caller_principal_arn(module, ctx)
    if not dp.is_exempt(caller, module.params.get("exempt_principal_arns")):
        module.warn(
            "The statement %s in the access policy of vault(s) %s denies backup:PutBackupVaultAccessPolicy to every "
            "principal that is not exempt, this module's caller %s included: it cannot change or remove the statement "
            "later unless exempt_principal_arns lists it (deleting the whole vault access policy stays possible)."
            % (dp.VAULT_STATEMENT_SID, ", ".join(written), caller)
        )


def apply_present(module, iam, backup, before, predicted, document):
    params = module.params
    if before["policy"] is None:
        created = dp.create_policy(iam, params["name"], params.get("path") or "/", document, params.get("description"))
        arn = created["Arn"]
    else:
        arn = before["policy"]["arn"]
        if dp.policy_differs(before["policy"]["document"], document):
            versions = dp.list_policy_versions(iam, arn)
            match = dp.find_matching_version(iam, arn, versions, document)
            if match:
                dp.set_default_policy_version(iam, arn, match)
            else:
                dp.create_policy_version(iam, arn, document)
    for kind in dp.PRINCIPAL_KINDS:
        current, wanted = set(before["attachments"][kind]), set(predicted["attachments"][kind])
        for name in sorted(wanted - current):
            dp.attach_policy(iam, kind, name, arn)
        for name in sorted(current - wanted):
            dp.detach_policy(iam, kind, name, arn)
    write_vault_policies(backup, before, predicted)
    return arn


def write_vault_policies(backup, before, predicted):
    for name, vault_policy in predicted["vaults"].items():
        if before["vaults"][name] is None or vault_policy == before["vaults"][name]:
            continue
        if vault_policy:
            put_vault_access_policy(backup, name, vault_policy)
        else:
            delete_vault_access_policy(backup, name)


def run_verification(module, iam, ctx, state, document, changed):
    params = module.params
    exempt = dp.unique(params.get("exempt_principal_arns"))
    deny = next(s for s in document["Statement"] if s.get("Sid") == dp.DENY_SID)
    plan, skipped = dp.verification_plan(deny["Action"], deny["Resource"], ctx.partition, ctx.region, ctx.account_id)
    if skipped:
        module.warn("verify: no known action matches %s; not simulated" % ", ".join(skipped))
    principals = dp.principals_to_verify(iam, state["attachments"], exempt)
    if not plan:
        return [], "verify: no denied action can be simulated"
    if not [p for p in principals if not p["exempt"]]:
        rows = dp.simulate(iam, principals, plan)
        attached = ", ".join("%s/%s" % (kind[:-1], n) for kind in dp.PRINCIPAL_KINDS for n in state["attachments"][kind])
        return rows, "verify: the policy applies to no principal that is not exempt (attached: %s), so nothing can be verified" % (
            attached or "none"
        )
    rows = dp.verify(iam, principals, plan, params["verify_timeout"] if changed else 0)
    failed = dp.failed_rows(rows)
    if failed:
        return rows, "verify: %d of %d simulations are not an explicit deny: %s" % (
            len(failed),
            len([r for r in rows if not r["exempt"]]),
            "; ".join("%s %s on %s: %s" % (r["principal"], r["action"], r["resource"], r["decision"]) for r in failed[:10]),
        )
    return rows, None


def ensure_present(module, iam, backup, ctx):
    document = desired_document(module.params, ctx)
    before = describe(module, iam, backup, ctx)
    check_input_against(module, before, document)
    wanted_attachments = resolve_principals(module, iam, before)
    predicted = predict_present(module, ctx, before, document, wanted_attachments)
    unchanged = managed_view(predicted) == managed_view(before)
    if module.params.get("vault_names") and not unchanged:
        warn_if_caller_not_exempt(module, ctx, before, predicted)

    if module.check_mode or unchanged:
        after = before if unchanged else predicted
        result = changed_result(managed_view(before), managed_view(predicted), module._diff, **state_result(after))
    else:
        apply_present(module, iam, backup, before, predicted, document)
        after = describe(module, iam, backup, ctx)
        result = changed_result(managed_view(before), managed_view(after), module._diff, **state_result(after))

    if module.params["verify"]:
        if module.check_mode and not unchanged:
            module.warn("verify: skipped in check mode, because the policy or its attachments would change")
        else:
            rows, error = run_verification(module, iam, ctx, after, document, changed=not unchanged)
            result["verification"] = rows
            if error:
                module.fail_json(msg=error + (" (the changes were made)" if result["changed"] else ""), **result)
    return result


# ---------------------------------------------------------------------------
# absent
# ---------------------------------------------------------------------------


def ensure_absent(module, iam, backup, ctx):
    before = describe(module, iam, backup, ctx)
    predicted = {
        "policy": None,
        "attachments": empty_attachments(),
        "vaults": {
            name: None if vault_policy is None else dp.with_our_statement(vault_policy, None)
            for name, vault_policy in before["vaults"].items()
        },
    }
    result = changed_result(managed_view(before), managed_view(predicted), module._diff, **state_result(predicted))
    if module.check_mode or not result["changed"]:
        return result

    policy = before["policy"]
    if policy is not None:
        arn = policy["arn"]
        for kind in dp.PRINCIPAL_KINDS:
            for name in before["attachments"][kind]:
                dp.detach_policy(iam, kind, name, arn)
        for version in dp.list_policy_versions(iam, arn):
            if not version.get("IsDefaultVersion"):
                dp.delete_policy_version(iam, arn, version["VersionId"])
        dp.delete_policy(iam, arn)
    write_vault_policies(backup, before, predicted)
    after = {"policy": None, "attachments": empty_attachments(), "vaults": describe_vaults(backup, module.params.get("vault_names"))}
    return changed_result(managed_view(before), managed_view(after), module._diff, **state_result(after))


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        name=dict(type="str", required=True),
        path=dict(type="str"),
        description=dict(type="str"),
        deny_actions=dict(type="list", elements="str", default=list(dp.DEFAULT_DENY_ACTIONS)),
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

    problems = input_problems(module.params)
    if problems:
        module.fail_json(msg="; ".join(problems))

    iam = module.client("iam")
    backup = module.client("backup")
    ctx = CallerContext(module)
    try:
        if module.params["state"] == "absent":
            result = ensure_absent(module, iam, backup, ctx)
        else:
            result = ensure_present(module, iam, backup, ctx)
    except (AnsibleBackupError, AnsibleIdentityError) as e:
        module.fail_json_aws_error(e)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
