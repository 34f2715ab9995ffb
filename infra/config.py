"""Typed, validated settings for one stack, read from its ``observability:*`` config.

Shared defaults live once, in the section models under :mod:`infra.settings`; per-environment
differences live only in ``Pulumi.<stack>.yaml``. Invalid config fails here, before any resource is
registered, with one line per problem naming the stack file and the key.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import Field, ValidationError, WithJsonSchema, model_validator

from infra.catalog.strict_json import JsonSyntaxError, load_json
from infra.errors import DefinitionError, Problem
from infra.settings.base import SecretValue, SettingsModel
from infra.settings.cloudwatch import CloudWatchSettings
from infra.settings.datadog import DatadogSettings
from infra.settings.forwarding import ForwardingSettings
from infra.settings.grafana import GRAFANA_AUTH_KEY, GrafanaSettings
from infra.settings.kubernetes import MonitoringClusterSettings
from infra.settings.logs import LogsSettings
from infra.settings.prometheus import AlertmanagerSettings, PrometheusRulesSettings
from infra.settings.provider_config import REQUIRED_KEYS, known_keys, unknown_key_reason
from infra.settings.routing import RoutingSettings

PROJECT = "observability"
NAMESPACE = f"{PROJECT}:"
DEFINITIONS_DIR_KEY = "definitionsDir"
"""Points the program at another root holding ``dashboards/`` and ``alerts/`` (tests, monorepos)."""


class Settings(SettingsModel):
    """Everything the program needs to know about one stack, validated and immutable."""

    stack: str
    stack_file: str
    region: str = "us-east-1"
    environment: str = ""
    """Defaults to the stack name; tags and resource names use it."""
    service: str = Field(default="external-metrics", pattern=r"^[a-z][a-z0-9-]*$")
    team: str = "platform"
    tags: dict[str, str] = Field(default_factory=dict)
    definitions_dir: str | None = None
    logs: LogsSettings = Field(default_factory=LogsSettings)
    routing: RoutingSettings = Field(default_factory=RoutingSettings)
    forwarding: ForwardingSettings = Field(default_factory=ForwardingSettings)
    cloudwatch: CloudWatchSettings = Field(default_factory=CloudWatchSettings)
    monitoring_cluster: MonitoringClusterSettings | None = None
    """The Kubernetes half; absent means this stack deploys nothing into a cluster."""
    prometheus: PrometheusRulesSettings = Field(default_factory=PrometheusRulesSettings)
    alertmanager: AlertmanagerSettings = Field(default_factory=AlertmanagerSettings)
    datadog: DatadogSettings = Field(default_factory=DatadogSettings)
    grafana: GrafanaSettings | None = None
    """Grafana folders, datasources and the dashboards in ``dashboards/``; absent deploys none."""
    secrets: Annotated[dict[str, SecretValue], WithJsonSchema({"type": "object"})] = Field(
        default_factory=dict, exclude=True
    )

    model_config = SettingsModel.model_config | {"arbitrary_types_allowed": True}

    @model_validator(mode="before")
    @classmethod
    def _environment_defaults_to_stack(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("environment"):
            data = {**data, "environment": data.get("stack", "")}
        return data

    @model_validator(mode="after")
    def _forwarded_groups_exist(self) -> Settings:
        unknown = [g for g in self.forwarding.log_groups if g not in self.logs.groups]
        if self.forwarding.enabled and unknown:
            raise ValueError(
                f"forwarding.logGroups names {', '.join(unknown)}, not in logs.groups ({', '.join(self.logs.groups)})"
            )
        return self

    def common_tags(self) -> dict[str, str]:
        return {
            "environment": self.environment,
            "service": self.service,
            "team": self.team,
            "managed-by": "pulumi",
            **self.tags,
        }

    def secret(self, key: str) -> SecretValue:
        """A configured secret. :func:`load_settings` guarantees every required one is present."""
        return self.secrets[key]

    def required_secrets(self) -> list[SecretSpec]:
        return required_secrets(self)


@dataclass(frozen=True)
class SecretSpec:
    key: str
    purpose: str


def required_secrets(settings: Settings) -> list[SecretSpec]:
    """Every secret the enabled features of this stack need, in a stable order."""
    specs: dict[str, SecretSpec] = {}
    sources = [
        settings.routing.secret_keys(),
        settings.forwarding.secret_keys(),
        settings.datadog.secret_keys(),
    ]
    if settings.grafana is not None:
        sources.append([(GRAFANA_AUTH_KEY, "Grafana API token or user:password for the Grafana provider")])
    if settings.monitoring_cluster is not None:
        sources += [settings.monitoring_cluster.secret_keys(), settings.alertmanager.secret_keys()]
    for key, purpose in (pair for source in sources for pair in source):
        specs.setdefault(key, SecretSpec(key, purpose))
    return [specs[k] for k in sorted(specs)]


def missing_secret_message(stack_file: str, stack: str, missing: list[SecretSpec]) -> str:
    """The message a real ``pulumi up`` fails with, and that ``obsctl plan`` prints as a hint."""
    lines = [f"{stack_file}: {len(missing)} secret(s) not configured:"]
    for spec in missing:
        lines.append(
            f"  {NAMESPACE}{spec.key} ({spec.purpose}): "
            f"pulumi config set --secret {NAMESPACE}{spec.key} <value> --stack {stack}"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class RawStackConfig:
    """A stack's config as the Pulumi engine hands it to a program: strings, JSON for objects."""

    stack: str
    values: Mapping[str, str]
    """Full keys (``observability:logs``, ``aws:region``) to their string or JSON-string value."""
    secret_keys: frozenset[str]

    @property
    def stack_file(self) -> str:
        return f"Pulumi.{self.stack}.yaml"


