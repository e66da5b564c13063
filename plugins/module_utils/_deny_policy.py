# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deny-backup-deletion guard of backupkit.dynamodb.backup_deny_policy (private).

Three parts, over the IAM calls of ``_iam`` and the AWS Backup calls of ``_backup``:

* pure functions that build the policy document and the vault statement, merge
  the statement into a vault policy, pick the versions to delete and the
  resources to simulate;
* the verification, which asks SimulatePrincipalPolicy for every attached
  principal and every denied action.

Policy documents are never case-converted; they are compared as IAM policies
(``compare_policies``), never as text.
"""

from __future__ import annotations

import copy
import json
import re
import time
from urllib.parse import unquote

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import is_ansible_aws_error_code
from ansible_collections.amazon.aws.plugins.module_utils.iam import validate_iam_identifiers
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies

from ansible_collections.backupkit.dynamodb.plugins.module_utils import _iam as iam_calls
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import delete_backup_vault_access_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import describe_backup_vault
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import get_backup_vault_access_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import put_backup_vault_access_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_vault import parse_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import changed_result
from ansible_collections.backupkit.dynamodb.plugins.module_utils._iam import attach_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._iam import create_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._iam import delete_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._iam import delete_policy_version
from ansible_collections.backupkit.dynamodb.plugins.module_utils._iam import detach_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._iam import get_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._iam import get_policy_version
from ansible_collections.backupkit.dynamodb.plugins.module_utils._iam import get_principal
from ansible_collections.backupkit.dynamodb.plugins.module_utils._iam import list_entities_for_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._iam import list_group_members
from ansible_collections.backupkit.dynamodb.plugins.module_utils._iam import list_local_policies
from ansible_collections.backupkit.dynamodb.plugins.module_utils._iam import list_policy_versions
from ansible_collections.backupkit.dynamodb.plugins.module_utils._iam import set_default_policy_version
from ansible_collections.backupkit.dynamodb.plugins.module_utils._iam import simulate_principal_policy
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import CallerContext
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import caller_principal_arn
from ansible_collections.backupkit.dynamodb.plugins.module_utils._poll import poll
from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import iso

POLICY_VERSION = "2012-10-17"

# Every action that destroys or weakens a backup of a DynamoDB table, and the resource type it acts on.
DEFAULT_DENY_ACTIONS = [
    "dynamodb:DeleteBackup",
    "backup:DeleteRecoveryPoint",
    "backup:UpdateRecoveryPointLifecycle",
    "backup:DisassociateRecoveryPoint",
    "backup:DisassociateRecoveryPointFromParent",
    "backup:DeleteBackupSelection",
    "backup:DeleteBackupPlan",
    "backup:UpdateBackupPlan",
    "backup:DeleteBackupVault",
    "backup:DeleteBackupVaultAccessPolicy",
    "backup:PutBackupVaultAccessPolicy",
    "backup:DeleteBackupVaultLockConfiguration",
    "backup:PutBackupVaultLockConfiguration",
]

# The statement written into each vault's access policy (identified by its Sid).
VAULT_STATEMENT_SID = "BackupkitDenyRecoveryPointDeletion"
VAULT_DENY_ACTIONS = [
    "backup:DeleteRecoveryPoint",
    "backup:UpdateRecoveryPointLifecycle",
    "backup:PutBackupVaultAccessPolicy",
]

ALLOW_SID = "BackupkitAllow"
DENY_SID = "BackupkitDenyBackupDeletion"

PRINCIPAL_KINDS = ("roles", "groups", "users")
# IAM keeps at most five versions of a managed policy.
MAX_POLICY_VERSIONS = 5
# IAM's size limit of a managed policy document, in characters without whitespace.
MAX_POLICY_SIZE = 6144
MAX_DESCRIPTION_LENGTH = 1000

EXPLICIT_DENY = "explicitDeny"

_ACTION = re.compile(r"^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$")

# resource kinds of the actions the module knows, for the representative resources of the verification
_RECOVERY_POINT = ("recovery_point", "dynamodb_backup")
ACTION_RESOURCE_KINDS = {
    "dynamodb:deletebackup": ("dynamodb_backup",),
    "dynamodb:restoretablefrombackup": ("dynamodb_backup",),
    "backup:deleterecoverypoint": _RECOVERY_POINT,
    "backup:updaterecoverypointlifecycle": _RECOVERY_POINT,
    "backup:disassociaterecoverypoint": _RECOVERY_POINT,
    "backup:disassociaterecoverypointfromparent": _RECOVERY_POINT,
    "backup:deletebackupselection": ("backup_plan",),
    "backup:deletebackupplan": ("backup_plan",),
    "backup:updatebackupplan": ("backup_plan",),
    "backup:deletebackupvault": ("backup_vault",),
    "backup:deletebackupvaultaccesspolicy": ("backup_vault",),
    "backup:putbackupvaultaccesspolicy": ("backup_vault",),
    "backup:deletebackupvaultlockconfiguration": ("backup_vault",),
    "backup:putbackupvaultlockconfiguration": ("backup_vault",),
    "backup:deletebackupvaultnotifications": ("backup_vault",),
    "backup:putbackupvaultnotifications": ("backup_vault",),
}
# the names AWS spells them with, for wildcard deny actions expanded for the simulator
KNOWN_ACTIONS = sorted(
    set(DEFAULT_DENY_ACTIONS)
    | {
        "dynamodb:RestoreTableFromBackup",
        "backup:DeleteBackupVaultNotifications",
        "backup:PutBackupVaultNotifications",
    }
)
VERIFY_NAME = "backupkit-verify"
_SAMPLE_RESOURCES = {
    "dynamodb_backup": "arn:{p}:dynamodb:{r}:{a}:table/" + VERIFY_NAME + "/backup/01700000000000-abcdef12",
    "recovery_point": "arn:{p}:backup:{r}:{a}:recovery-point:" + VERIFY_NAME,
    "backup_plan": "arn:{p}:backup:{r}:{a}:backup-plan:" + VERIFY_NAME,
    "backup_vault": "arn:{p}:backup:{r}:{a}:backup-vault:" + VERIFY_NAME,
}


# (service, shape of the resource part) of each resource type, to recognise a narrowed policy resource
_KIND_SHAPES = {
    "dynamodb_backup": ("dynamodb", re.compile(r"^table/[^/]+/backup/.+$")),
    "recovery_point": ("backup", re.compile(r"^recovery-point:.+$")),
    "backup_plan": ("backup", re.compile(r"^backup-plan:.+$")),
    "backup_vault": ("backup", re.compile(r"^backup-vault:.+$")),
}


def list_attachments(client, arn):
    """{roles, groups, users}: sorted names of the principals the policy is attached to."""
    entities = list_entities_for_policy(client, arn) or {}
    return {
        "roles": sorted(e["RoleName"] for e in entities.get("PolicyRoles") or []),
        "groups": sorted(e["GroupName"] for e in entities.get("PolicyGroups") or []),
        "users": sorted(e["UserName"] for e in entities.get("PolicyUsers") or []),
    }


# ---------------------------------------------------------------------------
# Policy versions
# ---------------------------------------------------------------------------


def policy_document(version):
    """The document of a policy version as a dict (IAM returns it URL-encoded when botocore does not decode it)."""
    document = version.get("Document")
    if isinstance(document, dict):
        return document
    text = to_text(document or "")
    if text.startswith("%7B") or text.startswith("%7b"):
        text = unquote(text)
    return json.loads(text) if text.strip() else {}


def versions_to_delete(versions, limit=MAX_POLICY_VERSIONS):
    """Ids of the oldest non-default versions to delete so that one more version fits IAM's limit."""
    excess = len(versions) + 1 - limit
    if excess <= 0:
        return []
    # IAM numbers versions in the order it creates them (v1, v2, ...): the lowest number is the oldest
    candidates = sorted((v for v in versions if not v.get("IsDefaultVersion")), key=lambda v: version_number(v.get("VersionId")))
    return [v["VersionId"] for v in candidates[:excess]]


