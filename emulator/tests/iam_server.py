"""An in-process emulator with the IAM simulator and the enforcing middleware.

Until ``server.make_app()`` wires them in, the IAM tests build their own app:
``FaultMiddleware(EnforcementMiddleware(moto's dispatcher))``, with
``backupkit_emulator.install()`` and ``backupkit_emulator.iam.install()``.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from typing import Any

import boto3
from botocore.config import Config

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
ROOT_KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def make_iam_app() -> Any:
    """The emulator's WSGI stack with IAM enforcement between faults and moto."""
    import backupkit_emulator
    import backupkit_emulator.iam
    from backupkit_emulator.enforce import EnforcementMiddleware
    from backupkit_emulator.faults import FaultMiddleware
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    backupkit_emulator.install()
    backupkit_emulator.iam.install()
    return FaultMiddleware(EnforcementMiddleware(DomainDispatcherApplication(create_backend_app)))


class IamEmulator:
    """A threaded werkzeug server on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        from werkzeug.serving import WSGIRequestHandler, make_server

        class QuietHandler(WSGIRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                return None

        self._server = make_server("127.0.0.1", 0, make_iam_app(), threaded=True, request_handler=QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "IamEmulator":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def reset(self) -> None:
        """Clear moto's state (all services, all accounts)."""
        request = urllib.request.Request(self.endpoint + "/moto-api/reset", method="POST")
        urllib.request.urlopen(request).read()


def client(endpoint: str, service: str, keys: dict[str, str] | None = None, **kwargs: Any) -> Any:
    """A boto3 client for the emulator; root keys unless ``keys`` are given (no retries)."""
    params: dict[str, Any] = dict(
        endpoint_url=endpoint,
        region_name=REGION,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        **(keys or ROOT_KEYS),
    )
    params.update(kwargs)
    return boto3.client(service, **params)


def document(*statements: dict[str, Any]) -> str:
    """A policy document (JSON text) from statements."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def access_keys(iam: Any, user_name: str) -> dict[str, str]:
    """A new access key of ``user_name``, as boto3 client keyword arguments."""
    key = iam.create_access_key(UserName=user_name)["AccessKey"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def session_keys(credentials: dict[str, Any]) -> dict[str, str]:
    """STS credentials as boto3 client keyword arguments."""
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }
