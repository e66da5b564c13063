"""Enforcing mode: IAM authorises DynamoDB and AWS Backup requests.

With ``SETTINGS.iam_enforce`` on (``backupkit-emulator --iam-enforce``), a
request signed with an IAM user's access key or with an assumed role's
temporary keys is authorised as AWS does it: the action
(``dynamodb:DeleteBackup``, ``backup:DeleteRecoveryPoint``) on the resource
the request acts on (per AWS's Service Authorization Reference: the table or
backup ARN for DynamoDB, the vault, plan or recovery point ARN for AWS Backup,
``*`` for list operations) is evaluated against the caller's identity policies
(user + groups, or role), the role's permissions boundary and the session
policy given to AssumeRole, with the request context ``aws:PrincipalArn``,
``aws:PrincipalAccount``, ``aws:PrincipalType``, ``aws:username``,
``aws:RequestedRegion``, ``aws:CurrentTime`` and ``aws:EpochTime``.

A denied request is answered as AWS answers it: ``AccessDeniedException``
("User: ARN is not authorized to perform: ACTION on resource: ARN with an
explicit deny in an identity-based policy" or "... because no identity-based
policy allows the ACTION action"), HTTP 400 in DynamoDB's JSON 1.0 format and
HTTP 403 with ``x-amzn-ErrorType`` for AWS Backup (rest-json).

IAM, STS, KMS and AWS Organizations are enforced the same way (``iam:CreateRole``
on the role's ARN, ``sts:AssumeRole`` on the role to assume, ``kms:DescribeKey``
on the key's ARN whatever alias or id names it, ``organizations:ListAccounts`` on
``*``: Organizations is enforced per action only), and an AWS Backup request that
hands a role to AWS Backup (``IamRoleArn``) also needs ``iam:PassRole`` on that role
with ``iam:PassedToService`` = ``backup.amazonaws.com``. ``sts:GetCallerIdentity``
needs no permission, as on AWS. A creation also needs what AWS asks for along with it:
``dynamodb:TagResource`` for CreateTable with Tags, ``iam:TagRole`` / ``iam:TagUser`` /
``iam:TagPolicy`` for CreateRole / CreateUser / CreatePolicy with tags, ``kms:TagResource``
for CreateKey with Tags, and for CreateBackupVault ``backup-storage:MountCapsule`` on ``*``
and ``kms:CreateGrant``, ``GenerateDataKey``, ``Decrypt``, ``RetireGrant``, ``DescribeKey``
on the vault's key through AWS Backup (``kms:ViaService`` = ``backup.REGION.amazonaws.com``;
AWS Backup developer guide, "Backup vault creation and deletion").

A vault's access policy (a resource-based policy) is applied to every AWS Backup
action it names on the vault or on its recovery points: an explicit Deny that
applies to the caller refuses the request ("... with an explicit deny in a
resource-based policy") to IAM users and assumed roles; root keys stay unrestricted.

Keys that are neither an IAM user's nor an assumed role's (the ``testing``
keys moto maps to an account's root) are otherwise unrestricted, and so is every
other service (S3, ...).

Which statements allowed each request can be recorded, to prove that a policy
has no statement it does not need (``docs/security.md``): ``POST
/_backupkit-iam/decisions`` starts recording (and clears what was recorded),
``GET`` returns ``{"recording": bool, "decisions": [...]}``, one entry per
authorised request of an IAM user or role::

    {"caller": ARN, "action": "backup:CreateBackupVault", "resource": ARN,
     "allowed": true, "statements": [{"policy": "deployer", "sid": "Vaults"}]}

``DELETE`` stops recording and clears it.

``GET /_backupkit-iam/sessions`` lists every AssumeRole session issued, with its
secret key and session token (the emulator is a test tool: tests search the disk
for them, ``tests/e2e/test_security.py``).
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .iam_policy import EXPLICIT_DENY, Evaluation, Policy, PolicyDocumentError, evaluate, parse_policy
from .settings import SETTINGS, Settings

ENFORCED_SERVICES = frozenset({"dynamodb", "backup", "iam", "sts", "kms", "organizations"})
DECISIONS_PATH = "/_backupkit-iam/decisions"
SESSIONS_PATH = "/_backupkit-iam/sessions"
MAX_DECISIONS = 200_000
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_LABEL = re.compile(r"\{([^}]+)\}")

# --- who is calling -------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """The SigV4 credential scope of a request."""

    access_key: str
    region: str
    service: str


def signature_of(environ: dict[str, Any]) -> Signature | None:
    """Access key, region and service from the Authorization header (or a presigned URL)."""
    match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        return Signature(*match.groups())
    query = parse_qs(environ.get("QUERY_STRING", ""))
    scope = (query.get("X-Amz-Credential") or [""])[0].split("/")
    if len(scope) == 5 and scope[4] == "aws4_request":
        return Signature(scope[0], scope[2], scope[3])
    return None


@dataclass(frozen=True)
class Caller:
    """An IAM user or an assumed-role session, with every policy that limits it."""

    arn: str  # named in AccessDenied messages (the session ARN for a role)
    principal_arn: str  # aws:PrincipalArn (the role's ARN for a session)
    account_id: str
    principal_type: str  # "User" or "AssumedRole"
    identity: tuple[Policy, ...]
    boundary: tuple[Policy, ...] | None = None
    session: tuple[Policy, ...] | None = None
    user_name: str | None = None

    def context(self, region: str) -> dict[str, Any]:
        """The request context keys AWS sets for every request of this caller."""
        now = time.time()
        context: dict[str, Any] = {
            "aws:PrincipalArn": self.principal_arn,
            "aws:PrincipalAccount": self.account_id,
            "aws:PrincipalType": self.principal_type,
            "aws:RequestedRegion": region,
            "aws:CurrentTime": datetime.fromtimestamp(now, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aws:EpochTime": str(int(now)),
        }
        if self.user_name:
            context["aws:username"] = self.user_name
        return context


def find_caller(access_key: str) -> Caller | None:
    """The IAM user or assumed role behind ``access_key``; None for root / unknown keys."""
    from moto.iam.models import iam_backends

    for account_id, by_partition in list(iam_backends.items()):
        for partition, backend in list(by_partition.items()):
            key = backend.access_keys.get(access_key)
            if key is None:
                continue
            if key.role_arn:
                return _session_caller(access_key, key.role_arn, account_id, partition)
            if key.user_name:
                return _user_caller(backend, key.user_name)
    return None


def _user_caller(backend: Any, user_name: str) -> Caller:
    from .iam import user_policies

    user = backend.users.get(user_name)
    if user is None:  # the key outlived its user: nothing is allowed
        arn = f"arn:{backend.partition}:iam::{backend.account_id}:user/{user_name}"
        return Caller(arn, arn, backend.account_id, "User", (), user_name=user_name)
    return Caller(
        user.arn, user.arn, backend.account_id, "User", tuple(user_policies(backend, user)), user_name=user.name
    )


def _session_caller(access_key: str, role_arn: str, account_id: str, partition: str) -> Caller:
    from moto.iam.exceptions import IAMException
    from moto.sts.models import sts_backends

    from .iam import Principal

    session = sts_backends[account_id][partition].get_assumed_role_from_access_key(access_key)
    session_arn = session.arn if session is not None else role_arn
    try:
        role = Principal(role_arn)
        identity, boundary = tuple(role.policies()), role.boundary()
    except IAMException:  # the role was deleted after it was assumed
        identity, boundary = (), None
    return Caller(
        session_arn,
        role_arn,
        account_id,
        "AssumedRole",
        identity,
        tuple(boundary) if boundary is not None else None,
        _session_policy(getattr(session, "policy", None)),
    )


def _session_policy(document: Any) -> tuple[Policy, ...] | None:
    if not document:
        return None
    try:
        return (parse_policy(document, "SessionPolicy"),)
    except PolicyDocumentError:
        return None


# --- what is requested ---------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One authorisation question: ``action`` on ``resource`` (with request-specific context keys)."""

    action: str
    resource: str
    context: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


