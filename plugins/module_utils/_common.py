# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Helpers shared by backupkit.dynamodb modules (private)."""

from __future__ import annotations

import copy


def changed_result(before, after, diff_mode, **extra):
    """The common result of a declarative module: ``changed`` is exactly ``before != after``.

    ``diff`` is the same pair, returned only when the caller asked for ``--diff``.
    """
    result = dict(changed=before != after, **extra)
    if diff_mode:
        result["diff"] = dict(before=copy.deepcopy(before) if before is not None else {},
                              after=copy.deepcopy(after) if after is not None else {})
    return result
