"""Drill scenarios (``drills/*.yaml``): a mock incident, the series that describe it, and what must
happen in the real Prometheus and Alertmanager when it does.

A file holds ``scenarios:`` and may hold the ``baseline:``: the healthy system every scenario
starts from. A scenario replaces baseline series with the same metric and labels, removes some
(``remove``), takes scrape targets down (``targets``), and states its expectations.

Time in a scenario is the incident's own time (``at: 3m``); the drill compresses it by one factor
(see ``drills/README.md``).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from infra.catalog.prometheus.model import DURATION

METRIC_NAME = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"
LABEL_NAME = r"^[a-zA-Z_][a-zA-Z0-9_]*$"
SCENARIO_NAME = r"^[a-z0-9][a-z0-9-]*$"
RELATIVE_TIME = re.compile(r"^now(?P<sign>[+-])(?P<duration>.+)$")
INTEGRATIONS = (
    "email",
    "pagerduty",
    "slack",
    "webhook",
    "opsgenie",
    "victorops",
    "pushover",
    "wechat",
    "telegram",
    "sns",
    "webex",
    "discord",
    "msteams",
    "msteamsv2",
    "jira",
    "rocketchat",
    "incidentio",
    "mattermost",
)
"""Alertmanager's integrations, named as its configuration names them (``<name>_configs``)."""

_UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}


def seconds(duration: str) -> float:
    """A Prometheus duration (``1h30m``, ``250ms``) in seconds."""
    if not duration or not DURATION.match(duration):
        raise ValueError(f"{duration!r} is not a Prometheus duration (e.g. 30s, 5m, 1h30m)")
    return sum(float(n) * _UNITS[unit] for n, unit in re.findall(r"(\d+)(ms|[ywdhms])", duration))


def _duration(value: str) -> str:
    seconds(value)
    return value


