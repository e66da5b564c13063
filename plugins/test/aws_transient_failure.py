# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: aws_transient_failure
short_description: Whether a task failed on an AWS error worth trying again (throttling, a 5xx)
version_added: 0.2.0
description:
  - True when a registered task result failed with an AWS error code that the collection's own modules retry
    (throttling and transient server errors, per service; the list of C(plugins/module_utils/_retry.py)), false for
    every other result, failed or not. A result whose failure a C(failed_when) turned off counts as failed with
    its error code, so a task that looks at what a module found, failures included, can retry it too.
  - For tasks that call another collection's module (C(amazon.aws), C(community.aws)) whose own retries do not cover
    those codes, as C(until) of the task, so the collection's roles retry such a module the way its own modules
    retry each AWS call.
  - The code is read from the result's C(error.code) (what C(amazon.aws) reports) or, failing that, from the
    message botocore writes (V(An error occurred \(CODE\) when calling the OPERATION operation)), in the result's
    message or, for a module that crashed on the error, in its traceback; or from a botocore waiter's failure
    (V(Waiter table_exists failed) and then the code in parentheses, as C(community.aws.dynamodb_table) reports a
    DescribeTable of its C(wait) that failed), so such a task is run again; the module reads the table again and
    changes nothing it already did. A waiter that ran out of attempts (a timeout) is not transient. A module that
    crashed without a message
    (when C(until) is evaluated, ansible-core 2.19 has not attached an uncaught exception's message to the result)
    counts as transient, since its code cannot be read and running the module again is harmless.
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  _input:
    description: A registered task result (one item's result, inside a loop).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Remove the IAM role; again after throttling or a 5xx that amazon.aws.iam_role does not retry
  amazon.aws.iam_role:
    name: backup-role
    state: absent
  register: role_removed
  until: role_removed is not backupkit.dynamodb.aws_transient_failure
  retries: 5
  delay: 5
"""

RETURN = r"""
_value:
  description: True when the result failed with a transient or throttling AWS error code.
  type: bool
"""

import re

from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import is_retryable

_BOTOCORE_MESSAGE = re.compile(r"An error occurred \(([\w.]+)\) when calling the \w+ operation")
# botocore's WaiterError when a poll failed with an error no acceptor matches: "Waiter NAME failed: An error occurred (CODE): ..."
_WAITER_MESSAGE = re.compile(r"Waiter \w+ failed: An error occurred \(([\w.]+)\)")


def aws_transient_failure(result):
    """True when ``result`` failed with an error code the collection's retry policy retries."""
    # a task with failed_when keeps the module's answer ("failed_when_result" tells it was evaluated)
    if not isinstance(result, dict) or not (result.get("failed") or "failed_when_result" in result):
        return False
    error = result.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    if not code:
        # a module that let botocore's ClientError through crashed: the message is in its traceback
        for key in ("msg", "exception", "module_stderr", "module_stdout", "stderr"):
            text = str(result.get(key) or "")
            match = _BOTOCORE_MESSAGE.search(text) or _WAITER_MESSAGE.search(text)
            if match:
                code = match.group(1)
                break
    if not code and not result.get("msg") and "exception" in result:
        # a module that let an exception through (amazon.aws.backup_vault_info's ListBackupVaults does): when
        # until is evaluated, Ansible has not attached its message yet, so the code cannot be read. Such modules
        # are read-only or idempotent: running one again costs a few seconds, and a lasting error is reported.
        return True
    return is_retryable(code)


class TestModule(object):
    def tests(self):
        return {"aws_transient_failure": aws_transient_failure}
