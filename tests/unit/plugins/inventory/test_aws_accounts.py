# -*- coding: utf-8 -*-

# Copyright: Contributors to backupkit.dynamodb
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The aws_accounts inventory plugin, parsed by ansible's inventory loader over moto's AWS Organizations."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

import boto3
import pytest
import yaml
from ansible.errors import AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, inventory_loader
from ansible.utils.collection_loader import AnsibleCollectionConfig
from moto import mock_aws

REPO = Path(__file__).resolve().parents[4]
PLUGIN = "backupkit.dynamodb.aws_accounts"
REGION = "us-east-1"
MANAGEMENT = "123456789012"


@pytest.fixture(scope="module", autouse=True)
def collection_loader() -> Iterator[None]:
    """Let ansible's plugin loader find backupkit.dynamodb (the work tree, linked by `make setup`).

    The plugin loader needs its collection finder to have imported the collection packages
    (it reads their metadata). Other unit tests of this pytest run imported them as plain
    packages at collection time: set those aside while these tests run, and put them back.
    """
    if AnsibleCollectionConfig.collection_finder is not None:  # ansible-test units installed it
        yield
        return
    saved = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "ansible_collections"}
    for name in saved:
        del sys.modules[name]
    init_plugin_loader([str(REPO / ".venv" / "collections")])
    try:
        yield
    finally:
        for name in [name for name in sys.modules if name.split(".")[0] == "ansible_collections"]:
            del sys.modules[name]
        sys.modules.update(saved)


