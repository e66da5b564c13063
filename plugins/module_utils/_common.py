# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Helpers shared by backupkit.dynamodb modules (private)."""

from __future__ import annotations

import copy

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


def changed_result(before, after, diff_mode, **extra):
    """The common result of a declarative module: ``changed`` is exactly ``before != after``.

    ``diff`` is the same pair, returned only when the caller asked for ``--diff``.
    """
    result = dict(changed=before != after, **extra)
    if diff_mode:
        result["diff"] = dict(before=copy.deepcopy(before) if before is not None else {},
                              after=copy.deepcopy(after) if after is not None else {})
    return result


def run_module(module, ensure_present, ensure_absent=None, input_problems=None):
    """The one ``main()`` body of the collection's modules.

    The options are checked first (``input_problems(params)`` returns messages naming the
    option; none may need AWS), then ``ensure_present(module)`` runs (``ensure_absent(module)``
    for ``state: absent``). Every AWS error reaches the module as one AnsibleAWSError
    subclass (one per service) and is reported here, once.
    """
    problems = input_problems(module.params) if input_problems else []
    if problems:
        module.fail_json(msg="; ".join(problems), errors=problems)
    ensure = ensure_absent if ensure_absent and module.params.get("state") == "absent" else ensure_present
    try:
        result = ensure(module)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**result)
