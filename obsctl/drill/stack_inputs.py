"""What a drill takes from a stack: exactly what its plan registers.

The stack's real program runs offline (as ``obsctl plan`` does) with drill values for every secret
it needs. From the recorded resources come the rule groups of each ``PrometheusRule`` (after the
stack's overrides), the Alertmanager configuration rendered into its Secret, and the scrape and
evaluation intervals of the kube-prometheus-stack release.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from infra.catalog.prometheus import ORIGIN_LABEL
from infra.config import NAMESPACE, Settings, load_settings, required_secrets
from infra.errors import DefinitionError, Problem
from infra.kubernetes.catalog import load_monitoring_definitions
from infra.secret_shapes import URL, secret_uses, stand_in_secrets
from obsctl.plan import Plan, Secret
from obsctl.runner import plan_stack
from obsctl.stackfile import read_stack_file

PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
SECRET = "kubernetes:core/v1:Secret"
RELEASE = "kubernetes:helm.sh/v3:Release"
ALERTMANAGER_SECRET_KEY = "alertmanager.yaml"
DEFAULT_INTERVAL = "30s"
"""The Prometheus Operator's scrape and evaluation interval when the chart's values set none."""


class NothingToDrill(DefinitionError):
    """The stack deploys no Prometheus rules or Alertmanager."""


@dataclass(frozen=True)
class AlertRule:
    name: str
    severity: str | None
    for_: str | None
    expr: str
    labels: dict[str, str]
    annotations: dict[str, str]
    source: str
    """The PrometheusRule object and group it comes from."""

    @property
    def key(self) -> tuple[str, str | None]:
        return self.name, self.severity

    def __str__(self) -> str:
        return f"{self.name} ({self.severity})" if self.severity else self.name


@dataclass(frozen=True)
class StackDrillInputs:
    stack: str
    rule_files: dict[str, list[dict[str, Any]]]
    """PrometheusRule name -> its spec.groups, as planned."""
    alertmanager: dict[str, Any]
    scrape_interval: str
    evaluation_interval: str
    secret_names: dict[str, str]
    """Drill value -> the secret config key it stands for, to name the secret a request carried."""
    vendored_alerts: int = 0
    """Alerts of vendored rule files, left out of the drill (see ``ORIGIN_LABEL``)."""

    @cached_property
    def alerts(self) -> list[AlertRule]:
        found = []
        for object_name, groups in self.rule_files.items():
            for group in groups:
                for rule in group.get("rules") or []:
                    if "alert" not in rule:
                        continue
                    labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
                    found.append(
                        AlertRule(
                            name=str(rule["alert"]),
                            severity=labels.get("severity"),
                            for_=rule.get("for"),
                            expr=str(rule["expr"]),
                            labels=labels,
                            annotations={str(k): str(v) for k, v in (rule.get("annotations") or {}).items()},
                            source=f"PrometheusRule {object_name}, group {group.get('name')}",
                        )
                    )
        return found


def _drill_marker(key: str) -> str:
    """32 hex digits that stand for one secret key, so a captured request names the key it carried."""
    return hashlib.sha256(f"obsctl-drill:{key}".encode()).hexdigest()[:32]


def _drill_url(key: str) -> str:
    return f"http://127.0.0.1:9/drill-secret/{key}"


def stack_settings(project_dir: Path, stack: str) -> Settings:
    return load_settings(read_stack_file(project_dir, stack).raw)


def drill_secrets(settings: Settings, root: Path) -> dict[str, str]:
    """Secret config key -> drill value, for every secret the stack needs, each of the shape its
    consumers check (the program refuses any other); Alertmanager URLs point at 127.0.0.1."""
    monitoring = load_monitoring_definitions(settings, root)
    alertmanager = monitoring.alertmanager if monitoring is not None else None
    url_keys = {use.key for use in secret_uses(settings, alertmanager) if use.shape is URL}
    shaped = stand_in_secrets(settings, alertmanager, _drill_marker)
    return {
        spec.key: _drill_url(spec.key) if spec.key in url_keys else shaped[spec.key]
        for spec in required_secrets(settings)
    }


def stack_inputs(
    project_dir: Path, stack: str, definitions_dir: Path | None = None, settings: Settings | None = None
) -> StackDrillInputs:
    """``settings``, when the caller has them already, spare reading the stack file again."""
    root = (definitions_dir or project_dir).resolve()
    secrets = drill_secrets(settings or stack_settings(project_dir, stack), root)
    plan = plan_stack(
        project_dir,
        stack,
        definitions_dir=definitions_dir,
        secrets={f"{NAMESPACE}{key}": value for key, value in secrets.items()},
    )
    return inputs_from_plan(plan, {value: key for key, value in secrets.items()})


def _reveal(value: Any) -> Any:
    return _reveal(value.value) if isinstance(value, Secret) else value


def inputs_from_plan(plan: Plan, secret_names: dict[str, str]) -> StackDrillInputs:
    source = f"Pulumi.{plan.stack}.yaml"
    rule_files: dict[str, list[dict[str, Any]]] = {}
    alertmanager_text: str | None = None
    values: dict[str, Any] = {}
    vendored_alerts = 0
    for resource in plan.resources:
        inputs = _reveal(resource.inputs)
        if resource.type == PROMETHEUS_RULE:
            metadata = _reveal(inputs["metadata"])
            groups = list(_reveal(_reveal(inputs["spec"])["groups"]))
            if (_reveal(metadata.get("labels")) or {}).get(ORIGIN_LABEL) == "vendored":
                # Upstream's rules, tested upstream: with no data their absent()/up==0 alerts would
                # fire in every scenario. The plan proves each reaches a receiver.
                vendored_alerts += sum(1 for g in groups for r in g.get("rules") or [] if "alert" in r)
                continue
            rule_files[str(metadata["name"])] = groups
        elif resource.type == SECRET:
            data = _reveal(inputs.get("stringData")) or {}
            if isinstance(data, dict) and ALERTMANAGER_SECRET_KEY in data:
                alertmanager_text = str(_reveal(data[ALERTMANAGER_SECRET_KEY]))
        elif resource.type == RELEASE and _reveal(inputs.get("name")) == "kube-prometheus-stack":
            values = _reveal(inputs.get("values")) or {}
    if not rule_files or alertmanager_text is None:
        raise NothingToDrill(
            Problem(
                source,
                f"{NAMESPACE}monitoringCluster",
                "the stack deploys no Prometheus rules or Alertmanager: there is nothing to drill",
            )
        )
    spec = ((values.get("prometheus") or {}).get("prometheusSpec")) or {}
    return StackDrillInputs(
        stack=plan.stack,
        rule_files=rule_files,
        alertmanager=yaml.safe_load(alertmanager_text) or {},
        scrape_interval=str(spec.get("scrapeInterval") or DEFAULT_INTERVAL),
        evaluation_interval=str(spec.get("evaluationInterval") or DEFAULT_INTERVAL),
        secret_names=secret_names,
        vendored_alerts=vendored_alerts,
    )
