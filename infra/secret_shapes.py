"""What each secret must look like, judged by what consumes it, checked before anything renders.

A secret reaches the program as a string, and each consumer has its own idea of it: Alertmanager
refuses to load a config whose Slack ``api_url`` is not an http(s) URL; the PagerDuty CloudWatch
URL is built around a 32-character integration key; a Datadog API key is 32 hexadecimal digits.
A value of the wrong shape would deploy a config that fails later, far from its cause (Alertmanager
keeps its old config, a topic delivers nowhere), so every configured secret is checked against each
of its consumers first, with the same code under ``pulumi up`` and ``obsctl plan``.

Messages name the stack file, the config key, the consumer and the shape expected; never the value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from infra.catalog.alertmanager import PLACEHOLDER, URL_FIELDS, AlertmanagerConfig, config_strings
from infra.config import NAMESPACE, Settings
from infra.errors import DefinitionError, Problem
from infra.settings.base import OFFLINE_PLACEHOLDER
from infra.settings.datadog import API_KEY_CONFIG_KEY, APP_KEY_CONFIG_KEY
from infra.settings.grafana import GRAFANA_AUTH_KEY

STAND_IN_MARKER = re.compile(r"^[0-9a-f]{32}$")
"""What :meth:`SecretShape.stand_in` builds a value around: 32 hex digits fit every shape."""


@dataclass(frozen=True)
class SecretShape:
    description: str
    """What the consumer needs, as a message says it: ``an http(s) URL``."""
    problem: Callable[[str], str | None]
    """What is wrong with a value, without quoting it; None when it fits."""
    example: Callable[[str], str]
    """A value of this shape around a :data:`STAND_IN_MARKER`, for plans and tests."""

    def stand_in(self, marker: str) -> str:
        if not STAND_IN_MARKER.match(marker):
            raise ValueError("a stand-in is built around 32 lower-case hex digits")
        return self.example(marker)


def _line_problem(value: str) -> str | None:
    if not value.strip():
        return "is empty"
    if "\n" in value or "\r" in value:
        return "holds a line break (a file's trailing newline?)"
    if value != value.strip():
        return "starts or ends with whitespace"
    return None


def _url_problem(schemes: tuple[str, ...]) -> Callable[[str], str | None]:
    def problem(value: str) -> str | None:
        wrong = _line_problem(value)
        if wrong:
            return wrong
        if re.search(r"\s", value):
            return "contains whitespace"
        parts = urlsplit(value)
        if parts.scheme.lower() not in schemes:
            return f"does not start with {' or '.join(f'{s}://' for s in schemes)}"
        if not parts.hostname:
            return "has no host"
        return None

    return problem


def _characters_problem(length: int, allowed: str, what: str) -> Callable[[str], str | None]:
    pattern = re.compile(f"^[{allowed}]{{{length}}}$")

    def problem(value: str) -> str | None:
        if "://" in value:
            return "is a URL, not the key alone"
        wrong = _line_problem(value)
        if wrong:
            return wrong
        if len(value) != length:
            return f"is {len(value)} characters long, not {length}"
        if not pattern.match(value):
            return f"holds characters other than {what}"
        return None

    return problem


def _pattern_problem(pattern: str, wrong: str) -> Callable[[str], str | None]:
    compiled = re.compile(pattern)

    def problem(value: str) -> str | None:
        return _line_problem(value) or (None if compiled.match(value) else wrong)

    return problem


def _grafana_auth_problem(value: str) -> str | None:
    if re.match(r"^https?://", value.strip(), re.IGNORECASE):
        return f"is a URL: the URL is {NAMESPACE}grafana.url; this is the token or user:password"
    return _line_problem(value)


URL = SecretShape(
    "an http(s) URL", _url_problem(("https", "http")), lambda m: f"https://hooks.example.com/services/{m}"
)
HTTPS_URL = SecretShape(
    "an https:// URL", _url_problem(("https",)), lambda m: f"https://hooks.example.com/services/{m}"
)
PAGERDUTY_KEY = SecretShape(
    "a PagerDuty integration key (32 letters and digits)",
    _characters_problem(32, "A-Za-z0-9", "letters and digits"),
    lambda m: m,
)
DATADOG_API_KEY = SecretShape(
    "a Datadog API key (32 hexadecimal digits)",
    _characters_problem(32, "0-9a-fA-F", "hexadecimal digits"),
    lambda m: m,
)
DATADOG_APP_KEY = SecretShape(
    "a Datadog application key (40 hexadecimal digits)",
    _characters_problem(40, "0-9a-fA-F", "hexadecimal digits"),
    lambda m: (m * 2)[:40],
)
EMAIL = SecretShape(
    "an email address",
    _pattern_problem(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "is not an email address"),
    lambda m: f"{m}@example.com",
)
SQS_ARN = SecretShape(
    "an SQS queue ARN",
    _pattern_problem(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[\w-]+(\.fifo)?$", "is not an SQS queue ARN"),
    lambda m: f"arn:aws:sqs:us-east-1:111122223333:{m}",
)
LAMBDA_ARN = SecretShape(
    "a Lambda function ARN",
    _pattern_problem(
        r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$",
        "is not a Lambda function ARN",
    ),
    lambda m: f"arn:aws:lambda:us-east-1:111122223333:function:{m}",
)
GRAFANA_AUTH = SecretShape(
    "a Grafana service account token, API key or user:password, on one line",
    _grafana_auth_problem,
    lambda m: m,
)
ONE_LINE = SecretShape("a non-empty value on one line", _line_problem, lambda m: m)
URL_PART = SecretShape(
    "a value without whitespace (it is part of a URL)",
    lambda v: _line_problem(v) or ("contains whitespace" if re.search(r"\s", v) else None),
    lambda m: m,
)
NOT_EMPTY = SecretShape("a non-empty value", lambda v: None if v.strip() else "is empty", lambda m: m)

SUBSCRIPTION_SHAPES = {
    "https": HTTPS_URL,
    # alarm_routing builds PagerDuty's CloudWatch integration URL around the key.
    "pagerduty": PAGERDUTY_KEY,
    "email": EMAIL,
    "sqs": SQS_ARN,
    "lambda": LAMBDA_ARN,
}
ALERTMANAGER_KEY_FIELDS = frozenset({"routing_key", "service_key"})
"""PagerDuty integration keys (Events API v2 ``routing_key``, v1 ``service_key``)."""


@dataclass(frozen=True)
class SecretUse:
    key: str
    """The secret config key, without the namespace."""
    consumer: str
    """Who reads it: a stack setting or a field of ``alerts/alertmanager.yaml``."""
    shape: SecretShape


def secret_uses(settings: Settings, alertmanager: AlertmanagerConfig | None) -> list[SecretUse]:
    """Every consumer of every secret this stack needs, with the shape it needs."""
    uses = []
    for index, subscription in enumerate(settings.routing.subscriptions):
        if subscription.endpoint_secret:
            uses.append(
                SecretUse(
                    subscription.endpoint_secret,
                    f"{NAMESPACE}routing.subscriptions[{index}] (protocol {subscription.protocol})",
                    SUBSCRIPTION_SHAPES.get(subscription.protocol, ONE_LINE),
                )
            )
    for key, purpose in settings.forwarding.secret_keys():
        uses.append(SecretUse(key, purpose, DATADOG_API_KEY))
    if settings.datadog.enabled:
        uses.append(SecretUse(API_KEY_CONFIG_KEY, "the Datadog provider", DATADOG_API_KEY))
        uses.append(SecretUse(APP_KEY_CONFIG_KEY, "the Datadog provider", DATADOG_APP_KEY))
    if settings.grafana is not None:
        uses.append(SecretUse(GRAFANA_AUTH_KEY, "the Grafana provider", GRAFANA_AUTH))
    cluster = settings.monitoring_cluster
    if cluster is not None:
        for key, purpose in cluster.secret_keys():
            # A kubeconfig is a document (or a path to one): several lines are what it should have.
            shape = NOT_EMPTY if key == cluster.kubeconfig.secret else ONE_LINE
            uses.append(SecretUse(key, purpose, shape))
        if alertmanager is not None:
            uses.extend(_alertmanager_uses(settings, alertmanager))
    return uses


def _alertmanager_uses(settings: Settings, config: AlertmanagerConfig) -> Iterator[SecretUse]:
    bindings = settings.alertmanager.secrets
    for path, field, value in config_strings(config.data, ""):
        for match in PLACEHOLDER.finditer(value):
            if match["kind"] != "secret" or match["name"] not in bindings:
                continue
            whole = value.strip() == match.group(0)
            if whole and field in URL_FIELDS:
                shape = URL
            elif whole and field in ALERTMANAGER_KEY_FIELDS:
                shape = PAGERDUTY_KEY
            elif field in URL_FIELDS:
                shape = URL_PART
            else:
                shape = ONE_LINE
            consumer = f"{config.source} {path} (${{secret:{match['name']}}})"
            yield SecretUse(bindings[match["name"]], consumer, shape)


def check_secret_shapes(settings: Settings, alertmanager: AlertmanagerConfig | None) -> None:
    """Raise one :class:`DefinitionError` for every configured secret a consumer cannot use.

    A secret ``obsctl plan`` cannot read (not configured, or encrypted in the stack file) is the
    placeholder :data:`OFFLINE_PLACEHOLDER`: nothing to check until ``pulumi up`` decrypts it.
    """
    wrong: dict[tuple[str, str, str], list[str]] = {}
    for use in secret_uses(settings, alertmanager):
        secret = settings.secrets.get(use.key)
        if secret is None or secret.reveal() == OFFLINE_PLACEHOLDER:
            continue
        problem = use.shape.problem(secret.reveal())
        if problem is not None:
            wrong.setdefault((use.key, problem, use.shape.description), []).append(use.consumer)
    problems = [
        Problem(
            settings.stack_file,
            f"{NAMESPACE}{key}",
            f"{problem}, but {_listed(consumers)} need{'s' if len(consumers) == 1 else ''} {shape}; set it "
            f"again with `pulumi config set --secret {NAMESPACE}{key} <value> --stack {settings.stack}`",
        )
        for (key, problem, shape), consumers in sorted(wrong.items())
    ]
    if problems:
        raise DefinitionError(problems)


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def stand_in_secrets(
    settings: Settings, alertmanager: AlertmanagerConfig | None, marker: str | Callable[[str], str]
) -> dict[str, str]:
    """A value of the right shape for every secret the stack needs, built around ``marker`` (one
    for all, or one per key: ``marker(key)``)."""
    marker_for = marker if callable(marker) else lambda _key: marker
    values: dict[str, str] = {}
    for use in secret_uses(settings, alertmanager):
        values.setdefault(use.key, use.shape.stand_in(marker_for(use.key)))
    for spec in settings.required_secrets():
        values.setdefault(spec.key, ONE_LINE.stand_in(marker_for(spec.key)))
    return values
