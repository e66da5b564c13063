"""IAM identity-policy evaluation, as AWS documents it (no moto, no I/O).

AWS decides a request against the identity-based policies of the principal in
three steps (IAM User Guide, "Policy evaluation logic"):

1. an ``Effect: Deny`` statement that applies to the request is an
   **explicit deny** and wins over everything;
2. otherwise an ``Effect: Allow`` statement that applies **allows** it;
3. otherwise the request is **implicitly denied**.

A statement applies when its ``Action`` (or ``NotAction``), its ``Resource`` (or
``NotResource``) and every operator of its ``Condition`` block match the
request:

* actions are ``service:Operation``; patterns may use ``*`` (any run of
  characters) and ``?`` (one character) and match case-insensitively;
* resources are ARNs; patterns use the same wildcards, case-sensitively
  (a requested resource of ``*`` is matched literally: only a ``*`` pattern
  covers it);
* condition keys are case-insensitive, values are compared as each operator
  says (``StringEquals``, ``StringLike``, ``ArnLike``, ... with ``IfExists``,
  ``ForAnyValue:`` and ``ForAllValues:``; ``ArnLike``/``ArnEquals`` compare
  the six ``:``-separated parts of an ARN separately). A key missing from the request
  context fails a positive operator and satisfies a negated one
  (``StringNotEquals``, ``ArnNotLike``, ...), and ``IfExists`` makes a missing
  key pass.

``Statement`` may be one object or a list; ``Action``/``Resource`` and
condition values may be one string or a list. Statement positions (line and
column, as the IAM policy simulator reports them in ``MatchedStatements``) are
computed from the document text when the document is given as text.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import unquote

ALLOWED = "allowed"
EXPLICIT_DENY = "explicitDeny"
IMPLICIT_DENY = "implicitDeny"

Context = Mapping[str, Any]


class PolicyDocumentError(ValueError):
    """The text is not a JSON policy document (IAM: MalformedPolicyDocument)."""


@dataclass(frozen=True)
class Position:
    """Where a statement starts or ends in its document (as the simulator reports it)."""

    line: int
    column: int


@dataclass(frozen=True)
class Statement:
    """One statement of a policy, with the policy it came from."""

    body: Mapping[str, Any]
    source_id: str
    source_type: str | None = None
    start: Position | None = None
    end: Position | None = None

    @property
    def effect(self) -> str:
        return str(self.body.get("Effect", ""))


@dataclass(frozen=True)
class Policy:
    """A parsed policy document and where it came from.

    ``source_id`` and ``source_type`` are what the simulator names in
    ``MatchedStatements`` (``SourcePolicyId``, ``SourcePolicyType``: user,
    group, role, aws-managed, user-managed; none for simulated input).
    """

    source_id: str
    source_type: str | None
    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class Evaluation:
    """The decision for one action on one resource."""

    decision: str
    matched: tuple[Statement, ...] = ()
    missing_context: tuple[str, ...] = field(default=())

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOWED


# --- documents ----------------------------------------------------------------


def load_document(document: str | bytes | Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The document as a dict, and its JSON text if it came as text.

    IAM stores documents as text; moto keeps them as sent, and some callers
    send them URL-encoded (as IAM returns them), so both are accepted.
    """
    if isinstance(document, Mapping):
        return dict(document), None
    text = document.decode() if isinstance(document, bytes) else str(document)
    for candidate in (text, unquote(text)):
        try:
            parsed = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            return parsed, candidate
    raise PolicyDocumentError("Syntax errors in policy.")


def parse_policy(document: str | bytes | Mapping[str, Any], source_id: str, source_type: str | None = None) -> Policy:
    """A :class:`Policy` from a document (text, URL-encoded text or dict)."""
    parsed, text = load_document(document)
    bodies = parsed.get("Statement", [])
    if isinstance(bodies, Mapping):
        bodies = [bodies]
    if not isinstance(bodies, list):
        raise PolicyDocumentError("Statement must be an object or a list of objects.")
    spans = _safe_spans(text) if text is not None else []
    statements = []
    for index, body in enumerate(bodies):
        if not isinstance(body, Mapping):
            raise PolicyDocumentError("Each statement must be an object.")
        start, end = spans[index] if index < len(spans) else (None, None)
        statements.append(Statement(body, source_id, source_type, start, end))
    return Policy(source_id, source_type, tuple(statements))


def _safe_spans(text: str) -> list[tuple[Position, Position]]:
    try:
        return statement_spans(text)
    except (ValueError, IndexError):
        return []