def version_number(version_id):
    match = re.match(r"^v(\d+)$", to_text(version_id or ""))
    return int(match.group(1)) if match else 0


def create_policy_version(client, arn, document):
    """A new default version of the policy, deleting the oldest non-default versions first when
    IAM's limit of five versions would be exceeded. Returns (version, deleted version ids)."""
    deleted = []
    for version_id in versions_to_delete(list_policy_versions(client, arn)):
        delete_policy_version(client, arn, version_id)
        deleted.append(version_id)
    try:
        return iam_calls.create_policy_version(client, arn, document), deleted
    except is_ansible_aws_error_code("LimitExceeded"):
        # another writer created a version since we listed them: make room once more
        extra = versions_to_delete(list_policy_versions(client, arn))
        if not extra:
            raise
        for version_id in extra:
            delete_policy_version(client, arn, version_id)
            deleted.append(version_id)
        return iam_calls.create_policy_version(client, arn, document), deleted


def find_matching_version(client, arn, versions, document):
    """The id of a non-default version whose document is ``document`` (as an IAM policy), or None."""
    for version in sorted(versions, key=lambda v: version_number(v.get("VersionId")), reverse=True):
        if version.get("IsDefaultVersion"):
            continue
        candidate = policy_document(get_policy_version(client, arn, version["VersionId"]))
        if not policy_differs(candidate, document):
            return version["VersionId"]
    return None


