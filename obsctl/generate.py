"""Synthetic definition sets for benchmarks: the shipped definitions plus N generated files.

The shipped files are kept so that every stack's overrides still name existing ids; the generated
files are spread over the catalogs the way a large organisation's repository grows: mostly
dashboards, then CloudWatch alarms, Datadog monitors and Prometheus rule files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from infra.catalog.safe_files import write_atomically

PROJECT_DIR = Path(__file__).resolve().parents[1]
SHARES = (("dashboard", 0.55), ("cloudwatch", 0.2), ("datadog", 0.15), ("prometheus", 0.1))


def write_definition_set(root: Path, files: int, *, source: Path = PROJECT_DIR) -> dict[str, int]:
    """Write ``source``'s definition folders plus ``files`` generated files under ``root``."""
    for folder in ("dashboards", "alerts", "cloudwatch-dashboards", "cloudwatch-queries", "metrics"):
        if (source / folder).is_dir():
            shutil.copytree(source / folder, root / folder, dirs_exist_ok=True)
    counts = {kind: int(files * share) for kind, share in SHARES}
    counts["dashboard"] += files - sum(counts.values())
    writers = {
        "dashboard": _dashboard,
        "cloudwatch": _cloudwatch_alarm,
        "datadog": _datadog_monitor,
        "prometheus": _prometheus_rules,
    }
    for kind, count in counts.items():
        for index in range(count):
            path, text = writers[kind](index)
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(target, text)
    return counts


def _dashboard(index: int) -> tuple[str, str]:
    route = f"/v1/resource-{index}"
    panels = [
        {
            "type": "timeseries",
            "title": f"{title} {route}",
            "gridPos": {"x": 12 * column, "y": 0, "w": 12, "h": 8},
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "targets": [{"refId": "A", "expr": expr.format(route=route)}],
        }
        for column, (title, expr) in enumerate(
            [
                (
                    "Requests",
                    'sum(rate(metrics_api_request_duration_seconds_count{{route="{route}"}}[$__rate_interval]))',
                ),
                (
                    "P95 latency",
                    "histogram_quantile(0.95, sum by (le) (rate("
                    'metrics_api_request_duration_seconds_bucket{{route="{route}"}}[$__rate_interval])))',
                ),
            ]
        )
    ]
    model = {
        "uid": f"generated-service-{index}",
        "title": f"Generated service {index}",
        "schemaVersion": 39,
        "panels": panels,
        "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]},
        "time": {"from": "now-6h", "to": "now"},
    }
    return f"dashboards/generated-batch-{index // 500}/service-{index}.json", json.dumps(
        model, indent=2
    ) + "\n"


def _cloudwatch_alarm(index: int) -> tuple[str, str]:
    return (
        f"alerts/cloudwatch/generated-{index}.yaml",
        f"""alarms:
  - id: generated-latency-{index}
    kind: metric
    severity: warning
    description: Generated alarm {index} on the load balancer's response time.
    runbook_url: https://runbooks.example.com/cloudwatch/generated-{index}
    namespace: AWS/ApplicationELB
    metric_name: TargetResponseTime
    dimensions: {{LoadBalancer: "${{resources.loadBalancer}}"}}
    extended_statistic: p95
    period: 60
    evaluation_periods: 5
    datapoints_to_alarm: 3
    threshold: {0.5 + index % 10 / 10}
    comparison_operator: GreaterThanThreshold
    treat_missing_data: notBreaching
""",
    )


def _datadog_monitor(index: int) -> tuple[str, str]:
    return (
        f"alerts/datadog/generated-{index}.yaml",
        f"""generated-latency-{index}:
  name: "[{{{{env}}}}] Generated latency {index}"
  type: metric alert
  query: "avg(last_5m):avg:app.latency.95percentile{{env:{{{{env}}}},route:r{index}}} > 500"
  message: Generated monitor {index}. Runbook https://runbooks.example.com/datadog/generated-{index}
  severity: warning
  options:
    thresholds:
      critical: 500
      warning: 400
""",
    )


def _prometheus_rules(index: int) -> tuple[str, str]:
    return (
        f"alerts/prometheus/generated-{index}.yaml",
        f"""groups:
  - name: generated-{index}
    rules:
      - alert: GeneratedHighLatency{index}
        expr: histogram_quantile(0.95, sum by (le) (rate(metrics_api_request_duration_seconds_bucket{{route="/r{index}"}}[5m]))) > 0.5
        for: 5m
        labels:
          severity: warning
          team: platform
          service: external-metrics
        annotations:
          summary: Generated route {index} is slow.
          description: "P95 latency of /r{index} is {{{{ $value }}}}s."
          runbook_url: https://runbooks.example.com/alerts/GeneratedHighLatency{index}
""",
    )