class Arns:
    """ARN builders for one account and region."""

    def __init__(self, partition: str, region: str, account_id: str):
        self.partition, self.region, self.account_id = partition, region, account_id

    def table(self, name: str) -> str:
        """DynamoDB accepts a table ARN wherever it takes a table name."""
        if name.startswith("arn:"):
            return name
        return f"arn:{self.partition}:dynamodb:{self.region}:{self.account_id}:table/{name}"

    def index(self, table: str, index: str) -> str:
        return f"{self.table(table)}/index/{index}"

    def vault(self, name: str) -> str:
        return f"arn:{self.partition}:backup:{self.region}:{self.account_id}:backup-vault:{name}"

    def plan(self, plan_id: str) -> str:
        return f"arn:{self.partition}:backup:{self.region}:{self.account_id}:backup-plan:{plan_id}"


# DynamoDB operations whose resource is "*" (no resource-level permissions).
DYNAMODB_UNSCOPED = frozenset(
    {
        "ListTables",
        "ListBackups",
        "ListGlobalTables",
        "ListExports",
        "ListImports",
        "ListStreams",
        "DescribeLimits",
        "DescribeEndpoints",
        "ListContributorInsights",
    }
)
TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


def dynamodb_requests(operation: str, body: dict[str, Any], arns: Arns) -> list[Request]:
    """The (action, resource) pairs AWS authorises for a DynamoDB operation."""
    action = f"dynamodb:{operation}"
    if operation in DYNAMODB_UNSCOPED:
        return [Request(action, "*")]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [Request(action, arns.table(name)) for name in body.get("RequestItems") or {}]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        return [
            Request(f"dynamodb:{TRANSACT_ACTIONS[kind]}", arns.table(part.get("TableName", "")))
            for item in body.get("TransactItems") or []
            for kind, part in item.items()
            if kind in TRANSACT_ACTIONS and isinstance(part, dict)
        ]
    if operation == "RestoreTableFromBackup":
        return [
            Request(action, body.get("BackupArn", "*")),
            Request(action, arns.table(body.get("TargetTableName", ""))),
        ]
    if operation == "RestoreTableToPointInTime":
        source = body.get("SourceTableArn") or arns.table(body.get("SourceTableName", ""))
        return [Request(action, source), Request(action, arns.table(body.get("TargetTableName", "")))]
    if body.get("BackupArn"):
        return [Request(action, body["BackupArn"])]
    if body.get("ResourceArn"):
        return [Request(action, body["ResourceArn"])]
    if body.get("TableName") and body.get("IndexName") and operation in ("Query", "Scan"):
        return [Request(action, arns.index(body["TableName"], body["IndexName"]))]
    if operation == "CreateTable" and body.get("TableName") and body.get("Tags"):
        # tags given to CreateTable need dynamodb:TagResource on the table too (tag on create)
        table = arns.table(body["TableName"])
        return [Request(action, table), Request("dynamodb:TagResource", table)]
    if body.get("TableName"):
        return [Request(action, arns.table(body["TableName"]))]
    return [Request(action, "*")]