def statement_spans(text: str) -> list[tuple[Position, Position]]:
    """Start and end positions of each statement object in a policy's JSON text.

    The simulator reports 1-based lines and the 1-based column just after the
    opening and the closing brace of the statement.
    """
    decoder = json.JSONDecoder()
    offsets: list[tuple[int, int]] = []
    index = _skip_space(text, 0)
    if index >= len(text) or text[index] != "{":
        return []
    index += 1
    while index < len(text):
        index = _skip_space(text, index)
        if text[index] == "}":
            break
        if text[index] == ",":
            index += 1
            continue
        key, index = json.decoder.scanstring(text, index + 1)  # type: ignore[attr-defined]
        index = _skip_space(text, index)
        index = _skip_space(text, index + 1)  # past ':'
        if key == "Statement":
            offsets = _object_offsets(text, index, decoder)
        _, index = decoder.raw_decode(text, index)
    return [(_position(text, start), _position(text, end)) for start, end in offsets]


def _object_offsets(text: str, index: int, decoder: json.JSONDecoder) -> list[tuple[int, int]]:
    """(opening brace, closing brace) offsets of the object or list of objects at ``index``."""
    if text[index] == "{":
        _, end = decoder.raw_decode(text, index)
        return [(index, end - 1)]
    offsets = []
    if text[index] != "[":
        return offsets
    index += 1
    while index < len(text):
        index = _skip_space(text, index)
        if text[index] == "]":
            break
        if text[index] == ",":
            index += 1
            continue
        start = index
        _, index = decoder.raw_decode(text, index)
        if text[start] == "{":
            offsets.append((start, index - 1))
    return offsets


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _position(text: str, offset: int) -> Position:
    line = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    return Position(line, offset - line_start + 2)


# --- evaluation ---------------------------------------------------------------


def evaluate(policies: Iterable[Policy], action: str, resource: str, context: Context | None = None) -> Evaluation:
    """AWS's decision for ``action`` on ``resource`` under ``policies``.

    ``context`` maps condition keys (any case) to a value or a list of values.
    """
    values = normalise_context(context or {})
    denies: list[Statement] = []
    allows: list[Statement] = []
    missing: dict[str, None] = {}
    for policy in policies:
        for statement in policy.statements:
            if not targets(statement.body, action, resource):
                continue
            block = statement.body.get("Condition") or {}
            for key in condition_keys(block):
                if key.lower() not in values:
                    missing.setdefault(key, None)
            if not conditions_hold(block, values):
                continue
            if statement.effect == "Deny":
                denies.append(statement)
            elif statement.effect == "Allow":
                allows.append(statement)
    if denies:
        return Evaluation(EXPLICIT_DENY, tuple(denies), tuple(missing))
    if allows:
        return Evaluation(ALLOWED, tuple(allows), tuple(missing))
    return Evaluation(IMPLICIT_DENY, (), tuple(missing))


def statement_applies(statement: Mapping[str, Any], action: str, resource: str, context: Context | None = None) -> bool:
    """True if the statement's action, resource and conditions all match the request."""
    return targets(statement, action, resource) and conditions_hold(
        statement.get("Condition") or {}, normalise_context(context or {})
    )


def targets(statement: Mapping[str, Any], action: str, resource: str) -> bool:
    """True if the statement's Action/NotAction and Resource/NotResource cover the request."""
    if "Action" in statement:
        if not any(action_matches(p, action) for p in as_list(statement["Action"])):
            return False
    elif "NotAction" in statement:
        if any(action_matches(p, action) for p in as_list(statement["NotAction"])):
            return False
    else:
        return False
    if "Resource" in statement:
        return any(resource_matches(p, resource) for p in as_list(statement["Resource"]))
    if "NotResource" in statement:
        return not any(resource_matches(p, resource) for p in as_list(statement["NotResource"]))
    return False


def action_matches(pattern: Any, action: str) -> bool:
    """``dynamodb:Delete*`` matches ``dynamodb:DeleteBackup`` (case-insensitive)."""
    return wildcard_match(str(pattern), action, ignore_case=True)


def resource_matches(pattern: Any, resource: str) -> bool:
    """``arn:aws:dynamodb:*:*:table/*/backup/*`` matches a backup ARN (case-sensitive)."""
    return wildcard_match(str(pattern), resource)


def wildcard_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM wildcards: ``*`` any run of characters (``/`` and ``:`` included), ``?`` one character."""
    return _wildcard_regex(pattern, ignore_case).fullmatch(value) is not None


@lru_cache(maxsize=4096)
def _wildcard_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def as_list(value: Any) -> list[Any]:
    """A policy element that may be one value or a list, as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def normalise_context(context: Context) -> dict[str, tuple[str, ...]]:
    """Context keys lower-cased (IAM keys are case-insensitive), values as tuples of strings."""
    values: dict[str, tuple[str, ...]] = {}
    for key, value in context.items():
        if value is None:
            continue
        values[str(key).lower()] = tuple(_text(v) for v in as_list(value))
    return values


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- conditions ---------------------------------------------------------------


def condition_keys(block: Any) -> list[str]:
    """The context keys a Condition block refers to, as written."""
    if not isinstance(block, Mapping):
        return []
    return [str(key) for tests in block.values() if isinstance(tests, Mapping) for key in tests]


