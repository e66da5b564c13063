"""The engines of backup_vault and backup_deny_policy against stubbed clients, and the protection
report's storage class and job window; expected values are written out."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.backupkit.dynamodb.plugins.module_utils import _backup_vault as vault_engine
from ansible_collections.backupkit.dynamodb.plugins.module_utils import _deny_policy as deny_engine
from ansible_collections.backupkit.dynamodb.plugins.module_utils import _protection as protection

ACCOUNT = "123456789012"
VAULT_ARN = f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:v"
NOW = datetime.datetime(2026, 12, 4, 12, tzinfo=datetime.timezone.utc)
PLUGINS = Path(__file__).resolve().parents[4] / "plugins"


def client(service):
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


class Failed(Exception):
    pass


class FakeModule:
    region = "us-east-1"

    def __init__(self, clients, params, check_mode=False):
        self.clients = clients
        self.params = params
        self.check_mode = check_mode
        self._diff = True
        self.warnings = []

    def client(self, service):
        return self.clients[service]

    def warn(self, message):
        self.warnings.append(message)

    def fail_json(self, **kwargs):
        raise Failed(kwargs)


# --------------------------------------------------------------------------- backup_vault


def vault_params(**overrides):
    params = dict(state="present", backup_vault_name="v", encryption_key_arn=None, creator_request_id=None,
                  tags={"CamelCaseKey": "a"}, purge_tags=True, access_policy=None, lock=None, notifications=None,
                  force=False)
    params.update(overrides)
    return params


def stub_vault_described(stub, tags):
    stub.add_response("describe_backup_vault", {"BackupVaultName": "v", "BackupVaultArn": VAULT_ARN,
                                                "NumberOfRecoveryPoints": 0}, {"BackupVaultName": "v"})
    stub.add_response("list_tags", {"Tags": tags}, {"ResourceArn": VAULT_ARN})
    stub.add_client_error("get_backup_vault_access_policy", "ResourceNotFoundException", "none")
    stub.add_client_error("get_backup_vault_notifications", "ResourceNotFoundException", "none")


def test_a_vault_create_that_loses_a_race_converges_on_the_existing_vault():
    """Issue 17: another run created the vault between DescribeBackupVault and CreateBackupVault."""
    backup = client("backup")
    with Stubber(backup) as stub:
        stub.add_client_error("describe_backup_vault", "AccessDeniedException", "no such vault")
        stub.add_client_error("create_backup_vault", "AlreadyExistsException", "exists")
        stub_vault_described(stub, {"Other": "x"})          # the other run's vault, with its own tags
        stub.add_response("untag_resource", {}, {"ResourceArn": VAULT_ARN, "TagKeyList": ["Other"]})
        stub.add_response("tag_resource", {}, {"ResourceArn": VAULT_ARN, "Tags": {"CamelCaseKey": "a"}})
        stub_vault_described(stub, {"CamelCaseKey": "a"})
        result = vault_engine.ensure_present(FakeModule({"backup": backup}, vault_params()))
        stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["vault"]["backup_vault_arn"] == VAULT_ARN
    assert result["vault"]["tags"] == {"CamelCaseKey": "a"}
    assert result["diff"]["before"] == {}


def test_an_unchanged_vault_writes_nothing():
    backup = client("backup")
    with Stubber(backup) as stub:
        stub_vault_described(stub, {"CamelCaseKey": "a"})
        result = vault_engine.ensure_present(FakeModule({"backup": backup}, vault_params()))
        stub.assert_no_pending_responses()
    assert result["changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"] == {
        "backup_vault_name": "v", "encryption_key_arn": None, "tags": {"CamelCaseKey": "a"}, "access_policy": {},
        "lock": None, "notifications": None,
    }


def test_absent_refuses_a_vault_with_recovery_points_without_force():
    backup = client("backup")
    with Stubber(backup) as stub:
        stub.add_response("describe_backup_vault", {"BackupVaultName": "v", "BackupVaultArn": VAULT_ARN,
                                                    "NumberOfRecoveryPoints": 2}, {"BackupVaultName": "v"})
        stub.add_response("list_tags", {"Tags": {}}, {"ResourceArn": VAULT_ARN})
        stub.add_client_error("get_backup_vault_access_policy", "ResourceNotFoundException", "none")
        stub.add_client_error("get_backup_vault_notifications", "ResourceNotFoundException", "none")
        with pytest.raises(Failed) as failed:
            vault_engine.ensure_absent(FakeModule({"backup": backup}, vault_params(state="absent")))
    assert failed.value.args[0]["number_of_recovery_points"] == 2
    assert failed.value.args[0]["msg"].startswith("Backup vault 'v' still holds 2 recovery point(s)")


# --------------------------------------------------------------------------- backup_deny_policy

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/deployer"
SESSION_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/session"
POLICY_ARN = f"arn:aws:iam::{ACCOUNT}:policy/deny"
CREATED = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def deny_params(**overrides):
    params = dict(state="present", name="deny", path=None, description=None,
                  deny_actions=["backup:DeleteRecoveryPoint"], resources=["*"], allow_actions=None,
                  allow_resources=None, exempt_principal_arns=None, attach_to=None, purge_attachments=False,
                  vault_names=["v"], verify=False, verify_timeout=0)
    params.update(overrides)
    return params


def stub_policy_present(iam, document):
    policy = {"PolicyName": "deny", "PolicyId": "P" * 16, "Arn": POLICY_ARN, "Path": "/", "DefaultVersionId": "v1",
              "AttachmentCount": 0, "CreateDate": CREATED, "UpdateDate": CREATED}
    iam.add_response("get_policy", {"Policy": policy}, {"PolicyArn": POLICY_ARN})
    iam.add_response("get_policy_version", {"PolicyVersion": {"Document": json.dumps(document), "VersionId": "v1",
                                                              "IsDefaultVersion": True}},
                     {"PolicyArn": POLICY_ARN, "VersionId": "v1"})
    iam.add_response("list_policy_versions", {"Versions": [{"VersionId": "v1", "IsDefaultVersion": True}]},
                     {"PolicyArn": POLICY_ARN})
    iam.add_response("list_entities_for_policy", {"PolicyGroups": [], "PolicyUsers": [], "PolicyRoles": []},
                     {"PolicyArn": POLICY_ARN})


def stub_vault_policy(backup, policy):
    backup.add_response("describe_backup_vault", {"BackupVaultName": "v", "BackupVaultArn": VAULT_ARN},
                        {"BackupVaultName": "v"})
    if policy:
        backup.add_response("get_backup_vault_access_policy", {"Policy": json.dumps(policy)}, {"BackupVaultName": "v"})
    else:
        backup.add_client_error("get_backup_vault_access_policy", "ResourceNotFoundException", "none")


def test_writing_the_vault_statement_returns_whether_the_caller_is_exempt_and_warns_nothing():
    """Issue 12: a normal run printed a warning (and, through amazon.aws, ansible-core's deprecation of
    exit_json(warnings=)); the caller's exemption is now returned."""
    iam, backup, sts = client("iam"), client("backup"), client("sts")
    document = deny_engine.build_document(["backup:DeleteRecoveryPoint"], ["*"])
    wanted_vault_policy = {"Version": "2012-10-17", "Statement": [deny_engine.vault_statement()]}
    with Stubber(iam) as iam_stub, Stubber(backup) as backup_stub, Stubber(sts) as sts_stub:
        sts_stub.add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": SESSION_ARN, "UserId": "AROA:session"}, {})
        stub_policy_present(iam_stub, document)
        stub_vault_policy(backup_stub, None)
        backup_stub.add_response("put_backup_vault_access_policy", {},
                                 {"BackupVaultName": "v", "Policy": json.dumps(wanted_vault_policy)})
        stub_policy_present(iam_stub, document)
        stub_vault_policy(backup_stub, wanted_vault_policy)
        iam_stub.add_response("get_role", {"Role": {"RoleName": "deployer", "RoleId": "R" * 16, "Arn": ROLE_ARN,
                                                    "Path": "/", "CreateDate": CREATED}}, {"RoleName": "deployer"})
        module = FakeModule({"iam": iam, "backup": backup, "sts": sts}, deny_params())
        result = deny_engine.ensure_present(module)
    assert result["changed"] is True
    assert module.warnings == []
    assert result["caller_arn"] == ROLE_ARN
    assert result["caller_exempt"] is False
    assert result["vault_policies"]["v"]["statement"]["Sid"] == "BackupkitDenyRecoveryPointDeletion"