def load_settings(raw: RawStackConfig) -> Settings:
    """Validate a stack's config into :class:`Settings`, or raise one :class:`DefinitionError`."""
    source = raw.stack_file
    candidate_secrets = {
        full_key[len(NAMESPACE) :]: text
        for full_key, text in raw.values.items()
        if full_key.startswith(NAMESPACE) and full_key in raw.secret_keys
    }
    plain = tuple(sorted((k, v) for k, v in raw.values.items() if k not in raw.secret_keys))
    # Reported with the rest, so one run shows every problem of the stack file.
    problems = _other_namespace_problems(raw)
    try:
        settings, leftovers = _validated(raw.stack, plain)
    except DefinitionError as error:
        raise DefinitionError(problems + list(error.problems)) from None
    wanted = {spec.key for spec in required_secrets(settings)}
    for key in sorted(set(candidate_secrets) | set(leftovers)):
        location = f"{NAMESPACE}{key}"
        if key in leftovers and key in wanted:
            problems.append(
                Problem(
                    source,
                    location,
                    f"is a secret but is stored in plaintext: run `pulumi config set --secret {location} "
                    f"<value> --stack {raw.stack}`",
                )
            )
        elif key not in wanted:
            problems.append(Problem(source, location, _unknown_key_message(key, wanted | _field_names())))
    if problems:
        raise DefinitionError(problems)
    secrets = {key: SecretValue(key, candidate_secrets[key]) for key in sorted(candidate_secrets)}
    return settings.model_copy(update={"secrets": secrets})


@lru_cache(maxsize=16)
def _validated(stack: str, plain: tuple[tuple[str, str], ...]) -> tuple[Settings, Mapping[str, str]]:
    """The settings model of a stack's plaintext config, validated once per process.

    ``obsctl plan`` validates a stack before it runs the program (to list missing secrets), and
    the program validates the same config again as ``pulumi up`` would: the second is a lookup.
    Secrets are not part of the key; they never enter the model.
    """
    raw = RawStackConfig(stack=stack, values=dict(plain), secret_keys=frozenset())
    source = raw.stack_file
    problems: list[Problem] = []
    sections: dict[str, Any] = {}
    leftovers: dict[str, str] = {}
    for full_key, text in plain:
        if not full_key.startswith(NAMESPACE):
            continue
        key = full_key[len(NAMESPACE) :]
        if key in _field_names():
            sections[key] = _decode(text, source, full_key)
        else:
            leftovers[key] = text

    data = {
        **sections,
        "stack": raw.stack,
        "stackFile": source,
        "region": raw.values.get("aws:region") or "us-east-1",
    }
    for reserved in ("stack", "stackFile", "region", "secrets"):
        if reserved in sections or reserved in leftovers:
            problems.append(Problem(source, f"{NAMESPACE}{reserved}", "is set by Pulumi, not by config"))
    try:
        settings = Settings.model_validate(data)
    except ValidationError as error:
        problems.extend(_problems_from(error, source, data))
    if problems:
        raise DefinitionError(problems)
    return settings, MappingProxyType(leftovers)


