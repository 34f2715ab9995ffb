"""A preview a reviewer can trust: replacements, data loss, new secrets and new resources' inputs."""

from __future__ import annotations

import copy
import json
from importlib.metadata import version
from typing import Any

import pytest

from obsctl.diff import diff_plans, render_diff_text
from obsctl.markdown import render_diff_markdown
from obsctl.plan import Plan
from obsctl.replacements import facts
from obsctl.runner import plan_stack
from obsctl.stackfile import read_stack_file
from tests.conftest import PROJECT_DIR, STACKS, planned

PACKAGES = {
    "aws": "pulumi_aws",
    "grafana": "pulumiverse_grafana",
    "datadog": "pulumi_datadog",
    "kubernetes": "pulumi_kubernetes",
}


def _changed(document: dict[str, Any], type_token: str, edit: Any) -> dict[str, Any]:
    """A copy of a plan document with ``edit`` applied to the inputs of one resource of a type
    (for Helm releases, the one holding Prometheus' volumes)."""
    document = copy.deepcopy(document)
    candidates = [r for r in document["resources"] if r["type"] == type_token]
    if type_token == "kubernetes:helm.sh/v3:Release":
        candidates = [r for r in candidates if r["inputs"]["name"] == "kube-prometheus-stack"]
    resource = candidates[0]
    edit(resource["inputs"])
    return document


def _set(key: str, value: Any) -> Any:
    return lambda inputs: inputs.__setitem__(key, value)


def _set_dashboard_uid(inputs: dict[str, Any]) -> None:
    model = json.loads(inputs["configJson"])
    model["uid"] = "renamed-uid"
    inputs["configJson"] = json.dumps(model)


@pytest.mark.parametrize(
    ("type_token", "edit", "forcing", "stateful"),
    [
        ("aws:cloudwatch/logGroup:LogGroup", _set("name", "/other/name"), "name", True),
        ("aws:s3/bucket:Bucket", _set("bucket", "other-bucket"), "bucket", True),
        ("aws:cloudwatch/metricAlarm:MetricAlarm", _set("name", "other-alarm"), "name", False),
        ("kubernetes:helm.sh/v3:Release", _set("name", "other-release"), "name", True),
        (
            "kubernetes:core/v1:Namespace",
            lambda i: i["metadata"].__setitem__("name", "other"),
            "metadata.name",
            True,
        ),
        ("grafana:oss/dashboard:Dashboard", _set_dashboard_uid, "configJson.uid", False),
    ],
)
def test_known_replacements_are_marked_with_the_forcing_property(
    staging_plan: Plan, type_token: str, edit: Any, forcing: str, stateful: bool
) -> None:
    base = staging_plan.to_json()
    diff = diff_plans(base, _changed(base, type_token, edit))
    (change,) = diff.changed
    assert change.replaced and change.forcing == [forcing]
    assert change.stateful is stateful
    assert f"  +- {type_token} {change.name} (replace: {forcing} forces a new resource)" in render_diff_text(
        diff
    )


@pytest.mark.parametrize(
    ("type_token", "edit"),
    [
        ("aws:cloudwatch/logGroup:LogGroup", _set("retentionInDays", 365)),
        ("aws:cloudwatch/metricAlarm:MetricAlarm", _set("threshold", 12345)),
        ("kubernetes:helm.sh/v3:Release", _set("version", "0.0.1")),
    ],
)
def test_updates_in_place_are_not_called_replacements(staging_plan: Plan, type_token: str, edit: Any) -> None:
    base = staging_plan.to_json()
    (change,) = diff_plans(base, _changed(base, type_token, edit)).changed
    assert not change.replaced and change.sign == "~"


def test_a_datadog_monitor_switching_metric_and_query_alert_is_updated_not_replaced() -> None:
    def monitor(kind: str) -> dict[str, Any]:
        inputs = {"name": "m", "type": kind, "query": "q"}
        return {
            "stack": "prod",
            "resources": [{"type": "datadog:index/monitor:Monitor", "name": "m", "inputs": inputs}],
        }

    assert not diff_plans(monitor("metric alert"), monitor("query alert")).changed[0].replaced
    assert diff_plans(monitor("metric alert"), monitor("log alert")).changed[0].forcing == ["type"]