def test_a_statement_the_caller_may_not_put_is_deleted_and_put_again():
    """The statement denies PutBackupVaultAccessPolicy to a caller that is not exempt, not
    DeleteBackupVaultAccessPolicy: the module deletes the vault policy, then puts the new one."""
    backup = client("backup")
    old = {"Version": "2012-10-17", "Statement": [deny_engine.vault_statement()]}
    new = {"Version": "2012-10-17", "Statement": [deny_engine.vault_statement([ROLE_ARN])]}
    with Stubber(backup) as stub:
        stub.add_client_error("put_backup_vault_access_policy", "AccessDeniedException", "explicit deny")
        stub.add_response("delete_backup_vault_access_policy", {}, {"BackupVaultName": "v"})
        stub.add_response("put_backup_vault_access_policy", {}, {"BackupVaultName": "v", "Policy": json.dumps(new)})
        deny_engine.write_vault_policies(backup, {"vaults": {"v": old}}, {"vaults": {"v": new}})
        stub.assert_no_pending_responses()


def test_a_denied_put_on_a_vault_without_the_statement_is_reported():
    backup = client("backup")
    other = {"Version": "2012-10-17", "Statement": [{"Sid": "Theirs", "Effect": "Deny", "Principal": "*",
                                                     "Action": "backup:PutBackupVaultAccessPolicy", "Resource": "*"}]}
    new = {"Version": "2012-10-17", "Statement": other["Statement"] + [deny_engine.vault_statement()]}
    with Stubber(backup) as stub:
        stub.add_client_error("put_backup_vault_access_policy", "AccessDeniedException", "explicit deny")
        with pytest.raises(Exception, match="put backup vault access policy"):
            deny_engine.write_vault_policies(backup, {"vaults": {"v": other}}, {"vaults": {"v": new}})