Duration = Annotated[str, Field(description="A Prometheus duration, e.g. 30s, 5m, 1h30m")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


Value = float | int | str
"""A number, or a time relative to now (``now+5d``, ``now-1h``), for timestamps like a
certificate's expiry."""


class Step(_Model):
    """From ``at`` on, the series has ``value``; ``null`` removes the series.

    ``at`` is incident time after the drill starts (``3m``, compressed by the drill's factor) or real
    time before it (``-5m``: the history every range window looks back on, written into Prometheus'
    storage before it starts).
    """

    at: Annotated[str, Field(description="a Prometheus duration, negative for history (-1h)")]
    value: Value | None

    @field_validator("at")
    @classmethod
    def _at(cls, value: str) -> str:
        return "-" + _duration(value[1:]) if value.startswith("-") else _duration(value)

    @property
    def start(self) -> float:
        """Seconds relative to the drill's start: negative for history."""
        return -seconds(self.at[1:]) if self.at.startswith("-") else seconds(self.at)

    @field_validator("value")
    @classmethod
    def _value(cls, value: Value | None) -> Value | None:
        return _check_value(value)


def _check_value(value: Value | None) -> Value | None:
    if isinstance(value, str):
        match = RELATIVE_TIME.match(value)
        if match is None:
            raise ValueError(f"{value!r} is neither a number nor a time like now+14d or now-1h")
        seconds(match["duration"])
    return value


class Histogram(_Model):
    """Observations of one size at a steady rate: served as ``_bucket``, ``_sum`` and ``_count``."""

    buckets: list[float] = Field(min_length=1, description="upper bounds (le), +Inf is added")
    observe: float = Field(description="the size of every observation, in the metric's unit")
    rate: float | list[Step] = Field(description="observations per second")


class Series(_Model):
    """One series the lab's scrape target serves.

    Exactly one of ``value`` (a gauge), ``rate`` (a counter growing by that much per second, so
    ``rate()`` reads it back) or ``histogram``. Either kind may change over time with a list of steps.
    """

    metric: str = Field(pattern=METRIC_NAME)
    labels: dict[Annotated[str, Field(pattern=LABEL_NAME)], str] = Field(default_factory=dict)
    value: Value | list[Step] | None = None
    rate: float | list[Step] | None = None
    histogram: Histogram | None = None

    @field_validator("value")
    @classmethod
    def _value(cls, value: Value | list[Step] | None) -> Value | list[Step] | None:
        return value if isinstance(value, list) else _check_value(value)

    @model_validator(mode="after")
    def _one_kind(self) -> Series:
        given = [k for k in ("value", "rate", "histogram") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"set exactly one of value, rate or histogram (got {', '.join(given) or 'none'})"
            )
        if self.histogram is not None and "le" in self.labels:
            raise ValueError("label le is set by the histogram itself")
        return self

    @property
    def identity(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return self.metric, tuple(sorted(self.labels.items()))


class SeriesRef(_Model):
    metric: str = Field(pattern=METRIC_NAME)
    labels: dict[str, str] = Field(default_factory=dict)

    @property
    def identity(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return self.metric, tuple(sorted(self.labels.items()))


class AlertRef(_Model):
    """An alert by name; with ``severity``, only that tier of it."""

    alert: str = Field(pattern=METRIC_NAME)
    severity: Literal["critical", "warning", "info"] | None = None

    def matches(self, name: str, severity: str | None) -> bool:
        return self.alert == name and (self.severity is None or self.severity == severity)

    def __str__(self) -> str:
        return f"{self.alert} ({self.severity})" if self.severity else self.alert


def _alert_ref(value: object) -> object:
    """``GatewayHighErrorRate`` is short for ``{alert: GatewayHighErrorRate}``."""
    return {"alert": value} if isinstance(value, str) else value


AlertSelector = Annotated[AlertRef, Field(description="an alert name, or {alert, severity}")]


class ExpectedNotification(_Model):
    """A notification one receiver's integration must get for an alert, rendered and readable."""

    alert: AlertSelector
    receiver: str
    integration: Literal[INTEGRATIONS] = Field(  # type: ignore[valid-type]
        description="which integration of the receiver: " + ", ".join(INTEGRATIONS)
    )
    contains: list[str] = Field(default_factory=list, description="text the rendered message must show")
    repeats: int = Field(
        default=1,
        ge=1,
        description="at least this many notifications arrive during the drill (a heartbeat keeps pinging)",
    )

    @field_validator("alert", mode="before")
    @classmethod
    def _short(cls, value: object) -> object:
        return _alert_ref(value)


class Expectations(_Model):
    fire: list[AlertSelector] = Field(default_factory=list, description="alerts that must fire")
    silent: list[AlertSelector] = Field(
        default_factory=list,
        description="alerts that must not fire (any alert not listed in fire or inhibited must not either)",
    )
    inhibited: list[AlertSelector] = Field(
        default_factory=list,
        description="alerts that fire in Prometheus but that Alertmanager inhibits: nobody is notified",
    )
    notifications: list[ExpectedNotification] = Field(default_factory=list)

    @field_validator("fire", "silent", "inhibited", mode="before")
    @classmethod
    def _short(cls, value: object) -> object:
        return [_alert_ref(v) for v in value] if isinstance(value, list) else value


class Scenario(_Model):
    name: str = Field(pattern=SCENARIO_NAME, description="unique across drills/")
    description: str = Field(min_length=1)
    stacks: list[str] | None = Field(default=None, description="only these stacks (default: every stack)")
    duration: Duration | None = Field(
        default=None,
        description="incident time the drill watches (default: the longest `for` of the stack's rules, "
        "plus time to evaluate and notify)",
    )
    series: list[Series] = Field(
        default_factory=list, description="added to the baseline or replacing its series"
    )
    remove: list[SeriesRef] = Field(default_factory=list, description="baseline series not served")
    targets: dict[str, Literal["up", "down"]] = Field(
        default_factory=dict, description="scrape jobs (by job label) up or down in this scenario"
    )
    expect: Expectations

    @field_validator("duration")
    @classmethod
    def _duration_ok(cls, value: str | None) -> str | None:
        return _duration(value) if value is not None else None

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if not self.expect.fire and not self.expect.inhibited:
            raise ValueError("expect.fire or expect.inhibited must name an alert: a drill fires something")
        fired = self.expect.fire + self.expect.inhibited
        for silent in self.expect.silent:
            if any(
                f.alert == silent.alert
                and (f.severity == silent.severity or None in (f.severity, silent.severity))
                for f in fired
            ):
                raise ValueError(f"expect.silent: {silent} is also expected to fire")
        for note in self.expect.notifications:
            if not any(f.alert == note.alert.alert for f in self.expect.fire):
                raise ValueError(f"expect.notifications: {note.alert} is not in expect.fire")
        identities = [s.identity for s in self.series]
        if len(identities) != len(set(identities)):
            raise ValueError("series: the same metric and labels are listed twice")
        return self


class Baseline(_Model):
    """The healthy system: every scenario starts from it, and alone it must fire nothing."""

    series: list[Series] = Field(default_factory=list)
    targets: dict[str, Literal["up", "down"]] = Field(default_factory=dict)


class DrillFile(_Model):
    """One file under ``drills/``."""

    schema_: str | None = Field(default=None, alias="$schema")
    baseline: Baseline | None = None
    scenarios: list[Scenario] = Field(default_factory=list)


__all__ = ["Baseline", "DrillFile", "Scenario", "Series", "seconds"]
