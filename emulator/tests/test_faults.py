"""Latency and injected faults, as a client sees them, and the control endpoint."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any, Callable

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import control

Client = Callable[..., Any]


def make_table(client: Client, name: str = "ttt") -> None:
    client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def error_of(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response


def attempts(total: int) -> Config:
    """A client config that makes ``total`` attempts in all (botocore's max_attempts counts retries)."""
    return Config(retries={"total_max_attempts": total, "mode": "standard"})


def count_sends(client: Any) -> list[int]:
    """A list that grows by one for every HTTP request the client sends (retries included)."""
    sent: list[int] = []
    client.meta.events.register("before-send", lambda **_: sent.append(1))
    return sent


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without botocore's jittered sleep, to keep the suite fast."""
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0)


def http(endpoint: str, path: str, method: str = "GET", body: bytes | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(endpoint + path, data=body, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# --- latency ------------------------------------------------------------------


def test_latency_is_added_to_every_call(endpoint: str, client: Client) -> None:
    sts = client("sts")
    sts.get_caller_identity()  # connection and model loading out of the way
    control(endpoint, latency_ms=150)

    started = time.perf_counter()
    sts.get_caller_identity()
    elapsed = time.perf_counter() - started

    assert elapsed >= 0.150


# --- throttling -----------------------------------------------------------------


def test_throttled_put_item_is_provisioned_throughput_exceeded(endpoint: str, client: Client) -> None:
    make_table(client)
    control(endpoint, throttle_rate=1.0)
    ddb = client("dynamodb", config=attempts(1))

    error = error_of(lambda: ddb.put_item(TableName="ttt", Item={"id": {"S": "1"}}))

    assert error["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize(
    ("service", "call", "code"),
    [
        ("dynamodb", lambda c: c.describe_table(TableName="ttt"), "ThrottlingException"),
        ("backup", lambda c: c.list_backup_vaults(), "ThrottlingException"),
        ("sts", lambda c: c.get_caller_identity(), "Throttling"),
        ("iam", lambda c: c.list_roles(), "Throttling"),
    ],
    ids=["dynamodb-describe-table", "backup-list-vaults", "sts-get-caller-identity", "iam-list-roles"],
)
def test_throttled_control_plane_calls_answer_the_services_throttling_error(
    endpoint: str, client: Client, service: str, call: Callable[[Any], Any], code: str
) -> None:
    make_table(client)
    control(endpoint, throttle_rate=1.0)
    once = client(service, config=attempts(1))

    error = error_of(lambda: call(once))

    assert error["Error"]["Code"] == code
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("service", ["dynamodb", "sts", "iam", "backup"])
def test_a_retrying_client_gives_up_after_its_attempts(
    endpoint: str, client: Client, no_backoff: None, service: str
) -> None:
    calls = {
        "dynamodb": lambda c: c.put_item(TableName="ttt", Item={"id": {"S": "1"}}),
        "sts": lambda c: c.get_caller_identity(),
        "iam": lambda c: c.list_roles(),
        "backup": lambda c: c.list_backup_vaults(),
    }
    make_table(client)
    control(endpoint, throttle_rate=1.0)
    retrying = client(service, config=attempts(4))
    sent = count_sends(retrying)

    error = error_of(lambda: calls[service](retrying))

    assert len(sent) == 4  # botocore treated the answer as throttling and retried it
    assert error["ResponseMetadata"]["RetryAttempts"] == 3


def test_a_retrying_client_gets_through_intermittent_throttling(
    endpoint: str, client: Client, no_backoff: None
) -> None:
    make_table(client)
    control(endpoint, throttle_rate=0.3, seed=2)
    ddb = client("dynamodb", config=attempts(10))
    sent = count_sends(ddb)

    for i in range(20):
        ddb.put_item(TableName="ttt", Item={"id": {"S": str(i)}})

    control(endpoint, throttle_rate=0.0)
    assert len(sent) > 20  # some puts were throttled and retried
    assert ddb.scan(TableName="ttt")["Count"] == 20


# --- errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "call"),
    [
        ("dynamodb", lambda c: c.list_tables()),
        ("backup", lambda c: c.list_backup_plans()),
        ("sts", lambda c: c.get_caller_identity()),
    ],
    ids=["json", "rest-json", "query"],
)
def test_error_rate_one_answers_500_internal_server_error(
    endpoint: str, client: Client, service: str, call: Callable[[Any], Any]
) -> None:
    control(endpoint, error_rate=1.0)
    once = client(service, config=attempts(1))

    error = error_of(lambda: call(once))

    assert error["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert error["Error"]["Code"] == "InternalServerError"


def test_a_seeded_fault_rate_repeats_its_sequence(endpoint: str, client: Client) -> None:
    sts = client("sts", config=attempts(1))

    def outcomes() -> list[bool]:
        control(endpoint, throttle_rate=0.3, seed=1234)
        results = []
        for _ in range(40):
            try:
                sts.get_caller_identity()
                results.append(True)
            except ClientError:
                results.append(False)
        return results

    first, second = outcomes(), outcomes()

    assert first == second
    assert 0 < first.count(False) < 40


# --- the control endpoint ---------------------------------------------------------


def test_get_settings(endpoint: str) -> None:
    status, settings = http(endpoint, "/_backupkit/settings")

    assert status == 200
    assert settings["throttle_rate"] == 0.0
    assert settings["job_seconds"] == 0.2
    assert set(settings) >= {"latency_ms", "throttle_rate", "error_rate", "unprocessed_rate", "seed"}


def test_post_settings_answers_the_new_settings(endpoint: str) -> None:
    status, settings = http(endpoint, "/_backupkit/settings", "POST", json.dumps({"latency_ms": 5}).encode())

    assert status == 200
    assert settings["latency_ms"] == 5.0
    assert http(endpoint, "/_backupkit/settings")[1]["latency_ms"] == 5.0


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b'{"throttle": 0.5}', "throttle"),
        (b'{"throttle_rate": 1.5}', "throttle_rate"),
        (b'{"latency_ms": "slow"}', "latency_ms"),
        (b"[1, 2]", "JSON object"),
        (b'{"unavailable_regions": ["us-east-1", "mars"]}', "unavailable_regions"),
        (b"not json", ""),
        (b'{"lose_responses": {"CreateKey": 1}}', "lose_responses"),
        (b'{"lose_responses": {"kms.CreateKey": -1}}', "kms.CreateKey"),
        (b'{"lose_responses": ["kms.CreateKey"]}', "lose_responses"),
    ],
    ids=["unknown-key", "rate-above-one", "not-a-number", "not-an-object", "not-a-region", "not-json",
         "lost-without-service", "lost-negative", "lost-not-an-object"],
)
def test_bad_settings_answer_400_and_change_nothing(endpoint: str, body: bytes, named: str) -> None:
    before = http(endpoint, "/_backupkit/settings")[1]

    status, answer = http(endpoint, "/_backupkit/settings", "POST", body)

    assert status == 400
    assert named in answer["error"]
    assert http(endpoint, "/_backupkit/settings")[1] == before


