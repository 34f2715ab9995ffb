"""Which input changes make the engine replace a resource, and which resources hold data.

A change to ``name`` of a log group is not an update: the provider deletes the group (and every
event in it) and creates another. The preview must say so. The facts, per resource type, live in
``obsctl/facts/replacements.yaml`` with the provider version and source file they were read from
(a ``ForceNew`` schema flag, a ``RequiresReplace`` plan modifier, a native provider's diff code);
this module only reads them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.catalog.strict_yaml import load_document
from infra.helm.values.common import requests_volumes

FACTS_FILE = Path(__file__).parent / "facts" / "replacements.yaml"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"


@dataclass(frozen=True)
class ResourceFacts:
    replace_on: tuple[str, ...]
    """Input paths (dotted, Pulumi names) whose change replaces the resource."""
    unless_between: dict[str, frozenset[Any]]
    """A change of the input between two of these values is an update (Datadog's metric/query alert)."""
    stateful: bool
    """Replacing or deleting it loses data (log events, objects, a key that decrypts them)."""
    source: str


@dataclass(frozen=True)
class Facts:
    providers: dict[str, dict[str, str]]
    resources: dict[str, ResourceFacts]


@functools.cache
def facts(path: Path = FACTS_FILE) -> Facts:
    document = load_document(path.read_text(encoding="utf-8"), str(path.name)) or {}
    resources = {
        token: ResourceFacts(
            replace_on=tuple(entry.get("replace_on", ())),
            unless_between={k: frozenset(v) for k, v in (entry.get("unless_between") or {}).items()},
            stateful=bool(entry.get("stateful", False)),
            source=str(entry.get("source", "")),
        )
        for token, entry in (document.get("resources") or {}).items()
    }
    return Facts(
        providers=dict(document.get("providers") or {}),
        resources=resources,
    )


def forcing_properties(type_token: str, changes: list[tuple[str, Any, Any]]) -> list[str]:
    """The changed input paths (``name``, ``configJson.uid``) that force a replacement.

    ``changes`` holds (path, old value, new value) for every changed input leaf.
    """
    entry = facts().resources.get(type_token)
    if entry is None:
        return []
    forcing = []
    for path, old, new in changes:
        for prop in entry.replace_on:
            if path == prop or path.startswith((f"{prop}.", f"{prop}[")):
                exempt = entry.unless_between.get(prop, frozenset())
                if not (old in exempt and new in exempt):
                    forcing.append(path)
                break
    return forcing


def is_stateful(type_token: str, inputs: dict[str, Any]) -> bool:
    """Whether deleting or replacing the resource loses data it holds."""
    entry = facts().resources.get(type_token)
    if entry is not None and entry.stateful:
        return True
    # A PVC-backed release is stateful; which values request volumes is the program's own fact.
    return type_token == HELM_RELEASE and requests_volumes(inputs.get("values"))
