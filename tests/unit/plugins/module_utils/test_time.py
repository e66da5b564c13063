"""The _time helpers shared by the _info modules."""

from __future__ import annotations

import pytest


def test_the_info_modules_time_window_names_the_options():
    """backup_job_info and backup_recovery_point_info read created_after / created_before the same way."""
    from ansible_collections.backupkit.dynamodb.plugins.module_utils._time import time_window

    assert time_window({}) == (None, None)
    after, before = time_window({"created_after": "2024-05-01", "created_before": "2024-06-01T12:00:00+02:00"})
    assert (after.isoformat(), before.isoformat()) == ("2024-05-01T00:00:00+00:00", "2024-06-01T10:00:00+00:00")
    with pytest.raises(ValueError, match=r"created_after \(2024-06-01T00:00:00\+00:00\) must be earlier than created_before"):
        time_window({"created_after": "2024-06-01", "created_before": "2024-05-01"})
    with pytest.raises(ValueError, match="created_before"):
        time_window({"created_before": "yesterday-ish"})
