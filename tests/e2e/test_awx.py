"""AWX / Automation Controller: the execution environment and the playbooks run the way AWX runs them.

- ``execution-environment.yml`` is accepted by ``ansible-builder create`` (which writes the
  build context without a container runtime), and the context holds what the image needs:
  amazon.aws, community.aws, this collection's files (installable with ``ansible-galaxy``)
  and boto3 / botocore, also as ansible-builder's own introspection finds them.
- ``setup`` and ``drill`` run through ``ansible-runner`` (the CLI AWX's execution nodes
  run) from a private data dir laid out as AWX lays it out, with only the environment AWX's
  Amazon Web Services credential injects: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
  AWS_SECURITY_TOKEN, no region and no AWS_SESSION_TOKEN. The emulator accepts any token,
  so a small proxy in front of it checks that every AWS request carried the injected one
  (on AWS, temporary keys without their token are refused). The ``set_stats`` artifacts
  (what an AWX workflow passes to the next node) hold the vault, the recovery point and
  the drill's verdict.
- The restore template's own extra variable (AWX renders Jinja only there) picks the
  recovery point a workflow's backup step passed on, else the survey's answer, else latest.
- ``examples/awx/`` is consistent: surveys pass AWX's survey validation rules, templates
  name playbooks that exist, the workflow passes on what the next node needs, and
  ``examples/awx/import.py`` loads it all into a stand-in for AWX's API, idempotently.
"""

from __future__ import annotations

import csv
import http.client
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from backupkit_emulator.process import EmulatorProcess as Emulator
from conftest import collections_path

# The tests of this file share one emulator and run in order: one pytest-xdist worker takes them all.
pytestmark = pytest.mark.xdist_group("e2e-awx")

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EXAMPLES = REPO / "examples" / "awx"
START_TIMEOUT = 60
RUN_TIMEOUT = 600
# A value AWX would inject from the credential's "STS Token" field.
SECURITY_TOKEN = "FwoGZXIvYXdzEXAMPLE//awx-injected-session-token"
# Rows of the sample data the runner test loads (the whole file is not needed to prove the path).
SAMPLE_ROWS = 12


# --- helpers -------------------------------------------------------------------------------


def tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


class TokenRecorder:
    """A forwarding HTTP proxy that records each AWS request's X-Amz-Security-Token header, and
    whether the request's SigV4 signature covers it (SignedHeaders of the Authorization header).

    Clients use it as their endpoint URL; it passes method, path, headers and body to the
    emulator unchanged (the Host header too, so a signature would still verify).
    """

    def __init__(self, upstream: str) -> None:
        # (operation hint, the token header, whether the signature covers the token)
        self.requests: list[tuple[str, str | None, bool]] = []
        self.upstream = upstream
        target = urllib.parse.urlsplit(upstream)
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                what = self.headers.get("X-Amz-Target") or f"{self.command} {self.path.split('?')[0]}"
                signed = re.search(r"SignedHeaders=([^,\s]+)", self.headers.get("Authorization") or "")
                covered = bool(signed) and "x-amz-security-token" in signed.group(1).split(";")
                recorder.requests.append((what, self.headers.get("X-Amz-Security-Token"), covered))
                upstream_conn = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                    upstream_conn.request(self.command, self.path, body=body, headers=headers)
                    response = upstream_conn.getresponse()
                    payload = response.read()
                    self.send_response(response.status, response.reason)
                    for key, value in response.getheaders():
                        if key.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server"):
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                finally:
                    upstream_conn.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _forward

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def collections_dir(root: Path) -> Path:
    """A collections path whose backupkit.dynamodb is this work tree (as the EE would hold it)."""
    link = root / "ansible_collections" / "backupkit" / "dynamodb"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(REPO, target_is_directory=True)
    return root


def clean_environment() -> dict[str, str]:
    """The process environment of ansible-runner: nothing AWS or Ansible from the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ANSIBLE_", "BOTO"))}
    env["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    env["HOME"] = os.environ.get("HOME", "/tmp")
    return env


class RunnerResult:
    """What an AWX job keeps of a run: rc, status, stdout and the set_stats artifacts."""

    def __init__(self, artifacts_dir: Path, completed: subprocess.CompletedProcess[str], seconds: float) -> None:
        self.seconds = seconds
        self.rc = int((artifacts_dir / "rc").read_text().strip()) if (artifacts_dir / "rc").exists() else None
        self.status = (artifacts_dir / "status").read_text().strip() if (artifacts_dir / "status").exists() else None
        stdout_file = artifacts_dir / "stdout"
        self.stdout = stdout_file.read_text(errors="replace") if stdout_file.exists() else completed.stdout
        self.stdout += ("\n--- ansible-runner stderr ---\n" + completed.stderr) if completed.stderr.strip() else ""
        self.events = [
            json.loads(path.read_text())
            for path in sorted((artifacts_dir / "job_events").glob("*.json"), key=lambda p: int(p.name.split("-", 1)[0]))
        ] if (artifacts_dir / "job_events").is_dir() else []

    @property
    def artifacts(self) -> dict[str, Any]:
        """The global set_stats data: what AWX stores as the job's artifacts."""
        for event in reversed(self.events):
            if event.get("event") == "playbook_on_stats":
                return event.get("event_data", {}).get("artifact_data", {}) or {}
        return {}

    def task_statuses(self, task_name: str) -> list[str]:
        return [
            event["event"] for event in self.events
            if event.get("event_data", {}).get("task") == task_name
            and event["event"].startswith("runner_on_") and event["event"] != "runner_on_start"
        ]

    def slowest(self, count: int = 5) -> str:
        """The slowest tasks of the run (from the runner_on_ok/failed events' durations)."""
        durations = [
            (float(event["event_data"].get("duration") or 0), event["event_data"].get("task", "?"))
            for event in self.events
            if event.get("event") in ("runner_on_ok", "runner_on_failed") and "duration" in event.get("event_data", {})
        ]
        return ", ".join(f"{task} {seconds:.1f}s" for seconds, task in sorted(durations, reverse=True)[:count])

    def explain(self) -> str:
        return f"rc={self.rc} status={self.status} ({self.seconds:.1f}s)\n{tail(self.stdout)}"


