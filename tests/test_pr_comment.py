"""The pull-request comment: per-stack sections, property diffs, policy results, and the size limit."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

from infra.catalog.alertmanager import CONFIG_FILE
from obsctl.diff import diff_plans
from obsctl.markdown import GITHUB_COMMENT_LIMIT, MARKER, render_diff_markdown
from obsctl.plan import Plan, Secret
from obsctl.policy import PolicyReport, Violation, run_policies
from obsctl.pr_comment import pull_request_comment, read_base_plans
from tests.conftest import PROJECT_DIR, SENTINEL, copy_definitions, run_obsctl

DASHBOARD = "grafana:oss/dashboard:Dashboard"


def _dashboard(index: int, title: str) -> dict[str, Any]:
    panels = [{"id": p, "title": f"Panel {p}", "type": "timeseries"} for p in range(3)]
    return {
        "type": DASHBOARD,
        "name": f"dashboard-{index:04d}",
        "parent": "grafana-dashboards",
        "custom": True,
        "inputs": {"configJson": json.dumps({"uid": f"d-{index}", "title": title, "panels": panels})},
        "secretInputs": [],
        "options": {"protect": False},
    }


def _plan(stack: str, resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {"project": "observability", "stack": stack, "resources": resources}


def _report(stack: str, violations: list[Violation]) -> PolicyReport:
    return PolicyReport(
        stack=stack,
        pack="observability-policies",
        version="0.1.0",
        policies=["log-group-retention", "alarm-has-actions"],
        config_source=f"policy/config/{stack}.json",
        violations=violations,
    )


def _violation(index: int) -> Violation:
    return Violation(
        policy="log-group-retention",
        level="mandatory",
        description="Every CloudWatch log group expires its logs.",
        detail=f"retentionInDays is not set ({index})",
        urn=f"urn:pulumi:prod::observability::aws:cloudwatch/logGroup:LogGroup::logs-{index}",
        resource_type="aws:cloudwatch/logGroup:LogGroup",
        resource_name=f"logs-{index}",
    )


def test_sections_property_diffs_and_policy_results() -> None:
    old = _plan("prod", [_dashboard(1, "API"), _dashboard(2, "Gone")])
    new = _plan("prod", [_dashboard(1, "API v2"), _dashboard(3, "New")])
    text = render_diff_markdown([diff_plans(old, new)], [_report("prod", [_violation(1)])])

    assert text.startswith(MARKER)
    assert "| prod | 1 | 1 | 0 | 1 | ❌ 1 mandatory |" in text
    assert "<details open><summary><b>prod</b>: 1 to add, 1 to change, 1 to remove</summary>" in text
    added, changed, removed, policies = (
        text.index("**To add** (1)"),
        text.index("**To change** (1)"),
        text.index("**To remove** (1)"),
        text.index("**Policies** ❌"),
    )
    assert added < changed < removed < policies < text.rindex("</details>")
    assert f"- `+` `{DASHBOARD}` `dashboard-0003`" in text
    assert f"- `-` `{DASHBOARD}` `dashboard-0002`" in text
    assert "@@ inputs.configJson.title @@\n  - API\n  + API v2" in text
    assert (
        "| mandatory | `log-group-retention` | aws:cloudwatch/logGroup:LogGroup logs-1 "
        "| retentionInDays is not set (1) |" in text
    )
    assert "Trimmed" not in text


def test_no_changes_and_no_violations() -> None:
    plan = _plan("staging", [_dashboard(1, "API")])
    text = render_diff_markdown([diff_plans(plan, plan)], [_report("staging", [])])
    assert "| staging | 0 | 0 | 0 | 0 | ✅ passed |" in text
    assert "<details><summary><b>staging</b>: 0 to add, 0 to change, 0 to remove</summary>" in text
    assert "No changes." in text
    assert "**Policies** ✅ no violations (2 policies of observability-policies 0.1.0" in text


def test_a_thousand_changed_dashboards_fit_and_the_trim_is_stated() -> None:
    old = _plan("prod", [_dashboard(i, f"Dashboard {i}") for i in range(1000)])
    new = _plan("prod", [_dashboard(i, f"Dashboard {i} (renamed)") for i in range(1000)])
    diff = diff_plans(old, new)
    assert len(diff.changed) == 1000
    text = render_diff_markdown([diff], [_report("prod", [_violation(i) for i in range(3)])])

    assert len(text.encode("utf-16-le")) // 2 <= GITHUB_COMMENT_LIMIT
    assert "| prod | 0 | 1000 | 0 | 0 | ❌ 3 mandatory |" in text
    shown = text.count("@@ inputs.configJson.title @@")
    assert 0 < shown < 1000
    assert (
        f"> **Trimmed** to stay under GitHub's 65,536-character comment limit: {1000 - shown} property diffs"
        in text
    )
    # Every policy violation survives the trim: they come before any property diff.
    assert all(f"retentionInDays is not set ({i})" in text for i in range(3))
    assert text.rstrip().endswith("for all of it.")


def test_trim_drops_diffs_then_resource_lines_then_violations() -> None:
    resources = [_dashboard(i, f"D {i}") for i in range(3000)]
    renamed = [_dashboard(i, f"D {i} (renamed)") for i in range(3000)]
    diffs = [diff_plans(_plan(s, resources), _plan(s, renamed)) for s in ("staging", "prod")]
    reports = [_report(s, [_violation(i) for i in range(800)]) for s in ("staging", "prod")]
    text = render_diff_markdown(diffs, reports)

    assert len(text) <= GITHUB_COMMENT_LIMIT
    assert "@@" not in text
    assert "more not shown" in text and "more violations not shown" in text
    assert "| staging | 0 | 3000 | 0 | 0 | ❌ 800 mandatory |" in text
    assert "| prod | 0 | 3000 | 0 | 0 | ❌ 800 mandatory |" in text
    assert "6000 property diffs, 6000 resource lines" in text
    small = render_diff_markdown(diffs, reports, limit=8000)
    assert len(small) <= 8000 and "**Trimmed**" in small


def test_secrets_stay_masked(prod_plan: Plan) -> None:
    subscription = next(
        r for r in prod_plan.by_type("aws:sns/topicSubscription:TopicSubscription") if r.secret_paths()
    )
    changed = copy.deepcopy(prod_plan)
    for resource in changed.resources:
        if resource.urn == subscription.urn:
            resource.inputs["endpoint"] = Secret(f"https://other.example.com/{SENTINEL}")
            resource.inputs["protocol"] = "https"
            resource.inputs["rawMessageDelivery"] = True
    text = render_diff_markdown([diff_plans(prod_plan.to_json(), changed.to_json())])
    assert SENTINEL not in text
    assert f"`{subscription.name}`" in text
    assert "@@ inputs.rawMessageDelivery @@\n  + true" in text


def test_untrusted_names_cannot_break_the_markdown() -> None:
    tricky = _dashboard(1, "x")
    tricky["name"] = "a`b|<script>"
    text = render_diff_markdown(
        [diff_plans(_plan("prod", []), _plan("prod", [tricky]))],
        [_report("prod", [Violation("p", "mandatory", "d", "a | b\n<img src=x>", "", "", "")])],
    )
    assert "``a`b|<script>``" in text
    assert "| a \\| b &lt;img src=x&gt; |" in text
    fenced = _plan("prod", [_dashboard(1, "```")])
    renamed = _plan("prod", [_dashboard(1, "```` end")])
    assert "  `````diff\n" in render_diff_markdown([diff_plans(fenced, renamed)])


def test_pull_request_comment_for_every_stack(tmp_path: Path, staging_plan: Plan) -> None:
    """What the workflow posts: every stack planned at head, against the base's plan files."""
    (tmp_path / "staging.json").write_text(staging_plan.dumps())
    comment, failed = pull_request_comment(PROJECT_DIR, ["staging"], read_base_plans(tmp_path, ["staging"]))
    assert "| staging | 0 | 0 | 0 | 0 |" in comment
    assert "**Policies**" in comment
    assert failed is bool(run_policies(staging_plan).mandatory_violations)


