"""No secret reaches Helm values or Grafana datasource settings in plaintext.

A value is a secret if the engine says so (it arrives marked), so the question this policy asks
of every plaintext value is whether it *should* have been one:

- its key says it is a credential (``password``, ``apiKey``, ``token``, ``client_secret``, a webhook
  or Slack ``url``, anything under ``secureJsonData``...), unless the key names where the secret is
  instead (``existingSecret``, ``passwordKey``, ``secretKeyRef.name``, ``*_file``) or the value is
  an indirection Grafana or the chart resolves (``$__file{...}``, ``${ENV}``);
- it contains the value of an input that *is* secret elsewhere in the stack (the key an
  integration was given, copied into a chart's values);
- it has the shape of a credential whatever its key: a URL with a password, a Slack or Teams
  webhook, a PEM private key.

Violations name the resource and the path, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .graph import StackGraph
from .kubernetes import HELM
from .values import is_secret, is_unknown, json_document, reveal, walk

DATASOURCES = (
    "grafana:oss/dataSource:DataSource",
    "grafana:index/dataSource:DataSource",
    "grafana:oss/dataSourceConfig:DataSourceConfig",
    "grafana:index/dataSourceConfig:DataSourceConfig",
)
SECRET_WORDS = {
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "token",
    "apikey",
    "credential",
    "credentials",
    "authorization",
}
SECRET_PAIRS = {
    ("api", "key"),
    ("app", "key"),
    ("application", "key"),
    ("access", "key"),
    ("private", "key"),
    ("license", "key"),
    ("routing", "key"),
    ("service", "key"),
    ("integration", "key"),
    ("webhook", "url"),
    # A key ending in "secret" alone usually names a Kubernetes Secret (configSecret, envFromSecret).
    ("client", "secret"),
    ("shared", "secret"),
    ("signing", "secret"),
    ("hmac", "secret"),
    ("jwt", "secret"),
    ("api", "secret"),
    ("app", "secret"),
    ("webhook", "secret"),
}
WEBHOOK_WORDS = {"webhook", "webhooks", "slack", "discord", "teams", "msteams"}
REFERENCE_LAST_WORDS = {"name", "names", "ref", "file", "files", "path", "dir", "mount", "enabled"}
REFERENCE_WORDS = {"existing", "from"}
INDIRECTION = re.compile(
    r"^\s*(\$__(file|env|vault)\{|\$\{[A-Za-z_][A-Za-z0-9_]*\}\s*$|\$[A-Za-z_][A-Za-z0-9_]*\s*$)"
)
CREDENTIAL_SHAPES = {
    "a URL with a password": re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"),
    "a Slack webhook URL": re.compile(r"hooks\.slack\.com/(services|workflows)/"),
    "a Discord webhook URL": re.compile(r"discord(app)?\.com/api/webhooks/"),
    "a Microsoft Teams webhook URL": re.compile(r"\.webhook\.office\.com/|outlook\.office\.com/webhook"),
    "a PagerDuty integration URL": re.compile(r"events\.pagerduty\.com/integration/[0-9a-f]{20,}"),
    "a private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
}
MINIMUM_SECRET_LENGTH = 8


def words(key: str) -> list[str]:
    """``basicAuthPassword`` -> basic auth password; ``slack_api_url`` -> slack api url."""
    return [w.lower() for w in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", key)]


def looks_secret(key: str, context: frozenset[str] = frozenset()) -> bool:
    parts = words(key)
    if not parts or REFERENCE_WORDS & set(parts) or parts[-1] in REFERENCE_LAST_WORDS:
        return False
    if "securejsondata" in context or parts[-1] in SECRET_WORDS:
        return True
    if tuple(parts[-2:]) in SECRET_PAIRS:
        return True
    return parts[-1] == "url" and bool(WEBHOOK_WORDS & (set(parts) | context))


def _context(context: frozenset[str], key: str) -> frozenset[str]:
    parts = words(key)
    added = set(parts) & WEBHOOK_WORDS
    if "".join(parts) == "securejsondata":
        added.add("securejsondata")
    return context | added if added else context


def plaintext_findings(
    value: Any, path: str, known_secrets: set[str], context: frozenset[str] = frozenset()
) -> Iterator[tuple[str, str]]:
    """(path, reason) for every plaintext value under ``value`` that should have been a secret."""
    yield from _scan(value, path, path, context, known_secrets)


def _scan(
    value: Any, path: str, key: str | None, context: frozenset[str], known_secrets: set[str]
) -> Iterator[tuple[str, str]]:
    if is_secret(value) or is_unknown(value):
        return
    if isinstance(value, dict):
        # An environment entry: {name: GF_SECURITY_ADMIN_PASSWORD, value: ...}.
        env_name = value.get("name") if "value" in value else None
        for child_key, item in value.items():
            as_key = env_name if child_key == "value" and isinstance(env_name, str) else str(child_key)
            yield from _scan(
                item, f"{path}.{child_key}", as_key, _context(context, str(child_key)), known_secrets
            )
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _scan(item, f"{path}[{index}]", key, context, known_secrets)
    elif isinstance(value, str) and value.strip():
        document = json_document(value)
        if isinstance(document, (dict, list)):
            yield from _scan(document, path, key, context, known_secrets)
            return
        if key is not None and looks_secret(key, context) and not INDIRECTION.match(value):
            yield path, f"{key} looks like a credential and is not a secret"
            return
        for shape, pattern in CREDENTIAL_SHAPES.items():
            if pattern.search(value):
                yield path, f"holds {shape} in plaintext"
                return
        if any(secret in value for secret in known_secrets):
            yield path, "holds, in plaintext, the value of a secret input of this stack"


def secret_values(graph: StackGraph) -> set[str]:
    """The plaintext of every secret input of the stack that is long enough to recognise."""
    found: set[str] = set()
    for resource in graph.resources:
        for _, leaf in walk(graph.inputs(resource)):
            if is_secret(leaf):
                for _, inner in walk(reveal(leaf)):
                    if isinstance(inner, str) and len(inner) >= MINIMUM_SECRET_LENGTH:
                        found.add(inner)
    return found


def _settings(graph: StackGraph, resource: PolicyResource) -> Iterator[tuple[str, Any, frozenset[str]]]:
    """(input, value, context) to scan: a chart's values, or every setting of a datasource."""
    props = graph.inputs(resource)
    if resource.resource_type in HELM:
        yield "values", props.get("values"), frozenset()
        return
    for key, value in props.items():
        # Grafana encrypts everything in secureJsonData: all of it is secret, whatever the keys.
        context = frozenset({"securejsondata"}) if key == "secureJsonDataEncoded" else frozenset()
        yield key, value, context


def _no_plaintext_secrets(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    graph = StackGraph.of(args)
    known_secrets = secret_values(graph)
    for resource in graph.of_types((*HELM, *DATASOURCES)):
        for key, value, context in _settings(graph, resource):
            for path, reason in plaintext_findings(value, key, known_secrets, context):
                report_violation(f"{path}: {reason}", resource.urn)


no_plaintext_secrets = StackValidationPolicy(
    name="no-plaintext-secrets",
    description=(
        "No credential reaches Helm values or Grafana datasource settings in plaintext: it comes from "
        "secret config (pulumi config set --secret) or from a Kubernetes Secret referenced by name."
    ),
    validate=_no_plaintext_secrets,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation_steps=(
        "Read the value with config.require_secret(...) or pulumi.Output.secret(...), or point the "
        "chart at an existing Kubernetes Secret (existingSecret, secretKeyRef, $__file{...})."
    ),
)

POLICIES = [no_plaintext_secrets]
