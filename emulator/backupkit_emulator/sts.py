"""STS AssumeRole as AWS does it: the role must exist and trust the caller.

moto's AssumeRole hands out credentials for any role ARN, whether or not the
role exists and whatever its trust policy says. AWS answers HTTP 403
``AccessDenied`` ("User: <caller> is not authorized to perform: sts:AssumeRole
on resource: <role arn>") in both cases. This module patches moto's STS
response class so that AssumeRole

* looks the role up in moto's IAM backend of the role's account (by its full
  ARN, path included, as AWS does);
* evaluates the role's trust policy for the caller: ``Allow`` statements for
  ``sts:AssumeRole`` whose ``Principal`` names the caller's account (``"ACCT"``
  or ``"arn:aws:iam::ACCT:root"``), the caller's user / role ARN, or ``"*"``;
  ``Service`` and ``Federated`` principals never admit an access-key caller;
  a matching ``Deny`` wins; ``Condition`` blocks are evaluated against the
  request context (``sts:ExternalId``, ``sts:RoleSessionName``,
  ``aws:PrincipalAccount``, ``aws:PrincipalArn``, ``aws:PrincipalType``,
  ``aws:PrincipalOrgID``) by the one IAM condition engine of
  :mod:`backupkit_emulator.iam_policy` (the one identity policies use, so that
  ``ArnLike`` and the rest mean the same in both);
* checks ``DurationSeconds`` against the role's ``MaxSessionDuration`` (and the
  one-hour limit of role chaining) and ``RoleSessionName`` against its pattern.

The credentials AssumeRole returns are moto's: their access key belongs to the
role's account, so every call signed with them acts in that account.

The caller is identified from the request's access key the way moto maps keys
to accounts: a key of an assumed-role session is that session, a key of an IAM
user is that user, and any other key (``testing``, ...) is the root user of the
account moto assigns to it (``123456789012`` unless told otherwise).
GetCallerIdentity answers the same root identity for such keys, as AWS does
for root credentials, instead of moto's invented ``user/moto``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from moto.core.exceptions import AccessDeniedError
from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends
from moto.sts.exceptions import STSValidationError
from moto.sts.models import STSBackend, sts_backends
from moto.sts.responses import TokenResponse

from .extend import extend, moto
from .iam_policy import action_matches, as_list, conditions_hold, normalise_context

ACTION = "sts:AssumeRole"
ROLE_ARN = re.compile(r"^arn:(?P<partition>[\w-]+):iam::(?P<account>\d{12}):role/(?P<name>.+)$")
ACCOUNT_ROOT = re.compile(r"^arn:[\w-]+:iam::(?P<account>\d{12}):root$")
ROLE_SESSION_NAME = re.compile(r"^[\w+=,.@-]*$")
ROLE_CHAINING_LIMIT = 3600
STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"


class AssumeRoleAccessDenied(AccessDeniedError):
    """HTTP 403 ``AccessDenied`` in STS's own error document."""

    def __init__(self, caller_arn: str, role_arn: str):
        super().__init__(caller_arn, f"{ACTION} on resource: {role_arn}")
        self.description = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<ErrorResponse xmlns="{STS_NAMESPACE}"><Error><Type>Sender</Type>'
            f"<Code>AccessDenied</Code><Message>{_xml_escape(self.message)}</Message>"
            "</Error><RequestId>backupkit-emulator</RequestId></ErrorResponse>"
        )


@dataclass(frozen=True)
class Caller:
    """Who signed the request, as AWS's policy evaluation sees it."""

    account_id: str
    arn: str  # shown in AccessDenied messages
    principal_type: str  # "Account" (root), "User" or "AssumedRole"
    principal_arn: str  # aws:PrincipalArn: the user, the role (not the session) or the root
    names: frozenset[str] = field(default_factory=frozenset)  # ARNs a Principal element may name
    user_name: str | None = None


def root_caller(account_id: str, partition: str = "aws") -> Caller:
    root = f"arn:{partition}:iam::{account_id}:root"
    return Caller(account_id, root, "Account", root, frozenset({root}))


def caller_of(access_key_id: str, account_id: str, partition: str) -> Caller:
    """The principal behind ``access_key_id`` in ``account_id`` (moto's key -> account map)."""
    session = sts_backends[account_id][partition].get_assumed_role_from_access_key(access_key_id)
    if session is not None:
        return Caller(
            account_id,
            session.arn,
            "AssumedRole",
            session.role_arn,
            frozenset({session.arn, session.role_arn}),
        )
    user = iam_backends[account_id][partition].get_user_from_access_key_id(access_key_id)
    if user is not None:
        return Caller(account_id, user.arn, "User", user.arn, frozenset({user.arn}), user.name)
    return root_caller(account_id, partition)