@dataclass(frozen=True)
class Route:
    """One AWS Backup operation's HTTP method and request URI, as a regex."""

    operation: str
    method: str
    pattern: re.Pattern[str]


@lru_cache(maxsize=1)
def backup_routes() -> tuple[Route, ...]:
    """Routes of every AWS Backup operation, from botocore's service model (built once)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("backup")
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        routes.append(Route(name, http["method"], _uri_regex(http["requestUri"].split("?")[0])))
    return tuple(routes)


def _uri_regex(uri: str) -> re.Pattern[str]:
    """``/backup-vaults/{backupVaultName}`` -> a regex over the URL-encoded path."""
    parts, position = [], 0
    for label in _LABEL.finditer(uri):
        parts.append(re.escape(uri[position : label.start()]))
        name = label.group(1)
        parts.append(f"(?P<{name.rstrip('+')}>.+)" if name.endswith("+") else f"(?P<{name}>[^/]+)")
        position = label.end()
    parts.append(re.escape(uri[position:].rstrip("/")))
    return re.compile("^" + "".join(parts) + "/?$")


def backup_operation(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """(operation, URL-decoded path parameters) of an AWS Backup request, or None."""
    for route in backup_routes():
        if route.method == method:
            match = route.pattern.match(path)
            if match:
                return route.operation, {k: unquote(v) for k, v in match.groupdict().items()}
    return None


# AWS Backup operations that take an ARN but have no resource-level permissions.
BACKUP_UNSCOPED = frozenset(
    {
        "ListRecoveryPointsByResource",
        "DescribeProtectedResource",
        "ListRestoreJobsByProtectedResource",
        "ListBackupAccessPointsByResource",
    }
)


#: What creating a vault needs besides backup:CreateBackupVault (AWS Backup developer guide, "Backup vault
#: creation and deletion", Required permissions): AWS Backup mounts the vault's storage and uses its key.
VAULT_STORAGE_ACTION = "backup-storage:MountCapsule"
VAULT_KEY_ACTIONS = ("kms:CreateGrant", "kms:GenerateDataKey", "kms:Decrypt", "kms:RetireGrant", "kms:DescribeKey")


def vault_key_arn(body: dict[str, Any], arns: Arns) -> str:
    """The ARN of the key a CreateBackupVault names (an alias resolved to its key), else the Region's AWS managed
    key for AWS Backup (aws/backup), as the emulator's vault model names it."""
    if body.get("EncryptionKeyArn"):
        return _kms_key_arn(arns, str(body["EncryptionKeyArn"]))
    try:
        from .backup.models import backup_backends

        return backup_backends[arns.account_id][arns.region].default_backup_key_arn
    except Exception:  # noqa: BLE001 - no backend yet: the key's ARN is what matters to a policy, not its id
        return f"arn:{arns.partition}:kms:{arns.region}:{arns.account_id}:key/aws-backup"


