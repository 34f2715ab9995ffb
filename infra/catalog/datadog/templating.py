"""What every stack adds to a catalog definition: its env in templates, and the standard tags."""

from __future__ import annotations

import re
from typing import Any

MANAGED_BY_TAG = "managed-by:pulumi"
FORCED_TAG_KEYS = ("env", "managed-by")
"""Tag keys the stack owns; a catalog's own values for them are replaced."""

_ENV_TEMPLATE = re.compile(r"\{\{\s*env\s*\}\}|\$env(?:\.value)?\b")
_SCOPE = re.compile(r"\{[^{}]*\}")
_ENV_SCOPE_ITEM = re.compile(r"(?<![\w.$:-])\$env\b(?![\w.-])")
"""``$env`` as a term of its own in a query's scope (``{$env}``, ``{$env,role:db}``, ``{!$env}``,
``{$env AND role:db}``): a template variable with the ``env`` prefix, standing for the tag
``env:<value>``. After a colon (``{env:$env}``) it is the value alone."""


def substitute_env(text: str, env: str) -> str:
    """``{{env}}``, ``$env`` and ``$env.value`` replaced by ``env``; Datadog's own ``{{value}}``, ``{{host.name}}``
    and ``{{env.name}}`` are left alone."""
    return _ENV_TEMPLATE.sub(env, text)


def substitute_env_in_query(query: str, env: str) -> str:
    """A query's ``$env``: the tag ``env:<env>`` where it is a scope item of its own (``{$env}``, as
    integration packages and exported monitors write it), the value elsewhere (``{env:$env}``).

    Replacing the scope item by the bare value would leave ``{prod}``: a tag nobody sets, so the
    monitor would be valid and never match anything.
    """
    scoped = _SCOPE.sub(lambda scope: _ENV_SCOPE_ITEM.sub(f"env:{env}", scope[0]), query)
    return substitute_env(scoped, env)


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
