"""KMS key state calls accept a key ARN, as AWS's do (amazon.aws.kms_key deletes by ARN)."""

from __future__ import annotations

from typing import Any, Callable


def test_schedule_and_cancel_key_deletion_by_arn(client: Callable[..., Any]) -> None:
    kms = client("kms")
    key = kms.create_key(Description="vault key")["KeyMetadata"]
    kms.disable_key(KeyId=key["Arn"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"
    kms.enable_key(KeyId=key["Arn"])
    scheduled = kms.schedule_key_deletion(KeyId=key["Arn"], PendingWindowInDays=7)
    assert "DeletionDate" in scheduled
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    kms.cancel_key_deletion(KeyId=key["Arn"])
    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyState"] == "Disabled"