def run_like_awx(private_data_dir: Path, ident: str, playbook: str, extravars: str, envvars: dict[str, str]) -> RunnerResult:
    """ansible-runner run, with the private data dir's env/ files written as AWX writes them."""
    env_dir = private_data_dir / "env"
    env_dir.mkdir(exist_ok=True)
    (env_dir / "envvars").write_text(json.dumps(envvars), encoding="utf-8")
    (env_dir / "extravars").write_text(extravars, encoding="utf-8")
    (env_dir / "settings").write_text(json.dumps({"suppress_ansible_output": True}), encoding="utf-8")
    started = time.monotonic()
    completed = subprocess.run(
        [str(BIN / "ansible-runner"), "run", str(private_data_dir), "--ident", ident, "-p", playbook],
        env=clean_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    return RunnerResult(private_data_dir / "artifacts" / ident, completed, time.monotonic() - started)


# --- what AWX does with the examples: survey rules, variable precedence, !unsafe ----------

# AWX's survey question types and the Python type of their defaults (JobTemplateSurveySpec).
SURVEY_TYPES: dict[str, type | tuple[type, ...]] = {
    "text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str,
    "integer": int, "float": (float, int),
}


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def job_templates() -> dict[str, dict[str, Any]]:
    return {path.stem: load_json(path) for path in sorted((EXAMPLES / "job_templates").glob("*.json"))}


def survey_of(stem: str) -> dict[str, Any] | None:
    path = EXAMPLES / "surveys" / f"{stem}.json"
    return load_json(path) if path.exists() else None


def survey_spec_errors(spec: Any) -> list[str]:
    """What AWX's POST .../survey_spec/ rejects (awx/api/views JobTemplateSurveySpec._validate_spec_data)."""
    errors = []
    for field, kind in (("name", str), ("description", str), ("spec", list)):
        if not isinstance(spec.get(field), kind):
            errors.append(f"{field!r} missing or not a {kind.__name__}")
    if errors:
        return errors
    if not spec["spec"]:
        errors.append("'spec' doesn't contain any items")
    seen: set[str] = set()
    for index, item in enumerate(spec["spec"]):
        where = f"question {index} ({item.get('variable')})"
        for field in ("type", "question_name", "variable", "required"):
            kind = bool if field == "required" else str
            if not isinstance(item.get(field), kind):
                errors.append(f"{where}: {field!r} missing or not a {kind.__name__}")
        if item.get("variable") in seen:
            errors.append(f"{where}: variable duplicated")
        seen.add(item.get("variable"))
        qtype = item.get("type")
        if qtype not in SURVEY_TYPES:
            errors.append(f"{where}: type {qtype!r} is not one of {sorted(SURVEY_TYPES)}")
            continue
        default = item.get("default", "")
        if default != "" and not isinstance(default, SURVEY_TYPES[qtype]):
            errors.append(f"{where}: default {default!r} is not a {qtype}")
        for key in ("min", "max"):
            if item.get(key) is not None and not isinstance(item[key], int):
                errors.append(f"{where}: {key} is not an integer")
        if qtype in ("multiplechoice", "multiselect"):
            choices = item.get("choices")
            if choices is None:
                errors.append(f"{where}: {qtype} needs choices")
                continue
            choices = choices.splitlines() if isinstance(choices, str) else choices
            defaults = default.splitlines() if isinstance(default, str) else default
            if qtype == "multiplechoice" and len(defaults) > 1:
                errors.append(f"{where}: multiplechoice has one default at most")
            if any(value not in choices for value in defaults):
                errors.append(f"{where}: default {default!r} is not among the choices")
    return errors


def survey_answer_errors(item: dict[str, Any], value: Any) -> list[str]:
    """AWX's check of one answer (SurveyJobTemplateMixin._survey_element_validation), enough for defaults."""
    qtype = item["type"]
    if qtype in ("text", "textarea", "password"):
        if not isinstance(value, str):
            return ["not a string"]
        if item.get("min") not in ("", None) and len(value) < int(item["min"]):
            return ["too short"]
        if item.get("max") not in ("", None) and len(value) > int(item["max"]):
            return ["too long"]
    elif qtype in ("integer", "float"):
        if not isinstance(value, SURVEY_TYPES[qtype]) or isinstance(value, bool):
            return [f"not a {qtype}"]
        if item.get("min") not in ("", None) and value < item["min"]:
            return ["too small"]
        if item.get("max") not in ("", None) and value > item["max"]:
            return ["too big"]
    elif qtype == "multiplechoice" and value not in item["choices"]:
        return ["not a choice"]
    return []


def awx_job_variables(
    template: dict[str, Any],
    survey: dict[str, Any] | None,
    launch: dict[str, Any] | None = None,
    artifacts: dict[str, Any] | None = None,
    workflow: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], set[str]]:
    """The extra variables of a job AWX starts from a template, and which of them stay templatable.

    AWX's order, later wins: the template's extra_vars, the survey's defaults, the launch
    (or workflow node) variables it accepts, the ancestors' set_stats artifacts, the
    workflow's own variables (WorkflowJobNode.get_job_kwargs, _update_unified_job_kwargs).
    Only the template's own key/values keep Jinja (ALLOW_JINJA_IN_EXTRA_VARS = template);
    AWX writes every other string as !unsafe.
    """
    own = yaml.safe_load(template.get("extra_vars") or "") or {}
    variables = dict(own)
    questions = survey["spec"] if survey and template.get("survey_enabled") else []
    for item in questions:
        if item.get("default") is not None and not survey_answer_errors(item, item["default"]):
            variables[item["variable"]] = item["default"]
    asked = {item["variable"] for item in questions}
    for key, value in (launch or {}).items():
        assert template.get("ask_variables_on_launch") or key in asked, f"AWX would refuse the launch variable {key}"
        variables[key] = value
    variables.update(artifacts or {})
    variables.update(workflow or {})
    safe = {key for key, value in own.items() if variables.get(key) == value}
    return variables, safe


class _Unsafe(str):
    pass


class _AWXDumper(yaml.SafeDumper):
    pass


_AWXDumper.add_representer(_Unsafe, lambda dumper, data: dumper.represent_scalar("!unsafe", str(data)))


def _mark_unsafe(value: Any) -> Any:
    if isinstance(value, str):
        return _Unsafe(value)
    if isinstance(value, dict):
        return {key: _mark_unsafe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mark_unsafe(item) for item in value]
    return value


def awx_extravars_file(variables: dict[str, Any], safe: set[str]) -> str:
    """env/extravars as AWX writes it: YAML, every string !unsafe except the template's own."""
    marked = {key: value if key in safe else _mark_unsafe(value) for key, value in variables.items()}
    return yaml.dump(marked, Dumper=_AWXDumper, default_flow_style=False, sort_keys=True)


# --- 1. the execution environment ----------------------------------------------------------


