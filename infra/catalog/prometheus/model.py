"""The upstream rule-file format (Prometheus ``rulefmt``) as frozen models.

Field names and their meaning follow Prometheus' own rule-file reference, so a file that validates
here also loads in Prometheus and in a ``PrometheusRule`` resource. Unknown keys are rejected, as
Prometheus rejects them.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DURATION = re.compile(r"^(0|(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?)$")
"""Prometheus' duration syntax (``model.ParseDuration``): units required, largest first."""

SEVERITIES = ("critical", "warning", "info")
"""The severities Alertmanager routes on (``alerts/alertmanager.yaml``)."""
HEARTBEAT = "heartbeat"
"""The severity of an alert that always fires (``vector(1)``): Alertmanager sends it to a heartbeat
service, which pages when the pings stop, i.e. when Prometheus, Alertmanager or the path between
them is dead (a dead man's switch)."""


def _as_string_map(value: Any) -> Any:
    """``labels:`` / ``annotations:`` as Prometheus' yaml.v3 reads them: empty (``null``) is no map, a
    ``null`` value the empty string, a boolean its text (``page: true``). Anything else is left to
    validation, which names the key."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return {
            key: "" if item is None else str(item).lower() if isinstance(item, bool) else item
            for key, item in value.items()
        }
    return value


def _none_as_empty(value: Any) -> Any:
    """``rules:`` or ``groups:`` left empty (``null``): no rules, as Prometheus reads it."""
    return () if value is None else value


def check_duration(value: str | None) -> str | None:
    if value is not None and (not value or not DURATION.match(value)):
        raise ValueError(f"{value!r} is not a Prometheus duration (e.g. 30s, 5m, 1h30m)")
    return value


class _UpstreamModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, coerce_numbers_to_str=True)


class Rule(_UpstreamModel):
    """One alerting (``alert``) or recording (``record``) rule."""

    alert: str | None = None
    record: str | None = None
    expr: str
    for_: str | None = Field(default=None, alias="for")
    keep_firing_for: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)

    @field_validator("for_", "keep_firing_for")
    @classmethod
    def _is_duration(cls, value: str | None) -> str | None:
        return check_duration(value)

    _maps = field_validator("labels", "annotations", mode="before")(_as_string_map)

    @model_validator(mode="after")
    def _alert_or_record(self) -> Rule:
        if (self.alert is None) == (self.record is None):
            raise ValueError("a rule sets exactly one of alert or record")
        if self.record is not None and (self.for_ or self.keep_firing_for or self.annotations):
            raise ValueError("a recording rule takes no for, keep_firing_for or annotations")
        return self

    @property
    def name(self) -> str:
        return self.alert or self.record or ""

    @property
    def is_alert(self) -> bool:
        return self.alert is not None

    def to_upstream(self) -> dict[str, Any]:
        """The rule as Prometheus reads it: upstream key order, no empty optional keys."""
        return self.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)


class RuleGroup(_UpstreamModel):
    name: str = Field(min_length=1)
    interval: str | None = None
    query_offset: str | None = None
    limit: int | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    rules: tuple[Rule, ...] = ()

    @field_validator("interval", "query_offset")
    @classmethod
    def _is_duration(cls, value: str | None) -> str | None:
        return check_duration(value)

    _labels = field_validator("labels", mode="before")(_as_string_map)
    _rules = field_validator("rules", mode="before")(_none_as_empty)

    def to_upstream(self) -> dict[str, Any]:
        head = self.model_dump(exclude_none=True, exclude_defaults=True, exclude={"rules"})
        return {"name": self.name, **head, "rules": [rule.to_upstream() for rule in self.rules]}


class RuleGroups(_UpstreamModel):
    """The body of a rule file, and of a ``PrometheusRule``'s ``spec``."""

    groups: tuple[RuleGroup, ...]

    _groups = field_validator("groups", mode="before")(_none_as_empty)
