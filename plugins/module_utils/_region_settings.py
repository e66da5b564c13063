# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The engine of backupkit.dynamodb.backup_region_settings (private).

describe -> desired -> predict -> compare -> apply -> describe again; the AWS calls are ``_backup``'s.
"""

from __future__ import annotations

import copy

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import describe_region_settings
from ansible_collections.backupkit.dynamodb.plugins.module_utils._backup import update_region_settings
from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import changed_result

# option name -> AWS field name
SETTINGS = {
    "resource_type_opt_in_preference": "ResourceTypeOptInPreference",
    "resource_type_management_preference": "ResourceTypeManagementPreference",
}


def describe(client):
    """The region settings as {option name: {resource type: bool}} (resource type names untouched)."""
    response = describe_region_settings(client)
    return {option: dict(response.get(field) or {}) for option, field in SETTINGS.items()}


def desired(module, current):
    """Validate the requested maps against the resource types AWS reports; return {option: {type: bool}}."""
    requested = {}
    for option in SETTINGS:
        wanted = module.params.get(option)
        if wanted is None:
            continue
        known = current.get(option) or {}
        checked = {}
        for resource_type, value in wanted.items():
            if known and resource_type not in known:
                hint = [name for name in known if name.lower() == str(resource_type).lower()]
                if hint:
                    module.fail_json(msg=f"{option}: resource type {resource_type!r} is spelled {hint[0]!r} by AWS")
                module.fail_json(
                    msg=f"{option}: unknown resource type {resource_type!r}; this region knows: {', '.join(sorted(known))}"
                )
            try:
                checked[resource_type] = boolean(value, strict=True)
            except TypeError:
                module.fail_json(msg=f"{option}: value for {resource_type!r} must be a boolean, got {value!r}")
        requested[option] = checked
    return requested


def ensure_present(module):
    client = module.client("backup")
    before = describe(client)
    predicted = copy.deepcopy(before)
    for option, values in desired(module, before).items():
        predicted[option].update(values)

    if predicted == before or module.check_mode:
        return changed_result(before, predicted, module._diff, region_settings=predicted)

    params = {SETTINGS[option]: predicted[option] for option in SETTINGS if predicted[option] != before[option]}
    update_region_settings(client, **params)
    after = describe(client)
    return changed_result(before, after, module._diff, region_settings=after)
