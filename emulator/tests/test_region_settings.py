"""AWS Backup region settings: service opt-in and full-management preferences."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError

from backupkit_emulator.backup.models import backup_backends


def settings(backup: Any) -> dict[str, Any]:
    """DescribeRegionSettings without the response metadata."""
    return {k: v for k, v in backup.describe_region_settings().items() if k != "ResponseMetadata"}


@pytest.fixture
def backup(client: Callable[..., Any]) -> Any:
    return client("backup")


def test_defaults_are_those_of_a_new_account(backup: Any) -> None:
    settings = backup.describe_region_settings()
    opt_in = settings["ResourceTypeOptInPreference"]
    assert opt_in["DynamoDB"] is True
    assert {"Aurora", "EBS", "EC2", "EFS", "RDS", "S3"} <= set(opt_in)
    assert settings["ResourceTypeManagementPreference"]["DynamoDB"] is True
    assert settings["ResourceTypeManagementPreference"]["EFS"] is True
    assert backup_backends["123456789012"]["us-east-1"].dynamodb_advanced_backup_enabled() is True


def test_update_merges_only_the_given_keys(backup: Any) -> None:
    before = backup.describe_region_settings()

    backup.update_region_settings(ResourceTypeOptInPreference={"S3": False, "DynamoDB": True})

    after = backup.describe_region_settings()
    assert after["ResourceTypeOptInPreference"] == {**before["ResourceTypeOptInPreference"], "S3": False}
    assert after["ResourceTypeManagementPreference"] == before["ResourceTypeManagementPreference"]


def test_disabling_advanced_dynamodb_backup(backup: Any) -> None:
    backend = backup_backends["123456789012"]["us-east-1"]

    backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": False})

    management = backup.describe_region_settings()["ResourceTypeManagementPreference"]
    assert management["DynamoDB"] is False
    assert management["EFS"] is True
    assert backend.dynamodb_advanced_backup_enabled() is False

    backup.update_region_settings(ResourceTypeManagementPreference={"DynamoDB": True})
    assert backend.dynamodb_advanced_backup_enabled() is True


def test_settings_are_per_region(client: Callable[..., Any]) -> None:
    client("backup").update_region_settings(ResourceTypeOptInPreference={"DynamoDB": False})
    other = client("backup", region="eu-west-1").describe_region_settings()
    assert other["ResourceTypeOptInPreference"]["DynamoDB"] is True
    assert client("backup").describe_region_settings()["ResourceTypeOptInPreference"]["DynamoDB"] is False


@pytest.mark.parametrize(
    "update",
    [
        {"ResourceTypeOptInPreference": {"NotAService": True}},
        {"ResourceTypeManagementPreference": {"EBS": True}},
    ],
    ids=["unknown-resource-type", "type-without-full-management"],
)
def test_unsupported_resource_types_are_refused(backup: Any, update: dict[str, Any]) -> None:
    before = settings(backup)
    with pytest.raises(ClientError) as exc:
        backup.update_region_settings(**update)
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert settings(backup) == before
