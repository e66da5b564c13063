"""AWS Backup errors with AWS's codes (moto's, plus those moto lacks)."""

from moto.backup.exceptions import (  # noqa: F401  (re-exported)
    AlreadyExistsException,
    BackupClientError,
    InvalidParameterValueException,
    InvalidRequestException,
    ResourceNotFoundException,
)
from moto.core.exceptions import JsonRESTError


class AccessDeniedException(JsonRESTError):
    code = 403

    def __init__(self, msg: str):
        super().__init__("AccessDeniedException", msg)


class MissingParameterValueException(BackupClientError):
    def __init__(self, msg: str):
        super().__init__("MissingParameterValueException", msg)


class LimitExceededException(BackupClientError):
    def __init__(self, msg: str):
        super().__init__("LimitExceededException", msg)


class ConflictException(BackupClientError):
    def __init__(self, msg: str):
        super().__init__("ConflictException", msg)


class InvalidResourceStateException(BackupClientError):
    def __init__(self, msg: str):
        super().__init__("InvalidResourceStateException", msg)