def create_vault_requests(body: dict[str, Any], arns: Arns) -> list[Request]:
    """backup-storage:MountCapsule on ``*`` and the KMS actions on the vault's key, through AWS Backup
    (``kms:ViaService`` ``backup.REGION.amazonaws.com``, ``kms:CallerAccount``)."""
    key = vault_key_arn(body, arns)
    via = {"kms:ViaService": f"backup.{arns.region}.amazonaws.com", "kms:CallerAccount": arns.account_id}
    return [Request(VAULT_STORAGE_ACTION, "*")] + [Request(action, key, via) for action in VAULT_KEY_ACTIONS]


def backup_requests(operation: str, params: dict[str, str], body: dict[str, Any], arns: Arns) -> list[Request]:
    """The (action, resource) pairs AWS authorises for an AWS Backup operation."""
    action = f"backup:{operation}"
    if operation == "CreateBackupVault" and params.get("backupVaultName"):
        return [Request(action, arns.vault(params["backupVaultName"]))] + create_vault_requests(body, arns)
    if operation in BACKUP_UNSCOPED:
        return [Request(action, "*")]
    if params.get("recoveryPointArn"):
        return [Request(action, params["recoveryPointArn"])]
    if params.get("backupPlanId"):
        return [Request(action, arns.plan(params["backupPlanId"]))]
    if params.get("backupVaultName"):
        return [Request(action, arns.vault(params["backupVaultName"]))]
    if params.get("resourceArn"):
        return [Request(action, params["resourceArn"])]
    if operation == "StartBackupJob" and body.get("BackupVaultName"):
        return [Request(action, arns.vault(body["BackupVaultName"]))]
    if operation in ("StartRestoreJob", "StartCopyJob") and body.get("RecoveryPointArn"):
        return [Request(action, body["RecoveryPointArn"])]
    return [Request(action, "*")]


PASS_ROLE_SERVICE = "backup.amazonaws.com"


def pass_role_requests(body: dict[str, Any]) -> list[Request]:
    """``iam:PassRole`` for an AWS Backup request that hands AWS Backup a role."""
    roles = [body.get("IamRoleArn")]
    for key in ("BackupSelection", "RestoreTestingSelection"):
        selection = body.get(key)
        if isinstance(selection, dict):
            roles.append(selection.get("IamRoleArn"))
    return [
        Request("iam:PassRole", role, {"iam:PassedToService": PASS_ROLE_SERVICE})
        for role in roles
        if isinstance(role, str) and role
    ]


# --- IAM, STS (query protocol), KMS and Organizations (JSON 1.1) ------------------------

# IAM list and account-wide operations: resource "*".
IAM_UNSCOPED = frozenset(
    {
        "ListRoles",
        "ListPolicies",
        "ListUsers",
        "ListGroups",
        "ListInstanceProfiles",
        "ListAccountAliases",
        "GetAccountAuthorizationDetails",
        "GetAccountSummary",
        "SimulateCustomPolicy",
        "GetContextKeysForCustomPolicy",
    }
)
# Operations whose PolicyArn is a condition (iam:PolicyARN) on the principal they act on.
IAM_POLICY_ARN_CONDITION = frozenset(
    {
        "AttachRolePolicy",
        "DetachRolePolicy",
        "AttachUserPolicy",
        "DetachUserPolicy",
        "AttachGroupPolicy",
        "DetachGroupPolicy",
        "PutRolePermissionsBoundary",
        "PutUserPermissionsBoundary",
    }
)