# ---------------------------------------------------------------------------
# Documents (pure)
# ---------------------------------------------------------------------------


def unique(values):
    """The values without duplicates, in their first order."""
    seen = set()
    result = []
    for value in values or []:
        if value not in seen:
            seen.add(value)
            result.append(value)
    return result


def policy_arn(partition, account_id, path, name):
    return "arn:%s:iam::%s:policy%s%s" % (partition, account_id, path or "/", name)


def default_resources(partition, region, account_id):
    """ARNs of DynamoDB backups and AWS Backup recovery points, plans and vaults in this account and region."""
    return [
        "arn:%s:dynamodb:%s:%s:table/*/backup/*" % (partition, region, account_id),
        "arn:%s:backup:%s:%s:recovery-point:*" % (partition, region, account_id),
        "arn:%s:backup:%s:%s:backup-plan:*" % (partition, region, account_id),
        "arn:%s:backup:%s:%s:backup-vault:*" % (partition, region, account_id),
    ]


def action_problem(option, action):
    if not isinstance(action, str) or not _ACTION.match(action):
        return "%s: %r is not an IAM action (service:Action, wildcards * and ? allowed)" % (option, action)
    return None


def resource_problem(option, resource):
    if resource == "*":
        return None
    parts = to_text(resource).split(":", 5)
    if len(parts) < 6 or parts[0] != "arn" or not parts[2]:
        return "%s: %r is neither * nor an ARN (arn:partition:service:region:account:resource)" % (option, resource)
    return None


def principal_arn_problem(option, arn):
    parts = to_text(arn).split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return "%s: %r is not an ARN" % (option, arn)
    if parts[2] == "sts":
        return (
            "%s: %r is a session ARN; aws:PrincipalArn of an assumed role is the role's ARN "
            "(arn:%s:iam::ACCOUNT:role/NAME)" % (option, arn, parts[1] or "aws")
        )
    if parts[2] not in ("iam", "*"):
        return "%s: %r is not an IAM principal ARN (role, user or account root)" % (option, arn)
    return None


def deny_condition(exempt_principal_arns):
    if not exempt_principal_arns:
        return None
    return {"ArnNotLike": {"aws:PrincipalArn": list(exempt_principal_arns)}}


def build_document(deny_actions, resources, allow_actions=None, allow_resources=None, exempt_principal_arns=None):
    """The managed policy: an optional Allow statement, then the Deny statement (except the exempt principals)."""
    statements = []
    if allow_actions:
        statements.append({
            "Sid": ALLOW_SID,
            "Effect": "Allow",
            "Action": list(allow_actions),
            "Resource": list(allow_resources or ["*"]),
        })
    deny = {"Sid": DENY_SID, "Effect": "Deny", "Action": list(deny_actions), "Resource": list(resources)}
    condition = deny_condition(exempt_principal_arns)
    if condition:
        deny["Condition"] = condition
    statements.append(deny)
    return {"Version": POLICY_VERSION, "Statement": statements}