# --------------------------------------------------------------------------- backup_protection_info (issue 14)


def test_a_recovery_point_is_warm_until_its_move_to_cold_storage_time_passes():
    raw = {"CreationDate": datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc),
           "CalculatedLifecycle": {"MoveToColdStorageAt": datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)}}
    assert protection.recovery_point_entry(raw, NOW)["storage_class"] == "COLD"
    assert protection.recovery_point_entry(raw, datetime.datetime(2026, 11, 30, tzinfo=datetime.timezone.utc))["storage_class"] == "WARM"
    assert protection.recovery_point_entry({"CreationDate": NOW}, NOW)["storage_class"] == "WARM"
    assert protection.recovery_point_entry(dict(raw, StorageClass="DELETED"), NOW)["storage_class"] == "DELETED"


@pytest.mark.parametrize("job_days, strip_days, no_failed_days, expected", [
    (7, 7, 7, 7),
    (30, 7, 7, 30),     # a larger job_days is read in full
    (3, 3, 14, 14),     # BACKUP_NO_FAILED_JOBS' own window
    (3, 35, 7, 35),     # the strip's failed jobs per day
    (1, 1, None, 7),    # the summary's failed_jobs_7d
])
def test_the_jobs_read_cover_every_window_that_counts_them(job_days, strip_days, no_failed_days, expected):
    reader = protection.ProtectionReader(None, None, NOW, job_days=job_days, strip_days=strip_days)
    controls = {"BACKUP_NO_FAILED_JOBS": None if no_failed_days is None else {"days": no_failed_days}}
    assert reader.job_window_days(controls) == expected


def test_the_jobs_window_is_sent_to_aws():
    backup = client("backup")
    reader = protection.ProtectionReader(backup, None, NOW, job_days=30, strip_days=35)
    with Stubber(backup) as stub:
        stub.add_response("list_backup_jobs", {"BackupJobs": []},
                          {"ByResourceType": "DynamoDB", "ByCreatedAfter": datetime.datetime(2026, 10, 30, 12, tzinfo=datetime.timezone.utc)})
        stub.add_response("list_restore_jobs", {"RestoreJobs": []}, {})
        assert reader.jobs({"BACKUP_NO_FAILED_JOBS": {"days": 7}}) == ([], [])


# --------------------------------------------------------------------------- the code itself


def test_is_ansible_aws_error_code_is_only_used_in_except_clauses():
    """``if is_ansible_aws_error_code(...)`` is always true (it returns a class); it belongs in ``except``."""
    misuse = re.compile(r"\bif\s+(not\s+)?is_ansible_aws_error_code\(")
    found = [f"{path.relative_to(PLUGINS)}:{number}" for path in sorted(PLUGINS.rglob("*.py"))
             for number, line in enumerate(path.read_text().splitlines(), 1) if misuse.search(line)]
    assert found == []


