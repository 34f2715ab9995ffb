"""No credential reaches any resource input in plaintext.

A value is a secret if the engine says so (it arrives marked), so the question this policy asks
of every plaintext value is whether it *should* have been one (see :mod:`.credentials`, which
``obsctl`` also reads to mask the same values in every output of a plan):

- its key says it is a credential (``password``, ``apiKey``, ``token``, ``client_secret``, a webhook
  or Slack ``url``, anything under ``secureJsonData``, a Grafana ``httpHeaderValueN`` outside it...),
  unless the key names where the secret is instead (``existingSecret``, ``passwordKey``,
  ``secretKeyRef.name``, ``*_file``) or the value is an indirection Grafana or the chart resolves
  (``$__file{...}``, ``${ENV}``). Keys are judged where they are settings a person writes: Helm
  values, Grafana datasources, providers;
- it has the shape of a credential whatever its key, in any input of any resource: a URL with a
  password, a Slack, Teams, Discord or PagerDuty webhook, a Slack, GitHub or Grafana token, an AWS
  access key, a Datadog key after ``api_key=``, a bearer or basic ``Authorization`` value, a
  private key;
- it contains the value of an input that *is* secret elsewhere in the stack (the key an
  integration was given, copied into a chart's values or a monitor's message).

Violations name the resource and the path, never the value.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from .credentials import (
    MINIMUM_SECRET_LENGTH,
    child_context,
    credential_in,
    keys_name_credentials,
    searchable,
    value_key,
)
from .graph import StackGraph
from .values import is_secret, is_unknown, json_document, reveal, walk


def plaintext_findings(
    value: Any,
    path: str,
    known_secrets: Sequence[str],
    context: frozenset[str] = frozenset(),
    *,
    by_key: bool = True,
) -> Iterator[tuple[str, str]]:
    """(path, reason) for every plaintext value under ``value`` that should have been a secret.

    ``by_key`` False judges values by their shape and by known secrets only: the keys of a
    resource's own schema (a monitor's ``message``) say nothing about credentials.
    """
    yield from _scan(value, path, path if by_key else None, context, known_secrets, by_key)


def _scan(
    value: Any,
    path: str,
    key: str | None,
    context: frozenset[str],
    known_secrets: Sequence[str],
    by_key: bool,
) -> Iterator[tuple[str, str]]:
    if is_secret(value) or is_unknown(value):
        return
    if isinstance(value, dict):
        for child_key, item in value.items():
            as_key = value_key(value, str(child_key)) if by_key else None
            yield from _scan(
                item,
                f"{path}.{child_key}",
                as_key,
                child_context(context, str(child_key)),
                known_secrets,
                by_key,
            )
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _scan(item, f"{path}[{index}]", key, context, known_secrets, by_key)
    elif isinstance(value, str) and value.strip():
        document = json_document(value)
        if isinstance(document, (dict, list)):
            yield from _scan(document, path, key, context, known_secrets, by_key)
            return
        reason = credential_in(key, value, context, known_secrets)
        if reason is not None:
            yield path, reason


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
    """(input, value, context) to scan: every input of the resource."""
    for key, value in graph.inputs(resource).items():
        # Grafana encrypts everything in secureJsonData(Encoded): all of it is secret, whatever the keys.
        yield key, value, child_context(frozenset(), key)


def _no_plaintext_secrets(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    graph = StackGraph.of(args)
    known_secrets = searchable(secret_values(graph))
    for resource in graph.resources:
        by_key = keys_name_credentials(resource.resource_type)
        for key, value, context in _settings(graph, resource):
            for path, reason in plaintext_findings(value, key, known_secrets, context, by_key=by_key):
                report_violation(f"{path}: {reason}", resource.urn)


no_plaintext_secrets = StackValidationPolicy(
    name="no-plaintext-secrets",
    description=(
        "No credential reaches a resource in plaintext (Helm values, Grafana datasources and "
        "providers by key; every input by shape: URLs with a password, webhooks, tokens, AWS keys, "
        "bearer headers): it comes from secret config (pulumi config set --secret) or from a "
        "Kubernetes Secret referenced by name."
    ),
    validate=_no_plaintext_secrets,
    enforcement_level=EnforcementLevel.MANDATORY,
    remediation_steps=(
        "Read the value with config.require_secret(...) or pulumi.Output.secret(...), or point the "
        "chart at an existing Kubernetes Secret (existingSecret, secretKeyRef, $__file{...}); a "
        "Grafana header value goes in secureJsonData; a URL takes no user:password."
    ),
)

POLICIES = [no_plaintext_secrets]
