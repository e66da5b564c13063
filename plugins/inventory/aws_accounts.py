# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
name: aws_accounts
short_description: The ACTIVE accounts of an AWS Organization as hosts
version_added: 0.1.0
description:
  - Lists the accounts of an AWS Organization (AWS Organizations C(ListRoots),
    C(ListOrganizationalUnitsForParent) and C(ListAccountsForParent), every page, walking the
    organization's tree) and makes one host of each ACTIVE account, or one host per account
    and region when several O(regions) are given.
  - Every host gets C(backupkit_assume_role_arn) (the role to assume in that account, from
    O(role_arn_template)), so the collection's playbooks run each host's AWS calls with
    credentials from STS AssumeRole in that account; C(backupkit_region) when O(regions) is
    set; C(aws_account_id), C(aws_account_name), C(aws_account_email), C(aws_account_arn),
    C(aws_organizational_unit) (the OU path from the root, such as V(Workloads/Prod); empty
    for accounts directly under the root), C(aws_organizational_unit_id) and
    C(ansible_connection=local).
  - Groups are V(aws_accounts) (every host), one per organizational unit named C(ou_) and the
    OU path with every character other than letters, digits and C(_) replaced by C(_) (such
    as V(ou_Workloads_Prod)), nested as the OUs are, so C(--limit ou_Workloads) selects the
    accounts of that OU and of all the OUs below it, and, when O(regions) is set, one per region
    (such as V(region_us_east_1)).
  - The accounts are queried with the credentials of the controller's environment (or
    O(profile), O(access_key), ...; O(assume_role_arn) to query from another account, for
    example a delegated administrator). They must allow C(organizations:ListRoots),
    C(organizations:ListOrganizationalUnitsForParent), C(organizations:ListAccountsForParent),
    C(organizations:DescribeOrganization), C(organizations:ListParents) and
    C(organizations:DescribeOrganizationalUnit) (OU ids in O(organizational_units)) and
    C(organizations:ListTagsForResource) (O(tags), O(fetch_tags)).
  - Uses a YAML configuration file whose name ends with C(aws_accounts.yml) or C(aws_accounts.yaml).
author:
  - backupkit.dynamodb contributors (!UNKNOWN)
options:
  plugin:
    description: The name of this plugin; it makes this file an C(aws_accounts) inventory source.
    required: true
    type: str
    choices: [backupkit.dynamodb.aws_accounts]
  organizational_units:
    description:
      - Only the accounts in these organizational units and in every OU below them.
      - An item is an OU id (V(ou-ab12-cdef3456)), a root id (V(r-ab12)) or an OU path of names
        from the root, separated by C(/) (V(Workloads/Prod); OU names are case-sensitive).
      - Empty means the whole organization.
    type: list
    elements: str
    default: []
  include_accounts:
    description: Only these account ids (after the other filters). Empty means every account.
    type: list
    elements: str
    default: []
  exclude_accounts:
    description: Never these account ids.
    type: list
    elements: str
    default: []
  include_management_account:
    description:
      - Include the organization's management account.
      - It is left out by default because it has no C(OrganizationAccountAccessRole); include
        it with a O(role_name) that exists there.
    type: bool
    default: false
  tags:
    description:
      - Only accounts that carry every one of these tags (C(ListTagsForResource) on each account).
      - A value is the tag's required value, or a list of accepted values.
    type: dict
    default: {}
  fetch_tags:
    description:
      - Set C(aws_account_tags) (a dict) on every host, for O(keyed_groups) and O(compose).
      - Costs one C(ListTagsForResource) call per account; always done when O(tags) is set.
    type: bool
    default: false
  role_name:
    description: The role to assume in each account, used in O(role_arn_template).
    type: str
    default: OrganizationAccountAccessRole
  role_arn_template:
    description:
      - The ARN of the role to assume in each account, as a Python format string with the
        fields C({partition}), C({account_id}), C({account_name}) and C({role_name}).
      - A host variable C(backupkit_assume_role_arn) (in C(host_vars/), or O(compose)) overrides
        it for one host.
    type: str
    default: "arn:{partition}:iam::{account_id}:role/{role_name}"
  regions:
    description:
      - The regions the playbooks work in. With one region, every host gets
        C(backupkit_region) set to it; with several, every account becomes one host per region,
        named C(<account>-<region>).
      - Empty means one host per account and no C(backupkit_region) (the playbooks then use
        C(AWS_REGION)).
    type: list
    elements: str
    default: []
  hostname:
    description:
      - What names the hosts. V(account_name) is the account's name with every character other
        than letters, digits, C(.), C(_) and C(-) replaced by C(-) (when several accounts share
        a name, each of them is named C(<name>-<account id>)); V(account_id) is the account id.
    type: str
    choices: [account_name, account_id]
    default: account_name