def test_execution_environment_build_context(tmp_path: Path) -> None:
    """ansible-builder accepts execution-environment.yml and writes a complete build context."""
    context = tmp_path / "context"
    created = subprocess.run(
        [str(BIN / "ansible-builder"), "create", "-f", str(REPO / "execution-environment.yml"),
         "-c", str(context), "--output-filename", "Containerfile"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )
    assert created.returncode == 0, created.stdout + created.stderr
    build = context / "_build"
    containerfile = (context / "Containerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile
    assert "introspect.py introspect" in containerfile
    assert re.search(r"ANSIBLE_INSTALL_REFS=\"ansible-core==[\d.]+ ansible-runner==[\d.]+\"", containerfile)

    # The galaxy stage: amazon.aws, community.aws, and this collection from the context.
    galaxy = yaml.safe_load((build / "requirements.yml").read_text())
    by_name = {entry["name"]: entry for entry in galaxy["collections"]}
    assert {"amazon.aws", "community.aws"} <= set(by_name)
    local = [entry for entry in galaxy["collections"] if entry.get("type") == "dir"]
    assert len(local) == 1, galaxy
    collection_src = build / local[0]["name"]
    manifest = yaml.safe_load((collection_src / "galaxy.yml").read_text())
    assert (manifest["namespace"], manifest["name"]) == ("backupkit", "dynamodb")
    for needed in ("meta/runtime.yml", "meta/execution-environment.yml", "requirements.txt", "plugins/modules",
                   "roles/session/tasks/main.yml", "playbooks", "data/order_data.csv"):
        assert (collection_src / needed).exists(), f"{needed} is missing from the build context"
    assert not (collection_src / "emulator").exists() and not (collection_src / ".venv").exists()

    # The user python requirements: boto3 and botocore.
    python_reqs = (build / "requirements.txt").read_text()
    assert re.search(r"^boto3\b", python_reqs, re.M) and re.search(r"^botocore\b", python_reqs, re.M)

    # Rehearse the image's galaxy and builder stages without a network: install this
    # collection from the context as the image does (cwd = _build; amazon.aws and
    # community.aws come from the venv), then run the context's own introspection script.
    local_requirements = tmp_path / "local-requirements.yml"
    local_requirements.write_text(yaml.safe_dump({"collections": local}))
    installed = tmp_path / "image-collections"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    galaxy_run = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "install", "--no-deps", "-r", str(local_requirements),
         "-p", str(installed)],
        cwd=build, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert galaxy_run.returncode == 0, galaxy_run.stdout + galaxy_run.stderr
    image_collection = installed / "ansible_collections" / "backupkit" / "dynamodb"
    assert (image_collection / "MANIFEST.json").exists()
    site = Path(sysconfig.get_paths()["purelib"]) / "ansible_collections"
    for namespace, name in (("amazon", "aws"), ("community", "aws")):
        (installed / "ansible_collections" / namespace).mkdir(parents=True, exist_ok=True)
        (installed / "ansible_collections" / namespace / name).symlink_to(site / namespace / name)
    pip_out = tmp_path / "introspected-requirements.txt"
    introspect = subprocess.run(
        [sys.executable, str(build / "scripts" / "introspect.py"), "introspect", str(installed),
         f"--user-pip={build / 'requirements.txt'}", f"--user-bindep={build / 'bindep.txt'}",
         f"--write-pip={pip_out}"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert introspect.returncode == 0, introspect.stdout + introspect.stderr
    introspected = pip_out.read_text()
    for package in ("boto3", "botocore"):
        assert re.search(rf"^{package}\S* +# from collection backupkit\.dynamodb$", introspected, re.M), introspected
        assert re.search(rf"^{package}\S* +# from collection amazon\.aws$", introspected, re.M), introspected


# --- 2. setup and drill through ansible-runner, with AWX's AWS credential ------------------


@pytest.fixture(scope="module")
def endpoint() -> Iterator[TokenRecorder]:
    """The emulator behind a proxy that records the security token of every request."""
    emulator = Emulator(start_timeout=START_TIMEOUT)
    proxy = TokenRecorder(emulator.wait_ready())
    try:
        yield proxy
    finally:
        proxy.stop()
        emulator.stop()


def awx_private_data_dir(root: Path) -> Path:
    """A private data dir as AWX lays it out: project/ (the checkout), inventory/, env/.

    The project is this repository as AWX checks it out, of which the job templates use
    playbooks/ (and ansible.cfg is read, from the project's root); the collection itself
    (which the execution environment holds) comes from ANSIBLE_COLLECTIONS_PATH.
    """
    private = root / "private"
    shutil.copytree(REPO / "playbooks", private / "project" / "playbooks")
    shutil.copytree(EXAMPLES / "playbooks", private / "project" / "examples" / "awx" / "playbooks")
    shutil.copy2(REPO / "ansible.cfg", private / "project" / "ansible.cfg")
    (private / "inventory").mkdir(parents=True)
    # AWX's inventory for cloud APIs: localhost, local connection (as in its Demo Inventory).
    (private / "inventory" / "hosts").write_text("localhost ansible_connection=local\n", encoding="utf-8")
    return private


def sample_csv(path: Path, rows: int) -> Path:
    """The first rows of the sample data."""
    with (REPO / "data" / "order_data.csv").open(newline="", encoding="utf-8") as source:
        lines = list(csv.reader(source))[: rows + 1]
    with path.open("w", newline="", encoding="utf-8") as target:
        csv.writer(target).writerows(lines)
    return path


def awx_credential_environment(endpoint: str, collections: Path) -> dict[str, str]:
    """What AWX's "Amazon Web Services" credential injects (no region, no AWS_SESSION_TOKEN),
    plus the emulator's endpoint and where the execution environment keeps the collection."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": SECURITY_TOKEN,
        "AWS_ENDPOINT_URL": endpoint,
        "ANSIBLE_COLLECTIONS_PATH": collections_path(collections),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
    }


def launch(private: Path, ident: str, stem: str, envvars: dict[str, str], **kwargs: Any) -> RunnerResult:
    """Launch the example job template `stem` as AWX would (survey defaults, launch variables, ...)."""
    template = job_templates()[stem]
    variables, safe = awx_job_variables(template, survey_of(stem), **kwargs)
    return run_like_awx(private, ident, template["playbook"], awx_extravars_file(variables, safe), envvars)


def test_setup_and_drill_through_ansible_runner(endpoint: TokenRecorder, tmp_path: Path) -> None:
    """The setup and drill job templates succeed as AWX runs them, with AWX's credential environment."""
    private = awx_private_data_dir(tmp_path)
    envvars = awx_credential_environment(endpoint.endpoint, collections_dir(tmp_path / "collections"))
    table = "awx_orders"
    sample = sample_csv(tmp_path / "orders.csv", SAMPLE_ROWS)

    setup = launch(private, "setup", "setup", envvars, launch={"table_name": table, "table_csv": str(sample)})
    assert (setup.rc, setup.status) == (0, "successful"), setup.explain()
    # The session role left AWX's AWS_SECURITY_TOKEN to botocore (AWS_SESSION_TOKEN was not set), and
    # with no region anywhere the resources landed in the default region.
    assert setup.task_statuses("Leave AWX's environment credentials (AWS_SECURITY_TOKEN) to botocore") == ["runner_on_ok"], setup.explain()
    assert setup.artifacts.get("protection_vault_arn", "").startswith("arn:aws:backup:us-east-1:"), setup.artifacts
    assert setup.artifacts.get("protection_plan_arn", "").startswith("arn:aws:backup:us-east-1:"), setup.artifacts

    drill = launch(private, "drill", "drill", envvars, launch={"table_name": table})
    assert (drill.rc, drill.status) == (0, "successful"), drill.explain()
    artifacts = drill.artifacts
    recovery_point = artifacts.get("restore_recovery_point_arn", "")
    assert recovery_point.startswith("arn:aws:"), artifacts
    assert artifacts.get("backup_now_recovery_point_arns", {}).get(table) == recovery_point, artifacts
    assert artifacts.get("restore_equal") is True, artifacts

    # Every AWS request carried the token AWX injected, and botocore signed it.
    assert endpoint.requests, "no AWS request reached the endpoint"
    without = sorted({what for what, token, covered in endpoint.requests if token != SECURITY_TOKEN})
    assert not without, f"requests without the injected security token: {without}"
    unsigned = sorted({what for what, token, covered in endpoint.requests if not covered})
    assert not unsigned, f"requests whose signature does not cover the token: {unsigned}"
    print(f"\nsetup {setup.seconds:.1f}s ({setup.slowest()}),\ndrill {drill.seconds:.1f}s ({drill.slowest()}),"
          f"\n{len(endpoint.requests)} AWS requests")


def test_restore_template_takes_the_recovery_point_from_the_workflow(tmp_path: Path) -> None:
    """The restore template's own extra variable picks the backup step's artifact in a workflow,
    the survey's answer alone, and 'latest' by default. Templated by ansible-core in-process,
    with the extra variables loaded as ``-e @file`` loads them and the restore role's defaults."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    template = job_templates()["restore"]
    survey = survey_of("restore")
    loader = DataLoader()
    defaults = loader.load_from_file(str(REPO / "roles" / "restore" / "defaults" / "main.yml"), trusted_as_template=True)
    arn = "arn:aws:backup:us-east-1:123456789012:recovery-point:rp-workflow"
    other = "arn:aws:backup:us-east-1:123456789012:recovery-point:rp-chosen"
    cases = {
        "workflow": ({"artifacts": {"backup_now_recovery_point_arns": {"orders": arn, "other": other}},
                      "workflow": {"table_name": "orders"}}, arn),
        "survey": ({"launch": {"table_name": "orders", "survey_recovery_point": other}}, other),
        "default": ({"launch": {"table_name": "orders"}}, "latest"),
        "not templated when unsafe": ({"launch": {"table_name": "orders", "survey_recovery_point": "{{ 7 * 6 }}"}},
                                      "{{ 7 * 6 }}"),
    }
    for case, (kwargs, expected) in cases.items():
        variables, safe = awx_job_variables(template, survey, **kwargs)
        assert "restore_recovery_point" in safe, case
        extravars = tmp_path / f"{case.replace(' ', '_')}.yml"
        extravars.write_text(awx_extravars_file(variables, safe))
        loaded = loader.load_from_file(str(extravars), trusted_as_template=True)
        templar = Templar(loader=loader, variables={**defaults, **loaded})
        assert templar.template(trust_as_template("{{ restore_recovery_point }}")) == expected, case


# --- 3. a fleet setup in AWX's job slices, merged into one report -----------------------------

FLEET_ROLE = "OrganizationAccountAccessRole"
# Four accounts, two of them without the role (as accounts invited into an organization): in AWX's
# partition into three slices, shop-4 fails beside shop-1, and shop-3 is alone in its slice, which
# then fails on every host and passes nothing on.
FLEET_GOOD = ("shop-1", "shop-2")
FLEET_BAD = ("shop-3", "shop-4")
TINY_CSV = "order_id,item_id,customer_id,quantity,price,status\nORD-1,ITEM-1,C-1,2,9.99,DELIVERED\n"


def awx_slices(hosts: list[str], count: int) -> list[list[str]]:
    """AWX's partition of an inventory for a sliced job: the enabled hosts ordered by name, and slice
    n of count (1-based) gets every count-th host from the n-th (Inventory.get_script_data:
    hosts.order_by('name'), get_sliced_hosts: queryset[n - 1::count]). AWX orders by the
    database's collation; these names sort the same in every collation."""
    ordered = sorted(hosts)
    return [ordered[n::count] for n in range(count)]


def awx_inventory_script(inventory: dict[str, Any], hosts: list[str]) -> str:
    """The inventory AWX writes into a job's private data dir (inventory/hosts): a script that prints
    the hosts of the job's slice with their variables, and every group with only those hosts."""
    data: dict[str, Any] = {"_meta": {"hostvars": {h: inventory["_meta"]["hostvars"][h] for h in hosts}}}
    for group, body in inventory.items():
        if group != "_meta":
            data[group] = {"hosts": [h for h in body.get("hosts", []) if h in hosts],
                           "children": body.get("children", []), "vars": {}}
    return "#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(%r)\n" % json.dumps(data)


def plain(value: dict[str, Any]) -> Any:
    """ansible-inventory marks inventory plugin values unsafe: unwrap them."""
    return value["__ansible_unsafe"] if set(value) == {"__ansible_unsafe"} else value


def create_fleet(endpoint: str) -> dict[str, str]:
    """An organization whose OU Workloads holds the four accounts; {name: account id}."""
    import boto3

    keys = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                aws_secret_access_key="testing")
    org = boto3.client("organizations", **keys)
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    unit = org.create_organizational_unit(ParentId=root, Name="Workloads")["OrganizationalUnit"]["Id"]
    accounts = {}
    for name in sorted(FLEET_GOOD + FLEET_BAD):
        account = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=unit)
        accounts[name] = account
    for name in FLEET_BAD:
        access = boto3.client("sts", **keys).assume_role(
            RoleArn=f"arn:aws:iam::{accounts[name]}:role/{FLEET_ROLE}", RoleSessionName="bootstrap")["Credentials"]
        boto3.client("iam", **dict(keys, aws_access_key_id=access["AccessKeyId"],
                                   aws_secret_access_key=access["SecretAccessKey"],
                                   aws_session_token=access["SessionToken"])).delete_role(RoleName=FLEET_ROLE)
    return accounts


def sliced_private_data_dir(root: Path, script: str) -> Path:
    """A private data dir whose inventory is the script AWX writes for the job (its slice)."""
    private = awx_private_data_dir(root)
    hosts = private / "inventory" / "hosts"
    hosts.write_text(script, encoding="utf-8")
    hosts.chmod(0o700)
    return private


def test_fleet_setup_in_awx_slices_merges_into_one_report(endpoint: TokenRecorder, tmp_path: Path) -> None:
    """The fleet setup template runs as AWX runs a sliced job: three ansible-runner jobs, each on its
    slice of the inventory (AWX's partition), at the same time. Each slice passes its rows on under a
    key of its own, so AWX's merge of the slices' artifacts (dict updates in the order the slices
    finished) keeps them all; the merge template, given those artifacts as AWX gives them to the next
    workflow node, writes one report with every account exactly once, and fails because two did not
    end ok (so the workflow ends failed)."""
    started = time.monotonic()
    accounts = create_fleet(endpoint.upstream)
    collections = collections_dir(tmp_path / "collections")
    envvars = awx_credential_environment(endpoint.upstream, collections)  # AWX's AWS credential, no region

    # AWX's inventory update: the project's aws_accounts configuration, read by the plugin in the EE.
    source = tmp_path / "fleet.aws_accounts.yml"
    source.write_text("plugin: backupkit.dynamodb.aws_accounts\norganizational_units: [Workloads]\n"
                      "regions: [us-east-1]\n", encoding="utf-8")
    inventory_env = {**clean_environment(), **envvars, "ANSIBLE_INVENTORY_UNPARSED_FAILED": "1"}
    listed = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(source), "--list"], env=inventory_env, cwd=tmp_path,
        capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False, stdin=subprocess.DEVNULL,
    )
    assert listed.returncode == 0, listed.stderr
    inventory = json.loads(listed.stdout, object_hook=plain)
    assert sorted(inventory["aws_accounts"]["hosts"]) == sorted(accounts)

    template = job_templates()["fleet_setup"]
    count = template["job_slice_count"]
    partitions = awx_slices(inventory["aws_accounts"]["hosts"], count)
    assert partitions == [["shop-1", "shop-4"], ["shop-2"], ["shop-3"]]
    (tmp_path / "orders.csv").write_text(TINY_CSV, encoding="utf-8")

    results: dict[int, tuple[RunnerResult, float]] = {}

    def run_slice(number: int, hosts: list[str]) -> None:
        private = sliced_private_data_dir(tmp_path / f"slice{number}", awx_inventory_script(inventory, hosts))
        variables, safe = awx_job_variables(template, None, launch={"table_csv": str(tmp_path / "orders.csv")})
        variables["awx_job_id"] = 700 + number  # AWX's meta variables of the slice's job
        result = run_like_awx(private, f"slice{number}", template["playbook"],
                              awx_extravars_file(variables, safe | {"awx_job_id"}), envvars)
        results[number] = (result, time.monotonic())

    threads = [threading.Thread(target=run_slice, args=(n, hosts)) for n, hosts in enumerate(partitions, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sliced_seconds = time.monotonic() - started
    slice1, slice2, slice3 = (results[n][0] for n in (1, 2, 3))
    assert (slice2.rc, slice2.status) == (0, "successful"), slice2.explain()
    assert slice1.status == "failed" and slice3.status == "failed", (slice1.explain(), slice3.explain())
    assert slice3.artifacts == {}, slice3.artifacts  # every host failed: the playbook stopped early

    # What the next workflow node gets: the slices' artifacts, updated in the order they finished.
    artifacts: dict[str, Any] = {}
    for number in sorted(results, key=lambda n: results[n][1]):
        artifacts.update(results[number][0].artifacts)
    assert sorted(k for k in artifacts if k.startswith("backupkit_fleet_slice_")) == [
        "backupkit_fleet_slice_701", "backupkit_fleet_slice_702"], sorted(artifacts)
    assert sorted(row["host"] for row in artifacts["backupkit_fleet_slice_701"]["hosts"]) == partitions[0]

    merge_template = job_templates()["fleet_merge"]
    private = sliced_private_data_dir(tmp_path / "merge", awx_inventory_script(inventory, sorted(accounts)))
    variables, safe = awx_job_variables(merge_template, None, artifacts=artifacts)
    variables["awx_job_id"] = 710
    report_dir = tmp_path / "merged"
    merge = run_like_awx(private, "merge", merge_template["playbook"], awx_extravars_file(variables, safe | {"awx_job_id"}),
                         {"ANSIBLE_COLLECTIONS_PATH": collections_path(collections), "ANSIBLE_NOCOLOR": "1",
                          "BACKUPKIT_REPORT_DIR": str(report_dir)})
    assert merge.status == "failed", merge.explain()
    assert merge.task_statuses("Fail when a host did not end ok") == ["runner_on_failed"], merge.explain()

    report = json.loads((report_dir / "setup.json").read_text(encoding="utf-8"))
    rows = report["hosts"]
    assert [row["host"] for row in rows] == sorted(accounts)
    assert sorted(row["account_id"] for row in rows) == sorted(accounts.values())  # every account exactly once
    for row in rows:
        name, account = row["host"], accounts[row["host"]]
        assert row["account_id"] == account, row
        if name in FLEET_GOOD:
            assert row["status"] == "ok", row
            assert row["vault_arn"].split(":")[4] == account and row["plan_arn"].split(":")[4] == account, row
    by_host = {row["host"]: row for row in rows}
    assert (by_host["shop-4"]["status"], by_host["shop-4"]["job"]) == ("failed", "701")
    assert by_host["shop-3"]["status"] == "no_result" and by_host["shop-3"]["job"] is None
    summary = {"hosts": 4, "ok": 2, "failed": 1, "unreachable": 0, "not_run": 0, "no_result": 1, "changed": 0}
    assert report["summary"] == summary
    assert merge.artifacts["fleet_report_summary"] == summary, merge.artifacts
    assert sorted(merge.artifacts["fleet_report_not_ok"]) == ["shop-3", "shop-4"]
    markdown = (report_dir / "setup.md").read_text(encoding="utf-8")
    assert markdown.startswith("# setup: 2 ok, 1 failed, 0 unreachable, 1 no result")
    assert len([line for line in markdown.splitlines() if line.startswith("| shop-")]) == 4

    # Under AWX's rules the fleet workflow then ends failed; with every account ok it succeeds.
    nodes = {node["identifier"]: node for node in load_json(EXAMPLES / "workflow_nodes" / "fleet_setup.json")}
    assert run_workflow(nodes, failing={"setup", "merge"}) == ("failed", ["setup", "merge"])
    assert run_workflow(nodes, failing=set()) == ("successful", ["setup", "merge"])
    print(f"\nthree slices at once {sliced_seconds:.1f}s (slice 1 {slice1.seconds:.1f}s, 2 {slice2.seconds:.1f}s, "
          f"3 {slice3.seconds:.1f}s), merge {merge.seconds:.1f}s, in all {time.monotonic() - started:.1f}s")


# --- 4. the examples are what AWX accepts, and consistent with the playbooks ---------------

JINJA_WORDS = {"default", "true", "false", "none", "omit", "lookup", "length", "bool", "int", "string", "not", "and",
               "or", "in", "is", "if", "else", "defined", "undefined"}


def playbook_files(playbook: Path) -> list[Path]:
    """The playbook and the playbooks it imports (this collection's by FQCN, others by relative path)."""
    files = [playbook]
    for play in yaml.safe_load(playbook.read_text()):
        imported = play.get("ansible.builtin.import_playbook") or play.get("import_playbook")
        if imported:
            target = (REPO / "playbooks" / f"{imported.split('.', 2)[2]}.yml" if imported.startswith("backupkit.dynamodb.")
                      else playbook.parent / imported)
            files += playbook_files(target)
    return files


def playbook_text(playbook: Path) -> str:
    return "\n".join(path.read_text() for path in playbook_files(playbook))


def playbook_roles(playbook: Path) -> list[str]:
    names = []
    for path in playbook_files(playbook):
        for play in yaml.safe_load(path.read_text()):
            for role in play.get("roles", []):
                name = role["role"] if isinstance(role, dict) else role
                names.append(name.rsplit(".", 1)[-1])
    return names


def role_texts(role: str) -> str:
    """Everything a role is made of (defaults, tasks, argument specs), as text."""
    return "\n".join(path.read_text() for path in sorted((REPO / "roles" / role).rglob("*.yml")))


def set_stats_keys(role: str) -> set[str]:
    keys: set[str] = set()
    for path in sorted((REPO / "roles" / role / "tasks").glob("*.yml")):
        for task in yaml.safe_load(path.read_text()) or []:
            for block in [task, *task.get("block", []), *task.get("always", [])]:
                stats = block.get("ansible.builtin.set_stats") or block.get("set_stats")
                if stats:
                    keys |= set(stats.get("data", {}))
    return keys


def jinja_names(text: str) -> set[str]:
    names: set[str] = set()
    for expression in re.findall(r"\{\{(.*?)\}\}", text, re.S):
        expression = re.sub(r"'[^']*'|\"[^\"]*\"", "", expression)
        names |= {word for word in re.findall(r"\b[a-z_][a-z0-9_]*\b", expression) if word not in JINJA_WORDS}
    return names


def test_examples_are_what_awx_accepts() -> None:
    """Every job template runs a playbook of the project, every survey passes AWX's validation,
    and every survey question sets a variable the playbook's roles read."""
    templates = job_templates()
    assert {"setup", "backup_now", "restore", "drill", "cleanup"} <= set(templates)
    for stem, template in templates.items():
        for field in ("name", "job_type", "project", "inventory", "playbook"):
            assert template.get(field), f"{stem}: {field} is missing"
        playbook = REPO / template["playbook"]
        assert playbook.is_file(), f"{stem}: {template['playbook']} is not in the project"
        assert isinstance(yaml.safe_load(template.get("extra_vars") or "") or {}, dict), stem
        survey = survey_of(stem)
        assert bool(template.get("survey_enabled")) == (survey is not None), stem
        if survey is None:
            continue
        assert survey_spec_errors(survey) == [], f"{stem}: {survey_spec_errors(survey)}"
        known = "\n".join(role_texts(role) for role in playbook_roles(playbook)) + playbook_text(playbook)
        own = template.get("extra_vars") or ""
        for item in survey["spec"]:
            variable = item["variable"]
            assert re.search(rf"\b{variable}\b", known) or variable in jinja_names(own), (
                f"{stem}: survey variable {variable} is read by no role of {template['playbook']}"
            )


def test_workflow_passes_what_each_step_needs() -> None:
    """The workflow's nodes run example templates, its edges link its nodes, and what a step's
    template reads from earlier steps is in those steps' set_stats."""
    templates = {template["name"]: (stem, template) for stem, template in job_templates().items()}
    for path in sorted((EXAMPLES / "workflow_job_templates").glob("*.json")):
        workflow = load_json(path)
        survey = survey_of(path.stem)
        assert survey is None or survey_spec_errors(survey) == [], survey_spec_errors(survey or {})
        workflow_vars = {item["variable"] for item in (survey or {}).get("spec", [])}
        nodes = {node["identifier"]: node for node in load_json(EXAMPLES / "workflow_nodes" / path.name)}
        parents: dict[str, set[str]] = {identifier: set() for identifier in nodes}
        edge_kinds = set()
        for identifier, node in nodes.items():
            assert node["unified_job_template"] in templates, f"{identifier}: unknown template"
            for edge in ("success_nodes", "failure_nodes", "always_nodes"):
                for child in node.get(edge, []):
                    assert child in nodes, f"{identifier}: {edge} names an unknown node {child}"
                    parents[child].add(identifier)
                    edge_kinds.add(edge)
            if node.get("extra_data"):
                assert templates[node["unified_job_template"]][1]["ask_variables_on_launch"], (
                    f"{identifier}: AWX ignores extra_data unless the template asks for variables on launch"
                )
        assert edge_kinds & {"failure_nodes", "always_nodes"}, f"{path.name}: no step runs after a failure"

        def ancestors(identifier: str) -> set[str]:
            found: set[str] = set()
            for parent in parents[identifier]:
                found |= {parent} | ancestors(parent)
            return found

        for identifier, node in nodes.items():
            stem, template = templates[node["unified_job_template"]]
            roles = playbook_roles(REPO / template["playbook"])
            known = "\n".join(role_texts(role) for role in roles) + playbook_text(REPO / template["playbook"])
            # The workflow survey's variables reach every node: each must mean something there.
            for variable in workflow_vars:
                assert re.search(rf"\b{variable}\b", known), f"{identifier}: workflow variable {variable} unused"
            # Names the template's own Jinja reads that no survey and no role provides come from
            # an earlier step's set_stats.
            asked = {item["variable"] for item in (survey_of(stem) or {}).get("spec", [])}
            wanted = {
                name for name in jinja_names(template.get("extra_vars") or "")
                if name not in asked and name not in workflow_vars and not re.search(rf"^{name}:", known, re.M)
                and not re.search(rf"\b{name}:", known)
            }
            produced: set[str] = set()
            for ancestor in ancestors(identifier):
                ancestor_template = templates[nodes[ancestor]["unified_job_template"]][1]
                for role in playbook_roles(REPO / ancestor_template["playbook"]):
                    produced |= set_stats_keys(role)
            assert wanted <= produced, f"{identifier}: {sorted(wanted - produced)} come from no earlier step's set_stats"


# AWX's rules for running a workflow job (awx/main/scheduler/dag_workflow.py): a node runs when
# an edge of a finished parent fires (success_nodes and always_nodes after a success,
# failure_nodes and always_nodes after a failure); the workflow job fails when a failed node has
# neither failure nor always children ("no error handling path"), and succeeds otherwise.


def run_workflow(nodes: dict[str, dict[str, Any]], failing: set[str]) -> tuple[str, list[str]]:
    """The workflow job's status and the nodes that ran, in order, when the nodes in `failing` fail."""
    children = {child for node in nodes.values() for edge in ("success_nodes", "failure_nodes", "always_nodes")
                for child in node.get(edge, [])}
    queue = [identifier for identifier in nodes if identifier not in children]
    ran: list[str] = []
    failed_without_handler = False
    while queue:
        identifier = queue.pop(0)
        if identifier in ran:
            continue
        ran.append(identifier)
        node = nodes[identifier]
        if identifier in failing:
            fired = node.get("failure_nodes", []) + node.get("always_nodes", [])
            failed_without_handler |= not fired
        else:
            fired = node.get("success_nodes", []) + node.get("always_nodes", [])
        queue.extend(fired)
    return ("failed" if failed_without_handler else "successful"), ran


def playbook_always_fails(playbook: Path) -> bool:
    """Every task of every play is an unconditional ansible.builtin.fail."""
    tasks = [task for play in yaml.safe_load(playbook.read_text()) for task in play.get("tasks", [])]
    return bool(tasks) and all("ansible.builtin.fail" in task and "when" not in task for task in tasks)


def test_workflow_ends_failed_when_a_step_fails_and_still_cleans_up() -> None:
    """Under AWX's rules the example workflow succeeds only when every step succeeded; when any
    step fails, the clean-up node (cleanup, list only) runs and the workflow job ends failed."""
    templates = {template["name"]: template for template in job_templates().values()}
    nodes = {node["identifier"]: node for node in load_json(EXAMPLES / "workflow_nodes" / "backup_restore_verify.json")}
    for identifier, node in nodes.items():
        # AWX refuses a node with always children and success/failure children at once.
        assert not (node.get("always_nodes") and (node.get("success_nodes") or node.get("failure_nodes"))), identifier
    # The steps: from the first node along the success edges (setup, backup, restore).
    children = {child for node in nodes.values() for edge in ("success_nodes", "failure_nodes", "always_nodes")
                for child in node.get(edge, [])}
    [step] = [identifier for identifier in nodes if identifier not in children]
    steps: list[str] = []
    while step:
        steps.append(step)
        step = (nodes[step].get("success_nodes") or [""])[0]
    assert len(steps) >= 3, steps
    cleanup = [identifier for identifier, node in nodes.items()
               if templates[node["unified_job_template"]]["playbook"] == "playbooks/cleanup.yml"]
    # Nodes whose playbook does nothing but fail (unconditionally) fail whenever they run.
    always_fail = {identifier for identifier, node in nodes.items()
                   if playbook_always_fails(REPO / templates[node["unified_job_template"]]["playbook"])}
    assert always_fail, "no node ends the failure path failed"
    assert cleanup and all(nodes[identifier]["extra_data"].get("cleanup_confirm") is False for identifier in cleanup)

    status, ran = run_workflow(nodes, failing=always_fail)
    assert status == "successful", ran
    assert ran == steps and not set(ran) & set(cleanup), ran

    for failing_step in steps:
        status, ran = run_workflow(nodes, failing={failing_step, *always_fail})
        assert status == "failed", f"a failed {failing_step} leaves the workflow {status}: {ran}"
        assert set(cleanup) & set(ran), f"a failed {failing_step} runs no clean-up: {ran}"
        # Clean-up comes before what makes the workflow fail, and nothing after the failed step runs.
        assert ran.index(failing_step) < min(ran.index(c) for c in cleanup if c in ran)
        assert not set(ran) & set(steps[steps.index(failing_step) + 1:]), ran
    # A clean-up that fails itself fails the workflow too.
    status, ran = run_workflow(nodes, failing={steps[0], *cleanup, *always_fail})
    assert status == "failed", ran


def test_the_failure_node_fails_through_ansible_runner(tmp_path: Path) -> None:
    """The template at the end of the failure path fails as an AWX job (status failed), naming the table."""
    private = awx_private_data_dir(tmp_path)
    [stem] = [stem for stem, template in job_templates().items() if template["name"] == "backupkit.dynamodb workflow failed"]
    env = {"ANSIBLE_NOCOLOR": "1"}
    result = launch(private, "failed", stem, env, workflow={"table_name": "awx_orders"})
    assert result.rc != 0 and result.status == "failed", result.explain()
    assert result.task_statuses("Fail the workflow, after its clean-up step ran") == ["runner_on_failed"], result.explain()
    assert "awx_orders" in result.stdout, result.explain()


def closed_loopback_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_import_script_says_in_one_line_that_the_controller_is_unreachable() -> None:
    """Against a closed port, import.py exits non-zero with one line naming the URL, no traceback."""
    host = f"http://127.0.0.1:{closed_loopback_port()}"
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / "import.py"), "--host", host, "--token", "t0ken"],
        capture_output=True, text=True, timeout=60, check=False, stdin=subprocess.DEVNULL,
    )
    assert completed.returncode != 0, completed
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in completed.stderr, completed.stderr
    assert lines[0].startswith("error: cannot reach AWX at " + host), lines
    assert completed.stdout == "", completed.stdout


