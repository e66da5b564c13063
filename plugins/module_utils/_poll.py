# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one waiting loop of backupkit.dynamodb (private).

Every wait (a backup or restore job to end, a restored table to become ACTIVE, a
vault to empty, IAM to agree with a new policy) reads until a test holds or a
deadline passes, sleeping a growing delay in between, never past the deadline.
Clock and sleep are arguments, so unit tests run the loop on a fake clock.
"""

from __future__ import annotations

import time

FIRST_DELAY = 1.0
FACTOR = 1.5
MAX_DELAY = 15.0


def delays(first=FIRST_DELAY, factor=FACTOR, ceiling=MAX_DELAY):
    """``first``, then times ``factor`` each round, at most ``ceiling`` seconds."""
    delay = first
    while True:
        yield delay
        delay = min(ceiling, delay * factor)


def poll(read, done, deadline=None, timeout=None, clock=time.monotonic, sleep=time.sleep,
         first_delay=FIRST_DELAY, factor=FACTOR, max_delay=MAX_DELAY):
    """Call ``read()`` until ``done(value)`` holds or the deadline passes.

    The deadline is ``deadline`` (a ``clock()`` value) or ``timeout`` seconds from now.
    Returns ``(value, finished)``: the last value read, and whether ``done`` held for it.
    """
    if deadline is None:
        deadline = clock() + (timeout or 0)
    waits = delays(first_delay, factor, max_delay)
    while True:
        value = read()
        if done(value):
            return value, True
        remaining = deadline - clock()
        if remaining <= 0:
            return value, False
        sleep(min(next(waits), remaining))


def retry_while(call, retryable, timeout, clock=time.monotonic, sleep=time.sleep,
                first_delay=FIRST_DELAY, factor=FACTOR, max_delay=MAX_DELAY):
    """Make ``call()`` until it returns, or raises an error for which ``retryable(error)`` is false,
    for at most ``timeout`` seconds (the same loop as :func:`poll`); then the last error is raised."""

    def attempt():
        try:
            return call(), None
        except Exception as error:  # pylint: disable=broad-except
            if not retryable(error):
                raise
            return None, error

    (value, error), _done = poll(attempt, lambda outcome: outcome[1] is None, timeout=timeout, clock=clock,
                                 sleep=sleep, first_delay=first_delay, factor=factor, max_delay=max_delay)
    if error is not None:
        raise error
    return value