def principal_org_id(account_id: str, partition: str) -> str | None:
    """The AWS Organizations organization the account belongs to, if any."""
    from moto.organizations.models import organizations_backends

    master = organizations_backends.master_accounts.get(account_id)
    owner, owner_partition = master if master else (account_id, partition)
    backend = organizations_backends.get(owner, {}).get(owner_partition)
    org = getattr(backend, "org", None)
    return org.id if org is not None else None


def request_context(caller: Caller, partition: str, session_name: str | None,
                    external_id: str | None) -> dict[str, str]:
    """Condition keys (lower-cased) that an AssumeRole request carries."""
    context = {
        "aws:principalaccount": caller.account_id,
        "aws:principalarn": caller.principal_arn,
        "aws:principaltype": caller.principal_type,
    }
    if caller.user_name:
        context["aws:username"] = caller.user_name
    if session_name is not None:
        context["sts:rolesessionname"] = session_name
    if external_id is not None:
        context["sts:externalid"] = external_id
    org_id = principal_org_id(caller.account_id, partition)
    if org_id:
        context["aws:principalorgid"] = org_id
    return context


# --- trust policy evaluation -------------------------------------------------


def trust_admits(document: Any, caller: Caller, context: dict[str, str]) -> bool:
    """True if the trust policy allows ``caller`` to assume the role (no matching Deny)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return False
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for statement in statements:
        if not isinstance(statement, dict) or not _statement_applies(statement, caller, context):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def _statement_applies(statement: dict[str, Any], caller: Caller, context: dict[str, str]) -> bool:
    if "Action" in statement:
        if not any(action_matches(pattern, ACTION) for pattern in as_list(statement["Action"])):
            return False
    elif "NotAction" in statement:
        if any(action_matches(pattern, ACTION) for pattern in as_list(statement["NotAction"])):
            return False
    else:
        return False
    if "Principal" in statement:
        if not _principal_names(statement["Principal"], caller):
            return False
    elif "NotPrincipal" in statement:
        if _principal_names(statement["NotPrincipal"], caller):
            return False
    else:
        return False
    return conditions_hold(statement.get("Condition") or {}, normalise_context(context))


def _principal_names(principal: Any, caller: Caller) -> bool:
    """True if a Principal element names the caller (Service/Federated never do)."""
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return any(_aws_principal_names(value, caller) for value in as_list(principal.get("AWS", [])))


def _aws_principal_names(value: Any, caller: Caller) -> bool:
    value = str(value)
    if value == "*":
        return True
    if re.fullmatch(r"\d{12}", value):
        return value == caller.account_id
    root = ACCOUNT_ROOT.match(value)
    if root:
        return root.group("account") == caller.account_id
    return value in caller.names


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- the patches -------------------------------------------------------------


def check_assume_role(response: TokenResponse) -> None:
    """Raise what AWS raises before it issues role credentials."""
    role_arn = response._get_param("RoleArn") or ""
    session_name = response._get_param("RoleSessionName")
    external_id = response._get_param("ExternalId")
    duration = response._get_int_param("DurationSeconds", 3600)
    partition = response.partition
    caller = caller_of(response.get_access_key(), response.current_account, partition)

    if session_name is not None and not ROLE_SESSION_NAME.match(session_name):
        raise STSValidationError(
            f"1 validation error detected: Value '{session_name}' at 'roleSessionName' failed to "
            r"satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*"
        )
    role = _find_role(role_arn)
    context = request_context(caller, partition, session_name, external_id)
    if role is None or not trust_admits(role.assume_role_policy_document, caller, context):
        raise AssumeRoleAccessDenied(caller.arn, role_arn)
    if caller.principal_type == "AssumedRole" and duration > ROLE_CHAINING_LIMIT:
        raise STSValidationError(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
        )
    if duration > int(role.max_session_duration or 3600):
        raise STSValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")


def _find_role(role_arn: str) -> Any | None:
    match = ROLE_ARN.match(role_arn)
    if not match:
        return None
    backend = iam_backends[match.group("account")][match.group("partition")]
    try:
        return backend.get_role_by_arn(role_arn)
    except NotFoundException:
        return None


class TokenResponseExtension(TokenResponse):
    """AssumeRole checks that the role exists and that its trust policy admits the caller."""

    def assume_role(self) -> Any:
        check_assume_role(self)
        return moto(TokenResponse, self).assume_role()


class STSBackendExtension(STSBackend):
    """GetCallerIdentity of keys moto does not know answers the account's root user, as AWS does."""

    def get_caller_identity(self, access_key_id: str, region: str) -> tuple[str, str, str]:
        user_id, arn, account_id = moto(STSBackend, self).get_caller_identity(access_key_id, region)
        if arn.endswith(":user/moto"):
            # moto's placeholder for keys it does not know: AWS answers the root user.
            root = root_caller(account_id, self.partition)
            return account_id, root.arn, account_id
        return user_id, arn, account_id


def install() -> None:
    """Extend moto's STS AssumeRole (existence + trust) and GetCallerIdentity (root); idempotent."""
    extend(TokenResponse, TokenResponseExtension)
    extend(STSBackend, STSBackendExtension)
