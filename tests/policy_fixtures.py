"""Stacks for policy tests: a recorded plan, copied, with resources added or changed.

The shipped stacks are planned once per session; every case here copies one and mutates the
copy. Resource types other helpers are still adding to the stacks (alarms, Helm releases,
PrometheusRules, dashboards, monitors, IRSA roles, datasources) are added as realistic resources
wired to the recorded ones (an alarm notifies the recorded critical topic), so that each policy has a
passing baseline and a failing case today, whatever has landed.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from obsctl.plan import Plan, PlannedResource, Secret
from obsctl.policy import PolicyReport, Violation, run_policies

PREFIX = "policy-fixture"
PROMETHEUS_RELEASE = f"{PREFIX}-kube-prometheus-stack"
"""Added only while the stack has no kube-prometheus-stack release of its own."""
GRAFANA_RELEASE = f"{PREFIX}-grafana"
ALERTMANAGER_RELEASE = f"{PREFIX}-alertmanager"
RULE = f"{PREFIX}-api-rules"
ALARM = f"{PREFIX}-api-5xx"
MONITOR = f"{PREFIX}-api-latency"
DASHBOARD = f"{PREFIX}-api-overview"
IRSA_ROLE = f"{PREFIX}-loki-irsa"
DATASOURCE = f"{PREFIX}-loki"
ALARM_TOPIC = "alarm-routing-critical"
OIDC = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"


def resource(
    plan: Plan,
    type_: str,
    name: str,
    inputs: dict[str, Any],
    *,
    property_dependencies: dict[str, list[str]] | None = None,
    depends_on: list[str] | None = None,
    protect: bool = False,
) -> PlannedResource:
    deps = property_dependencies or {}
    return PlannedResource(
        urn=f"urn:pulumi:{plan.stack}::{plan.project}::{type_}::{name}",
        type=type_,
        name=name,
        parent=None,
        parent_urn=None,
        custom=True,
        inputs=inputs,
        protect=protect,
        depends_on=sorted({*(depends_on or []), *(n for names in deps.values() for n in names)}),
        property_dependencies=deps,
    )


def with_fixtures(recorded: Plan) -> Plan:
    """A copy of ``recorded`` plus one clean resource of each type the policies look at."""
    plan = copy.deepcopy(recorded)
    env = plan.stack
    runbook = "https://runbooks.example.com/alerts"
    if not prometheus_releases(plan):
        plan.resources.append(
            resource(
                plan,
                "kubernetes:helm.sh/v3:Release",
                PROMETHEUS_RELEASE,
                {
                    "name": "kube-prometheus-stack",
                    "chart": "kube-prometheus-stack",
                    "version": "88.5.3",
                    "namespace": "monitoring",
                    "values": {"prometheus": {"prometheusSpec": {"retention": "15d"}}},
                },
            )
        )
    (kps,) = prometheus_releases(plan)
    plan.resources += [
        resource(
            plan,
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            ALARM,
            {
                "name": f"api-5xx-{env}",
                "namespace": "AWS/ApplicationELB",
                "metricName": "HTTPCode_Target_5XX_Count",
                "statistic": "Sum",
                "comparisonOperator": "GreaterThanThreshold",
                "threshold": 5,
                "period": 60,
                "evaluationPeriods": 5,
                "alarmActions": [f"${{{ALARM_TOPIC}.arn}}"],
                "okActions": [f"${{{ALARM_TOPIC}.arn}}"],
                "alarmDescription": f"API returns 5xx. Runbook: {runbook}/api-5xx",
                "tags": {"severity": "critical", "environment": env},
            },
            property_dependencies={"alarmActions": [ALARM_TOPIC], "okActions": [ALARM_TOPIC]},
        ),
        # Someone hears the fixture alarm in every stack (staging routes nothing to this topic).
        resource(
            plan,
            "aws:sns/topicSubscription:TopicSubscription",
            f"{PREFIX}-oncall",
            {"topic": f"${{{ALARM_TOPIC}.arn}}", "protocol": "email", "endpoint": "oncall@example.com"},
            property_dependencies={"topic": [ALARM_TOPIC]},
        ),
        resource(
            plan,
            "kubernetes:helm.sh/v3:Release",
            GRAFANA_RELEASE,
            {
                "name": "grafana",
                "chart": "grafana",
                "version": "8.5.0",
                "namespace": "monitoring",
                "repositoryOpts": {"repo": "https://grafana.github.io/helm-charts"},
                "values": {
                    "admin": {
                        "existingSecret": "grafana-admin",
                        "userKey": "admin-user",
                        "passwordKey": "admin-password",
                    },
                    "envFromSecret": "grafana-env",
                    "env": {"GF_SERVER_ROOT_URL": "https://grafana.example.com"},
                    "extraEnv": [
                        {"name": "GF_SECURITY_ADMIN_PASSWORD", "value": "$__file{/etc/secrets/admin}"}
                    ],
                },
            },
        ),
        resource(
            plan,
            "kubernetes:helm.sh/v3:Release",
            ALERTMANAGER_RELEASE,
            {
                "name": "alertmanager",
                "chart": "alertmanager",
                "version": "1.26.0",
                "namespace": "monitoring",
                "values": {
                    "config": {
                        "receivers": [
                            {
                                "name": "slack",
                                "slack_configs": [
                                    {"api_url": Secret("https://hooks.slack.com/services/T0/B0/abcdefgh")}
                                ],
                            }
                        ]
                    }
                },
            },
        ),
        resource(
            plan,
            "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
            RULE,
            {
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "PrometheusRule",
                "metadata": {
                    "name": "api",
                    "namespace": "monitoring",
                    "labels": {"release": kps.inputs["name"], "app": "api"},
                },
                "spec": {
                    "groups": [
                        {
                            "name": "api",
                            "rules": [
                                {"record": "job:http_requests:rate5m", "expr": "sum by (job) (rate(x[5m]))"},
                                {
                                    "alert": "ApiHighErrorRate",
                                    "expr": "job:http_errors:ratio5m > 0.05",
                                    "for": "10m",
                                    "labels": {"severity": "critical"},
                                    "annotations": {
                                        "summary": "API error rate above 5%",
                                        "runbook_url": f"{runbook}/ApiHighErrorRate",
                                    },
                                },
                            ],
                        }
                    ]
                },
            },
            depends_on=[kps.name],
        ),
        resource(
            plan,
            "datadog:index/monitor:Monitor",
            MONITOR,
            {
                "name": "API p99 latency",
                "type": "query alert",
                "query": "avg(last_5m):p99:trace.http.request{service:api} > 2",
                "message": f"p99 latency above 2s. Runbook: {runbook}/api-latency @pagerduty-platform",
                "tags": [f"env:{env}", "service:api", "severity:warning"],
                "priority": "3",
            },
        ),
        resource(
            plan,
            "grafana:oss/dashboard:Dashboard",
            DASHBOARD,
            {
                "configJson": json.dumps(
                    {"uid": "api-overview", "title": "API overview", "panels": [], "schemaVersion": 39}
                ),
                "overwrite": True,
            },
        ),
        resource(
            plan,
            "aws:iam/role:Role",
            IRSA_ROLE,
            {
                "name": f"loki-{env}",
                "assumeRolePolicy": json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {
                                    "Federated": f"arn:aws:iam::${{aws.accountId}}:oidc-provider/{OIDC}"
                                },
                                "Action": "sts:AssumeRoleWithWebIdentity",
                                "Condition": {
                                    "StringEquals": {
                                        f"{OIDC}:sub": "system:serviceaccount:monitoring:loki",
                                        f"{OIDC}:aud": "sts.amazonaws.com",
                                    }
                                },
                            }
                        ],
                    }
                ),
            },
        ),
        resource(
            plan,
            "grafana:oss/dataSource:DataSource",
            DATASOURCE,
            {
                "name": "Loki",
                "type": "loki",
                "url": "http://loki-gateway.monitoring.svc",
                "basicAuthEnabled": True,
                "basicAuthUsername": "grafana",
                "jsonDataEncoded": json.dumps({"maxLines": 1000, "httpHeaderName1": "X-Scope-OrgID"}),
                "secureJsonDataEncoded": Secret(json.dumps({"basicAuthPassword": "pa55-w0rd-xyz"})),
            },
        ),
    ]
    return plan


def prometheus_releases(plan: Plan) -> list[PlannedResource]:
    return [
        r
        for r in plan.by_type("kubernetes:helm.sh/v3:Release")
        if r.inputs.get("chart") == "kube-prometheus-stack"
    ]


def get(plan: Plan, name: str) -> PlannedResource:
    matches = [r for r in plan.resources if r.name == name]
    assert len(matches) == 1, f"expected one resource named {name}, found {len(matches)}"
    return matches[0]


def mutate(base: Plan, change: Callable[[Plan], object]) -> Plan:
    plan = copy.deepcopy(base)
    change(plan)
    return plan


def check(plan: Plan, stack_config: dict[str, Any] | None = None) -> PolicyReport:
    return run_policies(plan, stack_config)


def edit_json(resource: PlannedResource, key: str, change: Callable[[Any], object]) -> None:
    """Change a JSON document held in a string input (a policy, a dashboard) in place."""
    document = json.loads(resource.inputs[key])
    change(document)
    resource.inputs[key] = json.dumps(document)


_FIXTURE_PLANS: dict[int, tuple[Plan, Plan]] = {}


def fixture_plan(recorded: Plan) -> Plan:
    """``with_fixtures(recorded)``, built once per session plan (kept alive here, so ids stay unique)."""
    if id(recorded) not in _FIXTURE_PLANS:
        _FIXTURE_PLANS[id(recorded)] = (recorded, with_fixtures(recorded))
    return _FIXTURE_PLANS[id(recorded)][1]


def first(plan: Plan, type_: str) -> Any:
    found = plan.by_type(type_)
    assert found, f"the {plan.stack} plan has no {type_}"
    return found[0]


_BASELINES: dict[int, tuple[Plan, set[tuple[str, str, str]]]] = {}
"""The violations of each session-scoped base plan (kept alive here, so ids stay unique)."""


def new_violations(base: Plan, change: Callable[[Plan], object]) -> list[Violation]:
    """What breaking ``base`` with ``change`` adds to the violations ``base`` already has.

    The shipped stacks' own state is tested on its own (test_shipped_stacks_have_no_violations), so
    that a finding in what another change adds does not hide whether these cases bite.
    """
    if id(base) not in _BASELINES:
        _BASELINES[id(base)] = (base, {(v.policy, v.urn, v.detail) for v in check(base).violations})
    before = _BASELINES[id(base)][1]
    return [v for v in check(mutate(base, change)).violations if (v.policy, v.urn, v.detail) not in before]


def assert_only(base: Plan, change: Callable[[Plan], object], policy: str, *expected: str) -> str:
    """Breaking ``base`` with ``change`` violates ``policy``, mandatorily, and nothing else."""
    added = new_violations(base, change)
    details = "\n".join(f"[{v.level}] {v.policy}: {v.resource}: {v.detail}" for v in added)
    assert {v.policy for v in added} == {policy}, details
    assert all(v.level == "mandatory" for v in added), details
    for text in expected:
        assert text in details, details
    return details


def assert_clean(base: Plan, change: Callable[[Plan], object]) -> None:
    added = new_violations(base, change)
    assert added == [], "\n".join(f"{v.policy}: {v.resource}: {v.detail}" for v in added)


def key_of(plan: Plan, topic: str) -> Any:
    return get(plan, get(plan, topic).property_dependencies["kmsMasterKeyId"][0])
