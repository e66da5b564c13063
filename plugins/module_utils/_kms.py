# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every AWS KMS call of backupkit.dynamodb (private): one error handler, each call wrapped once."""

from __future__ import annotations

import os
import random
import time

try:
    import botocore.exceptions
except ImportError:
    pass  # the module reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import ATTEMPTS
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import DELAY
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import MAX_DELAY
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import _configured_retries
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import aws_retry
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import error_code_of
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import is_retryable


class AnsibleKMSError(AnsibleAWSError):
    pass


class KMSErrorHandler(AWSErrorHandler):
    """A KMS key that cannot be described (missing, not ours to read, not a key id) is "missing"."""

    _CUSTOM_EXCEPTION = AnsibleKMSError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["NotFoundException", "AccessDeniedException", "InvalidArnException"])


@KMSErrorHandler.list_error_handler("describe KMS key")
@aws_retry
def resolve_kms_key_arn(kms_client, key_id):
    """The key ARN behind a key id, key ARN, alias name or alias ARN; None when it cannot be read."""
    return kms_client.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]


# --------------------------------------------------------------------------- a key created at most once
# KMS's CreateKey has no idempotency token: a CreateKey whose answer is lost (a 5xx, a timeout, a dropped
# connection after KMS made the key) and is made again creates a second key, which botocore itself does on
# a 5xx. So the key is created with a tag holding a token of this creation, CreateKey is made by botocore
# once per attempt, and before every further attempt the keys are searched for that token: a key an
# earlier attempt made is taken, never a second one made.

#: The tag a key is created with (its value a token unique to one creation); removed once its alias is set.
CREATE_TOKEN_TAG = "backupkit:create-token"


class KMSLookupErrorHandler(AWSErrorHandler):
    """Only a key or alias that does not exist is "missing" (access denied is an error: never create then)."""

    _CUSTOM_EXCEPTION = AnsibleKMSError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("NotFoundException")


@KMSLookupErrorHandler.list_error_handler("describe KMS key")
@aws_retry
def describe_key(kms_client, key_id):
    """A key's KeyMetadata by key id, key ARN or alias name; None when there is no such key or alias."""
    return kms_client.describe_key(KeyId=key_id)["KeyMetadata"]


@KMSErrorHandler.common_error_handler("list KMS keys")
@aws_retry
def list_key_ids(kms_client):
    """The ids of the account's keys in the region."""
    paginator = kms_client.get_paginator("list_keys")
    return [key["KeyId"] for page in paginator.paginate() for key in page.get("Keys", [])]


@KMSErrorHandler.list_error_handler("list the tags of a KMS key", default_value=[])
@aws_retry
def list_key_tags(kms_client, key_id):
    """A key's tags as AWS lists them ([{TagKey, TagValue}]); [] for a key this caller cannot read."""
    paginator = kms_client.get_paginator("list_resource_tags")
    return [tag for page in paginator.paginate(KeyId=key_id) for tag in page.get("Tags", [])]


def find_key_by_token(kms_client, token):
    """The id of the key created with ``token`` (:data:`CREATE_TOKEN_TAG`) and not pending deletion, or None."""
    for key_id in list_key_ids(kms_client):
        tags = list_key_tags(kms_client, key_id)
        if any(t.get("TagKey") == CREATE_TOKEN_TAG and t.get("TagValue") == token for t in tags):
            metadata = describe_key(kms_client, key_id) or {}
            if metadata.get("KeyState") not in ("PendingDeletion", "PendingReplicaDeletion", None):
                return key_id
    return None


def single_attempt_client(module):
    """A KMS client whose calls botocore makes once, whatever retries the user configured (none of botocore's
    retry handlers is registered), for CreateKey."""
    import botocore.config  # pylint: disable=import-outside-toplevel

    client = module.client("kms", config=botocore.config.Config(retries={"total_max_attempts": 1}))
    client.meta.events.unregister(f"needs-retry.{client.meta.service_model.service_id.hyphenize()}",
                                  unique_id=f"retry-config-{client.meta.service_model.service_id.hyphenize()}")
    return client


def create_attempts(kms_client, environ=None):
    """How many times CreateKey may be attempted: the number of attempts the user chose (``aws_config``,
    AWS_MAX_ATTEMPTS), else the collection's :data:`ATTEMPTS`."""
    environ = os.environ if environ is None else environ
    retries = _configured_retries(kms_client)
    if retries.get("total_max_attempts") is not None:
        return max(1, int(retries["total_max_attempts"]))
    if retries.get("max_attempts") is not None:
        return max(1, int(retries["max_attempts"]) + 1)
    chosen = environ.get("AWS_MAX_ATTEMPTS", "").strip()
    if chosen.isdigit():
        return max(1, int(chosen))
    return ATTEMPTS


def create_key_once(kms_client, create_client, params, token, attempts=ATTEMPTS, sleep=time.sleep):
    """Create a key with ``params`` (CreateKey's), tagged with ``token``, at most once: (key id, whether this
    call's CreateKey answered). ``create_client`` makes each call once (:func:`single_attempt_client`).

    A CreateKey that failed on a throttling or transient error (:func:`is_retryable`) or a connection error may
    have made the key all the same: before each further attempt, and after the last, the keys are searched
    for ``token`` and a key found is the result. Any other error is reported at once."""
    params = dict(params)
    params["Tags"] = list(params.get("Tags") or []) + [{"TagKey": CREATE_TOKEN_TAG, "TagValue": token}]
    last = None
    for attempt in range(max(1, attempts)):
        if attempt:
            sleep(random.uniform(0, min(MAX_DELAY, DELAY * 2 ** (attempt - 1))))
            found = find_key_by_token(kms_client, token)
            if found:
                return found, False
        try:
            return create_client.create_key(**params)["KeyMetadata"]["KeyId"], True
        except botocore.exceptions.ClientError as e:
            status = (getattr(e, "response", None) or {}).get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
            if not (is_retryable(error_code_of(e)) or status >= 500):
                raise AnsibleKMSError(message="Failed to create KMS key", exception=e) from e
            last = e
        except (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError) as e:
            last = e
    found = find_key_by_token(kms_client, token)
    if found:
        return found, False
    raise AnsibleKMSError(message=f"Failed to create KMS key ({max(1, attempts)} attempts)", exception=last) from last


@KMSErrorHandler.common_error_handler("create KMS alias")
@aws_retry
def create_alias(kms_client, alias, key_id):
    """Point ``alias`` at ``key_id``; the id of the key the alias points at: ``key_id``, or, when the alias
    exists already (another run made it meanwhile), the key it points at."""
    try:
        kms_client.create_alias(AliasName=alias, TargetKeyId=key_id)
    except is_boto3_error_code("AlreadyExistsException"):
        current = describe_key(kms_client, alias) or {}
        if not current.get("KeyId"):
            raise
        return current["KeyId"]
    return key_id


@KMSErrorHandler.common_error_handler("schedule the deletion of a KMS key")
@aws_retry
def schedule_key_deletion(kms_client, key_id, pending_window_in_days=7):
    kms_client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=pending_window_in_days)


@KMSErrorHandler.common_error_handler("enable KMS key rotation")
@aws_retry
def enable_key_rotation(kms_client, key_id):
    kms_client.enable_key_rotation(KeyId=key_id)


@KMSErrorHandler.common_error_handler("untag KMS key")
@aws_retry
def untag_key(kms_client, key_id, tag_keys):
    kms_client.untag_resource(KeyId=key_id, TagKeys=list(tag_keys))