#: The tagging action a Create* with Tags also needs (IAM User Guide, "Permissions required for tagging IAM entities").
IAM_TAG_ACTIONS = {"role": "iam:TagRole", "user": "iam:TagUser"}


def _iam_backend(account_id: str, partition: str) -> Any | None:
    from moto.iam.models import iam_backends

    try:
        return iam_backends[account_id][partition]
    except KeyError:
        return None


def _iam_entity_arn(arns: Arns, kind: str, name: str, path: str | None = None) -> str:
    """The ARN of a role, user or group by name: its real ARN (with its path) when it exists."""
    backend = _iam_backend(arns.account_id, arns.partition)
    getter = {"role": "get_role", "user": "get_user", "group": "get_group"}[kind]
    if backend is not None and path is None:
        try:
            return getattr(backend, getter)(name).arn
        except Exception:  # noqa: BLE001 - any "no such entity": fall back to the path-less ARN
            pass
    return f"arn:{arns.partition}:iam::{arns.account_id}:{kind}{path or '/'}{name}"


def iam_requests(operation: str, params: dict[str, str], arns: Arns) -> list[Request]:
    """The (action, resource) pair AWS authorises for an IAM operation."""
    action = f"iam:{operation}"
    if operation in IAM_UNSCOPED:
        return [Request(action, "*")]
    context: dict[str, Any] = {}
    if operation in IAM_POLICY_ARN_CONDITION and params.get("PolicyArn"):
        context["iam:PolicyARN"] = params["PolicyArn"]
    if operation.endswith("PermissionsBoundary") and params.get("PermissionsBoundary"):
        context["iam:PermissionsBoundary"] = params["PermissionsBoundary"]
    creating = operation.startswith("Create")
    tagged = creating and any(key.startswith("Tags.member.") for key in params)
    for key, kind in (("RoleName", "role"), ("UserName", "user"), ("GroupName", "group")):
        if params.get(key):
            path = params.get("Path", "/") if creating else None
            resource = _iam_entity_arn(arns, kind, params[key], path)
            requests = [Request(action, resource, context)]
            if tagged and kind in IAM_TAG_ACTIONS:
                # tags given to CreateRole / CreateUser need iam:TagRole / iam:TagUser on it too
                requests.append(Request(IAM_TAG_ACTIONS[kind], resource))
            return requests
    if params.get("InstanceProfileName"):
        path = params.get("Path", "/") if creating else "/"
        return [
            Request(
                action,
                f"arn:{arns.partition}:iam::{arns.account_id}:instance-profile{path}{params['InstanceProfileName']}",
            )
        ]
    for key in ("PolicySourceArn", "PolicyArn"):
        if params.get(key):
            return [Request(action, params[key], context)]
    if operation == "CreatePolicy" and params.get("PolicyName"):
        path = params.get("Path", "/")
        policy = f"arn:{arns.partition}:iam::{arns.account_id}:policy{path}{params['PolicyName']}"
        return [Request(action, policy)] + ([Request("iam:TagPolicy", policy)] if tagged else [])
    return [Request(action, "*", context)]