def document_size(document):
    """The size IAM counts against its limit (characters, whitespace excluded)."""
    return len(json.dumps(document, separators=(",", ":")))


def policy_differs(current, wanted):
    """Whether two policy documents ({} or None = none) differ as IAM policies."""
    if not current or not wanted:
        return bool(current) != bool(wanted)
    return compare_policies(current, wanted)


def vault_statement(exempt_principal_arns=None):
    """The statement the module keeps in each named vault's access policy."""
    statement = {
        "Sid": VAULT_STATEMENT_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(VAULT_DENY_ACTIONS),
        "Resource": "*",
    }
    condition = deny_condition(exempt_principal_arns)
    if condition:
        statement["Condition"] = condition
    return statement


def statements_of(policy):
    """The statements of a policy document as a list (Statement may be one object)."""
    statements = (policy or {}).get("Statement") or []
    if isinstance(statements, dict):
        return [statements]
    return list(statements)


def _is_ours(statement):
    return isinstance(statement, dict) and statement.get("Sid") == VAULT_STATEMENT_SID


def our_statement(policy):
    """The module's statement in a vault policy, or None."""
    for statement in statements_of(policy):
        if _is_ours(statement):
            return statement
    return None


def _statement_differs(current, wanted):
    if current is None or wanted is None:
        return (current is None) != (wanted is None)
    return compare_policies({"Statement": [current]}, {"Statement": [wanted]}, default_version=None)


def with_our_statement(policy, statement):
    """The vault policy with the module's statement set to ``statement`` (None removes it), other statements kept.

    Returns the policy unchanged (the same object) when the statement already is as wanted; ``{}`` when
    no statement would remain.
    """
    policy = policy or {}
    ours = [s for s in statements_of(policy) if _is_ours(s)]
    if len(ours) <= 1 and not _statement_differs(ours[0] if ours else None, statement):
        return policy
    others = [s for s in statements_of(policy) if not _is_ours(s)]
    if statement is not None:
        others.append(copy.deepcopy(statement))
    if not others:
        return {}
    updated = copy.deepcopy(policy)
    updated.setdefault("Version", POLICY_VERSION)
    updated["Statement"] = others
    return updated


# ---------------------------------------------------------------------------
# ARN matching (pure)
# ---------------------------------------------------------------------------


def _wildcard_regex(pattern):
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def resource_matches(pattern, resource):
    """IAM's Resource matching: ``*`` any run of characters, ``?`` one character, case-sensitive."""
    return re.fullmatch(_wildcard_regex(to_text(pattern)), to_text(resource), re.DOTALL) is not None


def action_matches(pattern, action):
    return re.fullmatch(_wildcard_regex(to_text(pattern)), to_text(action), re.DOTALL | re.IGNORECASE) is not None


def arn_like(pattern, arn):
    """ArnLike: each of the six ``:``-separated parts is matched separately."""
    pattern_parts = to_text(pattern).split(":", 5)
    arn_parts = to_text(arn).split(":", 5)
    if len(pattern_parts) != 6 or len(arn_parts) != 6:
        return False
    return all(
        re.fullmatch(_wildcard_regex(p), a, re.DOTALL) is not None for p, a in zip(pattern_parts, arn_parts)
    )


def is_exempt(principal_arn, exempt_principal_arns):
    return bool(principal_arn) and any(arn_like(p, principal_arn) for p in exempt_principal_arns or [])


# ---------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------


def _substitute(pattern):
    """A concrete ARN the resource pattern matches (wildcards filled in)."""
    return to_text(pattern).replace("*", VERIFY_NAME).replace("?", "x")


