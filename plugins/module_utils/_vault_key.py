# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The engine of backupkit.dynamodb.backup_vault_key (private): a vault's KMS key behind its alias, created at most once."""

from __future__ import annotations

import re
import uuid

from ansible_collections.backupkit.dynamodb.plugins.module_utils._common import changed_result
from ansible_collections.backupkit.dynamodb.plugins.module_utils._kms import CREATE_TOKEN_TAG
from ansible_collections.backupkit.dynamodb.plugins.module_utils._kms import create_alias
from ansible_collections.backupkit.dynamodb.plugins.module_utils._kms import create_attempts
from ansible_collections.backupkit.dynamodb.plugins.module_utils._kms import create_key_once
from ansible_collections.backupkit.dynamodb.plugins.module_utils._kms import describe_key
from ansible_collections.backupkit.dynamodb.plugins.module_utils._kms import enable_key_rotation
from ansible_collections.backupkit.dynamodb.plugins.module_utils._kms import schedule_key_deletion
from ansible_collections.backupkit.dynamodb.plugins.module_utils._kms import single_attempt_client
from ansible_collections.backupkit.dynamodb.plugins.module_utils._kms import untag_key

# KMS's alias names (CreateAlias): alias/ then letters, digits, / _ -; never alias/aws/ (AWS managed keys)
_ALIAS = re.compile(r"^alias/[a-zA-Z0-9/_-]{1,250}$")


def alias_name(alias):
    """``alias`` with its ``alias/`` prefix."""
    return alias if str(alias).startswith("alias/") else f"alias/{alias}"


def input_problems(params):
    """Messages naming the option, for what KMS would refuse (no AWS call)."""
    problems = []
    alias = alias_name(params.get("alias") or "")
    if not _ALIAS.match(alias):
        problems.append(f"alias: {params.get('alias')!r} is not a KMS alias name (letters, digits, '/', '_' and '-', "
                        "at most 256 characters with alias/)")
    elif alias.startswith("alias/aws/"):
        problems.append(f"alias: {params.get('alias')!r} is reserved for AWS managed keys (alias/aws/)")
    if len(params.get("description") or "") > 8192:
        problems.append("description: at most 8192 characters")
    for key, value in (params.get("tags") or {}).items():
        if key == CREATE_TOKEN_TAG:
            problems.append(f"tags: {CREATE_TOKEN_TAG} is the module's own tag")
        elif not 1 <= len(str(key)) <= 128 or len(str(value)) > 256:
            problems.append(f"tags: {key!r}: keys are 1-128 characters and values at most 256")
    return problems


def _view(alias, metadata):
    return dict(alias=alias, key_arn=metadata.get("Arn", ""), key_id=metadata.get("KeyId", ""),
                description=metadata.get("Description", ""))


def ensure_present(module):
    client = module.client("kms")
    alias = alias_name(module.params["alias"])
    current = describe_key(client, alias)
    if current is not None:
        view = _view(alias, current)
        return changed_result(view, view, module._diff, created=False, **view)
    wanted = dict(alias=alias, key_arn="", key_id="", description=module.params["description"])
    if module.check_mode:
        return changed_result({}, wanted, module._diff, created=True, **wanted)

    params = dict(Description=module.params["description"], KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT",
                  Tags=[{"TagKey": k, "TagValue": str(v)} for k, v in (module.params["tags"] or {}).items()])
    key_id, _answered = create_key_once(client, single_attempt_client(module), params, str(uuid.uuid4()),
                                        attempts=create_attempts(client))
    target = create_alias(client, alias, key_id)
    if target != key_id:
        # another run created the alias meanwhile (two setups at once): its key is the vault's, this run's goes
        schedule_key_deletion(client, key_id)
        module.warn(f"{alias} was created by another run at the same time; the key this run created ({key_id}) "
                    "is scheduled for deletion (7 days) and the alias's key is used")
        view = _view(alias, describe_key(client, target) or {})
        return changed_result(view, view, module._diff, created=False, **view)
    if module.params["enable_key_rotation"]:
        enable_key_rotation(client, key_id)
    untag_key(client, key_id, [CREATE_TOKEN_TAG])
    after = _view(alias, describe_key(client, key_id) or {})
    return changed_result({}, after, module._diff, created=True, **after)
