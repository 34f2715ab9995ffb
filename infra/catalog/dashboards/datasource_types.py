"""The Grafana datasource types a stack can declare, and how an import suggests declaring one.

Each entry is one of Grafana's built-in datasource plugins (grafana.com/docs/grafana/latest/datasources):
its plugin id (what dashboards save as ``type``), older ids Grafana still accepts for it, the fields
``observability:grafana.datasources`` needs for it, and an example entry ``obsctl import dashboard``
prints when a dashboard uses a type no stack declares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DatasourceType:
    plugin: str
    """Grafana's plugin id, as dashboards save it in ``datasource.type``."""
    title: str
    """Grafana's own name for it, the ``name`` a suggested entry gets."""
    example_url: str | None
    """A typical in-cluster URL; ``None`` for a type that takes none (CloudWatch, TestData)."""
    required: tuple[str, ...] = ()
    """Settings fields (other than ``url``) the type needs, by their stack-file key."""
    example: dict[str, str] = field(default_factory=dict)
    """Example values of :attr:`required` for a suggested entry."""
    aliases: tuple[str, ...] = ()
    """Older plugin ids of the same plugin: dashboards saved before the rename still use them."""
    hints: tuple[str, ...] = ()
    """Lower-case fragments of a datasource name or ``${DS_...}`` placeholder that suggest the type."""


DATASOURCE_TYPES: tuple[DatasourceType, ...] = (
    DatasourceType("prometheus", "Prometheus", "http://prometheus:9090", hints=("prometheus",)),
    DatasourceType("loki", "Loki", "http://loki-gateway", hints=("loki",)),
    DatasourceType("tempo", "Tempo", "http://tempo:3200", hints=("tempo",)),
    DatasourceType("jaeger", "Jaeger", "http://jaeger-query:16686", hints=("jaeger",)),
    DatasourceType("zipkin", "Zipkin", "http://zipkin:9411", hints=("zipkin",)),
    DatasourceType("alertmanager", "Alertmanager", "http://alertmanager:9093", hints=("alertmanager",)),
    DatasourceType(
        "influxdb",
        "InfluxDB",
        "http://influxdb:8086",
        required=("database",),
        example={"database": "telegraf"},
        hints=("influx",),
    ),
    DatasourceType(
        "elasticsearch",
        "Elasticsearch",
        "http://elasticsearch:9200",
        required=("index",),
        example={"index": "logs-*"},
        hints=("elastic",),
    ),
    DatasourceType(
        "grafana-opensearch-datasource",
        "OpenSearch",
        "https://opensearch:9200",
        required=("index",),
        example={"index": "logs-*"},
        hints=("opensearch",),
    ),
    DatasourceType(
        "cloudwatch",
        "CloudWatch",
        None,
        required=("region",),
        example={"region": "us-east-1"},
        hints=("cloudwatch",),
    ),
    DatasourceType(
        "grafana-postgresql-datasource",
        "PostgreSQL",
        "postgres:5432",
        required=("database", "user"),
        example={"database": "postgres", "user": "grafana"},
        aliases=("postgres",),
        hints=("postgres",),
    ),
    DatasourceType(
        "mysql",
        "MySQL",
        "mysql:3306",
        required=("database", "user"),
        example={"database": "mysql", "user": "grafana"},
        hints=("mysql",),
    ),
    DatasourceType("graphite", "Graphite", "http://graphite:8080", hints=("graphite",)),
    DatasourceType(
        "grafana-testdata-datasource", "TestData", None, aliases=("testdata",), hints=("testdata",)
    ),
)

_BY_ID = {alias: t for t in DATASOURCE_TYPES for alias in (t.plugin, *t.aliases)}

SUPPORTED_DATASOURCE_TYPES: tuple[str, ...] = tuple(_BY_ID)
"""Every plugin id a stack can declare, older aliases included."""
URL_LESS_TYPES = frozenset(
    alias for t in DATASOURCE_TYPES if t.example_url is None for alias in (t.plugin, *t.aliases)
)
SQL_TYPES = frozenset({"grafana-postgresql-datasource", "postgres", "mysql"})
SEARCH_TYPES = frozenset({"elasticsearch", "grafana-opensearch-datasource"})


def datasource_type(plugin: str) -> DatasourceType | None:
    return _BY_ID.get(plugin)


def canonical_plugin(plugin: str) -> str:
    """``postgres`` -> ``grafana-postgresql-datasource``: one id per plugin, whatever Grafana saved."""
    known = _BY_ID.get(plugin)
    return known.plugin if known is not None else plugin


def same_plugin(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and canonical_plugin(a) == canonical_plugin(b)


def plugin_hint(name: str) -> str | None:
    """The plugin a datasource name or placeholder suggests: ``DS_LOKI`` -> ``loki``."""
    lowered = name.lower()
    return next((t.plugin for t in DATASOURCE_TYPES for hint in t.hints if hint in lowered), None)


def suggested_uid(plugin: str) -> str:
    """The uid a suggested entry gives a type: ``grafana-postgresql-datasource`` -> ``postgresql``."""
    return canonical_plugin(plugin).removeprefix("grafana-").removesuffix("-datasource")


def suggested_entry(plugin: str, taken_uids: set[str], taken_names: set[str]) -> dict[str, Any] | None:
    """An ``observability:grafana.datasources`` entry declaring ``plugin`` that passes validation,
    with a uid and name no other entry uses; ``None`` for a type a stack cannot declare."""
    known = _BY_ID.get(plugin)
    if known is None:
        return None
    uid = suggested_uid(plugin)
    name = known.title
    suffix = 2
    base_uid, base_name = uid, name
    while uid in taken_uids or name in taken_names:
        uid, name = f"{base_uid}-{suffix}", f"{base_name} {suffix}"
        suffix += 1
    entry: dict[str, Any] = {"name": name, "type": plugin, "uid": uid}
    if known.example_url is not None:
        entry["url"] = known.example_url
    entry.update(known.example)
    return entry
