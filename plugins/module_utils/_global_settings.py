# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The engine of backupkit.dynamodb.backup_global_settings (private).

describe -> desired -> compare -> apply -> describe again; the AWS calls are ``_backup``'s.
AWS Backup's global settings belong to the AWS Organizations organization: any account of it
reads them, only its management account changes them.
"""

from __future__ import annotations

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import AnsibleBackupError
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import describe_global_settings
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import update_global_settings
from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import changed_result
from ansible_collections.backupkit.dynamodb.plugins.module_utils._identity import CallerContext
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import error_code_of

# option name -> AWS's setting name
SETTINGS = {"cross_account_backup": "isCrossAccountBackupEnabled"}


def _message(error):
    cause = getattr(error, "exception", None) or error
    return ((getattr(cause, "response", None) or {}).get("Error") or {}).get("Message") or str(error)


def view(response):
    """DescribeGlobalSettings' answer as {option: bool} for the settings this module manages."""
    settings = response.get("GlobalSettings") or {}
    return {option: str(settings.get(name, "false")).lower() == "true" for option, name in SETTINGS.items()}


def ensure_present(module):
    client = module.client("backup")
    ctx = CallerContext(module)
    try:
        response = describe_global_settings(client)
    except AnsibleBackupError as e:
        if error_code_of(e) != "InvalidRequestException":
            raise
        module.fail_json(msg=(f"AWS Backup's global settings belong to an AWS Organizations organization, and account "
                              f"{ctx.account_id} is in none: {_message(e)}"))
    before = view(response)
    after = dict(before)
    for option in SETTINGS:
        if module.params.get(option) is not None:
            after[option] = module.params[option]
    if after == before or module.check_mode:
        return changed_result(before, after, module._diff, global_settings=after)
    changes = {SETTINGS[option]: "true" if value else "false" for option, value in after.items() if before[option] != value}
    try:
        update_global_settings(client, changes)
    except AnsibleBackupError as e:
        if error_code_of(e) != "InvalidRequestException":
            raise
        option = ", ".join(option for option in SETTINGS if before[option] != after[option])
        module.fail_json(msg=(f"{option}: only the management account of the organization can change AWS Backup's "
                              f"global settings, and account {ctx.account_id} is not it; run this task with "
                              f"credentials of the management account. Nothing was changed. AWS said: {_message(e)}"),
                         global_settings=before)
    after = view(describe_global_settings(client))
    return changed_result(before, after, module._diff, global_settings=after)