def representative_resources(action, resources, partition, region, account_id):
    """The resources to simulate ``action`` on, one for each resource type the action acts on.

    For each type: a sample ARN of this account and region when the policy's resources cover it; else a
    concrete ARN made from a policy resource of that type (the policy was narrowed, to some tables say);
    else the sample itself, which then shows that the deny does not cover that type. An action the module
    does not know is simulated on a concrete ARN made from a policy resource of its service.
    """
    kinds = ACTION_RESOURCE_KINDS.get(action.lower(), ())
    chosen = []
    for kind in kinds:
        sample = _SAMPLE_RESOURCES[kind].format(p=partition, r=region, a=account_id)
        if any(resource_matches(pattern, sample) for pattern in resources):
            chosen.append(sample)
            continue
        service, shape = _KIND_SHAPES[kind]
        narrowed = [_substitute(p) for p in resources if _arn_service(p) == service and shape.match(_arn_resource(_substitute(p)))]
        chosen.append(narrowed[0] if narrowed else sample)
    if chosen:
        return unique(chosen)
    service = action.split(":", 1)[0].lower()
    for pattern in resources:
        if pattern == "*":
            return ["*"]
        if _arn_service(pattern) in (service, "*"):
            return [_substitute(pattern)]
    return ["*"]


def _arn_service(arn):
    parts = to_text(arn).split(":", 5)
    return parts[2].lower() if len(parts) == 6 else None


def _arn_resource(arn):
    parts = to_text(arn).split(":", 5)
    return parts[5] if len(parts) == 6 else ""


def verification_plan(deny_actions, resources, partition, region, account_id):
    """([(resources tuple, [actions])], [skipped wildcard actions]): what to ask the simulator.

    Wildcard actions are expanded to the actions the module knows; one that matches none is skipped.
    """
    actions = []
    skipped = []
    for action in deny_actions:
        if "*" in action or "?" in action:
            matched = [known for known in KNOWN_ACTIONS if action_matches(action, known)]
            if not matched:
                skipped.append(action)
            actions.extend(matched)
        else:
            actions.append(action)
    groups = {}
    for action in unique(actions):
        key = tuple(representative_resources(action, resources, partition, region, account_id))
        groups.setdefault(key, []).append(action)
    return list(groups.items()), skipped


def principals_to_verify(client, attachments, exempt_principal_arns):
    """Who the attached policy applies to: every attached role and user, and every member of an
    attached group (the group itself when it has no member). Each {arn, attached_as, exempt, context_arn}."""
    found = {}

    def add(arn, attached_as, context_arn):
        if arn not in found:
            found[arn] = {
                "arn": arn,
                "attached_as": attached_as,
                "exempt": is_exempt(context_arn, exempt_principal_arns),
                "context_arn": context_arn,
            }

    for kind in ("roles", "users"):
        for name in attachments.get(kind) or []:
            principal = get_principal(client, kind, name)
            if principal:
                add(principal["arn"], "%s/%s" % (kind[:-1], name), principal["arn"])
    for name in attachments.get("groups") or []:
        members = list_group_members(client, name)
        for member in members:
            add(member["Arn"], "group/%s" % name, member["Arn"])
        if not members:
            group = get_principal(client, "groups", name)
            if group:
                add(group["arn"], "group/%s" % name, None)
    return list(found.values())


def simulate(client, principals, plan):
    """One row {principal, attached_as, action, resource, decision, exempt} per principal, action and resource."""
    rows = []
    for principal in principals:
        for resources, actions in plan:
            results = simulate_principal_policy(client, principal["arn"], actions, resources, principal["context_arn"])
            for result in results:
                rows.append({
                    "principal": principal["arn"],
                    "attached_as": principal["attached_as"],
                    "action": result.get("EvalActionName"),
                    "resource": result.get("EvalResourceName"),
                    "decision": result.get("EvalDecision"),
                    "exempt": principal["exempt"],
                })
    return rows


def failed_rows(rows):
    """Rows of principals the deny applies to that the simulator does not deny explicitly."""
    return [row for row in rows if not row["exempt"] and row["decision"] != EXPLICIT_DENY]


def verify(client, principals, plan, timeout=0, delay=3, clock=time.monotonic, sleep=time.sleep):
    """Simulate until every non-exempt row is an explicit deny, or ``timeout`` seconds passed
    (IAM is eventually consistent right after a change). Returns the rows of the last attempt."""
    rows, _done = poll(lambda: simulate(client, principals, plan), lambda rows: not failed_rows(rows),
                       timeout=max(timeout or 0, 0), clock=clock, sleep=sleep, first_delay=delay, factor=1, max_delay=delay)
    return rows


