"""STS AssumeRole as AWS does it: the role must exist and its trust policy must admit the caller."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
OTHER = "111111111111"
Client = Callable[..., Any]


def trust(principal: Any, action: Any = "sts:AssumeRole", **extra: Any) -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": action, **extra}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def as_account(client: Any, account: str) -> Any:
    """Sign as the root user of ``account`` (moto's x-moto-account-id header)."""

    def add_header(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account

    client.meta.events.register("before-sign.*.*", add_header)
    return client


def session_client(client: Client, service: str, credentials: dict[str, Any]) -> Any:
    return client(
        service,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def key_client(client: Client, service: str, key: dict[str, Any]) -> Any:
    return client(service, aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])


def denied(call: Callable[[], Any]) -> str:
    with pytest.raises(ClientError) as info:
        call()
    error = info.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Error"]["Code"] == "AccessDenied"
    return error["Error"]["Message"]


def test_root_keys_are_the_root_user_of_the_default_account(client: Client) -> None:
    identity = client("sts").get_caller_identity()

    assert (identity["Account"], identity["Arn"], identity["UserId"]) == (
        ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT,
    )


def test_assuming_a_role_that_does_not_exist_is_access_denied(client: Client) -> None:
    arn = f"arn:aws:iam::{OTHER}:role/missing"

    message = denied(lambda: client("sts").assume_role(RoleArn=arn, RoleSessionName="probe"))

    assert message == (
        f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: sts:AssumeRole on resource: {arn}"
    )


def test_a_trusted_role_gives_credentials_of_a_session_of_that_role(client: Client) -> None:
    role = client("iam").create_role(RoleName="ops", AssumeRolePolicyDocument=trust({"AWS": ACCOUNT}))["Role"]

    answer = client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="deploy")

    session_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/ops/deploy"
    assert answer["AssumedRoleUser"]["Arn"] == session_arn
    assert answer["AssumedRoleUser"]["AssumedRoleId"] == f"{role['RoleId']}:deploy"
    identity = session_client(client, "sts", answer["Credentials"]).get_caller_identity()
    assert (identity["Account"], identity["Arn"]) == (ACCOUNT, session_arn)


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": ACCOUNT},
        {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        {"AWS": ["arn:aws:iam::999999999999:root", ACCOUNT]},
        {"AWS": "*"},
        "*",
    ],
    ids=["account-id", "account-root-arn", "one-of-a-list", "aws-star", "star"],
)
def test_trust_policies_that_admit_the_caller(client: Client, principal: Any) -> None:
    arn = client("iam").create_role(RoleName="r", AssumeRolePolicyDocument=trust(principal))["Role"]["Arn"]

    assert client("sts").assume_role(RoleArn=arn, RoleSessionName="ok")["Credentials"]["AccessKeyId"]


@pytest.mark.parametrize(
    "document",
    [
        trust({"Service": "backup.amazonaws.com"}),
        trust({"Federated": "cognito-identity.amazonaws.com"}),
        trust({"AWS": "arn:aws:iam::999999999999:root"}),
        trust({"AWS": "999999999999"}),
        trust({"AWS": ACCOUNT}, action="sts:AssumeRoleWithWebIdentity"),
        trust({"AWS": ACCOUNT}, Effect="Deny"),
        json.dumps({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:*"},
            {"Effect": "Deny", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"},
        ]}),
    ],
    ids=["service", "federated", "other-account-root", "other-account-id", "other-action", "only-deny",
         "deny-wins"],
)
def test_trust_policies_that_do_not_admit_the_caller(client: Client, document: str) -> None:
    arn = client("iam").create_role(RoleName="r", AssumeRolePolicyDocument=document)["Role"]["Arn"]

    message = denied(lambda: client("sts").assume_role(RoleArn=arn, RoleSessionName="no"))

    assert message.endswith(f"sts:AssumeRole on resource: {arn}")


def test_a_trust_policy_naming_one_user_admits_that_user_only(client: Client) -> None:
    iam = client("iam")
    keys = {}
    for name in ("alice", "bob"):
        iam.create_user(UserName=name)
        keys[name] = iam.create_access_key(UserName=name)["AccessKey"]
    document = trust({"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"})
    arn = iam.create_role(RoleName="alice-only", AssumeRolePolicyDocument=document)["Role"]["Arn"]

    key_client(client, "sts", keys["alice"]).assume_role(RoleArn=arn, RoleSessionName="alice")
    message = denied(lambda: key_client(client, "sts", keys["bob"]).assume_role(RoleArn=arn, RoleSessionName="bob"))

    assert message.startswith(f"User: arn:aws:iam::{ACCOUNT}:user/bob is not authorized")


def test_external_id_condition(client: Client) -> None:
    document = trust({"AWS": ACCOUNT}, Condition={"StringEquals": {"sts:ExternalId": "fleet-7"}})
    arn = client("iam").create_role(RoleName="vendor", AssumeRolePolicyDocument=document)["Role"]["Arn"]
    sts = client("sts")

    denied(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="none"))
    denied(lambda: sts.assume_role(RoleArn=arn, RoleSessionName="wrong", ExternalId="fleet-8"))
    assert sts.assume_role(RoleArn=arn, RoleSessionName="right", ExternalId="fleet-7")["Credentials"]