def test_every_type_the_stacks_register_has_replacement_facts_with_a_source() -> None:
    known = facts().resources
    types = {r.type for stack in STACKS for r in planned(stack).resources if r.custom}
    types = {t for t in types if not t.startswith("pulumi:providers:")}
    assert sorted(types - known.keys()) == [], "add the new types to obsctl/facts/replacements.yaml"
    for token, entry in known.items():
        assert entry.source, token


def test_replacement_facts_are_for_the_installed_provider_versions() -> None:
    """A provider bump must re-check the facts: the file names the version it was read at."""
    for name, provider in facts().providers.items():
        assert provider["version"] == version(PACKAGES[name]), f"{name}: facts read at {provider['version']}"


def _stack_value(stack: str, key: str) -> dict[str, Any]:
    return json.loads(read_stack_file(PROJECT_DIR, stack).raw.values[key])


def test_renaming_the_service_puts_the_replaced_buckets_first_in_the_comment(staging_plan: Plan) -> None:
    renamed = plan_stack(PROJECT_DIR, "staging", config={"observability:service": "billing"})
    diff = diff_plans(staging_plan.to_json(), renamed.to_json())
    buckets = [c for c in diff.changed if c.type == "aws:s3/bucket:Bucket"]
    assert buckets and all(c.replaced and c.stateful for c in buckets)
    text = render_diff_markdown([diff])
    caution = text.index("> [!CAUTION]")
    assert caution < text.index("<details")
    for bucket in buckets:
        assert f"replaces `aws:s3/bucket:Bucket` `{bucket.name}` (`bucket` forces it)" in text[caution:]


def test_a_new_log_group_prefix_shows_every_log_group_replaced_at_the_top(staging_plan: Plan) -> None:
    logs = {**_stack_value("staging", "observability:logs"), "groupPrefix": "/aws/eks/renamed"}
    moved = plan_stack(PROJECT_DIR, "staging", config={"observability:logs": json.dumps(logs)})
    text = render_diff_markdown([diff_plans(staging_plan.to_json(), moved.to_json())])
    groups = staging_plan.by_type("aws:cloudwatch/logGroup:LogGroup")
    head = text[: text.index("<details")]
    assert groups and all(f"`{g.name}` (`name` forces it)" in head for g in groups)


def test_a_new_endpoint_secret_is_shown_with_its_command(staging_plan: Plan) -> None:
    routing = _stack_value("staging", "observability:routing")
    routing["subscriptions"].append(
        {"topic": "warning", "protocol": "https", "endpointSecret": "opsgenieWebhookUrl"}
    )
    head = plan_stack(PROJECT_DIR, "staging", config={"observability:routing": json.dumps(routing)})
    diff = diff_plans(staging_plan.to_json(), head.to_json())
    assert [s.key for s in diff.secrets_added] == ["observability:opsgenieWebhookUrl"]
    text = render_diff_markdown([diff])
    assert "> [!IMPORTANT]" in text
    assert (
        "new secret `observability:opsgenieWebhookUrl` (https endpoint for the warning topic), **not set**: "
        "`pulumi config set --secret observability:opsgenieWebhookUrl <value> --stack staging`"
    ) in text
    # And the other way round: the base needed it, the head does not.
    removed = diff_plans(head.to_json(), staging_plan.to_json())
    assert [s.key for s in removed.secrets_removed] == ["observability:opsgenieWebhookUrl"]
    assert "`pulumi config rm observability:opsgenieWebhookUrl --stack staging`" in render_diff_markdown(
        [removed]
    )


def test_a_comment_without_secret_changes_has_no_secret_callout(staging_plan: Plan) -> None:
    text = render_diff_markdown([diff_plans(staging_plan.to_json(), staging_plan.to_json())])
    assert "[!IMPORTANT]" not in text and "[!CAUTION]" not in text


def test_added_resources_show_their_key_inputs_collapsed(staging_plan: Plan) -> None:
    base = copy.deepcopy(staging_plan.to_json())
    alarm = next(r for r in base["resources"] if r["type"] == "aws:cloudwatch/metricAlarm:MetricAlarm")
    base["resources"].remove(alarm)
    text = render_diff_markdown([diff_plans(base, staging_plan.to_json())])
    line = f"- `+` `aws:cloudwatch/metricAlarm:MetricAlarm` `{alarm['name']}`"
    block = text[text.index(line) :]
    assert block.index("<details><summary>inputs</summary>") < block.index(
        f"+ threshold: {alarm['inputs']['threshold']}"
    )