# ---------------------------------------------------------------------------
# The engine of backupkit.dynamodb.backup_deny_policy: options -> desired document and
# attachments -> prediction -> the same managed view before and after -> changes
# ---------------------------------------------------------------------------


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
    if params.get("description") and len(params["description"]) > MAX_DESCRIPTION_LENGTH:
        problems.append("description may not be longer than %d characters" % MAX_DESCRIPTION_LENGTH)
    if not params.get("deny_actions"):
        problems.append("deny_actions must name at least one action")
    for action in params.get("deny_actions") or []:
        problems.append(action_problem("deny_actions", action))
    if params.get("resources") is not None and not params["resources"]:
        problems.append("resources must name at least one resource (use [\"*\"] for every resource)")
    for resource in params.get("resources") or []:
        problems.append(resource_problem("resources", resource))
    if params.get("allow_actions") is not None and not params["allow_actions"]:
        problems.append("allow_actions must name at least one action when given")
    for action in params.get("allow_actions") or []:
        problems.append(action_problem("allow_actions", action))
    if params.get("allow_resources") is not None:
        if not params.get("allow_actions"):
            problems.append("allow_resources requires allow_actions")
        elif not params["allow_resources"]:
            problems.append("allow_resources must name at least one resource when given")
    for resource in params.get("allow_resources") or []:
        problems.append(resource_problem("allow_resources", resource))
    for arn in params.get("exempt_principal_arns") or []:
        problems.append(principal_arn_problem("exempt_principal_arns", arn))
    for kind in PRINCIPAL_KINDS:
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


def desired(params, ctx):
    """The policy document the options describe (ARNs of the caller's account and region by default)."""
    resources = unique(params.get("resources")) or default_resources(ctx.partition, ctx.region, ctx.account_id)
    return build_document(
        unique(params["deny_actions"]),
        resources,
        unique(params.get("allow_actions")),
        unique(params.get("allow_resources")),
        unique(params.get("exempt_principal_arns")),
    )


# ---------------------------------------------------------------------------
# State: describe, view, result
# ---------------------------------------------------------------------------


def find_policy(module, iam, ctx):
    """The policy (GetPolicy's answer) by name, at the given path or, without one, at any path; None if missing."""
    name, path = module.params["name"], module.params.get("path")
    policy = get_policy(iam, policy_arn(ctx.partition, ctx.account_id, path or "/", name))
    if policy is None:
        match = next((p for p in list_local_policies(iam) if p["PolicyName"] == name), None)
        policy = get_policy(iam, match["Arn"]) if match else None
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
    document = policy_document(get_policy_version(iam, arn, policy["DefaultVersionId"]))
    versions = list_policy_versions(iam, arn)
    ordered = sorted(versions, key=lambda v: version_number(v.get("VersionId")))
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
        "create_date": iso(policy.get("CreateDate")),
        "update_date": iso(policy.get("UpdateDate")),
    }


def describe_vaults(backup, vault_names):
    """{vault name: access policy ({} for none), or None when the vault does not exist}."""
    vaults = {}
    for name in unique(vault_names):
        if describe_backup_vault(backup, name) is None:
            vaults[name] = None
            continue
        try:
            vaults[name] = parse_policy(get_backup_vault_access_policy(backup, name))
        except ValueError as e:
            raise AnsibleBackupError(message="The access policy AWS returned for backup vault %r %s" % (name, e)) from None
    return vaults


def empty_attachments():
    return {kind: [] for kind in PRINCIPAL_KINDS}


def describe(module, iam, backup, ctx):
    raw = find_policy(module, iam, ctx)
    policy = describe_policy(iam, raw)
    return {
        "policy": policy,
        "attachments": list_attachments(iam, policy["arn"]) if policy else empty_attachments(),
        "vaults": describe_vaults(backup, module.params.get("vault_names")),
    }


def view(state):
    """What the module manages, for ``changed`` and ``diff`` (no ids, dates or counts)."""
    policy = state["policy"]
    return {
        "policy": None if policy is None else {k: policy[k] for k in ("name", "path", "description", "document")},
        "attachments": copy.deepcopy(state["attachments"]),
        "vault_statements": {
            name: copy.deepcopy(our_statement(vault_policy)) if vault_policy else None
            for name, vault_policy in state["vaults"].items()
        },
    }


