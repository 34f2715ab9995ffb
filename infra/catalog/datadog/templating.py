"""What every stack adds to a catalog definition: its env in templates, and the standard tags."""

from __future__ import annotations

import re
from typing import Any

MANAGED_BY_TAG = "managed-by:pulumi"
FORCED_TAG_KEYS = ("env", "managed-by")
"""Tag keys the stack owns; a catalog's own values for them are replaced."""

_ENV_TEMPLATE = re.compile(r"\{\{\s*env\s*\}\}|\$env\b")


def substitute_env(text: str, env: str) -> str:
    """``{{env}}`` and ``$env`` replaced by ``env``; Datadog's own ``{{value}}``, ``{{host.name}}``
    and ``{{env.name}}`` are left alone."""
    return _ENV_TEMPLATE.sub(env, text)


def substitute_env_everywhere(value: Any, env: str) -> Any:
    """:func:`substitute_env` applied to every string inside nested dicts and lists."""
    if isinstance(value, str):
        return substitute_env(value, env)
    if isinstance(value, dict):
        return {key: substitute_env_everywhere(item, env) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [substitute_env_everywhere(item, env) for item in value]
    return value


def merged_tags(
    tags: list[str], *, env: str, service: str, team: str, severity: str | None = None
) -> list[str]:
    """The catalog's tags plus ``env``, ``managed-by`` and, for monitors, the ``severity`` routing
    used; ``service``/``team`` unless it sets them."""
    keys = {tag.split(":", 1)[0] for tag in tags}
    forced = {*FORCED_TAG_KEYS, "severity"} if severity else FORCED_TAG_KEYS
    merged = [tag for tag in tags if tag.split(":", 1)[0] not in forced]
    merged += [f"env:{env}", MANAGED_BY_TAG]
    merged += [f"severity:{severity}"] if severity else []
    merged += [f"{key}:{value}" for key, value in (("service", service), ("team", team)) if key not in keys]
    return merged