def _other_namespace_problems(raw: RawStackConfig) -> list[Problem]:
    """Keys outside ``observability:`` are checked too: required ones present, unknown ones refused."""
    problems = [
        Problem(raw.stack_file, key, f"is required: {purpose}")
        for key, purpose in REQUIRED_KEYS.items()
        if not raw.values.get(key)
    ]
    candidates = known_keys() | {f"{NAMESPACE}{name}" for name in _field_names()}
    for full_key in sorted(raw.values):
        if full_key.startswith(NAMESPACE):
            continue
        reason = unknown_key_reason(full_key)
        if reason is not None:
            close = difflib.get_close_matches(full_key, sorted(candidates), n=1, cutoff=0.75)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(Problem(raw.stack_file, full_key, f"{reason}{hint}"))
    return problems


def missing_secrets(settings: Settings) -> list[SecretSpec]:
    return [spec for spec in required_secrets(settings) if spec.key not in settings.secrets]


def _decode(text: str, source: str, full_key: str) -> Any:
    """Objects and lists arrive as JSON; scalars as their string form, which pydantic coerces."""
    stripped = text.strip() if isinstance(text, str) else text
    if isinstance(stripped, str) and stripped[:1] in ("{", "["):
        try:
            # The strict reader: `pulumi config set` can pass JSON no stack file would hold
            # (nested a thousand deep, keys twice, lone surrogates).
            return load_json(stripped, source)
        except JsonSyntaxError:
            return text  # not JSON after all: validation says what the value should be
        except DefinitionError as error:
            where = ", ".join(filter(None, [full_key, error.problems[0].location]))
            raise DefinitionError.single(source, where, error.problems[0].message) from None
    return text


def _field_names() -> set[str]:
    reserved = {"stack", "stackFile", "region", "secrets"}
    return {field.alias or name for name, field in Settings.model_fields.items()} - reserved


def _unknown_key_message(key: str, known: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown key{hint}"


def _problems_from(error: ValidationError, source: str, data: Mapping[str, Any]) -> list[Problem]:
    problems = []
    for item in error.errors():
        path = [str(part) for part in item["loc"]]
        location = NAMESPACE + ".".join(path)
        if item["type"] == "extra_forbidden":
            problems.append(Problem(source, location, _unknown_key_message(path[-1], _siblings(path))))
            continue
        message = str(item["msg"]).removeprefix("Value error, ")
        value = item.get("input")
        if isinstance(value, (str, int, float, bool)):
            joiner = " " if message.startswith(("is ", "must ", "lists ")) else ": "
            problems.append(Problem(source, "", f"{location} = {value!r}{joiner}{message}"))
        else:
            problems.append(Problem(source, location, message))
    return problems


def _siblings(path: list[str]) -> set[str]:
    """The keys valid next to ``path[-1]``, for a did-you-mean hint."""
    model: Any = Settings
    for part in path[:-1]:
        fields = {f.alias or n: f for n, f in model.model_fields.items()}
        field = fields.get(part)
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, SettingsModel)):
            return set()
        model = annotation
    return {f.alias or n for n, f in model.model_fields.items()}


def read_pulumi_config() -> RawStackConfig:
    """The running stack's config, as the Pulumi engine passed it to this program."""
    import pulumi
    from pulumi import runtime

    values: dict[str, str] = dict(runtime.get_config_env())
    values.update(runtime.config.CONFIG.get())
    secret = set(runtime.get_config_secret_keys_env()) | {k for k in values if runtime.is_config_secret(k)}
    return RawStackConfig(stack=pulumi.get_stack(), values=values, secret_keys=frozenset(secret))
