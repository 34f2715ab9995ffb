"""What every stack adds to a catalog definition: its env in templates, and the standard tags."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MANAGED_BY_TAG = "managed-by:pulumi"
FORCED_TAG_KEYS = ("env", "managed-by")
"""Tag keys the stack owns; a catalog's own values for them are replaced."""

_ENV_TEMPLATE = re.compile(r"\{\{\s*env\s*\}\}|\$env(?:\.value)?\b")
_SCOPE = re.compile(r"\{[^{}]*\}")
_VARIABLE = re.compile(r"(?<![\w$])\$(?P<name>[A-Za-z_][\w-]*?)(?P<value>\.value)?(?![\w-])")
"""A template variable in a query: ``$env``, ``$cluster``, ``$cluster.value``."""
_SCOPE_ITEM = r"(?<![\w.$:-])(?P<negation>!?)\$(?P<name>{name})(?![\w.-])"
"""``$name`` as a term of its own in a query's scope (``{$env}``, ``{$env,role:db}``, ``{!$env}``,
``{$env AND role:db}``): a tag template variable, standing for the tag ``<tag key>:<value>``. After
a colon (``{env:$env}``) it is the value alone."""
EVERY_VALUE = "*"
"""A template variable's value meaning "any value": its scope item is dropped, as Datadog's
``default: "*"`` does when a package monitor is installed from the UI."""


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
    query, _ = substitute_query_variables(query, {"env": env}, {})
    return query


def query_variables(query: str, declared: Iterable[str] = ()) -> list[str]:
    """The template variables a query uses: every ``$name`` inside a ``{...}`` scope (metric and
    service check scopes, where ``$`` means nothing else), and the ``declared`` names anywhere."""
    names = {m["name"] for scope in _SCOPE.findall(query) for m in _VARIABLE.finditer(scope)}
    names |= {m["name"] for m in _VARIABLE.finditer(query) if m["name"] in set(declared)}
    return sorted(names)


def substitute_query_variables(
    query: str, values: Mapping[str, str], tag_keys: Mapping[str, str]
) -> tuple[str, dict[str, str]]:
    """The query with each template variable that has a value replaced, and why each other one
    was not (variable name -> reason).

    ``values`` are the stack's (``env`` always among them); ``tag_keys`` the tag key a variable
    stands for when it is not its own name (an integration package's ``prefix``). A scope item
    ``$name`` becomes ``<tag key>:<value>``, or is dropped for ``*``; elsewhere ``$name`` is the
    value. Datadog does not resolve template variables in a monitor's query, so one left without
    a value would reach the API as text.
    """
    missing: dict[str, str] = {}
    for name in query_variables(query, [*values, *tag_keys]):
        value = values.get(name)
        if value is None:
            missing[name] = "has no value"
            continue
        item = re.compile(_SCOPE_ITEM.format(name=re.escape(name)))
        tag = f"{tag_keys.get(name, name)}:{value}"
        if value == EVERY_VALUE:
            query, dropped = _without_item(query, item)
            if not dropped:
                missing[name] = (
                    'is "*" but is not an item of a comma-separated scope, so it cannot be dropped'
                )
                continue
        else:
            query = _scoped_items_replaced(query, item, tag)
        rest = re.compile(rf"(?<![\w$])\${re.escape(name)}(?:\.value)?(?![\w-])")
        query = rest.sub(value.replace("\\", "\\\\"), query)
    return substitute_env(query, values["env"]) if "env" in values else query, missing


def _scoped_items_replaced(query: str, item: re.Pattern[str], tag: str) -> str:
    return _SCOPE.sub(lambda scope: item.sub(lambda m: m["negation"] + tag, scope[0]), query)


def _without_item(query: str, item: re.Pattern[str]) -> tuple[str, bool]:
    """The query with the scope item dropped from comma-separated scopes; False if it sat elsewhere."""
    dropped = True

    def edit(scope: re.Match[str]) -> str:
        nonlocal dropped
        if not item.search(scope[0]):
            return scope[0]
        terms = [term.strip() for term in scope[0][1:-1].split(",")]
        # `!$name` with "*" would exclude every value: not something to drop in silence.
        kept = [term for term in terms if not (item.fullmatch(term) and not term.startswith("!"))]
        if len(kept) == len(terms):
            dropped = False
            return scope[0]
        return "{" + (",".join(kept) or "*") + "}"

    return _SCOPE.sub(edit, query), dropped


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
