"""The config keys outside ``observability:`` that a stack file may hold, and what to use instead.

The stack file is checked whole: a key the program never reads is a mistake (``aws:regoin`` would
silently leave the region to the environment). The AWS resources use the default provider, which
reads every ``aws:*`` key its SDK declares; those keys are taken from the installed ``pulumi_aws``
package's ``config/vars.py`` (read as text: importing the SDK costs seconds). The Datadog, Grafana
and Kubernetes providers are explicit resources configured from ``observability:*`` settings, so
their namespaces hold nothing the program reads, except ``datadog:validate``.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

REQUIRED_KEYS = {"aws:region": "the AWS region every resource of the stack lives in, e.g. us-east-1"}

EXPLICIT_PROVIDERS = {
    "datadog": "the Datadog provider is configured from observability:datadog and the secrets "
    "observability:datadogApiKey and observability:datadogAppKey",
    "grafana": "the Grafana provider is configured from observability:grafana.url and the secret "
    "observability:grafanaAuth",
    "kubernetes": "the Kubernetes provider is configured from observability:monitoringCluster.kubeconfig",
}
EXTRA_KEYS = frozenset({"datadog:validate"})
"""Read by the program itself: ``false`` skips the Datadog credential check at preview time."""

PULUMI_KEYS = frozenset({"pulumi:tags", "pulumi:template", "pulumi:autonaming"})
"""Keys of the engine's own namespace that may appear in a stack file."""

_CONFIG_GETTER = re.compile(r"__config__\.get[a-z_]*\(\s*'([A-Za-z0-9]+)'")


@functools.cache
def provider_keys(package: str, namespace: str) -> frozenset[str]:
    """``namespace:key`` for every config key the provider SDK ``package`` declares."""
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / "config" / "vars.py"
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            return frozenset(f"{namespace}:{key}" for key in _CONFIG_GETTER.findall(text))
    return frozenset()


def known_keys() -> frozenset[str]:
    """Every key outside ``observability:`` the program reads or the engine accepts."""
    return provider_keys("pulumi_aws", "aws") | EXTRA_KEYS | PULUMI_KEYS


def unknown_key_reason(full_key: str) -> str | None:
    """Why ``full_key`` (not in ``observability:``) is refused, or None when it is known."""
    if full_key in known_keys():
        return None
    namespace = full_key.split(":", 1)[0]
    if namespace in EXPLICIT_PROVIDERS:
        return f"is not read: {EXPLICIT_PROVIDERS[namespace]}"
    if namespace == "aws":
        return "is not a config key of the AWS provider"
    return (
        "is in a namespace this program does not use (it reads observability:*, aws:* and datadog:validate)"
    )
