"""backup_restore's engine, Restorer.run, against stubbed AWS Backup, DynamoDB and STS clients."""

from __future__ import annotations

import datetime

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import Request
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup_restore import Restorer

ACCOUNT = "123456789012"
SOURCE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"
TARGET = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders_restored"
POINT = f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:1EB3B5E7"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/restore"
CREATED = datetime.datetime(2026, 12, 1, 5, tzinfo=datetime.timezone.utc)


class Failed(Exception):
    pass


class FakeModule:
    region = "us-east-1"

    def __init__(self, clients, check_mode=False, **params):
        self.clients = clients
        self.check_mode = check_mode
        self.params = dict(recovery_point_arn=POINT, source_table=None, backup_vault_name="vault",
                           target_table_name="orders_restored", iam_role_arn=ROLE, iam_role_name=None,
                           encryption_type=None, kms_master_key_arn=None, copy_source_tags=False, wait=False,
                           wait_timeout=60, recovery_point="latest", restore_settings=False)
        self.params.update(params)

    def client(self, service):
        return self.clients[service]

    def fail_json(self, **kwargs):
        raise Failed(kwargs)


@pytest.fixture
def clients():
    made = {service: boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
            for service in ("backup", "dynamodb", "sts")}
    stubs = {service: Stubber(client) for service, client in made.items()}
    for stub in stubs.values():
        stub.activate()
    yield made, stubs
    for stub in stubs.values():
        stub.assert_no_pending_responses()
        stub.deactivate()


def point_answer(status="COMPLETED"):
    return {"RecoveryPointArn": POINT, "BackupVaultName": "vault", "ResourceArn": SOURCE, "ResourceType": "DynamoDB",
            "Status": status, "CreationDate": CREATED}


def stub_start(stubs, status="COMPLETED"):
    stubs["backup"].add_response("describe_recovery_point", point_answer(status),
                                 {"BackupVaultName": "vault", "RecoveryPointArn": POINT})
    stubs["dynamodb"].add_client_error("describe_table", "ResourceNotFoundException", "no table")
    stubs["sts"].add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/u", "UserId": "U"}, {})
    for status_filter in ("PENDING", "RUNNING"):
        stubs["backup"].add_response("list_restore_jobs", {"RestoreJobs": []},
                                     {"ByStatus": status_filter, "ByResourceType": "DynamoDB"})


def test_a_new_table_is_restored_with_a_written_out_request(clients):
    made, stubs = clients
    stub_start(stubs)
    stubs["backup"].add_response("start_restore_job", {"RestoreJobId": "job-1"}, {
        "RecoveryPointArn": POINT, "Metadata": {"targetTableName": "orders_restored", "encryptionType": "Default"},
        "ResourceType": "DynamoDB", "CopySourceTagsToRestoredResource": False, "IamRoleArn": ROLE})
    stubs["backup"].add_response("describe_restore_job", {"RestoreJobId": "job-1", "Status": "RUNNING", "CreationDate": CREATED},
                                 {"RestoreJobId": "job-1"})
    stubs["dynamodb"].add_client_error("describe_table", "ResourceNotFoundException", "not yet")
    module = FakeModule(made)
    result = Restorer(module, Request(module.params)).run()
    assert result["changed"] is True
    assert result["msg"] == (f"Started restore job job-1 of recovery point {POINT} of table orders (created "
                             "2026-12-01T05:00:00+00:00, vault vault) into new table orders_restored")
    assert result["target_table_arn"] == TARGET
    assert result["restore_job"]["restore_job_id"] == "job-1"
    assert result["restore_job"]["creation_date"] == "2026-12-01T05:00:00+00:00"
    assert result["recovery_point"]["status"] == "COMPLETED"


def test_check_mode_says_what_it_would_restore_and_starts_nothing(clients):
    made, stubs = clients
    stub_start(stubs)
    module = FakeModule(made, check_mode=True)
    result = Restorer(module, Request(module.params)).run()
    assert result["changed"] is True
    assert result["msg"].startswith(f"Would restore recovery point {POINT} of table orders")


