"""The project layout, typed settings, the offline plan and its JSON and diff."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from infra.config import RawStackConfig, load_settings
from infra.errors import DefinitionError
from obsctl.diff import diff_plans
from obsctl.plan import Plan, reveal
from obsctl.runner import PlanFailed, _Recording, _run_program, plan_stack
from tests.conftest import PROJECT_DIR, SENTINEL, planned, run_obsctl

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def test_project_file_validates_against_pulumis_schema(shared_dir: Path) -> None:
    schema = json.loads((shared_dir / "schemas" / "pulumi-project.json").read_text())
    project = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
    jsonschema.validate(project, schema)
    assert project["name"] == "observability"
    assert project["runtime"]["options"] == {"toolchain": "pip", "virtualenv": ".venv"}


def test_prod_log_groups_are_protected_retained_and_kept_90_days(prod_plan: Plan) -> None:
    groups = prod_plan.by_type(LOG_GROUP)
    assert {g.inputs["name"] for g in groups} >= {
        "/aws/eks/metrics-prod/application",
        "/aws/eks/metrics-prod/exceptions",
        "/aws/eks/metrics-prod/rejections",
        "/aws/eks/metrics-prod/security-audit",
    }
    for group in groups:
        assert group.protect and group.retain_on_delete, group.name
        assert group.inputs["retentionInDays"] == 90


def test_staging_log_groups_keep_14_days_and_are_not_protected(staging_plan: Plan) -> None:
    groups = staging_plan.by_type(LOG_GROUP)
    assert len(groups) >= 4
    for group in groups:
        assert group.inputs["retentionInDays"] == 14
        assert not group.protect


def test_every_log_group_is_encrypted_with_a_key_of_the_stack(stack_plan: Plan) -> None:
    keys = {k.name: k for k in stack_plan.by_type("aws:kms/key:Key")}
    for group in stack_plan.by_type(LOG_GROUP):
        (key_name,) = group.property_dependencies["kmsKeyId"]
        policy = json.loads(keys[key_name].inputs["policy"])
        grants = [s for s in policy["Statement"] if s["Principal"].get("Service", "").startswith("logs.")]
        assert grants, f"{key_name} does not let CloudWatch Logs use it"
        assert group.inputs["kmsKeyId"] == f"${{{key_name}.arn}}"


def test_log_groups_carry_environment_service_and_managed_by_tags(stack_plan: Plan) -> None:
    for group in stack_plan.by_type(LOG_GROUP):
        tags = group.inputs["tags"]
        assert tags["environment"] == stack_plan.stack
        assert tags["service"] == "external-metrics"
        assert tags["managed-by"] == "pulumi"


def test_plan_json_is_byte_identical_across_runs(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert run_obsctl("plan", "staging", "--json", str(first), "--quiet").returncode == 0
    assert run_obsctl("plan", "staging", "--json", str(second), "--quiet").returncode == 0
    assert first.read_bytes() == second.read_bytes()
    document = json.loads(first.read_text())
    assert [r["name"] for r in document["resources"]]
    assert document["missingSecrets"], "the shipped staging stack has secrets only set with `pulumi config`"


def test_secrets_never_appear_in_plaintext(stack_plan: Plan) -> None:
    rendered = stack_plan.dumps()
    assert SENTINEL not in rendered
    secret_inputs = [(r.name, r.secret_paths()) for r in stack_plan.resources if r.secret_paths()]
    assert secret_inputs, "the stack should hold at least one secret input"
    for resource in stack_plan.resources:
        plain = json.dumps(resource.masked_inputs())
        assert SENTINEL not in plain
        if SENTINEL in json.dumps(reveal(resource.inputs)):
            assert resource.secret_paths(), f"{resource.name} holds the secret outside a secret input"
    assert SENTINEL not in json.dumps(stack_plan.to_json()["outputs"])


def test_secret_typed_key_in_plaintext_is_rejected() -> None:
    raw = RawStackConfig(
        stack="prod",
        values={
            "observability:routing": json.dumps(
                {"subscriptions": [{"topic": "critical", "protocol": "pagerduty", "endpointSecret": "pdKey"}]}
            ),
            "observability:pdKey": "plaintext",
        },
        secret_keys=frozenset(),
    )
    with pytest.raises(DefinitionError, match=r"observability:pdKey: is a secret but is stored in plaintext"):
        load_settings(raw)


@pytest.mark.parametrize(
    ("stack_yaml", "expected"),
    [
        (
            "config:\n  observability:logs:\n    retentionDays: 8\n",
            "Pulumi.bad.yaml: observability:logs.retentionDays = 8 is not a CloudWatch retention value "
            "(allowed: 1, 3, 5, 7, 14, 30,",
        ),
        (
            "config:\n  observability:logs:\n    retentionDyas: 14\n",
            "Pulumi.bad.yaml: observability:logs.retentionDyas: unknown key (did you mean retentionDays?)",
        ),
        (
            "config:\n  observability:loggs:\n    retentionDays: 14\n",
            "Pulumi.bad.yaml: observability:loggs: unknown key (did you mean logs?)",
        ),
        (
            "config:\n  observability:logs:\n    protect: sometimes\n",
            "Pulumi.bad.yaml: observability:logs.protect = 'sometimes': Input should be a valid boolean",
        ),
    ],
)
def test_invalid_config_fails_with_file_and_key_and_no_traceback(
    scratch_project, stack_yaml: str, expected: str
) -> None:
    project = scratch_project("bad", stack_yaml)
    result = run_obsctl("--project-dir", str(project), "plan", "bad", "--definitions", str(PROJECT_DIR))
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "Plan for stack" not in result.stdout


def test_the_program_itself_rejects_bad_config_before_registering_anything() -> None:
    """Not only the CLI: a real `pulumi up` runs __main__.py, which must refuse on its own."""
    recording = _Recording(resources=[], outputs={})
    raw = RawStackConfig(
        stack="prod", values={"observability:logs": '{"retentionDays": 8}'}, secret_keys=frozenset()
    )
    with pytest.raises(PlanFailed, match=r"observability:logs.retentionDays = 8"):
        _run_program(PROJECT_DIR, raw, "us-east-1", recording)
    assert recording.resources == []


def test_a_failed_run_does_not_poison_the_next(prod_plan: Plan) -> None:
    raw = RawStackConfig(stack="prod", values={"observability:nope": "1"}, secret_keys=frozenset())
    with pytest.raises(PlanFailed):
        _run_program(PROJECT_DIR, raw, "us-east-1", _Recording(resources=[], outputs={}))
    again = plan_stack(PROJECT_DIR, "prod", secrets={})
    assert sorted(r.urn for r in again.resources) == sorted(r.urn for r in prod_plan.resources)


def test_config_does_not_leak_between_stacks(staging_plan: Plan, prod_plan: Plan) -> None:
    retention = {
        p.stack: {g.inputs["retentionInDays"] for g in p.by_type(LOG_GROUP)}
        for p in (staging_plan, prod_plan)
    }
    assert retention == {"staging": {14}, "prod": {90}}


def test_exports_are_read_from_the_root_stack(prod_plan: Plan) -> None:
    assert prod_plan.outputs["logGroupNames"]["application"] == "/aws/eks/metrics-prod/application"


def test_numbers_keep_their_integer_type(prod_plan: Plan) -> None:
    group = prod_plan.by_type(LOG_GROUP)[0]
    assert type(group.inputs["retentionInDays"]) is int


def test_missing_secret_plans_masked_and_names_the_command() -> None:
    result = run_obsctl("plan", "prod", "--quiet")
    assert result.returncode == 0, result.stderr
    assert (
        "pulumi config set --secret observability:pagerdutyIntegrationKey <value> --stack prod"
        in result.stderr
    )


def test_diff_reports_added_changed_and_removed_per_property(prod_plan: Plan) -> None:
    old = prod_plan.to_json()
    new = json.loads(json.dumps(old))
    group = next(r for r in new["resources"] if r["type"] == LOG_GROUP)
    group["inputs"]["retentionInDays"] = 180
    removed = new["resources"].pop()
    new["resources"].append({**removed, "name": "renamed"})
    diff = diff_plans(old, new)
    assert [c.name for c in diff.changed] == [group["name"]]
    assert [(p.path, p.old, p.new) for p in diff.changed[0].changes] == [("inputs.retentionInDays", 90, 180)]
    assert [c.name for c in diff.added] == ["renamed"]
    assert [c.name for c in diff.removed] == [removed["name"]]


def test_stacks_plan_once_per_session() -> None:
    assert planned("prod") is planned("prod")
