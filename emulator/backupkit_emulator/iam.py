"""IAM's policy simulator for moto: SimulatePrincipalPolicy and SimulateCustomPolicy.

moto 5.2.5 does not implement either operation. AWS's simulator evaluates
identity-based policies for each action in ``ActionNames`` on each ARN in
``ResourceArns`` (default ``*``) and answers one ``EvaluationResult`` per pair
with ``EvalDecision`` ``allowed``, ``explicitDeny`` or ``implicitDeny``, the
statements that decided it (``MatchedStatements``) and the condition keys the
policies needed but the request did not supply (``MissingContextValues``).

* SimulatePrincipalPolicy takes the policies of ``PolicySourceArn``: for a
  user its inline and attached managed policies and those of every group it
  belongs to; for a group or a role its own. A role's permissions boundary
  limits what its policies allow. ``PolicyInputList`` adds policies.
* SimulateCustomPolicy takes only ``PolicyInputList``.
* Context: each ``ContextEntries`` key with its values, and ``aws:PrincipalArn``
  = ``CallerArn`` or, by default, the simulated user or role.
* Results are paginated with ``MaxItems`` (default 100) and ``Marker``.

The evaluation itself is :mod:`backupkit_emulator.iam_policy`; the enforcing
middleware (:mod:`backupkit_emulator.enforce`) reads a principal's policies
with :func:`principal_policies` from here.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from moto.core.responses import ActionResult
from moto.iam.exceptions import InvalidInput, NotFoundException
from moto.iam.models import IAMBackend, iam_backends
from moto.iam.responses import IamResponse

from .extend import extend, moto
from .iam_policy import (
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Evaluation,
    Policy,
    PolicyDocumentError,
    Statement,
    evaluate,
    parse_policy,
)

DEFAULT_MAX_ITEMS = 100
MAX_ITEMS_LIMIT = 1000
IAM_ARN = re.compile(
    r"^arn:(?P<partition>[\w-]+):iam::(?P<account>\d{12}):(?P<kind>user|group|role)(?P<path>/(?:.*/)?)(?P<name>[^/]+)$"
)


# --- a principal's policies, from moto's IAM backend ---------------------------


def managed_policy_document(policy: Any) -> str:
    """The document of a managed policy's default version."""
    for version in policy.versions:
        if version.is_default:
            return version.document
    return policy.versions[-1].document if policy.versions else "{}"


def _managed(policies: Iterable[Any]) -> list[Policy]:
    return [
        parse_policy(
            managed_policy_document(policy),
            policy.name,
            "aws-managed" if ":iam::aws:policy/" in policy.arn else "user-managed",
        )
        for policy in policies
    ]


def _inline(documents: Mapping[str, str], source_type: str) -> list[Policy]:
    return [parse_policy(document, name, source_type) for name, document in documents.items()]


def entity_policies(entity: Any, source_type: str) -> list[Policy]:
    """Inline and attached managed policies of one user, group or role."""
    return _inline(entity.policies, source_type) + _managed(list(entity.managed_policies.values()))


def user_policies(backend: IAMBackend, user: Any) -> list[Policy]:
    """A user's policies and those of every group it belongs to."""
    policies = entity_policies(user, "user")
    for group in backend.get_groups_for_user(user.name):
        policies += entity_policies(group, "group")
    return policies


def permissions_boundary(backend: IAMBackend, entity: Any) -> list[Policy] | None:
    """The entity's permissions boundary (a managed policy), or None."""
    arn = getattr(entity, "permissions_boundary_arn", None)
    if not arn:
        return None
    policy = backend.managed_policies.get(arn) or _aws_managed(backend, arn)
    return _managed([policy]) if policy is not None else []


def _aws_managed(backend: IAMBackend, arn: str) -> Any | None:
    for policy in backend.aws_managed_policies:
        if policy.arn == arn:
            return policy
    return None


class Principal:
    """The policies of a user, group or role, found by its ARN."""

    def __init__(self, arn: str):
        match = IAM_ARN.match(arn or "")
        if not match:
            raise InvalidInput(f"Invalid ARN: {arn}. Specify the ARN of an IAM user, group or role.")
        self.arn = arn
        self.kind = match.group("kind")
        self.name = match.group("name")
        self.backend: IAMBackend = iam_backends[match.group("account")][match.group("partition")]
        self.entity = self._find()

    def _find(self) -> Any:
        found: Any = None
        if self.kind == "user":
            found = self.backend.users.get(self.name)
        elif self.kind == "group":
            found = self.backend.groups.get(self.name)
        else:
            found = next((r for r in self.backend.roles.values() if r.arn == self.arn), None)
        if found is None or found.arn != self.arn:
            raise NotFoundException(f"The {self.kind} with name {self.name} cannot be found.")
        return found

    @property
    def principal_arn(self) -> str | None:
        """aws:PrincipalArn when this entity makes a request (a group never does)."""
        return None if self.kind == "group" else self.arn

    def policies(self) -> list[Policy]:
        if self.kind == "user":
            return user_policies(self.backend, self.entity)
        return entity_policies(self.entity, self.kind)

    def boundary(self) -> list[Policy] | None:
        return permissions_boundary(self.backend, self.entity)