notes:
  - Only accounts whose status is V(ACTIVE) become hosts (not V(SUSPENDED) nor V(PENDING_CLOSURE)).
  - The region of the Organizations API calls is O(region) (or C(AWS_REGION)), V(us-east-1) when
    none is set; the endpoint is O(endpoint_url), else whatever botocore reads from the
    environment (C(AWS_ENDPOINT_URL)).
  - With O(cache=true) the account list is cached (see the C(inventory_cache) options), which
    saves the Organizations calls for large organizations.
extends_documentation_fragment:
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
  - amazon.aws.boto3
  - amazon.aws.common.plugins
  - amazon.aws.region.plugins
  - amazon.aws.assume_role.plugins
"""

EXAMPLES = r"""
# fleet.aws_accounts.yml: every ACTIVE member account, through OrganizationAccountAccessRole
plugin: backupkit.dynamodb.aws_accounts

---

# The accounts of two OUs (and their children) tagged backup=yes, in two regions:
# hosts such as shop-prod-us-east-1 and shop-prod-eu-west-1.
plugin: backupkit.dynamodb.aws_accounts
organizational_units:
  - Workloads/Prod
  - ou-ab12-cdef3456
tags:
  backup: "yes"
regions:
  - us-east-1
  - eu-west-1
role_name: BackupkitDeployer
exclude_accounts:
  - "111122223333"

---

# A role path, an external id for the trust policy, and groups from account tags
plugin: backupkit.dynamodb.aws_accounts
role_arn_template: "arn:{partition}:iam::{account_id}:role/automation/{role_name}"
role_name: backupkit
fetch_tags: true
keyed_groups:
  - key: aws_account_tags.team | default('none')
    prefix: team
compose:
  backupkit_assume_role_external_id: "'fleet-2024'"
  backupkit_assume_role_session_name: "'backupkit-' ~ aws_account_id"
