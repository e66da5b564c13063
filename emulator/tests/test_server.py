"""The backupkit-emulator command: start, serve, stop on SIGTERM, reject bad flags."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import boto3
import pytest
from botocore.config import Config

from backupkit_emulator.server import EmulatorServer

COMMAND = Path(sys.executable).with_name("backupkit-emulator")
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


def start(*flags: str) -> tuple[subprocess.Popen[str], str]:
    """Start the command on a free port; answer the process and its endpoint."""
    process = subprocess.Popen(
        [str(COMMAND), "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = LISTENING.search(line)
    if not match:
        process.kill()
        raise AssertionError(f"no 'listening on' line: {line!r} {process.stderr.read() if process.stderr else ''}")
    return process, match.group(1)


def stop(process: subprocess.Popen[str]) -> tuple[int, float, str]:
    """SIGTERM; answer exit code, seconds it took, and stderr."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        _, stderr = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return process.returncode, time.monotonic() - started, stderr


@pytest.fixture
def emulator() -> Iterator[tuple[subprocess.Popen[str], str]]:
    process, endpoint = start("--latency-ms", "5")
    yield process, endpoint
    if process.poll() is None:
        process.kill()
        process.wait()


def aws(service: str, endpoint: str) -> object:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )


def test_serves_aws_calls_with_the_flags_settings_and_stops_on_sigterm(
    emulator: tuple[subprocess.Popen[str], str],
) -> None:
    process, endpoint = emulator
    ddb = aws("dynamodb", endpoint)
    ddb.create_table(  # type: ignore[attr-defined]
        TableName="ttt",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    vault = aws("backup", endpoint).create_backup_vault(BackupVaultName="cli-vault")  # type: ignore[attr-defined]
    tables = ddb.list_tables()["TableNames"]  # type: ignore[attr-defined]
    with urllib.request.urlopen(endpoint + "/_backupkit/settings") as response:
        settings = json.loads(response.read())

    code, seconds, stderr = stop(process)

    assert tables == ["ttt"]
    assert vault["BackupVaultName"] == "cli-vault"
    assert settings["latency_ms"] == 5.0
    assert code == 0
    assert seconds < 5
    assert "POST / HTTP" not in stderr  # quiet by default: no request log


def test_log_requests_flag_logs_each_request() -> None:
    process, endpoint = start("--log-requests")
    try:
        aws("sts", endpoint).get_caller_identity()  # type: ignore[attr-defined]
    finally:
        code, _, stderr = stop(process)

    assert code == 0
    assert "POST / HTTP/1.1" in stderr


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--port", "0", "--throttle-rate", "1.5"], "throttle_rate must be between 0 and 1"),
        (["--port", "0", "--latency-ms", "soon"], "--latency-ms"),
        (["--port", "70000"], "port must be a number from 0 to 65535"),
        (["--port", "0", "--error-rate", "-0.1"], "error_rate must be between 0 and 1"),
        (["--port", "0", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
        ([], "--port"),
    ],
    ids=["rate-above-one", "latency-not-a-number", "port-out-of-range", "negative-rate", "unknown-flag",
         "port-missing"],
)
def test_bad_flags_exit_2_with_a_message(flags: list[str], message: str) -> None:
    result = subprocess.run([str(COMMAND), *flags], capture_output=True, text=True, timeout=60)

    assert result.returncode == 2
    assert message in result.stderr
    assert "listening on" not in result.stdout


def test_a_port_in_use_exits_1_with_a_message() -> None:
    with EmulatorServer() as server:
        port = server.endpoint.rsplit(":", 1)[1]
        result = subprocess.run([str(COMMAND), "--port", port], capture_output=True, text=True, timeout=60)

    assert result.returncode == 1
    assert f"Port {port} is in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_emulator_process_starts_counts_resets_and_stops() -> None:
    from backupkit_emulator.process import EmulatorProcess

    with EmulatorProcess("--latency-ms", "0") as emulator:
        assert LISTENING.match(f"listening on {emulator.endpoint}")
        ddb = boto3.client("dynamodb", endpoint_url=emulator.endpoint, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        ddb.create_table(TableName="ttt", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        assert emulator.stats()["dynamodb.CreateTable"] == 1
        emulator.reset()
        assert ddb.list_tables()["TableNames"] == []
        process = emulator.process
    assert process.poll() is not None


def test_emulator_process_that_cannot_start_reports_its_output() -> None:
    from backupkit_emulator.process import EmulatorProcess

    emulator = EmulatorProcess("--latency-ms", "-5", start_timeout=30)
    with pytest.raises(RuntimeError, match=r"(?s)did not start:.*latency_ms must not be negative"):
        emulator.wait_ready()
    assert emulator.process.poll() == 2