@pytest.fixture
def org(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's Organizations, as the management account, with nothing of the caller's AWS settings."""
    for name in ("AWS_ENDPOINT_URL", "AWS_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        client = boto3.client("organizations", region_name=REGION)
        client.create_organization(FeatureSet="ALL")
        yield client


def root_of(org: Any) -> str:
    return org.list_roots()["Roots"][0]["Id"]


def new_ou(org: Any, parent: str, name: str) -> str:
    return org.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"]


def new_account(org: Any, name: str, parent: str | None = None, tags: dict[str, str] | None = None) -> str:
    request: dict[str, Any] = {"AccountName": name, "Email": f"{name.replace(' ', '.')}@example.com"}
    if tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    account = org.create_account(**request)["CreateAccountStatus"]["AccountId"]
    if parent:
        org.move_account(AccountId=account, SourceParentId=root_of(org), DestinationParentId=parent)
    return account


def parse(tmp_path: Path, config: dict[str, Any], file_name: str = "fleet.aws_accounts.yml") -> InventoryData:
    path = tmp_path / file_name
    path.write_text(yaml.safe_dump({"plugin": PLUGIN, **config}), encoding="utf-8")
    plugin = inventory_loader.get(PLUGIN)
    assert plugin.verify_file(str(path))
    inventory = InventoryData()
    plugin.parse(inventory, DataLoader(), str(path), cache=False)
    return inventory


def hosts_of(inventory: InventoryData, group: str = "aws_accounts") -> list[str]:
    return sorted(host.name for host in inventory.groups[group].get_hosts())


def host_vars(inventory: InventoryData, name: str) -> dict[str, Any]:
    """The variables the plugin set (not the inventory_file / inventory_dir that ansible adds)."""
    return {k: v for k, v in inventory.get_host(name).vars.items() if not k.startswith("inventory_")}


# --- the file it reads --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("aws_accounts.yml", True),
        ("fleet.aws_accounts.yml", True),
        ("prod.aws_accounts.yaml", True),
        ("fleet.yml", False),
        ("aws_ec2.yml", False),
        ("aws_accounts.yml.bak", False),
    ],
)
def test_verify_file_accepts_aws_accounts_files_only(tmp_path: Path, name: str, accepted: bool) -> None:
    path = tmp_path / name
    path.write_text(f"plugin: {PLUGIN}\n", encoding="utf-8")

    assert inventory_loader.get(PLUGIN).verify_file(str(path)) is accepted


# --- which accounts -----------------------------------------------------------------------


def test_every_active_member_account_is_a_host_with_the_vars_the_playbooks_need(org: Any, tmp_path: Path) -> None:
    prod = new_ou(org, new_ou(org, root_of(org), "Workloads"), "Prod")
    shop = new_account(org, "shop", prod)
    tools = new_account(org, "tools")

    inventory = parse(tmp_path, {})

    assert hosts_of(inventory) == ["shop", "tools"]  # not the management account
    assert host_vars(inventory, "shop") == {
        "ansible_connection": "local",
        "aws_account_id": shop,
        "aws_account_name": "shop",
        "aws_account_email": "shop@example.com",
        "aws_account_arn": f"arn:aws:organizations::{MANAGEMENT}:account/{org.describe_organization()['Organization']['Id']}/{shop}",
        "aws_organizational_unit": "Workloads/Prod",
        "aws_organizational_unit_id": prod,
        "backupkit_assume_role_arn": f"arn:aws:iam::{shop}:role/OrganizationAccountAccessRole",
    }
    assert host_vars(inventory, "tools")["aws_organizational_unit"] == ""
    assert host_vars(inventory, "tools")["backupkit_assume_role_arn"] == (
        f"arn:aws:iam::{tools}:role/OrganizationAccountAccessRole"
    )


def test_ou_groups_are_nested_as_the_ous_are(org: Any, tmp_path: Path) -> None:
    workloads = new_ou(org, root_of(org), "Workloads")
    new_account(org, "web", new_ou(org, workloads, "Prod Web"))
    new_account(org, "dev", new_ou(org, workloads, "Dev"))
    new_account(org, "loose", workloads)

    inventory = parse(tmp_path, {})

    assert sorted(child.name for child in inventory.groups["ou_Workloads"].child_groups) == [
        "ou_Workloads_Dev", "ou_Workloads_Prod_Web",
    ]
    assert hosts_of(inventory, "ou_Workloads") == ["dev", "loose", "web"]  # children's hosts included
    assert hosts_of(inventory, "ou_Workloads_Prod_Web") == ["web"]


def test_the_management_account_on_request(org: Any, tmp_path: Path) -> None:
    new_account(org, "shop")

    inventory = parse(tmp_path, {"include_management_account": True, "hostname": "account_id"})

    assert MANAGEMENT in hosts_of(inventory)


def test_suspended_accounts_are_left_out(org: Any, tmp_path: Path) -> None:
    new_account(org, "open")
    org.close_account(AccountId=new_account(org, "closed"))

    assert hosts_of(parse(tmp_path, {})) == ["open"]


@pytest.mark.parametrize("selector", ["Workloads", "ou-id", "Workloads/Prod"])
def test_organizational_units_select_their_accounts_and_those_below(org: Any, tmp_path: Path, selector: str) -> None:
    workloads = new_ou(org, root_of(org), "Workloads")
    prod = new_ou(org, workloads, "Prod")
    new_account(org, "in-workloads", workloads)
    new_account(org, "in-prod", prod)
    new_account(org, "in-sandbox", new_ou(org, root_of(org), "Sandbox"))
    new_account(org, "in-root")
    if selector == "ou-id":
        selector = workloads

    inventory = parse(tmp_path, {"organizational_units": [selector]})

    expected = ["in-prod"] if selector == "Workloads/Prod" else ["in-prod", "in-workloads"]
    assert hosts_of(inventory) == expected
    assert host_vars(inventory, "in-prod")["aws_organizational_unit"] == "Workloads/Prod"
    assert hosts_of(inventory, "ou_Workloads") == expected  # the path above a selected OU is known


def test_a_root_id_selects_the_whole_organization(org: Any, tmp_path: Path) -> None:
    new_account(org, "a", new_ou(org, root_of(org), "X"))
    new_account(org, "b")

    assert hosts_of(parse(tmp_path, {"organizational_units": [root_of(org)]})) == ["a", "b"]


def test_an_unknown_ou_path_is_an_error_that_names_it(org: Any, tmp_path: Path) -> None:
    new_ou(org, root_of(org), "Workloads")

    with pytest.raises(AnsibleParserError, match="no OU named 'Prod' under Workloads"):
        parse(tmp_path, {"organizational_units": ["Workloads/Prod"]})


def test_include_and_exclude_accounts(org: Any, tmp_path: Path) -> None:
    a, b, c = (new_account(org, name) for name in ("a", "b", "c"))

    assert hosts_of(parse(tmp_path, {"include_accounts": [a, b]})) == ["a", "b"]
    assert hosts_of(parse(tmp_path, {"exclude_accounts": [b]})) == ["a", "c"]
    assert hosts_of(parse(tmp_path, {"include_accounts": [a, b], "exclude_accounts": [a]})) == ["b"]
    assert c


def test_tags_select_accounts_carrying_every_tag(org: Any, tmp_path: Path) -> None:
    new_account(org, "prod", tags={"backup": "yes", "env": "prod"})
    new_account(org, "staging", tags={"backup": "yes", "env": "staging"})
    new_account(org, "dev", tags={"backup": "no", "env": "dev"})
    new_account(org, "untagged")

    assert hosts_of(parse(tmp_path, {"tags": {"backup": "yes"}})) == ["prod", "staging"]
    assert hosts_of(parse(tmp_path, {"tags": {"backup": "yes", "env": "prod"}})) == ["prod"]
    assert hosts_of(parse(tmp_path, {"tags": {"env": ["prod", "dev"]}})) == ["dev", "prod"]
    inventory = parse(tmp_path, {"tags": {"backup": "yes"}})
    assert host_vars(inventory, "prod")["aws_account_tags"] == {"backup": "yes", "env": "prod"}


def test_fetch_tags_feeds_keyed_groups_and_compose(org: Any, tmp_path: Path) -> None:
    new_account(org, "prod", tags={"team": "orders"})
    new_account(org, "other")

    inventory = parse(tmp_path, {
        "fetch_tags": True,
        "keyed_groups": [{"key": "aws_account_tags.team | default('none')", "prefix": "team"}],
        "compose": {"backupkit_assume_role_external_id": "'ext-' ~ aws_account_name"},
    })

    assert hosts_of(inventory, "team_orders") == ["prod"]
    assert hosts_of(inventory, "team_none") == ["other"]
    assert host_vars(inventory, "other")["aws_account_tags"] == {}
    assert host_vars(inventory, "prod")["backupkit_assume_role_external_id"] == "ext-prod"
    assert "aws_account_tags" not in host_vars(parse(tmp_path, {}), "prod")


def test_every_page_is_read(org: Any, tmp_path: Path) -> None:
    """moto pages ListAccountsForParent and ListOrganizationalUnitsForParent by 20."""
    unit = new_ou(org, root_of(org), "Many")
    for n in range(23):
        new_ou(org, unit, f"child-{n:02d}")
    names = [f"acct-{n:02d}" for n in range(23)]
    for name in names:
        new_account(org, name, unit)

    inventory = parse(tmp_path, {})

    assert hosts_of(inventory) == names
    assert len(inventory.groups["ou_Many"].child_groups) == 23


# --- host names, roles and regions --------------------------------------------------------


def test_host_names_are_safe_and_unique(org: Any, tmp_path: Path) -> None:
    first = new_account(org, "Shop (EU)")
    second = new_account(org, "Shop (EU)")
    new_account(org, "Data & Analytics")

    assert hosts_of(parse(tmp_path, {})) == sorted(["Data-Analytics", f"Shop-EU-{first}", f"Shop-EU-{second}"])
    assert hosts_of(parse(tmp_path, {"hostname": "account_id"}))[0].isdigit()


def test_role_name_and_role_arn_template(org: Any, tmp_path: Path) -> None:
    account = new_account(org, "shop")

    by_name = parse(tmp_path, {"role_name": "BackupkitDeployer"})
    by_template = parse(tmp_path, {
        "role_name": "deployer",
        "role_arn_template": "arn:{partition}:iam::{account_id}:role/automation/{role_name}-{account_name}",
    })

    assert host_vars(by_name, "shop")["backupkit_assume_role_arn"] == f"arn:aws:iam::{account}:role/BackupkitDeployer"
    assert host_vars(by_template, "shop")["backupkit_assume_role_arn"] == (
        f"arn:aws:iam::{account}:role/automation/deployer-shop"
    )


def test_a_bad_role_arn_template_is_an_error(org: Any, tmp_path: Path) -> None:
    new_account(org, "shop")

    with pytest.raises(AnsibleParserError, match="role_arn_template"):
        parse(tmp_path, {"role_arn_template": "arn:aws:iam::{account}:role/x"})


def test_one_region_sets_backupkit_region(org: Any, tmp_path: Path) -> None:
    new_account(org, "shop")

    inventory = parse(tmp_path, {"regions": ["eu-west-1"]})

    assert hosts_of(inventory) == ["shop"]
    assert host_vars(inventory, "shop")["backupkit_region"] == "eu-west-1"
    assert hosts_of(inventory, "region_eu_west_1") == ["shop"]


def test_several_regions_make_a_host_per_account_and_region(org: Any, tmp_path: Path) -> None:
    account = new_account(org, "shop")
    new_account(org, "tools")

    inventory = parse(tmp_path, {"regions": ["us-east-1", "eu-west-1"]})

    assert hosts_of(inventory) == ["shop-eu-west-1", "shop-us-east-1", "tools-eu-west-1", "tools-us-east-1"]
    assert hosts_of(inventory, "region_eu_west_1") == ["shop-eu-west-1", "tools-eu-west-1"]
    shop = host_vars(inventory, "shop-eu-west-1")
    assert (shop["backupkit_region"], shop["aws_account_id"]) == ("eu-west-1", account)


def test_no_regions_leaves_the_region_to_the_environment(org: Any, tmp_path: Path) -> None:
    new_account(org, "shop")

    assert "backupkit_region" not in host_vars(parse(tmp_path, {}), "shop")


def test_an_organizations_error_says_what_failed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An account outside any organization: AWSOrganizationsNotInUseException."""
    for name in ("AWS_ENDPOINT_URL", "AWS_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        with pytest.raises(AnsibleParserError, match="cannot list the accounts of the organization: ListRoots failed: .*AWSOrganizationsNotInUse"):
            parse(tmp_path, {"region": REGION})
