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

Keys that are neither an IAM user's nor an assumed role's (the ``testing``
keys moto maps to an account's root) stay unrestricted, and so do IAM, STS
and every other service.
"""

from __future__ import annotations

import io
import json
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .iam_policy import EXPLICIT_DENY, Evaluation, Policy, PolicyDocumentError, evaluate, parse_policy
from .settings import SETTINGS, Settings

ENFORCED_SERVICES = frozenset({"dynamodb", "backup"})
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
    """One authorisation question: ``action`` on ``resource``."""

    action: str
    resource: str


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


def backup_requests(operation: str, params: dict[str, str], body: dict[str, Any], arns: Arns) -> list[Request]:
    """The (action, resource) pair AWS authorises for an AWS Backup operation."""
    action = f"backup:{operation}"
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


def denial_response(service: str, denial: Denial) -> tuple[str, list[tuple[str, str]], bytes]:
    """AccessDeniedException in the service's wire format."""
    request_id = str(uuid.uuid4())
    if service == "dynamodb":
        body = json.dumps({"__type": "com.amazon.coral.service#AccessDeniedException", "message": denial.message})
        headers = [("Content-Type", "application/x-amz-json-1.0")]
        status = "400 Bad Request"
    else:
        body = json.dumps({"Message": denial.message})
        headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", "AccessDeniedException")]
        status = "403 Forbidden"
    data = body.encode()
    return status, headers + [("x-amzn-RequestId", request_id), ("Content-Length", str(len(data)))], data


# --- the middleware -------------------------------------------------------------------


class EnforcementMiddleware:
    """WSGI middleware: authorises DynamoDB / AWS Backup requests of IAM principals when enabled."""

    def __init__(self, app: Callable[..., Iterable[bytes]], settings: Settings = SETTINGS):
        self.app = app
        self.settings = settings

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not self.settings.iam_enforce:
            return self.app(environ, start_response)
        signature = signature_of(environ)
        if signature is None or signature.service not in ENFORCED_SERVICES:
            return self.app(environ, start_response)
        caller = find_caller(signature.access_key)
        if caller is None:
            return self.app(environ, start_response)
        body = buffer_body(environ)
        denial = self._check(environ, signature, caller, body)
        if denial is None:
            return self.app(environ, start_response)
        status, headers, data = denial_response(signature.service, denial)
        start_response(status, headers)
        return [data]

    @staticmethod
    def _check(environ: dict[str, Any], signature: Signature, caller: Caller, body: bytes) -> Denial | None:
        from moto.utilities.utils import get_partition

        arns = Arns(get_partition(signature.region), signature.region, caller.account_id)
        requests = requests_of(signature.service, environ, _json(body), arns)
        context = caller.context(signature.region)
        for request in requests:
            denial = authorise(caller, request, context)
            if denial is not None:
                return denial
        return None


def requests_of(service: str, environ: dict[str, Any], body: dict[str, Any], arns: Arns) -> list[Request]:
    """What a DynamoDB or AWS Backup request needs to be allowed to do (empty if unknown)."""
    if service == "dynamodb":
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        return dynamodb_requests(target.rsplit(".", 1)[-1], body, arns) if target else []
    found = backup_operation(environ.get("REQUEST_METHOD", "GET"), raw_path(environ))
    if found is None:
        return []
    operation, params = found
    return backup_requests(operation, params, body, arns)


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
