"""Concurrent clients and unexpected failures: one lock, and AWS's error shapes, never HTML."""

from __future__ import annotations

import threading
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError


def test_scans_during_batch_writes_and_clock_moves_all_succeed(client: Callable[..., Any], endpoint: str) -> None:
    ddb = client("dynamodb", retries=0)
    ddb.create_table(
        TableName="busy", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )
    errors: list[BaseException] = []
    counts = {"scans": 0}

    def writer(worker: int) -> None:
        own = client("dynamodb", retries=0)
        try:
            for batch in range(8):
                own.batch_write_item(RequestItems={"busy": [
                    {"PutRequest": {"Item": {"pk": {"S": f"w{worker}-{batch}-{i}"}, "pad": {"S": "x" * 200}}}}
                    for i in range(25)]})
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    def scanner() -> None:
        own = client("dynamodb", retries=0)
        try:
            for _ in range(12):
                own.scan(TableName="busy")
                counts["scans"] += 1
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    def mover() -> None:
        import json
        import urllib.request

        try:
            for _ in range(5):
                request = urllib.request.Request(endpoint + "/_backupkit/clock", method="POST",
                                                 data=json.dumps({"advance_seconds": 3600}).encode())
                urllib.request.urlopen(request).read()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    threads += [threading.Thread(target=scanner) for _ in range(3)] + [threading.Thread(target=mover)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    assert counts["scans"] == 36
    assert ddb.scan(TableName="busy", Select="COUNT")["Count"] == 3 * 8 * 25


@pytest.mark.parametrize(
    "service, operation, patch_target, code",
    [
        ("dynamodb", "list_tables", "moto.dynamodb.responses.DynamoHandler.list_tables", "InternalServerError"),
        ("iam", "list_roles", "moto.iam.responses.IamResponse.list_roles", "InternalFailure"),
        ("backup", "list_backup_vaults", "moto.backup.responses.BackupResponse.list_backup_vaults", "InternalServerError"),
    ],
)
def test_an_unexpected_exception_answers_in_the_services_error_shape(
    client: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, service: str, operation: str, patch_target: str, code: str
) -> None:
    def broken(self: Any) -> Any:
        raise RuntimeError("dictionary changed size during iteration")

    module_name, cls_name, method = patch_target.rsplit(".", 2)
    import importlib

    cls = getattr(importlib.import_module(module_name), cls_name)
    monkeypatch.setattr(cls, method, broken)
    with pytest.raises(ClientError) as failure:
        getattr(client(service), operation)()
    response = failure.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert response["Error"]["Code"] == code
    assert "RuntimeError: dictionary changed size during iteration" in response["Error"]["Message"]
    assert "<html" not in str(response).lower()