def state_result(state):
    return dict(
        policy=copy.deepcopy(state["policy"]) if state["policy"] else {},
        attachments=copy.deepcopy(state["attachments"]),
        vault_policies={
            name: {"policy": copy.deepcopy(vault_policy or {}), "statement": copy.deepcopy(our_statement(vault_policy))}
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
    for kind in PRINCIPAL_KINDS:
        if attach_to.get(kind) is None:
            continue
        names = []
        for value in attach_to[kind]:
            name = principal_name(kind, value)
            if name in before["attachments"][kind]:
                names.append(name)
                continue
            principal = get_principal(iam, kind, name)
            if principal is None:
                unknown.append("%s %s" % (KIND_OF_ARN[kind], value))
            else:
                names.append(principal["name"])
        resolved[kind] = sorted(set(names))
    if unknown:
        module.fail_json(msg="attach_to: no such IAM %s. Nothing was changed." % ", ".join(unknown))
    return resolved


def predict(module, ctx, before, document, wanted_attachments):
    params = module.params
    predicted = copy.deepcopy(before)
    policy = predicted["policy"]
    if policy is None:
        path = params.get("path") or "/"
        predicted["policy"] = policy = {
            "arn": policy_arn(ctx.partition, ctx.account_id, path, params["name"]),
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
        if policy_differs(policy["document"], document):
            policy["document"] = copy.deepcopy(document)
            policy["default_version_id"] = None
            policy["version_ids"] = None
    for kind, names in wanted_attachments.items():
        current = predicted["attachments"][kind]
        predicted["attachments"][kind] = names if params["purge_attachments"] else sorted(set(current) | set(names))
    policy["attachment_count"] = sum(len(v) for v in predicted["attachments"].values())
    statement = vault_statement(unique(params.get("exempt_principal_arns")))
    for name, vault_policy in before["vaults"].items():
        predicted["vaults"][name] = with_our_statement(vault_policy, statement)
    return predicted


def check_input_against(module, before, document):
    """Problems only AWS's answers reveal, still before any write."""
    missing = [name for name, vault_policy in before["vaults"].items() if vault_policy is None]
    if missing:
        module.fail_json(msg="vault_names: no such backup vault %s in %s. Nothing was changed." % (", ".join(missing), module.region))
    size = document_size(document)
    if size > MAX_POLICY_SIZE:
        module.fail_json(
            msg="The policy document would be %d characters long; IAM allows %d. Nothing was changed." % (size, MAX_POLICY_SIZE)
        )


def caller_result(module, ctx):
    """``caller_arn`` (aws:PrincipalArn of the module's caller: the role's ARN for an assumed-role
    session) and ``caller_exempt`` (whether exempt_principal_arns lists it)."""
    caller = caller_principal_arn(ctx.caller_arn, module.client("iam"))
    return dict(caller_arn=caller, caller_exempt=is_exempt(caller, module.params.get("exempt_principal_arns")))


def apply(module, iam, backup, before, predicted, document):
    params = module.params
    if before["policy"] is None:
        created = create_policy(iam, params["name"], params.get("path") or "/", document, params.get("description"))
        arn = created["Arn"]
    else:
        arn = before["policy"]["arn"]
        if policy_differs(before["policy"]["document"], document):
            versions = list_policy_versions(iam, arn)
            match = find_matching_version(iam, arn, versions, document)
            if match:
                set_default_policy_version(iam, arn, match)
            else:
                create_policy_version(iam, arn, document)
    for kind in PRINCIPAL_KINDS:
        current, wanted = set(before["attachments"][kind]), set(predicted["attachments"][kind])
        for name in sorted(wanted - current):
            attach_policy(iam, kind, name, arn)
        for name in sorted(current - wanted):
            detach_policy(iam, kind, name, arn)
    write_vault_policies(backup, before, predicted)
    return arn


def write_vault_policies(backup, before, predicted):
    """Put (or delete) each vault's policy that changes.

    The module's statement denies backup:PutBackupVaultAccessPolicy to every principal that is not
    exempt, the module's caller too, but not backup:DeleteBackupVaultAccessPolicy. When AWS refuses
    the put, the policy is deleted and put again: between the two calls the vault has no access policy.
    """
    for name, vault_policy in predicted["vaults"].items():
        if before["vaults"][name] is None or vault_policy == before["vaults"][name]:
            continue
        if not vault_policy:
            delete_backup_vault_access_policy(backup, name)
            continue
        try:
            put_backup_vault_access_policy(backup, name, vault_policy)
        except is_ansible_aws_error_code(["AccessDeniedException", "AccessDenied"]):
            if our_statement(before["vaults"][name]) is None:
                raise
            delete_backup_vault_access_policy(backup, name)
            put_backup_vault_access_policy(backup, name, vault_policy)


def run_verification(module, iam, ctx, state, document, changed):
    params = module.params
    exempt = unique(params.get("exempt_principal_arns"))
    deny = next(s for s in document["Statement"] if s.get("Sid") == DENY_SID)
    plan, skipped = verification_plan(deny["Action"], deny["Resource"], ctx.partition, ctx.region, ctx.account_id)
    if skipped:
        module.warn("verify: no known action matches %s; not simulated" % ", ".join(skipped))
    principals = principals_to_verify(iam, state["attachments"], exempt)
    if not plan:
        return [], "verify: no denied action can be simulated"
    if not [p for p in principals if not p["exempt"]]:
        rows = simulate(iam, principals, plan)
        attached = ", ".join("%s/%s" % (kind[:-1], n) for kind in PRINCIPAL_KINDS for n in state["attachments"][kind])
        return rows, "verify: the policy applies to no principal that is not exempt (attached: %s), so nothing can be verified" % (
            attached or "none"
        )
    rows = verify(iam, principals, plan, params["verify_timeout"] if changed else 0)
    failed = failed_rows(rows)
    if failed:
        return rows, "verify: %d of %d simulations are not an explicit deny: %s" % (
            len(failed),
            len([r for r in rows if not r["exempt"]]),
            "; ".join("%s %s on %s: %s" % (r["principal"], r["action"], r["resource"], r["decision"]) for r in failed[:10]),
        )
    return rows, None


def ensure_present(module):
    iam, backup, ctx = module.client("iam"), module.client("backup"), CallerContext(module)
    document = desired(module.params, ctx)
    before = describe(module, iam, backup, ctx)
    check_input_against(module, before, document)
    wanted_attachments = resolve_principals(module, iam, before)
    predicted = predict(module, ctx, before, document, wanted_attachments)
    unchanged = view(predicted) == view(before)

    if module.check_mode or unchanged:
        after = before if unchanged else predicted
        result = changed_result(view(before), view(predicted), module._diff, **state_result(after))
    else:
        apply(module, iam, backup, before, predicted, document)
        after = describe(module, iam, backup, ctx)
        result = changed_result(view(before), view(after), module._diff, **state_result(after))
    if module.params.get("vault_names"):
        result.update(caller_result(module, ctx))

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


def ensure_absent(module):
    iam, backup, ctx = module.client("iam"), module.client("backup"), CallerContext(module)
    before = describe(module, iam, backup, ctx)
    predicted = {
        "policy": None,
        "attachments": empty_attachments(),
        "vaults": {
            name: None if vault_policy is None else with_our_statement(vault_policy, None)
            for name, vault_policy in before["vaults"].items()
        },
    }
    result = changed_result(view(before), view(predicted), module._diff, **state_result(predicted))
    if module.check_mode or not result["changed"]:
        return result

    policy = before["policy"]
    if policy is not None:
        arn = policy["arn"]
        for kind in PRINCIPAL_KINDS:
            for name in before["attachments"][kind]:
                detach_policy(iam, kind, name, arn)
        for version in list_policy_versions(iam, arn):
            if not version.get("IsDefaultVersion"):
                delete_policy_version(iam, arn, version["VersionId"])
        delete_policy(iam, arn)
    write_vault_policies(backup, before, predicted)
    after = {"policy": None, "attachments": empty_attachments(), "vaults": describe_vaults(backup, module.params.get("vault_names"))}
    return changed_result(view(before), view(after), module._diff, **state_result(after))