def test_no_plugin_calls_boto3_outside_the_service_files():
    """Each AWS operation is wrapped once, in _backup, _dynamodb, _iam, _kms, _s3, _identity (STS) or _autoscaling."""
    service_files = {"_backup.py", "_dynamodb.py", "_iam.py", "_kms.py", "_s3.py", "_identity.py", "_autoscaling.py"}
    call = re.compile(r"\b(client|backup|iam|sts|kms|s3|ddb|s3_client|kms_client|sts_client|iam_client)\.(?!meta\b|get_paginator\b)[a-z_]+\(")
    found = [f"{path.name}:{number}" for path in sorted((PLUGINS / "module_utils").glob("*.py")) + sorted((PLUGINS / "modules").glob("*.py"))
             if path.name not in service_files
             for number, line in enumerate(path.read_text().splitlines(), 1)
             if call.search(line) and "module.client(" not in line and "self.client(" not in line]
    assert found == []


def test_the_callers_principal_arn_is_its_roles_arn_even_without_iam_get_role():
    from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import caller_principal_arn

    iam = client("iam")
    with Stubber(iam) as stub:
        stub.add_response("get_role", {"Role": {"RoleName": "deployer", "RoleId": "R" * 16, "Path": "/ops/",
                                                "Arn": f"arn:aws:iam::{ACCOUNT}:role/ops/deployer", "CreateDate": CREATED}},
                          {"RoleName": "deployer"})
        stub.add_client_error("get_role", "AccessDenied", "not allowed", http_status_code=403)
        assert caller_principal_arn(SESSION_ARN, iam) == f"arn:aws:iam::{ACCOUNT}:role/ops/deployer"
        assert caller_principal_arn(SESSION_ARN, iam) == ROLE_ARN
    assert caller_principal_arn(f"arn:aws:iam::{ACCOUNT}:user/alice", None) == f"arn:aws:iam::{ACCOUNT}:user/alice"


def test_absent_takes_the_statement_out_and_keeps_the_foreign_one():
    iam, backup, sts = client("iam"), client("backup"), client("sts")
    foreign = {"Sid": "Theirs", "Effect": "Deny", "Principal": "*", "Action": "backup:DeleteBackupVault", "Resource": "*"}
    both = {"Version": "2012-10-17", "Statement": [foreign, deny_engine.vault_statement()]}
    theirs = {"Version": "2012-10-17", "Statement": [foreign]}
    with Stubber(iam) as iam_stub, Stubber(backup) as backup_stub, Stubber(sts) as sts_stub:
        sts_stub.add_response("get_caller_identity", {"Account": ACCOUNT, "Arn": SESSION_ARN, "UserId": "AROA:session"}, {})
        iam_stub.add_client_error("get_policy", "NoSuchEntity", "no policy", http_status_code=404)
        iam_stub.add_response("list_policies", {"Policies": []}, {"Scope": "Local"})
        stub_vault_policy(backup_stub, both)
        # the statement denies this caller PutBackupVaultAccessPolicy: delete, then put the foreign statement back
        backup_stub.add_client_error("put_backup_vault_access_policy", "AccessDeniedException", "explicit deny", http_status_code=403)
        backup_stub.add_response("delete_backup_vault_access_policy", {}, {"BackupVaultName": "v"})
        backup_stub.add_response("put_backup_vault_access_policy", {}, {"BackupVaultName": "v", "Policy": json.dumps(theirs)})
        stub_vault_policy(backup_stub, theirs)
        result = deny_engine.ensure_absent(FakeModule({"iam": iam, "backup": backup, "sts": sts}, deny_params(state="absent")))
        backup_stub.assert_no_pending_responses()
    assert result["changed"] is True
    assert result["vault_policies"] == {"v": {"policy": theirs, "statement": None}}
    assert result["diff"]["after"]["vault_statements"] == {"v": None}


def test_an_s3_source_names_the_object_it_cannot_read():
    from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_items import CsvError
    from ansible_collections.backupkit.dynamodb.plugins.module_utils._csv_load import s3_source
    from ansible_collections.backupkit.dynamodb.plugins.module_utils._s3 import AnsibleS3Error

    s3 = client("s3")
    with Stubber(s3) as stub:
        stub.add_client_error("get_object", "NoSuchKey", "The specified key does not exist.", http_status_code=404)
        with pytest.raises(AnsibleS3Error, match="^Failed to read s3://bucket/exports/missing.csv: .*NoSuchKey"):
            s3_source(s3, "s3://bucket/exports/missing.csv").open()
        stub.add_client_error("get_object", "PreconditionFailed", "changed", http_status_code=412)
        with pytest.raises(CsvError, match="s3://bucket/a.csv changed while it was being loaded; run again"):
            s3_source(s3, "s3://bucket/a.csv").open()