def principal_policies(arn: str) -> tuple[list[Policy], list[Policy] | None]:
    """(identity policies, permissions boundary or None) of the user, group or role ``arn``."""
    principal = Principal(arn)
    return principal.policies(), principal.boundary()


# --- the decision ---------------------------------------------------------------


def decide(identity: Evaluation, *limits: Evaluation) -> Evaluation:
    """Identity policies and limiting policies (boundary, session policy) together.

    An explicit deny anywhere wins; otherwise the request is allowed only if
    the identity policies and every limiting policy allow it.
    """
    for evaluation in (identity, *limits):
        if evaluation.decision == EXPLICIT_DENY:
            return evaluation
    if identity.allowed and all(limit.allowed for limit in limits):
        return identity
    missing = tuple(dict.fromkeys(k for e in (identity, *limits) for k in e.missing_context))
    return Evaluation(IMPLICIT_DENY, (), missing)


def simulate(
    policies: list[Policy],
    boundary: list[Policy] | None,
    action_names: list[str],
    resource_arns: list[str] | None,
    context: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """One EvaluationResult per action and resource, in request order."""
    results = []
    for action in action_names:
        for resource in resource_arns or ["*"]:
            identity = evaluate(policies, action, resource, context)
            if boundary is None:
                results.append(evaluation_result(action, resource, identity, None))
                continue
            limit = evaluate(boundary, action, resource, context)
            results.append(evaluation_result(action, resource, decide(identity, limit), limit))
    return results


def evaluation_result(
    action: str, resource: str, evaluation: Evaluation, boundary: Evaluation | None
) -> dict[str, Any]:
    """The EvaluationResult shape of botocore's IAM model."""
    matched = [matched_statement(s) for s in evaluation.matched]
    missing = list(evaluation.missing_context)
    result: dict[str, Any] = {
        "EvalActionName": action,
        "EvalResourceName": resource,
        "EvalDecision": evaluation.decision,
        "MatchedStatements": matched,
        "MissingContextValues": missing,
    }
    if boundary is not None:
        result["PermissionsBoundaryDecisionDetail"] = {"AllowedByPermissionsBoundary": boundary.allowed}
    if resource != "*":
        result["ResourceSpecificResults"] = [
            {
                "EvalResourceName": resource,
                "EvalResourceDecision": evaluation.decision,
                "MatchedStatements": matched,
                "MissingContextValues": missing,
            }
        ]
    return result


def matched_statement(statement: Statement) -> dict[str, Any]:
    """The Statement shape (SourcePolicyId, SourcePolicyType, Start/EndPosition)."""
    shape: dict[str, Any] = {"SourcePolicyId": statement.source_id}
    if statement.source_type:
        shape["SourcePolicyType"] = statement.source_type
    if statement.start is not None and statement.end is not None:
        shape["StartPosition"] = {"Line": statement.start.line, "Column": statement.start.column}
        shape["EndPosition"] = {"Line": statement.end.line, "Column": statement.end.column}
    return shape


def input_policies(documents: list[str] | None, prefix: str = "PolicyInputList") -> list[Policy]:
    """Policies given as strings, named ``PolicyInputList.1``, ``.2``, ... as AWS names them."""
    policies = []
    for number, document in enumerate(documents or [], start=1):
        try:
            policies.append(parse_policy(document, f"{prefix}.{number}"))
        except PolicyDocumentError as exc:
            raise InvalidInput(f"Invalid {prefix}.{number}: {exc}") from None
    return policies


def simulation_context(entries: list[Mapping[str, Any]] | None, principal_arn: str | None) -> dict[str, Any]:
    """The request context: aws:PrincipalArn, then every ContextEntries key (which may override it)."""
    context: dict[str, Any] = {}
    if principal_arn:
        context["aws:principalarn"] = principal_arn
    for entry in entries or []:
        name = entry.get("ContextKeyName")
        if name:
            context[str(name).lower()] = list(entry.get("ContextKeyValues") or [])
    return context


def paginate(results: list[dict[str, Any]], max_items: int | None, marker: str | None) -> dict[str, Any]:
    """A page of results: ``EvaluationResults``, ``IsTruncated`` and ``Marker``."""
    limit = DEFAULT_MAX_ITEMS if max_items is None else int(max_items)
    if not 1 <= limit <= MAX_ITEMS_LIMIT:
        raise InvalidInput(f"MaxItems must be between 1 and {MAX_ITEMS_LIMIT}.")
    start = 0
    if marker:
        if not marker.isdigit() or int(marker) > len(results):
            raise InvalidInput("Invalid Marker.")
        start = int(marker)
    page = results[start : start + limit]
    page_end = start + len(page)
    response: dict[str, Any] = {"EvaluationResults": page, "IsTruncated": page_end < len(results)}
    if page_end < len(results):
        response["Marker"] = str(page_end)
    return response


# --- backend and response methods (moto's classes take them in install()) -------


class IAMBackendExtension(IAMBackend):
    """IAMBackend: the two Simulate* operations, and AWS managed policies built once (``_init_aws_policies``)."""

    def simulate_principal_policy(
        self,
        policy_source_arn: str,
        action_names: list[str],
        policy_input_list: list[str] | None = None,
        resource_arns: list[str] | None = None,
        caller_arn: str | None = None,
        context_entries: list[Mapping[str, Any]] | None = None,
        max_items: int | None = None,
        marker: str | None = None,
    ) -> dict[str, Any]:
        principal = Principal(policy_source_arn)
        policies = principal.policies() + input_policies(policy_input_list)
        context = simulation_context(context_entries, caller_arn or principal.principal_arn)
        results = simulate(policies, principal.boundary(), action_names, resource_arns, context)
        return paginate(results, max_items, marker)

    def simulate_custom_policy(
        self,
        policy_input_list: list[str],
        action_names: list[str],
        resource_arns: list[str] | None = None,
        caller_arn: str | None = None,
        context_entries: list[Mapping[str, Any]] | None = None,
        max_items: int | None = None,
        marker: str | None = None,
        permissions_boundary_policy_input_list: list[str] | None = None,
    ) -> dict[str, Any]:
        boundary = (
            input_policies(permissions_boundary_policy_input_list, "PermissionsBoundaryPolicyInputList")
            if permissions_boundary_policy_input_list
            else None
        )
        context = simulation_context(context_entries, caller_arn)
        results = simulate(input_policies(policy_input_list), boundary, action_names, resource_arns, context)
        return paginate(results, max_items, marker)

    # --- AWS managed policies, built once ---------------------------------------------

    def _init_aws_policies(self) -> list[Any]:
        """AWS's managed policies for one account: copies of policies built once per partition.

        moto builds every AWS managed policy (about 1,600, parsed from JSON) for each account and
        partition it creates an IAM backend for, and again on every reset: 0.16 s a backend, six
        backends an account. An AWS managed policy is the same in every account (its id, path,
        document and versions are AWS's); what an account changes is its attachment count (and tags).
        So each account gets shallow copies with a count of its own, a few milliseconds for all.
        """
        templates = _AWS_POLICY_TEMPLATES.get(self.region_name)
        if templates is None:
            templates = _AWS_POLICY_TEMPLATES[self.region_name] = moto(IAMBackend, self)._init_aws_policies()
        own = {"account_id": self.account_id, "attachment_count": 0, "tags": {}}
        policies = []
        for template in templates:
            policy = object.__new__(type(template))
            policy.__dict__.update(template.__dict__, **own)
            policy.tags = {}
            # AWS refuses new versions of its own policies: the versions can be shared.
            policy.versions = list(template.versions)
            policies.append(policy)
        return policies


class IamResponseExtension(IamResponse):
    """IamResponse handlers: request parameters in, SimulatePolicyResponse out."""

    def simulate_principal_policy(self) -> ActionResult:
        params = self._simulation_params()  # type: ignore[attr-defined]
        result = self.backend.simulate_principal_policy(  # type: ignore[attr-defined]
            policy_source_arn=self._get_param("PolicySourceArn"),  # type: ignore[attr-defined]
            policy_input_list=self._get_param("PolicyInputList"),  # type: ignore[attr-defined]
            **params,
        )
        return ActionResult(result)

    def simulate_custom_policy(self) -> ActionResult:
        params = self._simulation_params()  # type: ignore[attr-defined]
        result = self.backend.simulate_custom_policy(  # type: ignore[attr-defined]
            policy_input_list=self._get_param("PolicyInputList") or [],  # type: ignore[attr-defined]
            permissions_boundary_policy_input_list=self._get_param(  # type: ignore[attr-defined]
                "PermissionsBoundaryPolicyInputList"
            ),
            **params,
        )
        return ActionResult(result)

    def list_service_specific_credentials(self) -> ActionResult:
        """No service-specific credentials (CodeCommit, Keyspaces) exist here; AWS answers an empty list.

        amazon.aws.iam_user calls this before deleting a user; moto does not implement it.
        The user must exist, as on AWS (NoSuchEntity otherwise).
        """
        user_name = self._get_param("UserName")  # type: ignore[attr-defined]
        if user_name:
            self.backend.get_user(user_name)  # type: ignore[attr-defined]
        return ActionResult({"ServiceSpecificCredentials": []})

    def _simulation_params(self) -> dict[str, Any]:
        get = self._get_param  # type: ignore[attr-defined]
        action_names = get("ActionNames") or []
        if not action_names:
            raise InvalidInput("ActionNames must contain at least one action.")
        return {
            "action_names": list(action_names),
            "resource_arns": get("ResourceArns"),
            "caller_arn": get("CallerArn"),
            "context_entries": get("ContextEntries"),
            "max_items": self._get_int_param("MaxItems"),  # type: ignore[attr-defined]
            "marker": get("Marker"),
        }


#: partition -> AWS's managed policies as moto built them for the first account (templates for the others)
_AWS_POLICY_TEMPLATES: dict[str, list[Any]] = {}


def install() -> None:
    """Extend moto's IAM backend and response classes with the Simulate* operations (idempotent)."""
    extend(IAMBackend, IAMBackendExtension)
    extend(IamResponse, IamResponseExtension)