# --- 5. examples/awx/import.py against a stand-in for AWX's API ----------------------------


class FakeAWX:
    """The part of AWX's /api/v2/ that import.py uses, in memory, with AWX's survey validation."""

    KINDS = ("organizations", "projects", "inventories", "credentials", "execution_environments",
             "job_templates", "workflow_job_templates", "workflow_job_template_nodes")

    def __init__(self) -> None:
        self.objects: dict[str, dict[int, dict[str, Any]]] = {kind: {} for kind in self.KINDS}
        self.next_id = 100
        self.calls: list[str] = []
        self.add("organizations", name="Default")
        for kind, name in (("projects", "backupkit.dynamodb"), ("inventories", "backupkit.dynamodb localhost"),
                           ("inventories", "backupkit.dynamodb fleet")):
            self.add(kind, name=name, organization=1)
        self.add("credentials", name="backupkit.dynamodb AWS")
        self.add("execution_environments", name="backupkit.dynamodb EE")
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                assert self.headers.get("Authorization") == "Bearer t0ken"
                fake.calls.append(f"{self.command} {self.path}")
                status, payload = fake.route(self.command, urllib.parse.urlsplit(self.path), body)
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = _handle

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def add(self, kind: str, **fields: Any) -> dict[str, Any]:
        self.next_id += 1
        obj = {"id": self.next_id if kind != "organizations" else 1, **fields}
        self.objects[kind][obj["id"]] = obj
        return obj

    def by_name(self, kind: str, name: str) -> dict[str, Any]:
        [obj] = [o for o in self.objects[kind].values() if o.get("name") == name]
        return obj

    def route(self, method: str, url: urllib.parse.SplitResult, body: Any) -> tuple[int, Any]:
        parts = url.path.strip("/").split("/")[2:]  # after api/v2
        query = dict(urllib.parse.parse_qsl(url.query))
        kind = parts[0]
        if len(parts) == 1 and method == "GET":
            found = [o for o in self.objects[kind].values()
                     if all(str(o.get(k)) == v for k, v in query.items() if k != "page_size")]
            return 200, {"count": len(found), "next": None, "results": found}
        if len(parts) == 1 and method == "POST":
            if kind == "job_templates":
                for field in ("project", "inventory", "execution_environment"):
                    if field in body and body[field] not in self.objects[{"project": "projects", "inventory": "inventories",
                                                                          "execution_environment": "execution_environments"}[field]]:
                        return 400, {field: ["Invalid pk"]}
                assert "credentials" not in body, "credentials are attached, not posted with the template"
            return 201, self.add(kind, **body, **({"credentials": [], "survey_spec": {}} if kind.endswith("templates") else {}))
        obj = self.objects[kind][int(parts[1])]
        if len(parts) == 2 and method == "PATCH":
            obj.update(body)
            return 200, obj
        if len(parts) == 2 and method == "DELETE":
            del self.objects[kind][obj["id"]]
            return 204, None
        related = parts[2]
        if related == "survey_spec":
            errors = survey_spec_errors(body)
            if errors:
                return 400, {"error": errors[0]}
            obj["survey_spec"] = body
            return 200, None
        if related == "credentials":
            if method == "GET":
                return 200, {"count": len(obj["credentials"]), "next": None,
                             "results": [self.objects["credentials"][i] for i in obj["credentials"]]}
            if body["id"] in obj["credentials"]:
                return 400, {"error": "Cannot assign multiple Amazon Web Services credentials."}
            obj["credentials"].append(body["id"])
            return 204, None
        if related == "workflow_nodes":
            nodes = [n for n in self.objects["workflow_job_template_nodes"].values() if n["workflow_job_template"] == obj["id"]]
            if method == "GET":
                return 200, {"count": len(nodes), "next": None, "results": nodes}
            template = self.objects["job_templates"][body["unified_job_template"]]
            if body.get("extra_data") and not template.get("ask_variables_on_launch"):
                return 400, {"extra_data": ["not accepted"]}
            return 201, self.add("workflow_job_template_nodes", **body, workflow_job_template=obj["id"],
                                 success_nodes=[], failure_nodes=[], always_nodes=[])
        if related in ("success_nodes", "failure_nodes", "always_nodes"):
            obj[related].append(body["id"])
            return 204, None
        return 404, {"detail": "Not found."}

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_import_script_creates_the_templates_and_the_workflow(capsys: pytest.CaptureFixture[str]) -> None:
    """import.py creates the job templates, surveys, credentials and workflow; a second run updates in place."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("awx_examples_import", EXAMPLES / "import.py")
    assert spec is not None and spec.loader is not None
    importer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(importer)
    awx = FakeAWX()
    try:
        for run in ("first", "second"):
            assert importer.main(["--host", awx.url, "--token", "t0ken"]) == 0, (run, capsys.readouterr())
    finally:
        awx.stop()

    templates = job_templates()
    assert sorted(o["name"] for o in awx.objects["job_templates"].values()) == sorted(t["name"] for t in templates.values())
    credential = awx.by_name("credentials", "backupkit.dynamodb AWS")["id"]
    for stem, template in templates.items():
        created = awx.by_name("job_templates", template["name"])
        assert created["playbook"] == template["playbook"] and created["extra_vars"] == template["extra_vars"]
        assert created["project"] == awx.by_name("projects", "backupkit.dynamodb")["id"]
        assert created["credentials"] == ([credential] if template["credentials"] else [])
        assert created["survey_spec"] == (survey_of(stem) or {}) and created["survey_enabled"] == bool(survey_of(stem))
    workflows = {load_json(path)["name"]: path for path in sorted((EXAMPLES / "workflow_job_templates").glob("*.json"))}
    assert sorted(w["name"] for w in awx.objects["workflow_job_templates"].values()) == sorted(workflows)
    all_nodes = awx.objects["workflow_job_template_nodes"]
    for workflow in awx.objects["workflow_job_templates"].values():
        path = workflows[workflow["name"]]
        nodes = {i: n for i, n in all_nodes.items() if n["workflow_job_template"] == workflow["id"]}
        expected = load_json(EXAMPLES / "workflow_nodes" / path.name)
        assert len(nodes) == len(expected)  # the second run replaced the nodes, it did not add more
        by_identifier = {n["identifier"]: n for n in nodes.values()}
        for node in expected:
            made = by_identifier[node["identifier"]]
            assert awx.objects["job_templates"][made["unified_job_template"]]["name"] == node["unified_job_template"]
            for edge in ("success_nodes", "failure_nodes", "always_nodes"):
                assert sorted(nodes[i]["identifier"] for i in made[edge]) == sorted(node.get(edge, [])), (node, edge)
        assert workflow["survey_enabled"] == bool(survey_of(path.stem)) and workflow["organization"] == 1
    sliced = {t["name"]: t["job_slice_count"] for t in awx.objects["job_templates"].values() if t.get("job_slice_count", 1) > 1}
    assert sliced == {"backupkit.dynamodb fleet setup": 3}, sliced
