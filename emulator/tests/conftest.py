"""Shared fixtures: one in-process emulator per session, reset before each test."""

from __future__ import annotations

import json
import urllib.request
from typing import Any, Callable, Iterator

import boto3
import pytest
from botocore.config import Config

from backupkit_emulator.clock import CLOCK
from backupkit_emulator.server import EmulatorServer
from backupkit_emulator.settings import SETTINGS

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
DEFAULT_SETTINGS = SETTINGS.as_dict()


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def endpoint(emulator_server: EmulatorServer) -> Iterator[str]:
    """The endpoint URL, with moto's state and the emulator's settings reset."""
    urllib.request.urlopen(urllib.request.Request(emulator_server.endpoint + "/moto-api/reset", method="POST")).read()
    SETTINGS.update(DEFAULT_SETTINGS)
    SETTINGS.update({"job_seconds": 0.2})
    CLOCK.reset()  # back to real time (in-process only: the endpoint never goes backwards)
    yield emulator_server.endpoint
    SETTINGS.update(DEFAULT_SETTINGS)


@pytest.fixture
def client(endpoint: str) -> Callable[..., Any]:
    """client("backup") -> a boto3 client for the emulator (keys 'testing', us-east-1)."""

    def make(service: str, region: str = REGION, retries: int = 0, **kwargs: Any) -> Any:
        params = dict(
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"total_max_attempts": retries + 1, "mode": "standard"}),
        )
        params.update(kwargs)
        return boto3.client(service, **params)

    return make


def control(endpoint: str, **settings: Any) -> dict[str, Any]:
    """Change settings of a running emulator through its control endpoint."""
    request = urllib.request.Request(
        endpoint + "/_backupkit/settings",
        data=json.dumps(settings).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


BACKUP_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def make_role(iam: Any, name: str = "backup-role") -> str:
    """An IAM role AWS Backup can assume (CreateBackupSelection checks that it exists); its ARN."""
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=BACKUP_TRUST)["Role"]["Arn"]