# STS operations that need no permission (or are not signed by an IAM principal).
STS_UNAUTHORISED = frozenset({"GetCallerIdentity", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"})


def sts_requests(operation: str, params: dict[str, str]) -> list[Request]:
    """``sts:AssumeRole`` on the role (and ``sts:TagSession`` when tags are passed)."""
    if operation in STS_UNAUTHORISED:
        return []
    action = f"sts:{operation}"
    role = params.get("RoleArn")
    if not role:
        return [Request(action, "*")]
    requests = [Request(action, role)]
    if any(key.startswith("Tags.member.") for key in params):
        requests.append(Request("sts:TagSession", role))
    if params.get("SourceIdentity"):
        requests.append(Request("sts:SetSourceIdentity", role))
    return requests


KMS_UNSCOPED = frozenset(
    {"CreateKey", "ListKeys", "ListAliases", "GenerateRandom", "ConnectCustomKeyStore", "DescribeCustomKeyStores"}
)


def _kms_key_arn(arns: Arns, key_id: str) -> str:
    """The key's ARN whether ``key_id`` is an id, a key ARN, an alias name or an alias ARN."""
    from moto.kms.models import kms_backends

    try:
        backend = kms_backends[arns.account_id][arns.region]
        key_id = backend.any_id_to_key_id(key_id)
    except Exception:  # noqa: BLE001 - unknown keys: the request fails in moto with KMS's own error
        if key_id.startswith("arn:"):
            return key_id
    if key_id.startswith("arn:"):
        return key_id
    return f"arn:{arns.partition}:kms:{arns.region}:{arns.account_id}:key/{key_id}"


def kms_requests(operation: str, body: dict[str, Any], arns: Arns) -> list[Request]:
    """The (action, resource) pairs AWS authorises for a KMS operation."""
    action = f"kms:{operation}"
    if operation == "CreateKey" and body.get("Tags"):
        # "To use the Tags parameter, you need kms:TagResource permission" (CreateKey, KMS API reference)
        return [Request(action, "*"), Request("kms:TagResource", "*")]
    if operation in KMS_UNSCOPED:
        return [Request(action, "*")]
    if operation in ("CreateAlias", "UpdateAlias", "DeleteAlias"):
        alias = str(body.get("AliasName", ""))
        requests = [Request(action, f"arn:{arns.partition}:kms:{arns.region}:{arns.account_id}:{alias}")]
        if body.get("TargetKeyId"):
            requests.append(Request(action, _kms_key_arn(arns, str(body["TargetKeyId"]))))
        return requests
    if body.get("KeyId"):
        return [Request(action, _kms_key_arn(arns, str(body["KeyId"])))]
    return [Request(action, "*")]


def organizations_requests(operation: str) -> list[Request]:
    """Organizations is enforced per action (every resource is ``*``)."""
    return [Request(f"organizations:{operation}", "*")]


def query_params(environ: dict[str, Any], body: bytes) -> dict[str, str]:
    """The parameters of a query-protocol request (IAM, STS): the query string and the form body."""
    params = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
    if body and "json" not in environ.get("CONTENT_TYPE", ""):
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            form = {}
        params.update({k: v[0] for k, v in form.items()})
    return params


# --- vault access policies ---------------------------------------------------------------


def vault_target(operation: str, params: dict[str, str], body: dict[str, Any], arns: Arns) -> tuple[str, str | None] | None:
    """(vault ARN, recovery point ARN or None) of an AWS Backup request on a vault or its recovery points."""
    name = params.get("backupVaultName") or (body.get("BackupVaultName") if operation == "StartBackupJob" else None)
    if not isinstance(name, str) or not name:
        return None
    return arns.vault(name), params.get("recoveryPointArn")


def vault_denial(
    access_key: str, caller: Caller | None, action: str, target: tuple[str, str | None], arns: Arns
) -> Denial | None:
    """The vault access policy's explicit deny of this request, if any (for any caller)."""
    from moto.backup.models import backup_backends

    from .backup.recovery_points import explicit_deny, resolve_principal

    vault_arn, recovery_point = target
    try:
        backend = backup_backends[arns.account_id][arns.region]
    except KeyError:
        return None
    get_policy = getattr(backend, "vault_access_policy", None)
    try:
        policy = get_policy(vault_arn.split(":backup-vault:", 1)[1]) if callable(get_policy) else None
    except ValueError:  # not JSON: moto refused it when it was put, so there is none to apply
        policy = None
    if not policy:
        return None
    resources = [vault_arn] + ([recovery_point] if recovery_point else [])
    principal = resolve_principal(access_key, arns.account_id, arns.partition)
    if not explicit_deny(policy, action, resources, principal):
        return None
    who = caller or Caller(principal.display_arn, principal.arn, arns.account_id, principal.kind, ())
    return Denial(who, Request(action, recovery_point or vault_arn), True, "resource-based policy")


# --- the decision and the answer --------------------------------------------------


@dataclass(frozen=True)
class Denial:
    """Why a request is denied, in AWS's words."""

    caller: Caller
    request: Request
    explicit: bool
    policy_kind: str  # "identity-based policy", "permissions boundary", "session policy"

    @property
    def message(self) -> str:
        head = (
            f"User: {self.caller.arn} is not authorized to perform: {self.request.action} "
            f"on resource: {self.request.resource}"
        )
        if self.explicit:
            return f"{head} with an explicit deny in {_article(self.policy_kind)} {self.policy_kind}"
        return f"{head} because no {self.policy_kind} allows the {self.request.action} action"


def _article(noun: str) -> str:
    return "an" if noun[0] in "aeiou" else "a"


def authorise(caller: Caller, request: Request, context: dict[str, Any]) -> Denial | None:
    """None if allowed; else the denial (explicit denies anywhere first)."""
    evaluations: list[tuple[str, Evaluation]] = [
        ("identity-based policy", evaluate(caller.identity, request.action, request.resource, context))
    ]
    if caller.boundary is not None:
        evaluations.append(
            ("permissions boundary", evaluate(caller.boundary, request.action, request.resource, context))
        )
    if caller.session is not None:
        evaluations.append(("session policy", evaluate(caller.session, request.action, request.resource, context)))
    for kind, evaluation in evaluations:
        if evaluation.decision == EXPLICIT_DENY:
            return Denial(caller, request, True, kind)
    for kind, evaluation in evaluations:
        if not evaluation.allowed:
            return Denial(caller, request, False, kind)
    return None


QUERY_NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def denial_response(service: str, denial: Denial) -> tuple[str, list[tuple[str, str]], bytes]:
    """AccessDeniedException in the service's wire format."""
    request_id = str(uuid.uuid4())
    if service in QUERY_NAMESPACES:  # IAM and STS: the query protocol's XML, code AccessDenied
        body = (
            f'<ErrorResponse xmlns="{QUERY_NAMESPACES[service]}"><Error><Type>Sender</Type>'
            f"<Code>AccessDenied</Code><Message>{_xml_escape(denial.message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        headers = [("Content-Type", "text/xml")]
        status = "403 Forbidden"
    elif service == "dynamodb":
        body = json.dumps({"__type": "com.amazon.coral.service#AccessDeniedException", "message": denial.message})
        headers = [("Content-Type", "application/x-amz-json-1.0")]
        status = "400 Bad Request"
    elif service in ("kms", "organizations"):  # JSON 1.1
        body = json.dumps({"__type": "AccessDeniedException", "message": denial.message})
        headers = [("Content-Type", "application/x-amz-json-1.1")]
        status = "400 Bad Request"
    else:
        body = json.dumps({"Message": denial.message})
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", "AccessDeniedException")]
        status = "403 Forbidden"
    data = body.encode()
    return status, headers + [("x-amzn-RequestId", request_id), ("Content-Length", str(len(data)))], data


# --- the middleware -------------------------------------------------------------------


def issued_sessions() -> list[dict[str, Any]]:
    """Every AssumeRole session moto issued, with its keys (a test tool: tests search for leaked secrets)."""
    from moto.sts.models import sts_backends

    sessions = []
    for _, by_partition in list(sts_backends.items()):
        for backend in list(by_partition.values()):
            for role in list(getattr(backend, "assumed_roles", [])):
                sessions.append(
                    {
                        "arn": role.arn,
                        "role_arn": role.role_arn,
                        "access_key_id": role.access_key_id,
                        "secret_access_key": role.secret_access_key,
                        "session_token": role.session_token,
                    }
                )
    return sessions


class DecisionLog:
    """Which statements allowed each authorised request (recorded on demand, for policy proofs)."""

    def __init__(self) -> None:
        self.recording = False
        self.entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def record(self, caller: Caller, request: Request, evaluation: Evaluation) -> None:
        if not self.recording:
            return
        entry = {
            "caller": caller.principal_arn,
            "action": request.action,
            "resource": request.resource,
            "allowed": evaluation.allowed,
            "statements": [
                {"policy": statement.source_id, "sid": statement.body.get("Sid")} for statement in evaluation.matched
            ],
        }
        with self._lock:
            if len(self.entries) < MAX_DECISIONS:
                self.entries.append(entry)

    def control(self, method: str) -> tuple[str, dict[str, Any]]:
        with self._lock:
            if method == "GET":
                return "200 OK", {"recording": self.recording, "decisions": list(self.entries)}
            if method in ("POST", "PUT"):
                self.recording, self.entries = True, []
                return "200 OK", {"recording": True}
            if method == "DELETE":
                self.recording, self.entries = False, []
                return "200 OK", {"recording": False}
        return "405 Method Not Allowed", {"error": f"{method} not allowed on {DECISIONS_PATH}"}


class EnforcementMiddleware:
    """WSGI middleware: authorises requests of IAM principals and applies vault access policies, when enabled."""

    def __init__(self, app: Callable[..., Iterable[bytes]], settings: Settings = SETTINGS):
        self.app = app
        self.settings = settings
        self.decisions = DecisionLog()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path in (DECISIONS_PATH, SESSIONS_PATH):
            if path == SESSIONS_PATH:
                status, payload = "200 OK", {"sessions": issued_sessions()}
            else:
                status, payload = self.decisions.control(environ.get("REQUEST_METHOD", "GET"))
            data = json.dumps(payload).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
            return [data]
        if not self.settings.iam_enforce:
            return self.app(environ, start_response)
        signature = signature_of(environ)
        if signature is None or signature.service not in ENFORCED_SERVICES:
            return self.app(environ, start_response)
        caller = find_caller(signature.access_key)
        if caller is None:  # the root keys: not restricted (see the module docstring)
            return self.app(environ, start_response)
        body = buffer_body(environ)
        denial = self._check(environ, signature, caller, body)
        if denial is None:
            return self.app(environ, start_response)
        status, headers, data = denial_response(signature.service, denial)
        start_response(status, headers)
        return [data]

    def _check(self, environ: dict[str, Any], signature: Signature, caller: Caller | None, body: bytes) -> Denial | None:
        from moto.iam.models import get_account_id_from
        from moto.utilities.utils import get_partition

        account_id = caller.account_id if caller is not None else get_account_id_from(signature.access_key)
        arns = Arns(get_partition(signature.region), signature.region, account_id)
        if signature.service == "backup":
            found = backup_operation(environ.get("REQUEST_METHOD", "GET"), raw_path(environ))
            if found is not None:
                operation, params = found
                target = vault_target(operation, params, _json(body), arns)
                if target is not None:
                    denial = vault_denial(signature.access_key, caller, f"backup:{operation}", target, arns)
                    if denial is not None:
                        return denial
        if caller is None:
            return None
        context = caller.context(signature.region)
        for request in requests_of(signature.service, environ, body, arns):
            request_context = {**context, **request.context} if request.context else context
            denial = authorise(caller, request, request_context)
            if self.decisions.recording:
                identity = evaluate(caller.identity, request.action, request.resource, request_context)
                self.decisions.record(caller, request, identity)
            if denial is not None:
                return denial
        return None


def _target(environ: dict[str, Any]) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    return target.rsplit(".", 1)[-1] if target else ""


def requests_of(service: str, environ: dict[str, Any], raw: bytes | dict[str, Any], arns: Arns) -> list[Request]:
    """What a request needs to be allowed to do (empty if unknown or if it needs nothing)."""
    body = raw if isinstance(raw, dict) else _json(raw) if service not in ("iam", "sts") else {}
    if service == "dynamodb":
        operation = _target(environ)
        return dynamodb_requests(operation, body, arns) if operation else []
    if service == "kms":
        operation = _target(environ)
        return kms_requests(operation, body, arns) if operation else []
    if service == "organizations":
        operation = _target(environ)
        return organizations_requests(operation) if operation else []
    if service in ("iam", "sts"):
        params = query_params(environ, raw if isinstance(raw, bytes) else b"")
        operation = params.get("Action", "")
        if not operation:
            return []
        return iam_requests(operation, params, arns) if service == "iam" else sts_requests(operation, params)
    found = backup_operation(environ.get("REQUEST_METHOD", "GET"), raw_path(environ))
    if found is None:
        return []
    operation, params = found
    return backup_requests(operation, params, body, arns) + pass_role_requests(body)


def raw_path(environ: dict[str, Any]) -> str:
    """The request path as sent (still URL-encoded, so an ARN's ``/`` stays ``%2F``)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return urlsplit(raw).path
    return quote(environ.get("PATH_INFO", ""), safe="/:")


def buffer_body(environ: dict[str, Any]) -> bytes:
    """Read the request body and put it back, so moto still reads it."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > 0:
        body = stream.read(length)
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    return body


def _json(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
