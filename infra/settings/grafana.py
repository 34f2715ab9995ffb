"""Grafana (``observability:grafana``): where dashboards go and which datasources they query.

Example (``Pulumi.prod.yaml``)::

    observability:grafana:
      url: https://grafana.prod.example.com
      orgId: 1
      datasources:
        - {name: Prometheus, type: prometheus, uid: prometheus, isDefault: true,
           url: "http://kube-prometheus-stack-prometheus.monitoring:9090"}
        - {name: Loki, type: loki, uid: loki, url: "http://loki-gateway.monitoring"}
        - {name: CloudWatch, type: cloudwatch, uid: cloudwatch, region: us-east-1,
           assumeRoleArn: "arn:aws:iam::123456789012:role/grafana-cloudwatch"}
        - {name: Tempo, type: tempo, uid: tempo, url: "http://tempo.monitoring:3200"}
      folders:
        external-metrics: External Metrics (prod)

Types (Grafana plugin ids, :data:`SUPPORTED_DATASOURCE_TYPES`): prometheus, loki, tempo, jaeger,
zipkin, alertmanager, influxdb (``database``), elasticsearch and grafana-opensearch-datasource
(``index``), cloudwatch (``region``, no url), grafana-postgresql-datasource (or ``postgres``) and
mysql (``database``, ``user``; the password is set in Grafana, not here), graphite,
grafana-testdata-datasource (or ``testdata``, no url). ``obsctl import dashboard`` prints the entry
to add for a type a dashboard uses and a stack lacks.

Uids are the contract with dashboards: a dashboard refers to a datasource by uid (or through its
``datasource`` variable), so keep them stable across environments and change only URLs.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator, model_validator

from infra.catalog.dashboards import SUPPORTED_DATASOURCE_TYPES, UID_PATTERN, DeclaredDatasource
from infra.catalog.dashboards.datasource_types import SEARCH_TYPES, SQL_TYPES, URL_LESS_TYPES
from infra.settings.base import SettingsModel, WholeNumber

GRAFANA_AUTH_KEY = "grafanaAuth"
"""The top-level secret config key of the Grafana provider's ``auth`` (a token or user:password)."""
_RESERVED_UIDS = frozenset({"grafana", "-- grafana --", "-- mixed --", "-- dashboard --"})
_IAM_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_FOLDER_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_NEEDS_URL = frozenset(SUPPORTED_DATASOURCE_TYPES) - URL_LESS_TYPES
_DATABASE_TYPES = SQL_TYPES | {"influxdb"}


