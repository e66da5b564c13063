# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: aws_task_retries
short_description: How many more times a role task runs another collection's module after a transient AWS error
version_added: 0.2.0
description:
  - Returns the number it is given (the task's C(retries)), or V(0) when the user chose botocore's number of
    attempts, so that such a task then runs once, as each call of the collection's own modules is then made
    once (botocore makes exactly the attempts chosen).
  - The number of attempts is read on the controller, where the collection's playbooks run their modules
    (C(connection=local)), from where botocore reads it - E(AWS_MAX_ATTEMPTS) in the environment, or
    C(max_attempts) in the profile of C(~/.aws/config) (E(AWS_PROFILE), E(AWS_CONFIG_FILE)).
    A task's C(environment) and C(aws_config) are not seen (use the environment of C(ansible-playbook)).
  - The retry mode (E(AWS_RETRY_MODE), C(retry_mode)) is botocore's, honoured inside each module; it does not
    change the count.
  - Used with the P(backupkit.dynamodb.aws_transient_failure#test) test as the task's C(until).
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  _input:
    description: The number of retries when the user chose no number of attempts.
    type: int
    required: true
"""

EXAMPLES = r"""
- name: Remove the IAM role; again after throttling or a 5xx that amazon.aws.iam_role does not retry
  amazon.aws.iam_role:
    name: backup-role
    state: absent
  register: role_removed
  until: role_removed is not backupkit.dynamodb.aws_transient_failure
  retries: "{{ 5 | backupkit.dynamodb.aws_task_retries }}"
  delay: 5
"""

RETURN = r"""
_value:
  description: The retries of the task, V(0) when the user chose botocore's number of attempts.
  type: int
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import task_retries


def aws_task_retries(retries):
    """``retries``, or 0 when AWS_MAX_ATTEMPTS or the profile's max_attempts is set."""
    try:
        retries = int(retries)
    except (TypeError, ValueError):
        raise AnsibleFilterError(f"aws_task_retries: the retries must be a number, got {retries!r}") from None
    return task_retries(retries)


class FilterModule(object):
    def filters(self):
        return {"aws_task_retries": aws_task_retries}
