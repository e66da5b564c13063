"""WSGI middleware: latency and injected faults, plus the control endpoint.

Every AWS request passes through :class:`FaultMiddleware` before moto sees it.
It sleeps ``latency_ms``, answers HTTP 503 ``ServiceUnavailable`` for a Region in
``unavailable_regions`` (a Region's outage; global services such as IAM are spared),
then with ``error_rate`` answers HTTP 500
``InternalServerError`` and with ``throttle_rate`` answers the service's
throttling error, each in the wire format of the service's protocol so that
botocore parses and retries it as it would a real AWS answer.
With ``lose_responses`` (``{"kms.CreateKey": 1}``: the next N requests of that
``service.Operation``, the keys of ``/_backupkit/stats``) a request takes effect and
its answer is then replaced by HTTP 500 (``InternalServerError``, ``InternalFailure`` for
query/XML services): what a client sees when AWS performed a call but the answer
was lost, so that a retry of a call that is not idempotent (KMS ``CreateKey``) shows.

The control endpoint (not an AWS API) lives under ``/_backupkit/``:

``GET /_backupkit/settings``
    the current settings as JSON
``POST /_backupkit/settings``
    a JSON object of settings to change, e.g. ``{"throttle_rate": 0.2}``;
    answers the new settings, or HTTP 400 naming the bad key
``GET /_backupkit/stats`` / ``DELETE /_backupkit/stats``
    requests counted per ``service.Operation`` (e.g. ``dynamodb.BatchWriteItem``;
    REST services by HTTP method), and a reset of the counts
``GET /_backupkit/health``
    ``{"status": "ok"}``
``GET /_backupkit/clock`` / ``POST /_backupkit/clock``
    the virtual clock (``{"now": ISO}``); POST ``{"advance_seconds": N}`` or
    ``{"now": ISO}`` moves it forwards once everything due in between ran
    (see ``clock.py``); HTTP 400 for a move backwards

Every AWS request is handled holding ``clock.LOCK`` (after the injected latency,
so slow requests still overlap), after the scheduler has run what fell due. An
exception that escapes moto, or an HTML error page moto's Flask app makes of
one, answers HTTP 500 in the service's own error shape (``InternalFailure`` for
query/XML services, ``InternalServerError`` for JSON ones), never HTML. A request
that may have changed a DynamoDB table (anything but a read) is noted once answered,
so that later backups copy the table again (``dynamodb.frozen_copy``).
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from functools import lru_cache
from typing import Any, Callable, Iterable

from .clock import CLOCK, LOCK
from .dynamodb import note_write, request_may_write
from .settings import SETTINGS, Settings

CONTROL_PREFIX = "/_backupkit/"

# DynamoDB operations that act on items: AWS throttles these with
# ProvisionedThroughputExceededException; control-plane calls get ThrottlingException.
DYNAMODB_DATA_OPERATIONS = frozenset(
    {
        "BatchGetItem",
        "BatchWriteItem",
        "DeleteItem",
        "GetItem",
        "PutItem",
        "Query",
        "Scan",
        "TransactGetItems",
        "TransactWriteItems",
        "UpdateItem",
        "ExecuteStatement",
        "BatchExecuteStatement",
        "ExecuteTransaction",
    }
)

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_REGION_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/[^/]+/aws4_request")
_REGIONAL_HOST = re.compile(r"^[a-z0-9-]+\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com")

#: Services with one global endpoint (their requests are signed for us-east-1): a Region's
#: outage (``unavailable_regions``) does not take them down.
GLOBAL_SERVICES = frozenset({"iam", "organizations", "route53", "cloudfront", "globalaccelerator"})
#: AWS's common error for a request the service cannot serve now (HTTP 503).
UNAVAILABLE_CODE = "ServiceUnavailable"
UNAVAILABLE_MESSAGE = "The request has failed due to a temporary failure of the server."


THROTTLE_MESSAGES = {
    "ProvisionedThroughputExceededException": (
        "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API."
    ),
    "ThrottlingException": "Rate exceeded",
    "Throttling": "Rate exceeded",
    "SlowDown": "Please reduce your request rate.",
}


@lru_cache(maxsize=1)
def _botocore_session() -> Any:
    import botocore.session

    return botocore.session.get_session()


@lru_cache(maxsize=None)
def protocol_of(service: str | None) -> tuple[str, str]:
    """(protocol, JSON version) of a service, by the signing name in its requests.

    Only the one service model is loaded (loading all of botocore's takes
    seconds); a name botocore does not know is treated as JSON.
    """
    from botocore.exceptions import DataNotFoundError

    if not service:
        return "json", "1.0"
    try:
        metadata = _botocore_session().get_service_model(service).metadata
    except DataNotFoundError:
        return "json", "1.0"
    return metadata.get("protocol", "json"), metadata.get("jsonVersion", "1.0")


def service_of(environ: dict[str, Any]) -> str | None:
    """The signing name of the service a request is for (SigV4 credential scope, else host)."""
    match = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        return match.group(1)
    host = environ.get("HTTP_HOST", "")
    return host.split(".")[0] if ".amazonaws.com" in host else None


def region_of(environ: dict[str, Any]) -> str | None:
    """The Region a request is for: its SigV4 credential scope, else a regional host name."""
    match = _REGION_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        return match.group(1)
    match = _REGIONAL_HOST.match(environ.get("HTTP_HOST", ""))
    return match.group(1) if match else None


def operation_of(environ: dict[str, Any]) -> str | None:
    """The operation of a JSON-protocol request (``X-Amz-Target: DynamoDB_20120810.PutItem``)."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    return None


