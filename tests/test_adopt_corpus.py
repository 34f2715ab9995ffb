"""The whole reference corpus adopted at once, as a new user would: every file through `obsctl import`,
the stack settings the imports print pasted in, then both stacks plan.

Each kind has its own tests beside its importer; this one proves the kinds live together in one
repository (names, uids, ids and stack settings do not collide). Alertmanager configurations replace
one another, so they are tried one by one in tests/test_import_alertmanager.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.catalog.prometheus import is_test_file
from infra.catalog.strict_yaml import load_documents
from obsctl.runner import plan_stack
from tests.conftest import obsctl_in, stand_in_secrets
from tests.test_dashboard_import_adopt import paste_entries, printed_entries, project_copy

STACKS = ("staging", "prod")


def _run(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    status, output = obsctl_in(project, capsys, "import", *args)
    assert status == 0, output
    return output


def _update_stacks(project: Path, change: Any) -> None:
    for stack in STACKS:
        path = project / f"Pulumi.{stack}.yaml"
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(stack, document["config"])
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def _printed_block(output: str, heading: str) -> dict[str, Any]:
    """The YAML an import printed under ``heading`` (indented lines after it), parsed."""
    if heading not in output:  # nothing printed: the stacks already had what is needed
        return {}
    lines = output.split(heading, 1)[1].splitlines()[1:]
    block = []
    for line in lines:
        if not line.startswith("    "):
            break
        block.append(line)
    parsed = yaml.safe_load("\n".join(block))
    return parsed if isinstance(parsed, dict) else {}


def test_the_whole_corpus_goes_in_together_and_both_stacks_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], shared_dir: Path
) -> None:
    corpus = shared_dir / "corpus"
    project = project_copy(tmp_path / "project")
    for stack in ("prod",):
        (project / f"Pulumi.{stack}.yaml").write_text(
            (Path(__file__).resolve().parents[1] / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"),
            encoding="utf-8",
        )

    rules = sorted(p for p in (corpus / "prometheus-rules").iterdir())
    rule_files = [p for p in rules if not is_test_file(load_documents(p.read_text(encoding="utf-8"), p.name))]
    prometheus = _run(project, capsys, "prometheus", *map(str, rule_files), "--force")
    datadog = "".join(
        _run(project, capsys, "datadog", str(p), "--force")
        for p in sorted((corpus / "datadog-monitors").iterdir())
    )
    grafana = _run(
        project,
        capsys,
        "dashboard",
        *map(str, sorted((corpus / "grafana-dashboards").glob("*.json"))),
        "--to",
        "dashboards/adopted",
    )
    templates = sorted((corpus / "cloudwatch").glob("cfn-*"))
    cloudformation = _run(project, capsys, "cloudformation", *map(str, templates), "--force")
    bodies = [
        p for p in (corpus / "cloudwatch").glob("*.json") if not p.name.startswith(("cfn-", "cw-agent"))
    ]
    _run(project, capsys, "cloudwatch-dashboard", *map(str, bodies), "--force")

    # What the imports printed, pasted as a user would.
    vendored = _printed_block(prometheus, "for example (review each value):").get("observability:prometheus")
    others = {
        key: f"imported-{key.lower()}" for key in re.findall(r"^    (\w+): <value>$", cloudformation, re.M)
    }

    def settle(stack: str, config: dict[str, Any]) -> None:
        if vendored:
            config["observability:prometheus"]["vendored"] = vendored["vendored"]
        resources = config["observability:cloudwatch"]["resources"]
        resources["other"] = {**(resources.get("other") or {}), **others}
        if stack == "prod" and 'runbookUrlTemplate: "' in datadog:
            config["observability:datadog"]["runbookUrlTemplate"] = (
                "https://runbooks.example.com/datadog/{id}"
            )

    for stack in STACKS:  # into the file as written, before it is rewritten below
        paste_entries(project, printed_entries(grafana, f"Pulumi.{stack}.yaml"), f"Pulumi.{stack}.yaml")
    _update_stacks(project, settle)

    for stack in STACKS:
        plan = plan_stack(project, stack, secrets=stand_in_secrets(stack, root=project))
        origins = [
            r.inputs["metadata"]["labels"].get("observability-as-code/rules-origin")
            for r in plan.by_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
        ]
        assert origins.count("vendored") == len(rule_files), stack
        dashboards = plan.by_type("grafana:oss/dashboard:Dashboard")
        assert len(dashboards) >= len(list((corpus / "grafana-dashboards").glob("*.json"))), stack
    monitors = plan.by_type("datadog:index/monitor:Monitor")
    assert any("env:prod" in str(m.inputs["query"]) for m in monitors)