def test_a_bad_key_next_to_a_good_one_changes_nothing(endpoint: str) -> None:
    status, _ = http(endpoint, "/_backupkit/settings", "POST", b'{"latency_ms": 50, "bogus": 1}')

    assert status == 400
    assert http(endpoint, "/_backupkit/settings")[1]["latency_ms"] == 0.0


def test_unknown_control_paths_and_methods(endpoint: str) -> None:
    assert http(endpoint, "/_backupkit/health") == (200, {"status": "ok"})
    assert http(endpoint, "/_backupkit/nothing")[0] == 404
    assert http(endpoint, "/_backupkit/settings", "DELETE")[0] == 405


def test_settings_changed_on_a_running_server_apply_to_the_next_request(endpoint: str, client: Client) -> None:
    sts = client("sts", config=attempts(1))
    sts.get_caller_identity()

    control(endpoint, throttle_rate=1.0)
    assert error_of(sts.get_caller_identity)["Error"]["Code"] == "Throttling"

    control(endpoint, throttle_rate=0.0)
    assert sts.get_caller_identity()["Account"] == "123456789012"


def test_control_endpoint_is_never_faulted_or_delayed(endpoint: str) -> None:
    control(endpoint, throttle_rate=1.0, error_rate=1.0, latency_ms=2000)

    started = time.perf_counter()
    status, _ = http(endpoint, "/_backupkit/settings")

    assert status == 200
    assert time.perf_counter() - started < 1.0