def error_response(
    service: str | None, status: int, code: str, message: str
) -> tuple[str, list[tuple[str, str]], bytes]:
    """An AWS error in the wire format of ``service``'s protocol."""
    protocol, json_version = protocol_of(service)
    reason = {500: "Internal Server Error", 503: "Service Unavailable"}.get(status, "Bad Request")
    status_line = f"{status} {reason}"
    if protocol in ("query", "ec2"):
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            "<ErrorResponse><Error>"
            f"<Type>{'Receiver' if status >= 500 else 'Sender'}</Type>"
            f"<Code>{code}</Code><Message>{message}</Message>"
            "</Error><RequestId>backupkit-emulator-fault</RequestId></ErrorResponse>"
        ).encode()
        return status_line, [("Content-Type", "text/xml")], body
    if protocol == "rest-xml":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<Error><Code>{code}</Code><Message>{message}</Message>"
            "<RequestId>backupkit-emulator-fault</RequestId></Error>"
        ).encode()
        return status_line, [("Content-Type", "application/xml")], body
    # json and rest-json: botocore reads __type or the x-amzn-ErrorType header
    body = json.dumps({"__type": code, "message": message}).encode()
    content_type = f"application/x-amz-json-{json_version}" if protocol == "json" else "application/json"
    headers = [("Content-Type", content_type), ("x-amzn-ErrorType", code)]
    return status_line, headers, body


def throttle_code(service: str | None, operation: str | None) -> str:
    """The error code AWS throttles ``operation`` of ``service`` with."""
    if service == "dynamodb" and operation in DYNAMODB_DATA_OPERATIONS:
        return "ProvisionedThroughputExceededException"
    if service == "s3":
        return "SlowDown"
    protocol, _ = protocol_of(service)
    # Query-protocol services (IAM, STS, ...) name it "Throttling".
    return "Throttling" if protocol in ("query", "ec2") else "ThrottlingException"