"""

import re

try:
    import botocore
except ImportError:
    pass  # amazon.aws's require_aws_sdk reports it

from ansible.errors import AnsibleParserError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.plugin_utils.inventory import AWSInventoryBase

from ansible_collections.backupkit.dynamodb.plugins.module_utils._retry import aws_retry

DEFAULT_ORGANIZATIONS_REGION = "us-east-1"
ALL_GROUP = "aws_accounts"
ROOT_ID = re.compile(r"^r-[0-9a-z]{4,32}$")
OU_ID = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
UNSAFE_HOST_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
UNSAFE_GROUP_CHARS = re.compile(r"\W")
SELECTION_OPTIONS = (
    "organizational_units", "include_accounts", "exclude_accounts", "include_management_account",
    "tags", "fetch_tags", "role_name", "role_arn_template", "regions", "hostname",
)

_retry = aws_retry


class OrganizationsError(Exception):
    """An Organizations call failed; the message says which and why."""


def _api_name(operation):
    """list_accounts_for_parent -> ListAccountsForParent, as AWS names its operations."""
    return "".join(word.title() for word in operation.split("_"))


# --- Organizations calls (every page, retried when throttled) --------------------------


@_retry
def _paginate(client, operation, result_key, **params):
    return client.get_paginator(operation).paginate(**params).build_full_result().get(result_key, [])


@_retry
def _call(client, operation, **params):
    return getattr(client, operation)(**params)


class Organization:
    """The parts of an AWS Organization the inventory reads, over one boto3 client."""

    def __init__(self, client):
        self.client = client

    def _list(self, operation, result_key, **params):
        try:
            return _paginate(self.client, operation, result_key, **params)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            raise OrganizationsError(f"{_api_name(operation)} failed: {to_native(e)}") from e

    def _get(self, operation, **params):
        try:
            return _call(self.client, operation, **params)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            raise OrganizationsError(f"{_api_name(operation)} failed: {to_native(e)}") from e

    def management_account_id(self):
        return self._get("describe_organization")["Organization"]["MasterAccountId"]

    def roots(self):
        return self._list("list_roots", "Roots")

    def child_units(self, parent_id):
        return self._list("list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent_id)

    def accounts_in(self, parent_id):
        return self._list("list_accounts_for_parent", "Accounts", ParentId=parent_id)

    def tags_of(self, account_id):
        return boto3_tag_list_to_ansible_dict(self._list("list_tags_for_resource", "Tags", ResourceId=account_id))

    def path_of(self, ou_id):
        """The names from the root down to the OU ``ou_id`` (ListParents, DescribeOrganizationalUnit)."""
        names = []
        node = ou_id
        while OU_ID.match(node):
            names.append(self._get("describe_organizational_unit", OrganizationalUnitId=node)["OrganizationalUnit"]["Name"])
            parents = self._get("list_parents", ChildId=node)["Parents"]
            if not parents:
                break
            node = parents[0]["Id"]
        return list(reversed(names))


# --- choosing the accounts ------------------------------------------------------------


def start_nodes(org, selectors):
    """(parent id, OU path) of each place to list accounts from: the roots, or the selected OUs."""
    roots = org.roots()
    if not roots:
        raise OrganizationsError("the organization has no root")
    if not selectors:
        return [(root["Id"], []) for root in roots]
    nodes = []
    for selector in selectors:
        selector = str(selector).strip()
        if ROOT_ID.match(selector):
            nodes.append((selector, []))
        elif OU_ID.match(selector):
            nodes.append((selector, org.path_of(selector)))
        else:
            nodes.append(_unit_by_path(org, roots[0]["Id"], selector))
    return nodes


def _unit_by_path(org, root_id, path):
    names = [name for name in path.split("/") if name]
    node = root_id
    for depth, name in enumerate(names):
        match = [unit for unit in org.child_units(node) if unit["Name"] == name]
        if not match:
            where = "/".join(names[:depth]) or "the root"
            raise OrganizationsError(f"organizational unit {path!r}: no OU named {name!r} under {where}")
        node = match[0]["Id"]
    return node, names


def walk(org, nodes):
    """Every account below the start nodes, with the path and id of the OU that holds it.

    Also returns the OU paths met, so that OU groups can be nested as the OUs are.
    """
    accounts = {}
    units = {}
    seen = set()
    stack = list(reversed(nodes))
    while stack:
        node_id, path = stack.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        if path:
            units[tuple(path)] = node_id
        for account in org.accounts_in(node_id):
            accounts.setdefault(account["Id"], dict(account, _ou_path=list(path), _ou_id=node_id))
        children = org.child_units(node_id)
        for unit in reversed(children):
            stack.append((unit["Id"], path + [unit["Name"]]))
    return list(accounts.values()), units


def is_active(account):
    return (account.get("State") or account.get("Status")) == "ACTIVE"


def tags_match(account_tags, wanted):
    """True if the account carries every wanted tag with one of the accepted values."""
    for key, accepted in wanted.items():
        if key not in account_tags:
            return False
        values = accepted if isinstance(accepted, list) else [accepted]
        if account_tags[key] not in [str(value) for value in values]:
            return False
    return True


def select_accounts(org, options):
    """The ACTIVE accounts the options select, as plain dicts (cacheable)."""
    nodes = start_nodes(org, options["organizational_units"])
    found, units = walk(org, nodes)
    include = {str(a) for a in options["include_accounts"]}
    exclude = {str(a) for a in options["exclude_accounts"]}
    if not options["include_management_account"]:
        exclude.add(org.management_account_id())
    fetch_tags = bool(options["tags"]) or options["fetch_tags"]
    selected = []
    for account in sorted(found, key=lambda a: a["Id"]):
        if not is_active(account) or account["Id"] in exclude or (include and account["Id"] not in include):
            continue
        record = {
            "id": account["Id"],
            "name": account.get("Name") or account["Id"],
            "email": account.get("Email", ""),
            "arn": account.get("Arn", ""),
            "ou_path": account["_ou_path"],
            "ou_id": account["_ou_id"],
        }
        if fetch_tags:
            record["tags"] = org.tags_of(account["Id"])
            if not tags_match(record["tags"], options["tags"]):
                continue
        selected.append(record)
    return {"accounts": selected, "units": [list(path) for path in sorted(units)]}


# --- hosts ----------------------------------------------------------------------------


def partition_of(arn):
    parts = (arn or "").split(":")
    return parts[1] if len(parts) > 1 and parts[0] == "arn" and parts[1] else "aws"


def ou_group(path):
    return "ou_" + UNSAFE_GROUP_CHARS.sub("_", "_".join(path))


def region_group(region):
    return "region_" + UNSAFE_GROUP_CHARS.sub("_", region)


def account_host_names(accounts, hostname):
    """account id -> host name, unique even when accounts share a name."""
    if hostname == "account_id":
        return {a["id"]: a["id"] for a in accounts}
    names = {a["id"]: UNSAFE_HOST_CHARS.sub("-", a["name"]).strip("-") or a["id"] for a in accounts}
    counts = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    return {aid: (name if counts[name] == 1 else f"{name}-{aid}") for aid, name in names.items()}


def build_hosts(data, options):
    """[(host name, host vars, groups)] for the selected accounts."""
    accounts = data["accounts"]
    regions = [str(r) for r in options["regions"]]
    names = account_host_names(accounts, options["hostname"])
    hosts = []
    for account in accounts:
        role_arn = options["role_arn_template"].format(
            partition=partition_of(account["arn"]),
            account_id=account["id"],
            account_name=account["name"],
            role_name=options["role_name"],
        )
        account_vars = {
            "ansible_connection": "local",
            "aws_account_id": account["id"],
            "aws_account_name": account["name"],
            "aws_account_email": account["email"],
            "aws_account_arn": account["arn"],
            "aws_organizational_unit": "/".join(account["ou_path"]),
            "aws_organizational_unit_id": account["ou_id"],
            "backupkit_assume_role_arn": role_arn,
        }
        if "tags" in account:
            account_vars["aws_account_tags"] = account["tags"]
        groups = [ALL_GROUP] + ([ou_group(account["ou_path"])] if account["ou_path"] else [])
        if not regions:
            hosts.append((names[account["id"]], account_vars, groups))
        for region in regions:
            name = names[account["id"]] if len(regions) == 1 else f"{names[account['id']]}-{region}"
            hosts.append((name, dict(account_vars, backupkit_region=region), groups + [region_group(region)]))
    return hosts


class InventoryModule(AWSInventoryBase):
    NAME = "backupkit.dynamodb.aws_accounts"
    INVENTORY_FILE_SUFFIXES = ("aws_accounts.yml", "aws_accounts.yaml")

    def _organization(self):
        region = self.region or DEFAULT_ORGANIZATIONS_REGION
        return Organization(self.client("organizations", region=region))

    def get_option(self, option, hostvars=None):
        # This plugin's own options take no templates: read them past amazon.aws's option
        # templating, which templates each item of `regions` with an argument ansible-core 2.19
        # deprecates (a warning on every run).
        if option in SELECTION_OPTIONS:
            return super(AWSInventoryBase, self).get_option(option, hostvars)
        return super().get_option(option, hostvars)

    def _selection_options(self):
        return {name: self.get_option(name) for name in SELECTION_OPTIONS}

    def _fetch(self, path, cache):
        cached, data = self.get_cached_result(path, cache)
        if cached:
            return data
        try:
            data = select_accounts(self._organization(), self._selection_options())
        except OrganizationsError as e:
            raise AnsibleParserError(f"aws_accounts: cannot list the accounts of the organization: {e}") from e
        self.update_cached_result(path, cache, data)
        return data

    def _add_unit_groups(self, units):
        """One group per OU path, each a child of its parent OU's group (ancestors included)."""
        for path in units:
            for depth in range(1, len(path) + 1):
                group = self.inventory.add_group(ou_group(path[:depth]))
                if depth > 1:
                    self.inventory.add_child(ou_group(path[: depth - 1]), group)

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache=cache)
        options = self._selection_options()
        try:
            options["role_arn_template"].format(partition="aws", account_id="0", account_name="", role_name="")
        except (KeyError, IndexError, ValueError) as e:
            raise AnsibleParserError(
                f"aws_accounts: role_arn_template {options['role_arn_template']!r} is not a valid template: {e}"
            ) from e
        data = self._fetch(path, cache)
        self.inventory.add_group(ALL_GROUP)
        self._add_unit_groups(data["units"])
        strict = self.get_option("strict")
        for name, host_vars, groups in build_hosts(data, options):
            for group in groups:
                self.inventory.add_group(group)
                self.inventory.add_host(name, group=group)
            for key, value in host_vars.items():
                self.inventory.set_variable(name, key, value)
            self._set_composite_vars(self.get_option("compose"), host_vars, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), host_vars, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), host_vars, name, strict=strict)
