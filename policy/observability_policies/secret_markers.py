"""Lets policies see which inputs are secret.

The engine sends secret inputs to analyzers wrapped in the secret signature, but pulumi-policy's
Python SDK unwraps them before a policy runs, so a policy cannot tell a value read from
``pulumi config set --secret`` from one typed in plaintext (pulumi/pulumi-policy#241). The
plaintext-secrets policy needs exactly that distinction, so this pack deserializes the requests
itself and keeps each secret as a :class:`pulumi_policy.Secret` marker. Every policy of the pack
reads inputs through :mod:`observability_policies.values`, which understands the markers.

Remediation keeps the SDK's own secret-preserving proxies: it is a different code path.
"""

from __future__ import annotations

from typing import Any

import pulumi_policy.policy as sdk_policy
from pulumi_policy import Secret
from pulumi_policy.deserialize import (
    SPECIAL_SECRET_SIG,
    SPECIAL_SIG_KEY,
    _deserialize_property,
    deserialize_properties,
)

_sdk_deserialize = deserialize_properties


def deserialize_keeping_secrets(props: dict[str, Any], proxy_secrets: bool = False) -> dict[str, Any]:
    """The SDK's ``deserialize_properties``, except that secrets stay marked."""
    if proxy_secrets:
        return _sdk_deserialize(props, True)
    return {key: _mark(value) for key, value in props.items()}


def _mark(value: Any) -> Any:
    if isinstance(value, dict):
        signature = value.get(SPECIAL_SIG_KEY)
        if signature == SPECIAL_SECRET_SIG:
            return Secret(_mark(value.get("value")))
        if signature is not None:
            # Assets and archives: the SDK's own deserialization.
            return _deserialize_property(value)
        return {key: _mark(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mark(item) for item in value]
    return value


def keep_secret_markers() -> None:
    """Install the marking deserializer into the analyzer; idempotent."""
    sdk_policy.deserialize_properties = deserialize_keeping_secrets
