"""A credential in a plaintext input is a policy violation and is masked in every output of a plan.

The shapes are the pack's (policy/observability_policies/credentials.py); obsctl/redact.py masks
with them. Each known token shape is fed into a non-secret input, and every output is searched for
it: the terminal (stdout, stderr), the --json file, the markdown comment, with --diff and --base.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from obsctl.diff import diff_plans, render_diff_text
from obsctl.markdown import render_diff_markdown
from obsctl.plan import Plan
from obsctl.policy import render_policy_report
from obsctl.redact import MASK, credentials, redact_text
from obsctl.render import render_text
from tests.conftest import PROJECT_DIR, SENTINEL, copy_definitions, run_obsctl
from tests.policy_fixtures import DATASOURCE, MONITOR, assert_only, check, edit_json, first, get, mutate

SLACK_TOKEN = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
AWS_KEY_ID = "AKIAQ3EXAMPLE7TOKEN1"
SLACK_WEBHOOK = "https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/XXXXXXXXXXXXXXXXXXXXXXXX"
BEARER = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJncmFmYW5hIn0.c2lnbmF0dXJl"
DATASOURCE_URL = "https://grafana-reader:DsPa55word-7f3k@loki.example.com"
REDIS_URL = "rediss://:R3dis-Pa55-9q2w@master.metrics.x1y2z3.use1.cache.amazonaws.com:6379"
GRAFANA_URL = "https://admin:Gr4fana-Adm1n-x8@grafana.staging.example.com"
RAW = (
    "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "Q3EXAMPLE7TOKEN1",
    "T0AAAAAAA/B0BBBBBBB",
    "eyJhbGciOiJIUzI1NiJ9",
    "DsPa55word-7f3k",
    "R3dis-Pa55-9q2w",
    "Gr4fana-Adm1n-x8",
)
"""The secret part of each credential above: what no output may contain."""

# -- the shapes -----------------------------------------------------------------------------------

SHAPES = [
    (REDIS_URL, "rediss://:****@master", "a URL with a password"),
    (GRAFANA_URL, "https://admin:****@grafana", "a URL with a password"),
    (SLACK_TOKEN, "xoxb-****", "a Slack token"),
    (f"key {AWS_KEY_ID} here", "key AKIA**** here", "an AWS access key id"),
    (SLACK_WEBHOOK, "hooks.slack.com/services/****", "a Slack webhook URL"),
    (f"Authorization: {BEARER}", "Authorization: Bearer ****", "a bearer or basic authorization header"),
    ("ghp_" + "a1B2" * 9, "ghp_****", "a GitHub token"),
    ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "github_pat_****", "a GitHub token"),
    ("glsa_AbCdEfGhIjKlMnOpQrStUvWxYz012345_1a2b3c4d", "glsa_****", "a Grafana token"),
    (
        "https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue",
        "integration/****/enqueue",
        "a PagerDuty integration URL",
    ),
    ("api_key=0123456789abcdef0123456789abcdef", "api_key=****", "a Datadog API or application key"),
    (
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws_secret_access_key = ****",
        "an AWS secret access key",
    ),
    (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
        "KEY-----****-----END",
        "a private key",
    ),
    ("https://discord.com/api/webhooks/1234567/AbCdEf-123", "webhooks/****", "a Discord webhook URL"),
    (
        "https://acme.webhook.office.com/webhookb2/a1b2@c3d4/IncomingWebhook/e5f6/g7h8",
        "office.com/****",
        "a Microsoft Teams webhook URL",
    ),
    (
        "https://prod-01.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=AbCdEf123456",
        "&sig=****",
        "a credential in a URL query or connection string",
    ),
]


@pytest.mark.parametrize(
    ("text", "masked", "shape"), SHAPES, ids=[s[2] + f"-{i}" for i, s in enumerate(SHAPES)]
)
def test_each_credential_shape_is_found_and_masked_keeping_what_identifies_it(
    text: str, masked: str, shape: str
) -> None:
    assert credentials.shapes_in(f"see {text} now") == [shape]
    shown = redact_text(f"see {text} now")
    assert masked in shown
    assert MASK in shown and shown != f"see {text} now"


NOT_CREDENTIALS = [
    "Bearer tokens expire after an hour; Basic authentication failed for {{host.name}}",
    "http://kube-prometheus-stack-prometheus.monitoring.svc:9090/api/v1/query",
    "https://${GRAFANA_USER}:${GRAFANA_PASSWORD}@grafana.example.com",
    "https://grafana.example.com/d/abc?orgId=1&var-token=all&from=now-1h",
    "targetgroup/metrics-api-prod/943f017f100becff and 5c1e7a9b3d2f4e6a8b0c1d2e3f4a5b6c",
    "Token expired: renew it. Load above {{threshold}} on host:{{host.name}} @slack-alerts",
    "https://hooks.slack.com/services/<webhook-id>",
]


@pytest.mark.parametrize("text", NOT_CREDENTIALS)
def test_ordinary_text_is_neither_reported_nor_masked(text: str) -> None:
    assert credentials.shapes_in(text) == []
    assert redact_text(text) == text


def _credential_shapes(files: list[Path]) -> dict[str, list[str]]:
    found = {
        str(path): credentials.shapes_in(path.read_text(encoding="utf-8"))
        for path in files
        if path.is_file() and path.suffix in (".yaml", ".yml", ".json")
    }
    assert found, "no file was scanned"
    return {path: shapes for path, shapes in found.items() if shapes}


def test_nothing_shipped_looks_like_a_credential() -> None:
    """No false positive on the definitions and stack files the repository holds."""
    roots = [PROJECT_DIR / "alerts", PROJECT_DIR / "dashboards", PROJECT_DIR / "drills"]
    files = [*PROJECT_DIR.glob("Pulumi.*.yaml"), *(p for r in roots for p in r.rglob("*"))]
    assert _credential_shapes(files) == {}


def test_nothing_in_the_corpus_looks_like_a_credential(shared_dir: Path) -> None:
    """Nor on the real-world files of others (../shared/corpus)."""
    assert _credential_shapes(list((shared_dir / "corpus").rglob("*"))) == {}


def test_shipped_plans_show_nothing_masked(stack_plan: Plan) -> None:
    assert MASK not in stack_plan.dumps()
    assert MASK not in render_text(stack_plan)


# -- the policy, on a copy of prod ----------------------------------------------------------------


def _leak(plan: Plan) -> None:
    get(plan, MONITOR).inputs["message"] += f"\nPost with {SLACK_TOKEN} as {AWS_KEY_ID} to {SLACK_WEBHOOK}"
    first(plan, "pulumi:providers:grafana").inputs["url"] = GRAFANA_URL
    get(plan, DATASOURCE).inputs["url"] = DATASOURCE_URL
    edit_json(
        get(plan, DATASOURCE),
        "jsonDataEncoded",
        lambda data: data.update(httpHeaderName2="Authorization", httpHeaderValue2=BEARER),
    )
    get(plan, "monitoring-cluster-redis-exporter").inputs["values"]["redisAddress"] = REDIS_URL


LEAKS = [
    (f"{MONITOR}: message: holds a Slack token, an AWS access key id and a Slack webhook URL in plaintext"),
    "grafana-provider: url: holds a URL with a password in plaintext",
    f"{DATASOURCE}: url: holds a URL with a password in plaintext",
    f"{DATASOURCE}: jsonDataEncoded.httpHeaderValue2: httpHeaderValue2 is an HTTP header value",
    "monitoring-cluster-redis-exporter: values.redisAddress: holds a URL with a password in plaintext",
]


def test_each_leak_is_a_violation_naming_resource_and_path_never_the_value(prod_fixture: Plan) -> None:
    details = assert_only(prod_fixture, _leak, "no-plaintext-secrets", *LEAKS)
    report = render_policy_report(check(mutate(prod_fixture, _leak)))
    for raw in RAW:
        assert raw not in details
        assert raw not in report


def test_every_output_of_the_leaking_plan_masks_them(prod_fixture: Plan) -> None:
    leaking = mutate(prod_fixture, _leak)
    outputs = {
        "json": leaking.dumps(),
        "text": render_text(leaking),
        "diff": render_diff_text(diff_plans(prod_fixture.to_json(), leaking.to_json())),
        "markdown": render_diff_markdown([diff_plans(prod_fixture.to_json(), leaking.to_json())]),
    }
    for name, text in outputs.items():
        for raw in RAW:
            assert raw not in text, (name, raw)
    assert "xoxb-****" in outputs["json"] and "AKIA****" in outputs["json"]
    assert "https://grafana-reader:****@loki.example.com" in outputs["text"]


def test_a_secret_value_copied_into_plaintext_is_masked_too(prod_fixture: Plan) -> None:
    leaking = mutate(prod_fixture, lambda p: get(p, MONITOR).inputs.update(message=f"key {SENTINEL} @team"))
    assert SENTINEL not in leaking.dumps()
    assert SENTINEL not in render_text(leaking)
    assert f"key {MASK} @team" in leaking.dumps()


def test_an_earlier_plan_written_without_masking_is_masked_in_the_diff(prod_fixture: Plan) -> None:
    """--diff OLD.json and --base REF read plans written by other code: they are masked on reading."""
    old: dict[str, Any] = json.loads(prod_fixture.dumps())
    provider = next(r for r in old["resources"] if r["type"] == "pulumi:providers:grafana")
    provider["inputs"]["url"] = GRAFANA_URL
    old["resources"].append(
        {"type": "grafana:oss/dataSource:DataSource", "name": "gone", "inputs": {"url": DATASOURCE_URL}}
    )
    diff = diff_plans(old, prod_fixture.to_json())
    for text in (render_diff_text(diff), render_diff_markdown([diff])):
        assert "Gr4fana-Adm1n-x8" not in text and "DsPa55word-7f3k" not in text


# -- the command line, end to end -----------------------------------------------------------------


def _leaking_project(root: Path) -> Path:
    """A git repository holding the program, the definitions and a staging stack that leaks."""
    root.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(PROJECT_DIR / name, root / name)
    copy_definitions(root)
    stack = (PROJECT_DIR / "Pulumi.staging.yaml").read_text(encoding="utf-8")
    stack = stack.replace("url: https://grafana.staging.example.com", f"url: {GRAFANA_URL}")
    stack = stack.replace(
        'url: "http://loki-gateway.monitoring.svc.cluster.local"}',
        f'url: "{DATASOURCE_URL}", jsonData: {{httpHeaderName1: Authorization, httpHeaderValue1: "{BEARER}"}}}}',
    )
    stack = stack.replace(
        "rediss://master.metrics-staging", "rediss://:R3dis-Pa55-9q2w@master.metrics-staging"
    )
    stack = stack.replace(
        "  observability:grafana:",
        "  observability:datadog:\n    enabled: true\n"
        "    routing: {critical: '@pagerduty-x', warning: '@slack-x', info: '@sre@example.com'}\n"
        "  observability:grafana:",
    )
    assert stack.count("Gr4fana") == stack.count("DsPa55") == stack.count("R3dis") == 1
    (root / "Pulumi.staging.yaml").write_text(stack, encoding="utf-8")
    (root / "alerts" / "datadog" / "leaky.yaml").write_text(
        "leaky:\n"
        "  name: '[{{env}}] Leaky'\n"
        "  type: metric alert\n"
        "  query: 'avg(last_5m):avg:system.load.1{env:{{env}}} > 5'\n"
        f"  message: 'Post with {SLACK_TOKEN} as {AWS_KEY_ID} to {SLACK_WEBHOOK} @slack-alerts'\n"
        "  runbook_url: https://runbooks.example.com/datadog/leaky\n",
        encoding="utf-8",
    )
    for command in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "leak"],
    ):
        subprocess.run(["git", *command], cwd=root, check=True, capture_output=True)
    return root


@pytest.mark.slow
def test_no_output_of_obsctl_plan_holds_a_credential_fed_to_a_plaintext_input(tmp_path: Path) -> None:
    project = _leaking_project(tmp_path / "project")
    plan_json = tmp_path / "plan.json"
    planned = run_obsctl(
        "--project-dir", str(project), "plan", "staging", "--json", str(plan_json), cwd=project
    )
    reviewed = run_obsctl(
        "--project-dir",
        str(project),
        "plan",
        "staging",
        "--base",
        "HEAD",
        "--format",
        "markdown",
        cwd=project,
    )
    outputs = {
        "stdout": planned.stdout,
        "stderr": planned.stderr,
        "json": plan_json.read_text(encoding="utf-8"),
        "markdown": reviewed.stdout,
        "markdown stderr": reviewed.stderr,
    }
    for name, text in outputs.items():
        assert "Traceback" not in text, name
        for raw in RAW:
            assert raw not in text, (name, raw)
    assert planned.returncode == 1, planned.stderr
    for line in (
        "no-plaintext-secrets: datadog:index/monitor:Monitor datadog-leaky",
        "message: holds a Slack token, an AWS access key id and a Slack webhook URL in plaintext",
        "no-plaintext-secrets: pulumi:providers:grafana grafana-provider",
        "jsonDataEncoded.httpHeaderValue1: httpHeaderValue1 is an HTTP header value",
        "no-plaintext-secrets: kubernetes:helm.sh/v3:Release monitoring-cluster-redis-exporter",
        "values.redisAddress: holds a URL with a password in plaintext",
    ):
        assert line in planned.stdout
    assert "https://admin:****@grafana.staging.example.com" in outputs["json"]
    assert "no-plaintext-secrets" in reviewed.stdout
