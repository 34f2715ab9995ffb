"""``observability:grafana``: the datasources and folders one stack declares."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from infra.catalog.dashboards import DeclaredDatasource
from infra.settings.grafana import GrafanaSettings

PROMETHEUS = {
    "name": "Prometheus",
    "type": "prometheus",
    "uid": "prometheus",
    "url": "http://prometheus:9090",
}


def settings(*datasources: dict[str, Any], **extra: Any) -> GrafanaSettings:
    return GrafanaSettings.model_validate(
        {"url": "https://grafana.example.com", "datasources": list(datasources), **extra}
    )


def error_of(*datasources: dict[str, Any], **extra: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        settings(*datasources, **extra)
    return str(caught.value)


def test_stack_yaml_shape_parses_every_supported_type() -> None:
    parsed = settings(
        PROMETHEUS,
        {"name": "Loki", "type": "loki", "uid": "loki", "url": "http://loki-gateway", "isDefault": False},
        {
            "name": "CloudWatch",
            "type": "cloudwatch",
            "uid": "cloudwatch",
            "region": "eu-west-1",
            "assumeRoleArn": "arn:aws:iam::123456789012:role/grafana-cloudwatch",
        },
        {
            "name": "Alertmanager",
            "type": "alertmanager",
            "uid": "alertmanager",
            "url": "http://alertmanager:9093",
            "jsonData": {"implementation": "prometheus"},
        },
        {
            "name": "InfluxDB",
            "type": "influxdb",
            "uid": "influx",
            "url": "http://influx:8086",
            "database": "telegraf",
        },
        {
            "name": "Elasticsearch",
            "type": "elasticsearch",
            "uid": "es",
            "url": "http://es:9200",
            "index": "logs-*",
        },
        {
            "name": "OpenSearch",
            "type": "grafana-opensearch-datasource",
            "uid": "os",
            "url": "https://os:9200",
            "index": "audit",
        },
        orgId=2.0,
        folders={"external-metrics": "External Metrics (prod)"},
    )
    assert parsed.org_id == 2
    assert parsed.default_datasource.uid == "prometheus"
    assert parsed.declared_datasources()[2] == DeclaredDatasource("cloudwatch", "CloudWatch", "cloudwatch")
    by_uid = {d.uid: d for d in parsed.datasources}
    assert by_uid["cloudwatch"].grafana_json_data() == {
        "authType": "default",
        "defaultRegion": "eu-west-1",
        "assumeRoleArn": "arn:aws:iam::123456789012:role/grafana-cloudwatch",
    }
    assert by_uid["influx"].grafana_json_data() == {"dbName": "telegraf"}
    assert by_uid["es"].grafana_json_data() == {"index": "logs-*", "timeField": "@timestamp"}
    assert by_uid["alertmanager"].grafana_json_data() == {"implementation": "prometheus"}


def test_is_default_picks_the_default_datasource() -> None:
    loki = {"name": "Loki", "type": "loki", "uid": "loki", "url": "http://loki", "isDefault": True}
    assert settings(PROMETHEUS, loki).default_datasource.uid == "loki"


def test_duplicate_uid_is_rejected() -> None:
    assert "datasource uid 'prometheus' is declared twice" in error_of(
        PROMETHEUS, {**PROMETHEUS, "name": "Other"}
    )


def test_duplicate_name_is_rejected() -> None:
    assert "datasource name 'Prometheus' is declared twice" in error_of(
        PROMETHEUS, {**PROMETHEUS, "uid": "other"}
    )


def test_two_defaults_are_rejected() -> None:
    message = error_of(
        {**PROMETHEUS, "isDefault": True}, {**PROMETHEUS, "uid": "b", "name": "B", "isDefault": True}
    )
    assert "only one datasource can be the default; isDefault is set on Prometheus, B" in message


def test_unsupported_type_lists_the_supported_ones() -> None:
    message = error_of({**PROMETHEUS, "type": "splunk"})
    assert (
        "unsupported datasource type 'splunk'; supported: prometheus, loki, tempo, jaeger, zipkin, "
        "alertmanager, influxdb" in message
    )


@pytest.mark.parametrize(
    ("datasource", "message"),
    [
        ({**PROMETHEUS, "url": None}, "url is required for type prometheus"),
        ({"name": "CW", "type": "cloudwatch", "uid": "cw"}, "region is required for type cloudwatch"),
        (
            {
                "name": "CW",
                "type": "cloudwatch",
                "uid": "cw",
                "region": "us-east-1",
                "assumeRoleArn": "grafana",
            },
            "assumeRoleArn 'grafana' is not an IAM role ARN",
        ),
        ({**PROMETHEUS, "region": "us-east-1"}, "region applies to cloudwatch only"),
        (
            {"name": "I", "type": "influxdb", "uid": "i", "url": "http://i"},
            "database is required for type influxdb",
        ),
        (
            {"name": "E", "type": "elasticsearch", "uid": "e", "url": "http://e"},
            "index is required for type elasticsearch",
        ),
        ({**PROMETHEUS, "uid": "has spaces"}, "uid 'has spaces' must be 1-40 letters"),
        ({**PROMETHEUS, "uid": "grafana"}, "uid 'grafana' is reserved for Grafana's built-in datasources"),
        ({**PROMETHEUS, "jsonDta": {}}, "jsonDta"),
    ],
)
def test_type_specific_fields_are_validated(datasource: dict[str, Any], message: str) -> None:
    assert message in error_of(datasource)


def test_at_least_one_datasource_is_required() -> None:
    assert "datasources" in error_of()


def test_folder_keys_are_directory_names() -> None:
    assert "folder key 'My Folder' must be a directory name" in error_of(
        PROMETHEUS, folders={"My Folder": "x"}
    )


@pytest.mark.parametrize(
    "entry",
    [
        {"name": "Tempo", "type": "tempo", "uid": "tempo", "url": "http://tempo:3200"},
        {"name": "Jaeger", "type": "jaeger", "uid": "jaeger", "url": "http://jaeger-query:16686"},
        {"name": "Zipkin", "type": "zipkin", "uid": "zipkin", "url": "http://zipkin:9411"},
        {"name": "Graphite", "type": "graphite", "uid": "graphite", "url": "http://graphite:8080"},
        {"name": "TestData", "type": "grafana-testdata-datasource", "uid": "testdata"},
        {"name": "Old TestData", "type": "testdata", "uid": "testdata"},
        {
            "name": "Postgres",
            "type": "grafana-postgresql-datasource",
            "uid": "pg",
            "url": "db:5432",
            "database": "app",
            "user": "grafana",
        },
        {"name": "MySQL", "type": "mysql", "uid": "my", "url": "db:3306", "database": "app", "user": "ro"},
    ],
    ids=lambda e: e["type"],
)
def test_core_grafana_types_are_declarable(entry: dict[str, Any]) -> None:
    (datasource,) = settings(entry).datasources
    if entry.get("database") and entry["type"] != "influxdb":
        assert datasource.grafana_json_data() == {"database": entry["database"]}


def test_sql_types_need_a_database_and_a_user() -> None:
    with pytest.raises(
        ValueError, match="database is required for type mysql; user is required for type mysql"
    ):
        GrafanaSettings.model_validate(
            {
                "url": "https://g",
                "datasources": [{"name": "M", "type": "mysql", "uid": "m", "url": "db:3306"}],
            }
        )
