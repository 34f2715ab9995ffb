"""The shape of a Datadog monitor in ``alerts/datadog/``: what users write and editors complete.

Field names are the Datadog API's (``options.thresholds``, ``notify_no_data`` ...), so a monitor
exported from the Datadog UI or API needs no renaming. Options may sit under ``options:`` (the API
shape) or flat beside ``name`` and ``query`` (the shape of many Terraform catalogs), never both.

Enumerated strings such as ``type`` stay plain ``str`` here: the datadog-api-client models are the
authority on their values and check them when a monitor is rendered. The JSON Schema still lists
the allowed values, read from those same models when the schema is generated.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    RootModel,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

Severity = Literal["critical", "warning", "info"]

MONITOR_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


def severity_for_priority(priority: int | None) -> Severity:
    """A monitor's severity when it sets none: P1-P2 critical, P3 or none warning, P4-P5 info."""
    if priority is None:
        return "warning"
    return "critical" if priority <= 2 else "warning" if priority == 3 else "info"


TEMPLATE_VARIABLE_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]*$"


@dataclass(frozen=True)
class ClientEnum:
    """Adds the allowed values of a datadog-api-client enum to the JSON Schema of a ``str`` field."""

    class_name: str

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["enum"] = sorted(client_enum_values(self.class_name))
        return schema


def client_enum_values(class_name: str) -> frozenset[str]:
    """The values a datadog-api-client v1 enum model accepts, e.g. ``MonitorType``."""
    module_name = "".join(f"_{c.lower()}" if c.isupper() else c for c in class_name).lstrip("_")
    module = importlib.import_module(f"datadog_api_client.v1.model.{module_name}")
    return frozenset(getattr(module, class_name).allowed_values)


def _finite_number(value: Any) -> Any:
    # bool is an int to Python but never a threshold; a quoted "80" is a typo the API would reject.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"must be a finite number, got {value!r}")
    return value


def _whole_number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Threshold = Annotated[float | int, BeforeValidator(_finite_number)]
Count = Annotated[int, Field(ge=0), BeforeValidator(_whole_number)]
NonBlank = Annotated[str, StringConstraints(pattern=r"\S")]
TagValue = str | int | float | bool | None


class CatalogModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Thresholds(CatalogModel):
    critical: Threshold | None = None
    """Must equal the number at the end of the query; filled from the query when omitted."""
    warning: Threshold | None = None
    critical_recovery: Threshold | None = None
    warning_recovery: Threshold | None = None
    ok: Threshold | None = None
    """Service checks only: consecutive OK statuses before recovering."""
    unknown: Threshold | None = None
    """Service checks only."""


class ThresholdWindows(CatalogModel):
    """Anomaly monitors only, where they are required."""

    trigger_window: str | None = None
    recovery_window: str | None = None


class EvaluationWindow(CatalogModel):
    day_starts: str | None = None
    hour_starts: Annotated[int, Field(ge=0, le=59)] | None = None
    month_starts: Annotated[int, Field(ge=1, le=1)] | None = None
    timezone: str | None = None


class Recurrence(CatalogModel):
    rrule: NonBlank
    timezone: NonBlank
    start: str | None = None


class CustomSchedule(CatalogModel):
    recurrences: tuple[Recurrence, ...]


class SchedulingOptions(CatalogModel):
    evaluation_window: EvaluationWindow | None = None
    custom_schedule: CustomSchedule | None = None