class FaultMiddleware:
    """Wraps the moto WSGI application with latency, faults and the control endpoint."""

    def __init__(self, app: Callable[..., Iterable[bytes]], settings: Settings = SETTINGS):
        self.app = app
        self.settings = settings
        # requests seen per "service.Operation" (JSON protocols) or "service.METHOD" (others)
        self.stats: dict[str, int] = {}
        self._stats_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX):
            return self._control(environ, start_response, path[len(CONTROL_PREFIX):])
        if path.startswith("/moto-api"):
            with LOCK:
                return list(self.app(environ, start_response))

        settings = self.settings
        if settings.latency_ms > 0:
            time.sleep(settings.latency_ms / 1000.0)
        service = service_of(environ)
        if service:
            self._count(f"{service}.{operation_of(environ) or environ.get('REQUEST_METHOD', 'GET')}")
        if (service and settings.unavailable_regions and service not in GLOBAL_SERVICES
                and settings.region_unavailable(region_of(environ))):
            return self._fail(environ, start_response, service, 503, UNAVAILABLE_CODE, UNAVAILABLE_MESSAGE)
        if service and settings.chance(settings.error_rate):
            return self._fail(environ, start_response, service, 500, "InternalServerError",
                              "Injected internal error (backupkit-emulator --error-rate)")
        if service and settings.chance(settings.throttle_rate):
            code = throttle_code(service, operation_of(environ))
            status = 503 if code == "SlowDown" else 400
            return self._fail(environ, start_response, service, status, code, THROTTLE_MESSAGES[code])
        key = f"{service}.{operation_of(environ) or environ.get('REQUEST_METHOD', 'GET')}"
        if service and settings.lose_responses and settings.take_lost_response(key):
            # the request takes effect; its answer is lost on the way back: the caller sees a 5xx (lose_responses)
            self._serve(environ, lambda status, headers, exc_info=None: (lambda data: None), service)
            protocol, _ = protocol_of(service)
            code = "InternalFailure" if protocol in ("query", "ec2", "rest-xml") else "InternalServerError"
            return self._fail(environ, start_response, service, 500, code,
                              "Injected lost response: the request took effect (backupkit-emulator lose_responses)",
                              drain=False)
        return self._serve(environ, start_response, service)

    def _serve(self, environ: dict[str, Any], start_response: Callable[..., Any], service: str | None) -> Iterable[bytes]:
        """moto's answer, under the one lock, with unexpected failures in the service's error shape."""
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        may_write = request_may_write(service, operation_of(environ), environ.get("REQUEST_METHOD", "GET"))
        with LOCK:
            try:
                CLOCK.catch_up()
                answer = self.app(environ, capture)
                try:
                    body = b"".join(answer)
                finally:
                    close = getattr(answer, "close", None)
                    if close is not None:
                        close()
            except Exception as exc:  # noqa: BLE001 - answered as AWS answers an internal failure
                return self._internal_failure(environ, start_response, service, exc)
            finally:
                if may_write:
                    note_write()  # later backups copy the tables again (dynamodb.frozen_copy)
        status, headers = captured.get("status", "500 Internal Server Error"), captured.get("headers", [])
        content_type = dict((k.lower(), v) for k, v in headers).get("content-type", "")
        if status.startswith("500") and "html" in content_type:
            return self._internal_failure(environ, start_response, service, None)
        start_response(status, headers)
        return [body]

    def _internal_failure(self, environ: dict[str, Any], start_response: Callable[..., Any],
                          service: str | None, exc: Exception | None) -> list[bytes]:
        protocol, _ = protocol_of(service)
        code = "InternalFailure" if protocol in ("query", "ec2", "rest-xml") else "InternalServerError"
        detail = f": {type(exc).__name__}: {exc}" if exc is not None else ""
        return self._fail(environ, start_response, service or "", 500, code,
                          "The request processing has failed because of an unknown error" + detail, drain=False)

    @staticmethod
    def _fail(environ: dict[str, Any], start_response: Callable[..., Any], service: str,
              status: int, code: str, message: str, drain: bool = True) -> list[bytes]:
        if drain:  # not once moto has read the body: a second read would wait for bytes never sent
            _drain(environ)
        status_line, headers, body = error_response(service, status, code, message)
        headers = headers + [("x-amzn-RequestId", str(uuid.uuid4())), ("Content-Length", str(len(body)))]
        start_response(status_line, headers)
        return [body]

    def _count(self, key: str) -> None:
        with self._stats_lock:
            self.stats[key] = self.stats.get(key, 0) + 1

    def _control(self, environ: dict[str, Any], start_response: Callable[..., Any], name: str) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        status, payload = "200 OK", {}
        if name == "health":
            payload = {"status": "ok"}
        elif name == "stats" and method == "GET":
            with self._stats_lock:
                payload = dict(self.stats)
        elif name == "stats" and method in ("DELETE", "POST"):
            with self._stats_lock:
                self.stats.clear()
        elif name == "settings" and method == "GET":
            payload = self.settings.as_dict()
        elif name == "settings" and method in ("POST", "PUT", "PATCH"):
            raw = _drain(environ)
            try:
                values = json.loads(raw or b"{}")
                if not isinstance(values, dict):
                    raise ValueError("body must be a JSON object")
                payload = self.settings.update(values)
            except ValueError as exc:
                status, payload = "400 Bad Request", {"error": str(exc)}
        elif name == "clock" and method == "GET":
            with LOCK:  # not while an advance runs (the clock then stands at each event)
                payload = CLOCK.as_dict()
        elif name == "clock" and method in ("POST", "PUT", "PATCH"):
            raw = _drain(environ)
            try:
                payload = CLOCK.control(json.loads(raw or b"{}"))
            except ValueError as exc:
                status, payload = "400 Bad Request", {"error": str(exc)}
        elif name in ("settings", "clock"):
            status, payload = "405 Method Not Allowed", {"error": f"{method} not allowed on {CONTROL_PREFIX}{name}"}
        else:
            status, payload = "404 Not Found", {"error": f"no control call {method} {CONTROL_PREFIX}{name}"}
        body = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def _drain(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    return stream.read(length) if stream is not None and length > 0 else b""
