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

A user who sets ``AWS_MAX_ATTEMPTS`` in the environment chooses the number of
attempts of every call: botocore makes exactly that many and the collection makes
the call once (``AWS_MAX_ATTEMPTS=1`` fails on the first throttling answer).

Usage, under the service's error handler::

    @BackupErrorHandler.common_error_handler("delete backup plan")
    @aws_retry
    def delete_backup_plan(client, backup_plan_id):
        ...
"""

from __future__ import annotations

import os

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


def collection_attempts(environ=None):
    """How many times the collection makes a call (each one botocore's attempts)."""
    environ = os.environ if environ is None else environ
    return 1 if environ.get("AWS_MAX_ATTEMPTS", "").strip() else ATTEMPTS


def retry_decorator(attempts=None, delay=DELAY, max_delay=MAX_DELAY):
    """The retry decorator; :data:`aws_retry` is the one every AWS call uses."""
    # AWSRetry's "retries" counts attempts: the call is made at most that many times
    return AWSRetry.jittered_backoff(
        retries=collection_attempts() if attempts is None else max(1, attempts),
        delay=delay,
        max_delay=max_delay,
        catch_extra_error_codes=sorted(RETRYABLE_CODES),
    )


def is_retryable(error_code):
    """True for an error code :data:`aws_retry` retries."""
    return error_code in RETRYABLE_CODES


def error_code_of(error):
    """The AWS error code of a botocore ClientError or an AnsibleAWSError wrapping one ('' if none)."""
    cause = getattr(error, "exception", None) or error
    response = getattr(cause, "response", None) or {}
    return response.get("Error", {}).get("Code", "") or ""


aws_retry = retry_decorator()