class DatasourceSettings(SettingsModel):
    """One datasource the stack creates in Grafana."""

    name: str = Field(min_length=1)
    type: str = Field(json_schema_extra={"enum": list(SUPPORTED_DATASOURCE_TYPES)})
    """Grafana plugin id: one of :data:`SUPPORTED_DATASOURCE_TYPES`."""
    uid: str
    url: str | None = None
    is_default: bool = False
    json_data: dict[str, Any] = Field(default_factory=dict)
    """Passed to Grafana as ``jsonData``; wins over the keys derived from the typed fields below."""
    region: str | None = None
    """CloudWatch: default region."""
    assume_role_arn: str | None = None
    """CloudWatch: role Grafana assumes; unset means Grafana's own credentials (IRSA on EKS)."""
    database: str | None = None
    """InfluxDB (InfluxQL), PostgreSQL, MySQL: database name."""
    user: str | None = None
    """PostgreSQL, MySQL: the user Grafana connects as (give it read-only grants)."""
    index: str | None = None
    """Elasticsearch / OpenSearch: index name or pattern."""
    time_field: str = "@timestamp"
    """Elasticsearch / OpenSearch: the documents' time field."""

    @field_validator("type")
    @classmethod
    def _supported_type(cls, value: str) -> str:
        if value not in SUPPORTED_DATASOURCE_TYPES:
            raise ValueError(
                f"unsupported datasource type {value!r}; supported: {', '.join(SUPPORTED_DATASOURCE_TYPES)}"
            )
        return value

    @field_validator("uid")
    @classmethod
    def _valid_uid(cls, value: str) -> str:
        if not UID_PATTERN.match(value):
            raise ValueError(f"uid {value!r} must be 1-40 letters, digits, '-' or '_'")
        if value.casefold() in _RESERVED_UIDS:
            raise ValueError(f"uid {value!r} is reserved for Grafana's built-in datasources")
        return value

    @model_validator(mode="after")
    def _fields_fit_type(self) -> DatasourceSettings:
        problems: list[str] = []
        if self.type in _NEEDS_URL and not self.url:
            problems.append(f"url is required for type {self.type}")
        if self.type == "cloudwatch":
            if not self.region:
                problems.append("region is required for type cloudwatch")
            if self.assume_role_arn and not _IAM_ROLE_ARN.match(self.assume_role_arn):
                problems.append(f"assumeRoleArn {self.assume_role_arn!r} is not an IAM role ARN")
        else:
            problems += [
                f"{key} applies to cloudwatch only"
                for key in ("region", "assume_role_arn")
                if getattr(self, key)
            ]
        if self.type in _DATABASE_TYPES and not self.database:
            problems.append(f"database is required for type {self.type}")
        if self.type not in _DATABASE_TYPES and self.database:
            problems.append(f"database applies to {', '.join(sorted(_DATABASE_TYPES))} only")
        if self.type in SQL_TYPES and not self.user:
            problems.append(f"user is required for type {self.type}")
        if self.type not in SQL_TYPES and self.user:
            problems.append(f"user applies to {', '.join(sorted(SQL_TYPES))} only")
        if self.type in SEARCH_TYPES and not self.index:
            problems.append(f"index is required for type {self.type}")
        if self.type not in SEARCH_TYPES and self.index:
            problems.append("index applies to elasticsearch and grafana-opensearch-datasource only")
        if problems:
            raise ValueError("; ".join(problems).replace("assume_role_arn", "assumeRoleArn"))
        return self

    def declared(self) -> DeclaredDatasource:
        return DeclaredDatasource(uid=self.uid, name=self.name, type=self.type)

    def grafana_json_data(self) -> dict[str, Any]:
        """``jsonData`` for Grafana's datasource API: the typed fields under Grafana's keys, then
        :attr:`json_data` on top."""
        derived: dict[str, Any] = {}
        if self.type == "cloudwatch":
            derived = {"authType": "default", "defaultRegion": self.region}
            if self.assume_role_arn:
                derived["assumeRoleArn"] = self.assume_role_arn
        elif self.type == "influxdb":
            derived = {"dbName": self.database}
        elif self.type in SQL_TYPES:
            derived = {"database": self.database}
        elif self.type in SEARCH_TYPES:
            derived = {"index": self.index, "timeField": self.time_field}
            if self.type == "grafana-opensearch-datasource":
                derived["database"] = self.index
        return {**derived, **self.json_data}


class GrafanaSettings(SettingsModel):
    url: str = Field(min_length=1)
    """Grafana's base URL, as the provider reaches it."""
    org_id: WholeNumber = Field(default=1, ge=1)
    datasources: tuple[DatasourceSettings, ...] = Field(min_length=1)
    folders: dict[str, str] = Field(default_factory=dict)
    """Folder directory name under ``dashboards/`` -> title, when ``External Metrics`` from
    ``external-metrics`` is not the title wanted."""

    @field_validator("folders")
    @classmethod
    def _folder_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for slug, title in value.items():
            if not _FOLDER_SLUG.match(slug):
                raise ValueError(
                    f"folder key {slug!r} must be a directory name under dashboards/ (a-z, 0-9, -)"
                )
            if not title.strip():
                raise ValueError(f"folder {slug!r} has an empty title")
        return value

    @model_validator(mode="after")
    def _datasources_consistent(self) -> GrafanaSettings:
        problems: list[str] = []
        for attribute in ("uid", "name"):
            seen: set[str] = set()
            for datasource in self.datasources:
                value = getattr(datasource, attribute)
                if value in seen:
                    problems.append(f"datasource {attribute} {value!r} is declared twice")
                seen.add(value)
        defaults = [d.name for d in self.datasources if d.is_default]
        if len(defaults) > 1:
            problems.append(
                f"only one datasource can be the default; isDefault is set on {', '.join(defaults)}"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def default_datasource(self) -> DatasourceSettings:
        """The one marked ``isDefault``, else the first declared."""
        return next((d for d in self.datasources if d.is_default), self.datasources[0])

    def declared_datasources(self) -> list[DeclaredDatasource]:
        return [d.declared() for d in self.datasources]
