# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The STS call of backupkit.dynamodb, and names to ARNs for the caller's account and region (private).

Modules accept a DynamoDB table by name or ARN and an IAM role by name or ARN;
these helpers turn names into ARNs with the partition, region and account of
the connection, asking STS once per module run.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.backupkit.dynamodb.plugins.module_utils._iam import get_role
from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import aws_retry


class AnsibleSTSError(AnsibleAWSError):
    pass


class STSErrorHandler(AWSErrorHandler):
    """STS has nothing to look up: every error is an error (AWSErrorHandler's "missing" never matches)."""

    _CUSTOM_EXCEPTION = AnsibleSTSError


@STSErrorHandler.common_error_handler("get the caller identity")
@aws_retry
def get_caller_identity(sts_client):
    response = sts_client.get_caller_identity()
    response.pop("ResponseMetadata", None)
    return response


def caller_principal_arn(caller_arn, iam_client):
    """aws:PrincipalArn of a caller (the role's ARN, path included when iam:GetRole tells it, for an
    assumed-role session ARN)."""
    parts = caller_arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        role_name = parts[5].split("/")[1]
        try:
            role = get_role(iam_client, role_name)
        except AnsibleAWSError:  # iam:GetRole not allowed: the role's ARN without its path
            role = None
        return role["Arn"] if role else "arn:%s:iam::%s:role/%s" % (parts[1], parts[4], role_name)
    return caller_arn


class CallerContext(object):
    """Partition, account and region of the module's connection (STS asked lazily, once)."""

    def __init__(self, module):
        self.module = module
        self.region = module.region
        self._identity = None

    def _caller(self):
        if self._identity is None:
            self._identity = get_caller_identity(self.module.client("sts"))
        return self._identity

    @property
    def caller_arn(self):
        return self._caller()["Arn"]

    @property
    def account_id(self):
        return self._caller()["Account"]

    @property
    def partition(self):
        parsed = parse_aws_arn(self._caller()["Arn"]) or {}
        return parsed.get("partition") or "aws"

    def table_arn(self, table):
        """A table name or ARN as a table ARN in this account and region."""
        if table.startswith("arn:"):
            parsed = parse_aws_arn(table)
            if not parsed or parsed.get("service") != "dynamodb" or not parsed.get("resource", "").startswith("table/"):
                raise ValueError("%s is not a DynamoDB table ARN" % table)
            return table
        return "arn:%s:dynamodb:%s:%s:table/%s" % (self.partition, self.region, self.account_id, table)

    def role_arn(self, role_arn=None, role_name=None):
        """The ARN of role_arn, or of the IAM role called role_name (which must exist)."""
        if role_arn:
            return role_arn
        if not role_name:
            return None
        role = get_role(self.module.client("iam"), role_name)
        if role is None:
            raise ValueError("IAM role %s does not exist" % role_name)
        return role["Arn"]


def table_name_of(table):
    """The table name of a table name or table ARN."""
    if table.startswith("arn:"):
        parsed = parse_aws_arn(table) or {}
        return parsed.get("resource", "").split("/", 2)[1] if "/" in parsed.get("resource", "") else table
    return table