def test_stats_count_requests_per_operation(endpoint: str, client) -> None:
    import json as _json
    import urllib.request as _request

    ddb = client("dynamodb")
    ddb.list_tables()
    ddb.list_tables()
    with _request.urlopen(endpoint + "/_backupkit/stats") as response:
        stats = _json.loads(response.read())
    assert stats.get("dynamodb.ListTables", 0) >= 2
    _request.urlopen(_request.Request(endpoint + "/_backupkit/stats", method="DELETE")).read()
    with _request.urlopen(endpoint + "/_backupkit/stats") as response:
        assert _json.loads(response.read()) == {}


# --- a Region's outage ------------------------------------------------------------


def test_an_unavailable_region_answers_503_to_every_service_and_other_regions_keep_working(
    endpoint: str, client: Client, no_backoff: None
) -> None:
    make_table(client)
    assert control(endpoint, unavailable_regions=["us-east-1"])["unavailable_regions"] == ["us-east-1"]

    ddb = client("dynamodb", retries=2)
    sent = count_sends(ddb)
    error = error_of(lambda: ddb.describe_table(TableName="ttt"))
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert error["Error"]["Code"] == "ServiceUnavailable"
    assert len(sent) == 3  # botocore treats it as transient and retries it
    assert error_of(lambda: client("backup").list_backup_vaults())["Error"]["Code"] == "ServiceUnavailable"
    assert error_of(lambda: client("sts").get_caller_identity())["Error"]["Code"] == "ServiceUnavailable"
    # another Region, and the global IAM, keep answering
    assert client("dynamodb", region="us-west-2").list_tables()["TableNames"] == []
    client("iam").list_roles()

    control(endpoint, unavailable_regions=[])
    assert client("dynamodb").describe_table(TableName="ttt")["Table"]["TableName"] == "ttt"


def test_a_lost_response_took_effect_and_answers_500(endpoint: str, client: Client, no_backoff: None) -> None:
    """lose_responses: the request is performed, then answered HTTP 500; a client that retries a CreateKey whose
    answer was lost makes a second key (what a caller of a non-idempotent call must guard against)."""
    kms = client("kms")
    settings = control(endpoint, lose_responses={"kms.CreateKey": 1})
    assert settings["lose_responses"] == {"kms.CreateKey": 1}

    error = error_of(lambda: kms.create_key(Description="lost"))

    assert error["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert error["Error"]["Code"] == "InternalServerError"
    assert [k["KeyId"] for k in kms.list_keys()["Keys"]]  # the key was made all the same
    assert len(kms.list_keys()["Keys"]) == 1
    assert http(endpoint, "/_backupkit/settings")[1]["lose_responses"] == {}  # one lost, none left
    # botocore retries a 500 by itself: with 2 attempts and one answer lost, two keys for one call
    control(endpoint, lose_responses={"kms.CreateKey": 1})
    retrying = client("kms", retries=1)
    assert retrying.create_key(Description="retried")["KeyMetadata"]["KeyId"]
    assert len(kms.list_keys()["Keys"]) == 3
    # other operations are answered as usual
    assert kms.describe_key(KeyId=kms.list_keys()["Keys"][0]["KeyId"])["KeyMetadata"]


def test_a_lost_response_of_a_query_service_is_internal_failure(endpoint: str, client: Client) -> None:
    iam = client("iam")
    control(endpoint, lose_responses={"iam.POST": 1})

    error = error_of(lambda: iam.create_user(UserName="lost"))

    assert (error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"]) == (500, "InternalFailure")
    assert iam.get_user(UserName="lost")["User"]["UserName"] == "lost"
