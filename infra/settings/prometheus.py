"""Per-stack Prometheus rule overrides (``observability:prometheus``) and Alertmanager receivers
(``observability:alertmanager``).

Rule overrides, keyed by alert name (``Name:severity`` for one tier of a warning/critical pair)::

    observability:prometheus:
      rules:
        GatewayHighErrorRate: {threshold: 0.02, for: 10m}
        HighMemoryUsage:critical: {threshold: 0.95}
        LowUserActivity: {enabled: false}
        NodeFilesystemSpaceFillingUp: {numbers: {"15": 10}}   # an upstream rule without `> N`
      vendored:                      # what alerts/prometheus/vendor/ files lack
        labels: {team: platform}
        severities: {page: critical, none: info}
        runbookUrlTemplate: https://runbooks.example.com/alerts/{alertname}

Alertmanager: ``alerts/alertmanager.yaml`` writes ``${secret:NAME}`` and ``${var:NAME}``; a stack
binds each NAME. Secrets are referenced by the name of a top-level secret config key (set with
``pulumi config set --secret observability:<key> <value>``), never written in a stack file::

    observability:alertmanager:
      secrets:                       # placeholder NAME -> secret config key
        pagerduty-platform-routing-key: pagerdutyPlatformRoutingKey
        slack-platform-webhook-url: slackPlatformWebhookUrl
      values:                        # placeholder NAME -> value
        slack-platform-channel: "#alerts-platform"
        email-sre: sre@example.com

Several placeholders may share one secret key (staging can send every Slack route to one webhook).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from infra.catalog.safe_files import write_atomically
from infra.settings.base import SecretValue, SettingsModel

PrometheusDuration = Annotated[
    str, StringConstraints(pattern=r"^(0|(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?)$", min_length=1)
]
PlaceholderName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]
SecretConfigKey = Annotated[str, StringConstraints(pattern=r"^[a-z][A-Za-z0-9]*$")]
"""A top-level secret config key, as in ``observability:pagerdutyPlatformRoutingKey``."""


class RuleOverride(SettingsModel):
    """What one stack changes about one alert. Unset fields keep the rule file's value."""

    model_config = SettingsModel.model_config | {"use_attribute_docstrings": True}

    threshold: float | None = None
    """Replaces the number the alert's expression is compared with (its final ``> N``)."""
    numbers: dict[str, float] = Field(default_factory=dict)
    """Number in the expression -> its replacement, for expressions that do not end in ``> N``
    (``{"15": 10}`` in ``... * 100 < 15 and predict_linear(...) < 0``). The number must occur
    exactly once."""
    expr: str | None = Field(default=None, min_length=1)
    """Replaces the whole expression (it must still be valid PromQL)."""
    for_: PrometheusDuration | None = Field(default=None, alias="for")
    """How long the condition must hold before the alert fires, e.g. ``10m``."""
    severity: Literal["critical", "warning", "info"] | None = None
    enabled: bool = True
    """``false`` leaves the alert out of this stack."""

    @model_validator(mode="after")
    def _changes_something(self) -> RuleOverride:
        if not self.model_fields_set:
            raise ValueError("sets nothing: give threshold, numbers, expr, for, severity or enabled")
        if self.expr is not None and (self.threshold is not None or self.numbers):
            raise ValueError(
                "expr replaces the whole expression: give it alone, without threshold or numbers"
            )
        for number in self.numbers:
            try:
                float(number)
            except ValueError:
                raise ValueError(
                    f'numbers: {number!r} is not a number (write the literal, e.g. "15")'
                ) from None
        return self


class VendoredRulesSettings(SettingsModel):
    """What this stack supplies to the rule files under ``alerts/prometheus/vendor/``.

    Vendored files keep upstream's shape; the house conventions are met here instead: labels they
    lack, their severities mapped to the ones Alertmanager routes, and a runbook link.
    """

    model_config = SettingsModel.model_config | {"use_attribute_docstrings": True}

    labels: dict[Annotated[str, StringConstraints(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")], str] = Field(
        default_factory=dict
    )
    """Labels added to every vendored alert that does not set them, e.g. ``{team: platform}``."""
    severities: dict[str, Literal["critical", "warning", "info", "heartbeat"]] = Field(default_factory=dict)
    """Upstream severity -> the severity Alertmanager routes, e.g. ``{page: critical, none: info}``."""
    runbook_url_template: (
        Annotated[str, StringConstraints(pattern=r"^https?://[^\s]*\{alertname\}[^\s]*$")] | None
    ) = Field(default=None, alias="runbookUrlTemplate")
    """Link for vendored alerts without ``runbook_url``: ``https://runbooks.example.com/{alertname}``;
    ``{alertname}`` and ``{file}`` (the vendored file's name) are filled in."""


class PrometheusRulesSettings(SettingsModel):
    model_config = SettingsModel.model_config | {"use_attribute_docstrings": True}

    rules: dict[str, RuleOverride] = Field(default_factory=dict)
    """Alert name (or ``Name:severity``) -> override. An alert no rule file defines is an error."""
    vendored: VendoredRulesSettings = Field(default_factory=VendoredRulesSettings)
    """Labels, severity mapping and runbook link for the rule files under ``alerts/prometheus/vendor/``."""


class AlertmanagerSettings(SettingsModel):
    model_config = SettingsModel.model_config | {"use_attribute_docstrings": True}

    secrets: dict[PlaceholderName, SecretConfigKey] = Field(default_factory=dict)
    """``${secret:NAME}`` in ``alerts/alertmanager.yaml`` -> the secret config key holding it."""
    values: dict[PlaceholderName, str] = Field(default_factory=dict)
    """``${var:NAME}`` in ``alerts/alertmanager.yaml`` -> its value for this stack."""

    def secret_keys(self) -> list[tuple[str, str]]:
        """(secret config key, purpose) for every secret this stack's Alertmanager needs."""
        purposes: dict[str, list[str]] = {}
        for name, key in self.secrets.items():
            purposes.setdefault(key, []).append(name)
        return [(key, f"Alertmanager {', '.join(sorted(names))}") for key, names in sorted(purposes.items())]

    def resolve_secrets(self, secrets: Mapping[str, SecretValue]) -> dict[str, str]:
        """Placeholder NAME -> secret string, for :func:`infra.catalog.alertmanager.render`.

        The result is plaintext: call it inside ``Output.apply`` and keep the rendered config secret.
        """
        return {name: secrets[key].reveal() for name, key in self.secrets.items()}


SCHEMAS: dict[str, type[SettingsModel]] = {
    "prometheus-rules-settings": PrometheusRulesSettings,
    "alertmanager-settings": AlertmanagerSettings,
}


def json_schema(model: type[SettingsModel]) -> dict[str, Any]:
    return model.model_json_schema(by_alias=True)


def schema_text(model: type[SettingsModel]) -> str:
    return json.dumps(json_schema(model), indent=2, sort_keys=True) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    paths = []
    for name, model in SCHEMAS.items():
        path = directory / f"{name}.schema.json"
        write_atomically(path, schema_text(model))
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="JSON Schemas of the prometheus/alertmanager settings.")
    parser.add_argument("--write-schema", action="store_true", help="write schemas/<name>.schema.json")
    parser.add_argument("--schemas-dir", type=Path, default=Path(__file__).resolve().parents[2] / "schemas")
    args = parser.parse_args(argv)
    if args.write_schema:
        for path in write_schemas(args.schemas_dir):
            print(path)
    else:
        parser.print_help()


if __name__ == "__main__":
    main()