def test_a_point_that_is_not_restorable_fails_naming_its_status(clients):
    made, stubs = clients
    stub_start(stubs, status="EXPIRED")
    module = FakeModule(made)
    with pytest.raises(Failed) as failed:
        Restorer(module, Request(module.params)).run()
    assert "its status is EXPIRED, not AVAILABLE or COMPLETED" in failed.value.args[0]["msg"]


def test_a_table_already_restored_from_the_point_is_not_changed(clients):
    made, stubs = clients
    stubs["backup"].add_response("describe_recovery_point", point_answer(),
                                 {"BackupVaultName": "vault", "RecoveryPointArn": POINT})
    stubs["dynamodb"].add_response("describe_table", {"Table": {
        "TableName": "orders_restored", "TableArn": TARGET, "TableStatus": "ACTIVE", "CreationDateTime": CREATED,
        "RestoreSummary": {"SourceBackupArn": POINT, "RestoreDateTime": CREATED, "RestoreInProgress": False}}},
        {"TableName": "orders_restored"})
    stubs["backup"].add_response("list_restore_jobs", {"RestoreJobs": [
        {"RestoreJobId": "job-0", "RecoveryPointArn": POINT, "CreatedResourceArn": TARGET, "Status": "COMPLETED",
         "CreationDate": CREATED}]}, {"ByResourceType": "DynamoDB", "ByCreatedAfter": datetime.datetime(2026, 11, 30, 5, tzinfo=datetime.timezone.utc)})
    module = FakeModule(made)
    result = Restorer(module, Request(module.params)).run()
    assert result["changed"] is False
    assert result["msg"].startswith("Table orders_restored was already restored from recovery point")
    assert result["restore_job"]["restore_job_id"] == "job-0"


def test_the_latest_copy_of_a_table_of_another_region_is_found_in_the_vaults_here(clients):
    """A copy's resource is the source table (of another Region): its copies are looked for in every
    vault of this Region, never through the source Region."""
    made, stubs = clients
    source = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/orders"
    old, new = POINT + "-old", POINT + "-new"
    stubs["backup"].add_response("list_backup_vaults", {"BackupVaultList": [
        {"BackupVaultName": "dr-a", "BackupVaultArn": "arn:aws:backup:us-east-1:123456789012:backup-vault:dr-a"},
        {"BackupVaultName": "dr-b", "BackupVaultArn": "arn:aws:backup:us-east-1:123456789012:backup-vault:dr-b"}]}, {})
    for vault, arn, day in (("dr-a", old, 1), ("dr-b", new, 2)):
        stubs["backup"].add_response("list_recovery_points_by_backup_vault", {"RecoveryPoints": [
            {"RecoveryPointArn": arn, "BackupVaultName": vault, "ResourceArn": source, "Status": "COMPLETED",
             "CreationDate": CREATED.replace(day=day)}]}, {"BackupVaultName": vault, "ByResourceArn": source})
    stubs["backup"].add_response("describe_recovery_point", dict(point_answer(), RecoveryPointArn=new, ResourceArn=source,
                                                                 BackupVaultName="dr-b"),
                                 {"BackupVaultName": "dr-b", "RecoveryPointArn": new})
    stubs["dynamodb"].add_client_error("describe_table", "ResourceNotFoundException", "no table")
    stubs["sts"].add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/u", "UserId": "U"}, {})
    for status_filter in ("PENDING", "RUNNING"):
        stubs["backup"].add_response("list_restore_jobs", {"RestoreJobs": []},
                                     {"ByStatus": status_filter, "ByResourceType": "DynamoDB"})
    module = FakeModule(made, check_mode=True, recovery_point_arn=None, source_table=source, backup_vault_name=None)
    result = Restorer(module, Request(module.params)).run()
    assert result["recovery_point"]["recovery_point_arn"] == new
    assert result["msg"].startswith(f"Would restore recovery point {new} of table orders")


def test_a_recovery_point_of_another_region_is_refused_before_any_call(clients):
    made, _stubs = clients
    module = FakeModule(made, recovery_point_arn=f"arn:aws:backup:us-west-2:{ACCOUNT}:recovery-point:1EB3B5E7")
    with pytest.raises(Failed) as failed:
        Restorer(module, Request(module.params)).run()
    assert "is in Region us-west-2, and the task runs in Region us-east-1" in failed.value.args[0]["msg"]
    assert "set region: us-west-2" in failed.value.args[0]["msg"]
