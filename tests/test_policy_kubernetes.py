"""Each Kubernetes and alert-content policy bites: Helm, PrometheusRules, plaintext secrets, alerts,
monitors and dashboards, on a copy of a stack with one thing broken."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from obsctl.plan import Plan, Secret
from obsctl.policy import render_policy_report
from tests.conftest import SENTINEL
from tests.policy_fixtures import (
    ALARM,
    ALERTMANAGER_RELEASE,
    DASHBOARD,
    DATASOURCE,
    GRAFANA_RELEASE,
    MONITOR,
    RULE,
    assert_clean,
    assert_only,
    check,
    edit_json,
    get,
    mutate,
    prometheus_releases,
)

# -- Kubernetes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "problem"), [(None, "has no version"), ("^88.5", "version '^88.5' is a range")]
)
def test_helm_release_without_pinned_version(prod_fixture: Plan, version: str | None, problem: str) -> None:
    def unpin(plan: Plan) -> None:
        release = get(plan, GRAFANA_RELEASE)
        if version is None:
            release.inputs.pop("version")
        else:
            release.inputs["version"] = version

    assert_only(
        prod_fixture, unpin, "helm-chart-version-pinned", f"{GRAFANA_RELEASE}: chart grafana {problem}"
    )


def _prometheus(plan: Plan) -> Any:
    (release,) = prometheus_releases(plan)
    return release


def test_prometheus_rule_without_selector_label(prod_fixture: Plan) -> None:
    assert_only(
        prod_fixture,
        lambda p: get(p, RULE).inputs["metadata"]["labels"].pop("release"),
        "prometheus-rule-selected",
        f"{RULE}: Prometheus ignores it: it lacks the label release: {_prometheus(prod_fixture).inputs['name']}",
    )


def test_rule_selector_follows_the_release_values(prod_fixture: Plan) -> None:
    def custom_selector(plan: Plan) -> None:
        spec = (
            _prometheus(plan).inputs["values"].setdefault("prometheus", {}).setdefault("prometheusSpec", {})
        )
        spec["ruleSelector"] = {"matchLabels": {"prometheus": "platform"}}

    assert_only(prod_fixture, custom_selector, "prometheus-rule-selected", "prometheus: platform")

    def select_all(plan: Plan) -> None:
        spec = (
            _prometheus(plan).inputs["values"].setdefault("prometheus", {}).setdefault("prometheusSpec", {})
        )
        spec.pop("ruleSelector", None)
        spec["ruleSelectorNilUsesHelmValues"] = False
        get(plan, RULE).inputs["metadata"]["labels"] = {}

    assert_clean(prod_fixture, select_all)


def test_prometheus_rule_not_depending_on_the_release(prod_fixture: Plan) -> None:
    assert_only(
        prod_fixture,
        lambda p: get(p, RULE).depends_on.clear(),
        "prometheus-rule-after-release",
        f"does not depend on {_prometheus(prod_fixture).name}",
    )


# -- plaintext secrets ----------------------------------------------------------------------------


def _values(plan: Plan, release: str = GRAFANA_RELEASE) -> dict[str, Any]:
    return get(plan, release).inputs["values"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("release", "change", "path"),
    [
        (
            GRAFANA_RELEASE,
            lambda v: v["admin"].update(password="hunter2-but-longer"),
            "values.admin.password",
        ),
        (
            ALERTMANAGER_RELEASE,
            lambda v: v["config"]["receivers"][0]["slack_configs"][0].update(api_url="https://example.com/x"),
            "values.config.receivers[0].slack_configs[0].api_url",
        ),
        (
            GRAFANA_RELEASE,
            lambda v: v["extraEnv"].append(
                {"name": "GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET", "value": "abc123"}
            ),
            "values.extraEnv[1].value",
        ),
        (
            GRAFANA_RELEASE,
            lambda v: v.update(
                datasources={
                    "datasources.yaml": {"datasources": [{"secureJsonData": {"httpHeaderValue1": "x"}}]}
                }
            ),
            "values.datasources.datasources.yaml.datasources[0].secureJsonData.httpHeaderValue1",
        ),
    ],
)
def test_plaintext_credential_in_helm_values(
    prod_fixture: Plan, release: str, change: Callable[[Any], object], path: str
) -> None:
    details = assert_only(prod_fixture, lambda p: change(_values(p, release)), "no-plaintext-secrets", path)
    assert "looks like a credential and is not a secret" in details


def test_secret_value_copied_into_values_under_an_innocent_key(prod_fixture: Plan) -> None:
    """Secretness, not names: the recorded secret endpoint, pasted as plaintext, is caught."""
    subscription = next(
        r for r in prod_fixture.by_type("aws:sns/topicSubscription:TopicSubscription") if r.secret_paths()
    )
    assert isinstance(subscription.inputs["endpoint"], Secret)
    assert SENTINEL in str(subscription.inputs["endpoint"].value)

    def paste(plan: Plan) -> None:
        _values(plan, ALERTMANAGER_RELEASE)["config"]["receivers"].append(
            {
                "name": "pagerduty",
                "webhook_configs": [{"send_resolved": True, "http_config": {"x": SENTINEL}}],
            }
        )

    details = assert_only(
        prod_fixture, paste, "no-plaintext-secrets", "the value of a secret input of this stack"
    )
    assert SENTINEL not in details
    assert SENTINEL not in render_policy_report(check(mutate(prod_fixture, paste)))


def test_credential_shapes_and_references(prod_fixture: Plan) -> None:
    assert_only(
        prod_fixture,
        lambda p: _values(p).update(storage={"endpoint": "https://admin:s3cr3t@minio.internal"}),
        "no-plaintext-secrets",
        "holds a URL with a password in plaintext",
    )

    def references(plan: Plan) -> None:
        _values(plan)["loki"] = {
            "existingSecretForConfig": "loki-config",
            "storage": {"s3": {"secretAccessKey": "${S3_SECRET_KEY}", "accessKeyIdFile": "/var/run/key"}},
            "extraEnv": [
                {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "tok", "key": "token"}}}
            ],
        }

    assert_clean(prod_fixture, references)


def test_datasource_secure_settings_in_plaintext(prod_fixture: Plan) -> None:
    def plaintext(plan: Plan) -> None:
        datasource = get(plan, DATASOURCE)
        datasource.inputs["secureJsonDataEncoded"] = datasource.inputs["secureJsonDataEncoded"].value

    assert_only(
        prod_fixture,
        plaintext,
        "no-plaintext-secrets",
        f"{DATASOURCE}: secureJsonDataEncoded.basicAuthPassword",
    )
    assert_only(
        prod_fixture,
        lambda p: get(p, DATASOURCE).inputs.update(httpHeaders={"Authorization": "Bearer abcdef0123"}),
        "no-plaintext-secrets",
        "httpHeaders.Authorization",
    )


# -- alert content --------------------------------------------------------------------------------


def test_prometheus_alert_without_severity_or_runbook(prod_fixture: Plan) -> None:
    def strip(plan: Plan) -> None:
        rule = get(plan, RULE).inputs["spec"]["groups"][0]["rules"][1]
        rule["labels"].pop("severity")
        rule["annotations"].pop("runbook_url")

    assert_only(
        prod_fixture,
        strip,
        "alert-severity-and-runbook",
        "spec[0].rules[1] (ApiHighErrorRate): no labels.severity",
        "spec[0].rules[1] (ApiHighErrorRate): no annotations.runbook_url",
    )


def test_chart_values_rules_are_checked_too(prod_fixture: Plan) -> None:
    def add(plan: Plan) -> None:
        _prometheus(plan).inputs["values"]["additionalPrometheusRulesMap"] = {
            "extra": {"groups": [{"name": "x", "rules": [{"alert": "X", "expr": "up == 0"}]}]}
        }

    assert_only(prod_fixture, add, "alert-severity-and-runbook", "values.additionalPrometheusRulesMap.extra")


def test_cloudwatch_alarm_without_severity_or_runbook(prod_fixture: Plan) -> None:
    def strip(plan: Plan) -> None:
        alarm = get(plan, ALARM)
        alarm.inputs["tags"].pop("severity")
        alarm.inputs["alarmDescription"] = "API returns 5xx"

    assert_only(prod_fixture, strip, "alert-severity-and-runbook", "no severity tag", "no runbook URL")


def test_datadog_monitor_content_and_routing(prod_fixture: Plan) -> None:
    def no_severity(plan: Plan) -> None:
        monitor = get(plan, MONITOR)
        monitor.inputs["tags"] = [t for t in monitor.inputs["tags"] if not t.startswith("severity:")]
        monitor.inputs.pop("priority")

    assert_only(prod_fixture, no_severity, "alert-severity-and-runbook", "neither a severity:<level> tag")

    def no_env(plan: Plan) -> None:
        monitor = get(plan, MONITOR)
        monitor.inputs["tags"] = [t for t in monitor.inputs["tags"] if not t.startswith("env:")]

    assert_only(prod_fixture, no_env, "datadog-monitor-routing", "no env:<value> tag")
    assert_only(
        prod_fixture,
        lambda p: get(p, MONITOR).inputs.update(
            message="p99 above 2s. Runbook: https://runbooks.example.com/x"
        ),
        "alerts-reach-someone",
        "names no @handle",
    )


def test_dashboard_without_uid_or_with_export_placeholder(prod_fixture: Plan) -> None:
    assert_only(
        prod_fixture,
        lambda p: edit_json(get(p, DASHBOARD), "configJson", lambda d: d.pop("uid")),
        "grafana-dashboard-portable",
        "configJson has no uid",
    )
    assert_only(
        prod_fixture,
        lambda p: edit_json(
            get(p, DASHBOARD), "configJson", lambda d: d.update(panels=[{"datasource": "${DS_PROMETHEUS}"}])
        ),
        "grafana-dashboard-portable",
        "${DS_PROMETHEUS}",
    )
