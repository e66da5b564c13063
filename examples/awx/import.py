"""Create or update the backupkit.dynamodb job templates, surveys and workflow in AWX.

Reads the JSON files beside this script (see README.md) and talks to AWX's REST API
(/api/v2/) with the Python standard library only. Objects are found by name and updated in
place, so running it again brings AWX back to what the files say; a workflow's nodes are
replaced as a whole.

The files name related objects (project, inventory, credentials, execution environment,
organization, the job templates a workflow node runs) instead of giving their ids; this
script looks the ids up. The options below override the names the files give.

    python3 examples/awx/import.py --host https://awx.example.com --token "$TOKEN" \\
        --project backupkit.dynamodb --inventory "Demo Inventory" --credential "AWS backup admin"

Connection settings may come from the environment instead, with the names awx.awx uses:
CONTROLLER_HOST, CONTROLLER_OAUTH_TOKEN (or CONTROLLER_USERNAME / CONTROLLER_PASSWORD) and
CONTROLLER_VERIFY_SSL.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
EDGES = ("success_nodes", "failure_nodes", "always_nodes")
# Keys of the node files that are not fields of /api/v2/workflow_job_template_nodes/.
NODE_LOCAL_KEYS = {"unified_job_template", *EDGES}


class AWXError(RuntimeError):
    """An AWX API call answered with an error status."""


class AWX:
    """The few calls of AWX's REST API this script needs."""

    def __init__(self, host: str, token: str = "", username: str = "", password: str = "", verify: bool = True) -> None:
        self.base = host.rstrip("/")
        if not urllib.parse.urlsplit(self.base).scheme:
            self.base = "https://" + self.base
        if token:
            self.auth = f"Bearer {token}"
        elif username:
            self.auth = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
        else:
            raise SystemExit("give --token, or --username and --password (or CONTROLLER_* variables)")
        self.context = None if verify else ssl._create_unverified_context()  # noqa: S323 - asked for

    def call(self, method: str, path: str, body: Any = None) -> Any:
        url = path if path.startswith("http") else self.base + path
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", self.auth)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=60) as response:
                payload = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            raise AWXError(f"{method} {path} answered {error.code}: {detail}") from None
        except urllib.error.URLError as error:  # refused, unknown host, TLS failure
            raise AWXError(f"cannot reach AWX at {self.base}: {error.reason}") from None
        except OSError as error:  # a timeout or a reset connection, after it was opened
            raise AWXError(f"cannot reach AWX at {self.base}: {error}") from None
        try:
            return json.loads(payload) if payload.strip() else None
        except ValueError:
            raise AWXError(f"{method} {path}: {self.base} answered with something that is not JSON; "
                           "is it AWX's URL?") from None

    def find(self, kind: str, name: str, **filters: Any) -> dict[str, Any] | None:
        query = urllib.parse.urlencode({"name": name, **filters})
        results = self.call("GET", f"/api/v2/{kind}/?{query}")["results"]
        return results[0] if results else None

    def require(self, kind: str, name: str | int, **filters: Any) -> int:
        """The id of an object that must exist already (an id given as a number is taken as is)."""
        if isinstance(name, int):
            return name
        found = self.find(kind, name, **filters)
        if found is None:
            raise SystemExit(f"AWX has no {kind[:-1].replace('_', ' ')} named {name!r}; create it first")
        return int(found["id"])

    def upsert(self, kind: str, body: dict[str, Any], **filters: Any) -> int:
        """Create the object, or update the one of the same name; its id."""
        existing = self.find(kind, body["name"], **filters)
        if existing is None:
            created = self.call("POST", f"/api/v2/{kind}/", body)
            print(f"created {kind[:-1].replace('_', ' ')} {body['name']!r} (id {created['id']})")
            return int(created["id"])
        self.call("PATCH", f"/api/v2/{kind}/{existing['id']}/", body)
        print(f"updated {kind[:-1].replace('_', ' ')} {body['name']!r} (id {existing['id']})")
        return int(existing["id"])

    def list_all(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        url: str | None = path + ("&" if "?" in path else "?") + "page_size=200"
        while url:
            page = self.call("GET", url)
            items.extend(page["results"])
            url = page.get("next")
        return items


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def survey_file(stem: str) -> Path | None:
    path = HERE / "surveys" / f"{stem}.json"
    return path if path.exists() else None


def upsert_with_survey(awx: AWX, kind: str, body: dict[str, Any], survey: Path | None, **filters: Any) -> int:
    """Create or update a template, then its survey spec; the survey is enabled once it exists."""
    enabled = body.pop("survey_enabled", False)
    template = awx.upsert(kind, body, **filters)
    if survey is not None:
        awx.call("POST", f"/api/v2/{kind}/{template}/survey_spec/", load(survey))
    awx.call("PATCH", f"/api/v2/{kind}/{template}/", {"survey_enabled": bool(enabled and survey is not None)})
    return template


def import_job_templates(awx: AWX, args: argparse.Namespace, organization: int) -> dict[str, int]:
    ids: dict[str, int] = {}
    for path in sorted((HERE / "job_templates").glob("*.json")):
        body = load(path)
        credentials = args.credential or body.pop("credentials", [])
        body.pop("credentials", None)
        body["project"] = awx.require("projects", args.project or body["project"], organization=organization)
        body["inventory"] = awx.require("inventories", args.inventory or body["inventory"], organization=organization)
        environment = body.pop("execution_environment", None)
        if args.execution_environment is not None:
            environment = args.execution_environment
        if environment:  # "" leaves the template on the project's or organization's default
            body["execution_environment"] = awx.require("execution_environments", environment)
        template = upsert_with_survey(awx, "job_templates", body, survey_file(path.stem))
        ids[body["name"]] = template
        attached = {item["id"] for item in awx.list_all(f"/api/v2/job_templates/{template}/credentials/")}
        for credential in credentials:
            credential_id = awx.require("credentials", credential)
            if credential_id not in attached:
                awx.call("POST", f"/api/v2/job_templates/{template}/credentials/", {"id": credential_id})
    return ids


def import_workflows(awx: AWX, args: argparse.Namespace, organization: int, templates: dict[str, int]) -> None:
    for path in sorted((HERE / "workflow_job_templates").glob("*.json")):
        body = load(path)
        body["organization"] = organization
        if body.get("inventory"):
            body["inventory"] = awx.require("inventories", args.inventory or body["inventory"], organization=organization)
        workflow = upsert_with_survey(awx, "workflow_job_templates", body, survey_file(path.stem),
                                      organization=organization)

        # The nodes: replaced as a whole, then linked by their identifiers.
        for node in awx.list_all(f"/api/v2/workflow_job_templates/{workflow}/workflow_nodes/"):
            awx.call("DELETE", f"/api/v2/workflow_job_template_nodes/{node['id']}/")
        nodes = load(HERE / "workflow_nodes" / path.name)
        node_ids: dict[str, int] = {}
        for node in nodes:
            template = node["unified_job_template"]
            if template not in templates:
                templates[template] = awx.require("job_templates", template)
            fields = {k: v for k, v in node.items() if k not in NODE_LOCAL_KEYS}
            fields["unified_job_template"] = templates[template]
            created = awx.call("POST", f"/api/v2/workflow_job_templates/{workflow}/workflow_nodes/", fields)
            node_ids[node["identifier"]] = int(created["id"])
        for node in nodes:
            for edge in EDGES:
                for child in node.get(edge, []):
                    awx.call(
                        "POST",
                        f"/api/v2/workflow_job_template_nodes/{node_ids[node['identifier']]}/{edge}/",
                        {"id": node_ids[child]},
                    )
        print(f"workflow {body['name']!r}: {len(nodes)} nodes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--host", default=os.environ.get("CONTROLLER_HOST", ""), help="AWX URL (CONTROLLER_HOST)")
    parser.add_argument("--token", default=os.environ.get("CONTROLLER_OAUTH_TOKEN", ""), help="OAuth2 token")
    parser.add_argument("--username", default=os.environ.get("CONTROLLER_USERNAME", ""))
    parser.add_argument("--password", default=os.environ.get("CONTROLLER_PASSWORD", ""))
    parser.add_argument("--insecure", action="store_true",
                        default=os.environ.get("CONTROLLER_VERIFY_SSL", "true").lower() in ("0", "false", "no"),
                        help="do not verify the TLS certificate (CONTROLLER_VERIFY_SSL=false)")
    parser.add_argument("--organization", default="Default", help="organization of the templates (default: Default)")
    parser.add_argument("--project", help="project whose playbooks/ the templates run (default: as in the files)")
    parser.add_argument("--inventory", help="inventory (default: as in the files)")
    parser.add_argument("--credential", action="append", help="credential to attach; repeat for more")
    parser.add_argument("--execution-environment",
                        help="execution environment (default: as in the files; '' for AWX's default)")
    args = parser.parse_args(argv)
    if not args.host:
        parser.error("--host (or CONTROLLER_HOST) is required")
    awx = AWX(args.host, args.token, args.username, args.password, verify=not args.insecure)
    try:
        organization = awx.require("organizations", args.organization)
        templates = import_job_templates(awx, args, organization)
        import_workflows(awx, args, organization, templates)
    except AWXError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