def test_an_alertmanager_configuration_amtool_refuses_fails_the_comment(
    tmp_path: Path, staging_plan: Plan
) -> None:

    definitions = copy_definitions(tmp_path / "definitions")
    path = definitions / CONFIG_FILE
    document = yaml.safe_load(path.read_text())
    document["route"]["group_wait"] = "soon"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    base = {"staging": staging_plan.to_json()}
    comment, failed = pull_request_comment(PROJECT_DIR, ["staging"], base, definitions_dir=definitions)
    assert failed
    assert f"- **staging**: {CONFIG_FILE}, rendered for stack staging" in comment
    assert "not a valid duration string" in comment


def test_cli_diff_shows_exactly_the_renamed_dashboard(tmp_path: Path, staging_plan: Plan) -> None:
    """`obsctl plan staging --json base.json`, rename one dashboard, then `--diff base.json --format markdown`."""
    definitions = tmp_path / "definitions"
    copy_definitions(definitions)
    dashboard_file = sorted((definitions / "dashboards").glob("*/*.json"))[0]
    dashboard = json.loads(dashboard_file.read_text())
    old_title = dashboard["title"]
    dashboard["title"] = f"{old_title} (renamed)"
    dashboard_file.write_text(json.dumps(dashboard, indent=2) + "\n")
    base = tmp_path / "base.json"
    base.write_text(staging_plan.dumps())

    result = run_obsctl(
        "plan", "staging", "--definitions", str(definitions), "--diff", str(base), "--format", "markdown"
    )
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "| staging | 0 | 1 | 0 | 0 |" in text
    changed = [line for line in text.splitlines() if line.startswith("- `~`")]
    assert len(changed) == 1 and changed[0].startswith(f"- `~` `{DASHBOARD}`")
    assert f"@@ inputs.configJson.title @@\n  - {old_title}\n  + {old_title} (renamed)" in text


def test_the_drill_report_ends_the_comment_within_the_limit(tmp_path: Path, staging_plan: Plan) -> None:
    (tmp_path / "staging.json").write_text(json.dumps(staging_plan.to_json()))
    drill = "## Alert drill\n\n" + "| scenario | alert |\n" * 5000
    comment, _ = pull_request_comment(PROJECT_DIR, ["staging"], read_base_plans(tmp_path, ["staging"]), drill)
    assert len(comment) < GITHUB_COMMENT_LIMIT
    assert "## Alert drill" in comment and comment.rstrip().endswith("the rest is in the job summary.")