def conditions_hold(block: Any, context: Mapping[str, tuple[str, ...]]) -> bool:
    """All operators of a Condition block hold for the (normalised) context.

    Operators this evaluator does not know never hold, so the statement does
    not apply.
    """
    if not isinstance(block, Mapping):
        return False
    for operator, tests in block.items():
        if not isinstance(tests, Mapping):
            return False
        for key, expected in tests.items():
            actual = context.get(str(key).lower())
            if not condition_holds(str(operator), [str(v) for v in as_list(expected)], actual):
                return False
    return True


def condition_holds(operator: str, expected: list[str], actual: tuple[str, ...] | None) -> bool:
    """One ``Operator: {key: values}`` test; ``actual`` is None when the key is missing."""
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists")
    if if_exists:
        name = name[: -len("IfExists")]
    if name == "Null":
        return any((value.lower() == "true") == (actual is None) for value in expected)
    test = _OPERATORS.get(name)
    if test is None or qualifier not in ("", "ForAnyValue", "ForAllValues"):
        return False
    negated = name in _NEGATED
    if not actual:
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return if_exists or negated
    results = [test(value, expected) != negated for value in actual]
    if qualifier == "ForAllValues":
        return all(results)
    if qualifier == "ForAnyValue" or not negated:
        return any(results)
    return all(results)


def _string_equals(value: str, expected: list[str]) -> bool:
    return value in expected


def _string_equals_ignore_case(value: str, expected: list[str]) -> bool:
    return value.lower() in (e.lower() for e in expected)


def _string_like(value: str, expected: list[str]) -> bool:
    return any(wildcard_match(e, value) for e in expected)


def _arn_like(value: str, expected: list[str]) -> bool:
    """ARNs compare component by component (six ``:``-separated parts), each with wildcards."""
    return any(_arn_component_match(e, value) for e in expected)


def _arn_component_match(pattern: str, value: str) -> bool:
    pattern_parts = pattern.split(":", 5)
    value_parts = value.split(":", 5)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        return wildcard_match(pattern, value)
    return all(wildcard_match(p, v) for p, v in zip(pattern_parts, value_parts))


def _bool(value: str, expected: list[str]) -> bool:
    return value.lower() in (e.lower() for e in expected)


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[str, list[str]], bool]:
    def test(value: str, expected: list[str]) -> bool:
        try:
            number = float(value)
            return any(compare(number, float(e)) for e in expected)
        except ValueError:
            return False

    return test


def _date(compare: Callable[[datetime, datetime], bool]) -> Callable[[str, list[str]], bool]:
    def test(value: str, expected: list[str]) -> bool:
        moment = _parse_date(value)
        return moment is not None and any(
            (bound := _parse_date(e)) is not None and compare(moment, bound) for e in expected
        )

    return test


def _parse_date(text: str) -> datetime | None:
    """ISO 8601 (``2024-01-01T00:00:00Z``) or epoch seconds, as IAM's date operators accept."""
    try:
        return datetime.fromtimestamp(float(text), tz=timezone.utc)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _ip_address(value: str, expected: list[str]) -> bool:
    try:
        address = ipaddress.ip_address(value)
        return any(address in ipaddress.ip_network(e, strict=False) for e in expected)
    except ValueError:
        return False


# Negated operators are the positive test inverted (see condition_holds).
_OPERATORS: dict[str, Callable[[str, list[str]], bool]] = {
    "StringEquals": _string_equals,
    "StringNotEquals": _string_equals,
    "StringEqualsIgnoreCase": _string_equals_ignore_case,
    "StringNotEqualsIgnoreCase": _string_equals_ignore_case,
    "StringLike": _string_like,
    "StringNotLike": _string_like,
    "ArnEquals": _arn_like,
    "ArnNotEquals": _arn_like,
    "ArnLike": _arn_like,
    "ArnNotLike": _arn_like,
    "Bool": _bool,
    "NumericEquals": _numeric(lambda a, b: a == b),
    "NumericNotEquals": _numeric(lambda a, b: a == b),
    "NumericLessThan": _numeric(lambda a, b: a < b),
    "NumericLessThanEquals": _numeric(lambda a, b: a <= b),
    "NumericGreaterThan": _numeric(lambda a, b: a > b),
    "NumericGreaterThanEquals": _numeric(lambda a, b: a >= b),
    "DateEquals": _date(lambda a, b: a == b),
    "DateNotEquals": _date(lambda a, b: a == b),
    "DateLessThan": _date(lambda a, b: a < b),
    "DateLessThanEquals": _date(lambda a, b: a <= b),
    "DateGreaterThan": _date(lambda a, b: a > b),
    "DateGreaterThanEquals": _date(lambda a, b: a >= b),
    "IpAddress": _ip_address,
    "NotIpAddress": _ip_address,
}
_NEGATED = frozenset(
    {
        "StringNotEquals",
        "StringNotEqualsIgnoreCase",
        "StringNotLike",
        "ArnNotEquals",
        "ArnNotLike",
        "NumericNotEquals",
        "DateNotEquals",
        "NotIpAddress",
    }
)
