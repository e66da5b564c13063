"""The aws_transient_failure test, and the roles' tasks that retry other collections' modules with it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible.errors import AnsibleFilterError

# Imported when the file is collected, as every plugin the unit tests import: once another test of the same
# pytest-xdist worker has installed ansible-core's collection finder, importing a collection package for the
# first time inside a test finds its path twice and fails ("this loader requires exactly one path").
from ansible_collections.backupkit.dynamodb.plugins.filter.aws_task_retries import aws_task_retries
from ansible_collections.backupkit.dynamodb.plugins.test.aws_transient_failure import aws_transient_failure

ROOT = Path(__file__).resolve().parents[4]
# what amazon.aws.iam_role state=absent returned in benchmarks/faults_journey.py (5xx 0.3, seed 1): the
# module's own retry does not cover InternalServerError, so cleanup stopped there and left the tables
IAM_ROLE_5XX = {
    "action": "amazon.aws.iam_role", "changed": False, "failed": True,
    "error": {"code": "InternalServerError", "message": "Injected internal error", "type": "Receiver"},
    "msg": "Failed to list instance profiles: An error occurred (InternalServerError) when calling the "
           "ListInstanceProfilesForRole operation (reached max retries: 2): Injected internal error",
}


@pytest.mark.parametrize("result", [
    IAM_ROLE_5XX,
    {"failed": True, "error": {"code": "ThrottlingException"}},
    {"failed": True, "error": {"code": "ProvisionedThroughputExceededException"}},
    # amazon.aws.backup_vault_info lets ListBackupVaults' ClientError through: the module crashes (benchmark,
    # 5xx 0.4, seed 1: cleanup stopped at "Read the account's backup vaults" after one retry)
    {"failed": True, "msg": "MODULE FAILURE: No start of json char found\nSee stdout/stderr for the exact error",
     "module_stdout": "", "rc": 1,
     "module_stderr": "Traceback (most recent call last):\n  ...\nbotocore.exceptions.ClientError: An error occurred "
                      "(InternalServerError) when calling the ListBackupVaults operation (reached max retries: 2): x"},
    {"failed": True, "msg": "Module failed: boom", "exception": "Traceback ...\nbotocore.exceptions.ClientError: An "
     "error occurred (ThrottlingException) when calling the ListBackupVaults operation (reached max retries: 2): x"},
    # what `until` sees of that crash in ansible-core 2.19: no message yet, so it cannot tell the code
    {"failed": True, "exception": "(traceback unavailable)", "_ansible_parsed": True, "changed": False},
    # failed_when: false, as the tables role's look at an existing table: a throttled look is no answer
    {"failed": False, "failed_when_result": False, "error": {"code": "ThrottlingException"},
     "msg": "Failed to describe table: An error occurred (ThrottlingException) when calling the DescribeTable "
            "operation (reached max retries: 2): Rate exceeded"},
    # community.aws.dynamodb_table's wait: a DescribeTable of its waiter failed (benchmarks/faults_journey.py, 5xx 0.6,
    # seed 1: setup stopped at "Ensure the DynamoDB tables", the task was not run again)
    {"failed": True, "action": "community.aws.dynamodb_table", "changed": False,
     "msg": "Timeout while waiting for secondary index updates: Waiter global_indexes_active failed: An error "
            "occurred (InternalServerError): Injected internal error (backupkit-emulator --error-rate)"},
    {"failed": True, "msg": "Timeout while waiting for table creation: Waiter table_exists failed: An error "
                            "occurred (ThrottlingException): Rate exceeded"},
    # no error dict: the code is read from botocore's message
    {"failed": True, "msg": "Failed to list backup selections: An error occurred (Throttling) when calling the "
                            "ListRoles operation (reached max retries: 4): Rate exceeded"},
])
def test_throttling_and_5xx_failures_are_transient(result):
    assert aws_transient_failure(result) is True


@pytest.mark.parametrize("result", [
    {"changed": True},
    dict(IAM_ROLE_5XX, failed=False),
    {"failed": False, "failed_when_result": False, "table": {"name": "orders"}},
    {"failed": False, "failed_when_result": False, "error": {"code": "ResourceNotFoundException"}},
    {"failed": True, "error": {"code": "AccessDenied"}},
    {"failed": True, "error": {"code": "LimitExceededException"}},
    {"failed": True, "msg": "table_name: must be 3-255 characters"},
    # a waiter that ran out of attempts (a real timeout), or whose poll was refused
    {"failed": True, "msg": "Timeout while waiting for table creation: Waiter table_exists failed: Max attempts exceeded"},
    {"failed": True, "msg": "Timeout while waiting for table creation: Waiter table_exists failed: An error occurred "
                            "(AccessDeniedException): not authorized to perform dynamodb:DescribeTable"},
    "not a result",
])
def test_anything_else_is_not(result):
    assert aws_transient_failure(result) is False


def _tasks(node):
    """Every task of a tasks file, blocks included."""
    for task in node or []:
        if not isinstance(task, dict):
            continue
        yield task
        for key in ("block", "rescue", "always"):
            yield from _tasks(task.get(key))


def _other_collections_tasks():
    for path in sorted((ROOT / "roles").glob("*/tasks/*.yml")):
        for task in _tasks(yaml.safe_load(path.read_text())):
            module = next((k for k in task if k.startswith(("amazon.aws.", "community.aws."))), None)
            if module:
                yield pytest.param(task, id=f"{path.parent.parent.name}: {task.get('name')}")


@pytest.mark.parametrize("task", list(_other_collections_tasks()))
def test_every_role_task_of_amazon_aws_or_community_aws_is_run_again_on_a_transient_error(task):
    """These modules retry fewer codes than the collection (not ThrottlingException or InternalServerError for
    AWS Backup and DynamoDB): a role task calling one runs again on those, also when its failed_when looks at
    the failure afterwards."""
    until = " ".join(str(task.get("until", "")).split())
    # the condition, or one "or (... and ...)" term of it (the service role also waits out EntityAlreadyExists)
    assert f"{task['register']} is not backupkit.dynamodb.aws_transient_failure" in until
    # 5 more runs, or once when the user chose botocore's number of attempts (the aws_task_retries filter)
    assert " ".join(str(task.get("retries", "")).split()) == "{{ 5 | backupkit.dynamodb.aws_task_retries }}"
    assert int(task.get("delay", 0)) >= 1


@pytest.fixture
def no_aws_settings(monkeypatch, tmp_path):
    for name in ("AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    return tmp_path / "config"


def test_a_role_task_runs_5_more_times_unless_the_user_chose_a_number_of_attempts(no_aws_settings, monkeypatch):
    assert aws_task_retries(5) == 5
    # the retry mode is botocore's, inside the module: the count stays
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    assert aws_task_retries("5") == 5
    # AWS_MAX_ATTEMPTS: botocore makes exactly that many attempts, the task runs once
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "10")
    assert aws_task_retries(5) == 0
    monkeypatch.delenv("AWS_MAX_ATTEMPTS")
    # max_attempts in the profile of ~/.aws/config (AWS_CONFIG_FILE, AWS_PROFILE)
    no_aws_settings.write_text("[profile ops]\nmax_attempts = 2\n[default]\nregion = us-east-1\n")
    assert aws_task_retries(5) == 5
    monkeypatch.setenv("AWS_PROFILE", "ops")
    assert aws_task_retries(5) == 0


def test_aws_task_retries_wants_a_number():
    with pytest.raises(AnsibleFilterError, match="must be a number"):
        aws_task_retries("many")
