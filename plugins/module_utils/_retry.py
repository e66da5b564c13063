# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one retry policy of every AWS call the collection makes (private).

Each AWS call is attempted by botocore first, with botocore's own retry
configuration (``AWS_RETRY_MODE``, ``AWS_MAX_ATTEMPTS``, ``~/.aws/config``,
the modules' ``aws_config`` option; 3 attempts in ``standard`` mode). When
botocore gives up on an error that AWS documents as throttling or transient
(:data:`RETRYABLE_CODES`, for every service the collection calls), :data:`aws_retry`
makes the whole call again, :data:`ATTEMPTS` times in all, each after a random
("full jitter") wait of at most ``min(MAX_DELAY, DELAY * 2**n)`` seconds, so one
call waits at most :data:`MAX_TOTAL_WAIT` seconds (71) in all before its error is
reported. Any other error is reported at once.

A user who chooses the number of attempts chooses it for every call: botocore makes
exactly that many and the collection makes the call once. The number is chosen with
``aws_config: {retries: {max_attempts: N}}`` (or ``total_max_attempts``) on the task,
``AWS_MAX_ATTEMPTS`` in the environment or ``max_attempts`` in the profile of
``~/.aws/config``; it is read from the client of each call, when the call is made, so
every module honours the same settings. ``retries.mode`` / ``AWS_RETRY_MODE`` choose
botocore's retry mode (``standard``, ``adaptive``, ``legacy``) and are honoured as
botocore honours them; modules that pass a client configuration of their own
(:func:`botocore_retries`) leave out what the user chose.

Reads are also made again after botocore gives up on the connection (:func:`read_retry`):
a read timeout (``ReadTimeoutError``: the endpoint took longer than ``read_timeout``, 60 s by
default, to answer), a refused or unreachable endpoint (``EndpointConnectionError``,
``ConnectTimeoutError``) or a connection closed mid-answer (``ConnectionClosedError``). A read
changes nothing, so a second one is safe: Scan, Query, GetItem, BatchGetItem and the
Describe*/List*/Get* calls. Writes are not made again on these errors by :data:`aws_retry`,
because the first attempt may have been carried out and only its answer lost, and some writes
are not idempotent: CreateBackup, StartBackupJob and StartRestoreJob without an idempotency token,
RestoreTableFromBackup / RestoreTableToPointInTime and CreateTable (a second attempt fails with
"already exists", hiding the first one's success), KMS CreateKey (a second key), an UpdateItem
that adds to a number or appends to a list, a conditional PutItem / DeleteItem (the second
attempt fails its condition), TransactWriteItems and ImportTable (botocore fills in a new
ClientRequestToken / ClientToken per call, so a call made again is a new transaction or import).
BatchWriteItem of whole-item puts and deletes is idempotent, and ``_dynamodb.batch_write`` makes
it again on connection errors on its own budget.

Usage, under the service's error handler::

    @BackupErrorHandler.common_error_handler("delete backup plan")
    @aws_retry
    def delete_backup_plan(client, backup_plan_id):
        ...
"""

from __future__ import annotations

import functools
import os
import random
import time

try:
    import botocore.exceptions
except ImportError:
    pass  # the module reports missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# Error codes AWS documents as throttling or transient, per service. Quota errors
# (IAM's LimitExceeded, AWS Backup's LimitExceededException) are not transient and not here.
RETRYABLE_CODES_BY_SERVICE = {
    "dynamodb": (
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ThrottlingException",
        "InternalServerError",
        "TransactionInProgressException",
    ),
    "backup": ("ThrottlingException", "ServiceUnavailableException", "InternalServerError", "InternalFailure"),
    "iam": ("Throttling", "ServiceFailure", "InternalFailure", "ServiceUnavailable"),
    "sts": ("Throttling", "IDPCommunicationError", "InternalFailure", "ServiceUnavailable"),
    "kms": ("ThrottlingException", "KMSInternalException", "DependencyTimeoutException", "InternalFailure"),
    "s3": ("SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "RequestTimeTooSkewed"),
    "organizations": ("TooManyRequestsException", "ServiceException", "ConcurrentModificationException"),
    # what any AWS service may answer (the AWS common errors)
    "common": ("InternalFailure", "ServiceUnavailable", "ThrottlingException", "Throttling",
               "TooManyRequestsException", "RequestLimitExceeded", "Unavailable", "InternalError"),
}
RETRYABLE_CODES = frozenset(code for codes in RETRYABLE_CODES_BY_SERVICE.values() for code in codes)

ATTEMPTS = 8
DELAY = 1.0
MAX_DELAY = 20.0
# the longest a call can wait between its attempts: sum of min(MAX_DELAY, DELAY * 2**n)
MAX_TOTAL_WAIT = sum(min(MAX_DELAY, DELAY * 2 ** n) for n in range(ATTEMPTS - 1))


def _configured_retries(client):
    """The retries of a client's configuration (what botocore resolved from aws_config, the
    environment and ~/.aws/config); {} for anything that is not a botocore client."""
    config = getattr(getattr(client, "meta", None), "config", None)
    retries = getattr(config, "retries", None)
    return retries if isinstance(retries, dict) else {}


def collection_attempts(client=None, environ=None):
    """How many times the collection makes a call with ``client`` (each one botocore's attempts):
    once when the user chose botocore's number of attempts, else :data:`ATTEMPTS`."""
    environ = os.environ if environ is None else environ
    retries = _configured_retries(client)
    if retries.get("max_attempts") is not None or retries.get("total_max_attempts") is not None:
        return 1
    return 1 if environ.get("AWS_MAX_ATTEMPTS", "").strip() else ATTEMPTS


def _profile_config(params):
    """The settings of the AWS profile in ~/.aws/config (the module's ``profile``, else AWS_PROFILE or default)."""
    try:
        import botocore.session  # pylint: disable=import-outside-toplevel

        return botocore.session.Session(profile=(params or {}).get("profile") or None).get_scoped_config() or {}
    except Exception:  # pylint: disable=broad-except
        return {}


def task_retries(default, environ=None, profile_config=None):
    """The ``retries`` of a role task that runs another collection's module again on a transient error
    (``until: result is not backupkit.dynamodb.aws_transient_failure``): ``default``, or 0 (the task runs
    once) when the user chose botocore's number of attempts, ``AWS_MAX_ATTEMPTS`` in the environment or
    ``max_attempts`` in the profile of ``~/.aws/config`` (``AWS_PROFILE``, ``AWS_CONFIG_FILE``), as
    :func:`collection_attempts` makes each call of the collection's own modules once then. The retry
    mode (``AWS_RETRY_MODE``, ``retry_mode``) is botocore's and does not change the count."""
    environ = os.environ if environ is None else environ
    if environ.get("AWS_MAX_ATTEMPTS", "").strip():
        return 0
    profile = _profile_config({}) if profile_config is None else profile_config
    if str(profile.get("max_attempts") or "").strip():
        return 0
    return int(default)


def botocore_retries(params, default_mode="standard", environ=None, profile_config=None):
    """The ``retries`` of a client configuration a module passes to ``module.client(config=...)``,
    without what the user chose: their ``aws_config`` replaces it anyway, and AWS_RETRY_MODE /
    AWS_MAX_ATTEMPTS or the profile's retry_mode / max_attempts would otherwise be overridden by it.
    It never sets ``max_attempts``: botocore's mode has its own, and a number of attempts in the
    client's configuration means "the user chose it" to :func:`collection_attempts`, which would
    then make every call once. None when nothing is left."""
    environ = os.environ if environ is None else environ
    profile = _profile_config(params) if profile_config is None else profile_config
    chosen = dict(((params or {}).get("aws_config") or {}).get("retries") or {})
    if chosen.get("mode") or environ.get("AWS_RETRY_MODE", "").strip() or profile.get("retry_mode"):
        return None
    return {"mode": default_mode}


def retry_decorator(attempts=ATTEMPTS, delay=DELAY, max_delay=MAX_DELAY):
    """amazon.aws's jittered backoff over :data:`RETRYABLE_CODES`, ``attempts`` calls at the most."""
    # AWSRetry's "retries" counts attempts: the call is made at most that many times
    return AWSRetry.jittered_backoff(
        retries=max(1, attempts),
        delay=delay,
        max_delay=max_delay,
        catch_extra_error_codes=sorted(RETRYABLE_CODES),
    )


def aws_retry(func):
    """The retry of every AWS call: ``func(client, ...)`` made :func:`collection_attempts` times
    at the most, decided when it is called from the client's configuration and the environment."""
    retried = retry_decorator()(func)

    @functools.wraps(func)
    def call(client, *args, **kwargs):
        if collection_attempts(client) == 1:
            return func(client, *args, **kwargs)
        return retried(client, *args, **kwargs)

    return call


def connection_errors():
    """The botocore errors after which a read is made again: the endpoint did not answer in time,
    could not be reached, or closed the connection before its answer was complete."""
    exceptions = botocore.exceptions
    return (exceptions.ReadTimeoutError, exceptions.ConnectTimeoutError, exceptions.EndpointConnectionError,
            exceptions.ConnectionClosedError)


def read_retry(func):
    """:data:`aws_retry` for a read (a call that changes nothing: Scan, Query, GetItem, BatchGetItem,
    Describe*, List*, Get*): also made again after botocore gave up on a read timeout, a refused or
    unreachable endpoint or a closed connection (:func:`connection_errors`). The same bound
    (:func:`collection_attempts` calls), the same full-jitter waits as :data:`aws_retry`. Never use it
    for a write: see the module's documentation for the writes a second attempt would repeat."""

    @functools.wraps(func)
    def call(client, *args, **kwargs):
        attempts = collection_attempts(client)
        for attempt in range(attempts):
            try:
                return func(client, *args, **kwargs)
            except botocore.exceptions.ClientError as error:
                if attempt + 1 >= attempts or not is_retryable(error_code_of(error)):
                    raise
            except connection_errors():
                if attempt + 1 >= attempts:
                    raise
            # full jitter, as aws_retry (amazon.aws's jittered backoff) waits
            _sleep(random.uniform(0, min(MAX_DELAY, DELAY * 2 ** attempt)))
        raise AssertionError("unreachable")  # pragma: no cover

    return call


def _sleep(seconds):
    time.sleep(seconds)


def is_retryable(error_code):
    """True for an error code :data:`aws_retry` retries."""
    return error_code in RETRYABLE_CODES


def error_code_of(error):
    """The AWS error code of a botocore ClientError or an AnsibleAWSError wrapping one ('' if none)."""
    cause = getattr(error, "exception", None) or error
    response = getattr(cause, "response", None) or {}
    return response.get("Error", {}).get("Code", "") or ""