def test_a_role_arn_must_carry_the_role_path(client: Client) -> None:
    role = client("iam").create_role(
        RoleName="pathed", Path="/service/", AssumeRolePolicyDocument=trust({"AWS": ACCOUNT})
    )["Role"]
    sts = client("sts")

    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/service/pathed"
    sts.assume_role(RoleArn=role["Arn"], RoleSessionName="with-path")
    denied(lambda: sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/pathed", RoleSessionName="no-path"))


def test_duration_longer_than_the_roles_maximum_is_rejected(client: Client) -> None:
    arn = client("iam").create_role(
        RoleName="short", AssumeRolePolicyDocument=trust({"AWS": ACCOUNT}), MaxSessionDuration=3600
    )["Role"]["Arn"]

    with pytest.raises(ClientError) as info:
        client("sts").assume_role(RoleArn=arn, RoleSessionName="long", DurationSeconds=7200)

    assert info.value.response["Error"]["Code"] == "ValidationError"
    assert "MaxSessionDuration" in info.value.response["Error"]["Message"]


def test_role_chaining_trusts_the_role_not_the_account_root(client: Client) -> None:
    iam = client("iam")
    first = iam.create_role(RoleName="first", AssumeRolePolicyDocument=trust({"AWS": ACCOUNT}))["Role"]["Arn"]
    second = iam.create_role(RoleName="second", AssumeRolePolicyDocument=trust({"AWS": first}))["Role"]["Arn"]
    alien = iam.create_role(
        RoleName="alien", AssumeRolePolicyDocument=trust({"AWS": "arn:aws:iam::999999999999:root"})
    )["Role"]["Arn"]
    denied(lambda: client("sts").assume_role(RoleArn=second, RoleSessionName="root"))

    chained = session_client(
        client, "sts", client("sts").assume_role(RoleArn=first, RoleSessionName="hop1")["Credentials"]
    )
    answer = chained.assume_role(RoleArn=second, RoleSessionName="hop2")
    message = denied(lambda: chained.assume_role(RoleArn=alien, RoleSessionName="hop2"))

    assert answer["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/second/hop2"
    assert message.startswith(f"User: arn:aws:sts::{ACCOUNT}:assumed-role/first/hop1 is not authorized")
    with pytest.raises(ClientError) as info:
        chained.assume_role(RoleArn=second, RoleSessionName="long", DurationSeconds=7200)
    assert "role chaining" in info.value.response["Error"]["Message"]


def test_credentials_of_a_role_in_another_account_act_in_that_account(client: Client) -> None:
    # Create a role inside account 111111111111 as that account's root.
    other_iam = as_account(client("iam"), OTHER)
    role_arn = other_iam.create_role(
        RoleName="BackupOperator", AssumeRolePolicyDocument=trust({"AWS": ACCOUNT})
    )["Role"]["Arn"]
    assert role_arn == f"arn:aws:iam::{OTHER}:role/BackupOperator"
    home = client("dynamodb")
    home.create_table(
        TableName="home-table", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )

    credentials = client("sts").assume_role(RoleArn=role_arn, RoleSessionName="fleet")["Credentials"]
    remote = session_client(client, "dynamodb", credentials)
    table = remote.create_table(
        TableName="remote-table", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )["TableDescription"]

    assert table["TableArn"] == f"arn:aws:dynamodb:us-east-1:{OTHER}:table/remote-table"
    assert remote.list_tables()["TableNames"] == ["remote-table"]
    assert home.list_tables()["TableNames"] == ["home-table"]
    assert session_client(client, "sts", credentials).get_caller_identity()["Account"] == OTHER


def test_fleet_setup_through_organizations(client: Client) -> None:
    """How a fleet test gets a role into a member account, as on AWS."""
    org = client("organizations")
    org.create_organization(FeatureSet="ALL")
    status = org.create_account(AccountName="member", Email="member@example.com")["CreateAccountStatus"]
    member = status["AccountId"]

    access = client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="bootstrap"
    )["Credentials"]
    member_iam = session_client(client, "iam", access)
    org_id = org.describe_organization()["Organization"]["Id"]
    in_org = trust({"AWS": "*"}, Condition={"StringEquals": {"aws:PrincipalOrgID": org_id}})
    role_arn = member_iam.create_role(RoleName="backupkit-fleet", AssumeRolePolicyDocument=in_org)["Role"]["Arn"]
    other_org = trust({"AWS": "*"}, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-someoneelse"}})
    foreign = member_iam.create_role(RoleName="foreign", AssumeRolePolicyDocument=other_org)["Role"]["Arn"]

    fleet = session_client(
        client, "sts", client("sts").assume_role(RoleArn=role_arn, RoleSessionName="fleet")["Credentials"]
    )

    assert role_arn == f"arn:aws:iam::{member}:role/backupkit-fleet"
    assert fleet.get_caller_identity()["Arn"] == f"arn:aws:sts::{member}:assumed-role/backupkit-fleet/fleet"
    denied(lambda: client("sts").assume_role(RoleArn=foreign, RoleSessionName="fleet"))


def test_arn_like_in_a_trust_policy_compares_arns_part_by_part(client: Client) -> None:
    """Trust and identity policies share one condition engine: ``*`` in an ARN part stops at ``:``."""
    iam = client("iam")
    keys = {}
    for name, path in (("alice", "/ops/"), ("mallory", "/x:user/ops/")):
        iam.create_user(UserName=name, Path=path)
        keys[name] = iam.create_access_key(UserName=name)["AccessKey"]
    document = trust({"AWS": ACCOUNT}, Condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/ops/*"}})
    arn = iam.create_role(RoleName="ops-only", AssumeRolePolicyDocument=document)["Role"]["Arn"]

    assert key_client(client, "sts", keys["alice"]).assume_role(RoleArn=arn, RoleSessionName="alice")["Credentials"]
    # the account part "*" must not swallow "123456789012:user/x" (IAM policies compare ARNs part by part)
    denied(lambda: key_client(client, "sts", keys["mallory"]).assume_role(RoleArn=arn, RoleSessionName="mallory"))