class MonitorOptions(CatalogModel):
    """The API's ``options`` object, limited to what the Pulumi Datadog provider can manage."""

    thresholds: Thresholds | None = None
    threshold_windows: ThresholdWindows | None = None
    notify_no_data: bool | None = None
    no_data_timeframe: Count | None = None
    notify_audit: bool | None = None
    require_full_window: bool | None = None
    include_tags: bool | None = None
    timeout_h: Annotated[int, Field(ge=0, le=24), BeforeValidator(_whole_number)] | None = None
    evaluation_delay: Count | None = None
    new_host_delay: Count | None = None
    new_group_delay: Count | None = None
    renotify_interval: Count | None = None
    renotify_occurrences: Count | None = None
    renotify_statuses: tuple[Annotated[str, ClientEnum("MonitorRenotifyStatusType")], ...] | None = None
    escalation_message: str | None = None
    enable_logs_sample: bool | None = None
    enable_samples: bool | None = None
    groupby_simple_monitor: bool | None = None
    on_missing_data: Annotated[str, ClientEnum("OnMissingDataOption")] | None = None
    notify_by: tuple[str, ...] | None = None
    notification_preset_name: Annotated[str, ClientEnum("MonitorOptionsNotificationPresets")] | None = None
    group_retention_duration: str | None = None
    scheduling_options: SchedulingOptions | None = None
    variables: tuple[dict[str, Any], ...] | None = None
    """Formula queries (``formula(...)``): event and cloud cost query definitions, in API shape."""
    locked: bool | None = None
    """Deprecated by Datadog in favour of ``restricted_roles``; only ``false`` is accepted."""
    silenced: dict[str, int | None] | None = None
    """Deprecated by Datadog in favour of downtimes; only ``{}`` is accepted."""
    restriction_query: None = None
    """Exported by the Datadog UI as null; nothing else is accepted."""


OPTION_FIELDS: frozenset[str] = frozenset(MonitorOptions.model_fields)


class MonitorAsset(CatalogModel):
    """A link on the monitor's page in Datadog, such as its runbook."""

    category: Annotated[str, ClientEnum("MonitorAssetCategory")]
    name: NonBlank
    url: NonBlank
    resource_key: str | None = None
    resource_type: Annotated[str, ClientEnum("MonitorAssetResourceType")] | None = None


class MonitorDefinition(MonitorOptions):
    """One monitor. Options may be set flat (as here) or under ``options:``, not both."""

    name: NonBlank
    type: Annotated[NonBlank, ClientEnum("MonitorType")]
    query: NonBlank
    message: str = ""
    tags: tuple[str, ...] | dict[str, TagValue] | None = None
    """A list of ``key:value`` strings, or a map of key to value."""
    priority: Annotated[int, Field(ge=1, le=5), BeforeValidator(_whole_number)] | None = None
    restricted_roles: tuple[str, ...] | None = None
    draft_status: Annotated[str, ClientEnum("MonitorDraftStatus")] | None = None
    assets: tuple[MonitorAsset, ...] | None = None
    """Links shown with the monitor; a ``category: runbook`` asset counts as its runbook link."""
    options: MonitorOptions | None = None

    # Catalog settings, never sent to Datadog.
    enabled: bool = True
    """A disabled monitor is still validated, but not deployed unless a stack enables it."""
    severity: Severity | None = None
    """Who is notified (see the stack's routing): defaults from priority, P1-P2 critical, P3 or
    none warning, P4-P5 info."""
    runbook_url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    """Where the responder starts; appended to the message as ``Runbook: <url>``."""
    template_variables: (
        dict[Annotated[str, StringConstraints(pattern=TEMPLATE_VARIABLE_PATTERN)], NonBlank] | None
    ) = None
    """The tag key each query template variable ``$name`` stands for, where it is not ``name``
    (an integration package's ``template_variables[].prefix``). Values come from the stack."""
    force_delete: bool | None = None
    validate_on_plan: bool | None = Field(default=None, alias="validate")
    """Let the provider ask the Datadog API to validate the monitor during a preview."""

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _options_in_one_place(self) -> MonitorDefinition:
        flat = sorted(OPTION_FIELDS & self.model_fields_set)
        if self.options is not None and flat:
            raise ValueError(
                f"set options either under `options:` or at the top level, not both (top level: {', '.join(flat)})"
            )
        return self

    def effective_options(self) -> MonitorOptions:
        if self.options is not None:
            return self.options
        return MonitorOptions.model_validate(
            {name: getattr(self, name) for name in OPTION_FIELDS & self.model_fields_set}
        )


MonitorId = Annotated[str, StringConstraints(pattern=MONITOR_ID_PATTERN)]


class MonitorCatalogFile(RootModel[dict[MonitorId, MonitorDefinition]]):
    """A YAML file in ``alerts/datadog/``: monitor id -> monitor. The id names the Pulumi resource."""

    model_config = ConfigDict(title="Datadog monitor catalog")
