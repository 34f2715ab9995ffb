"""What a change adds, changes and removes, between two plan JSON files: the credential-free preview."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

MISSING = object()


@dataclass
class PropertyChange:
    path: str
    old: Any
    new: Any


@dataclass
class ResourceChange:
    key: str
    type: str
    name: str
    changes: list[PropertyChange] = field(default_factory=list)


@dataclass
class PlanDiff:
    stack: str
    added: list[ResourceChange]
    changed: list[ResourceChange]
    removed: list[ResourceChange]

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


def diff_plans(old: dict[str, Any], new: dict[str, Any]) -> PlanDiff:
    """Both arguments are ``Plan.to_json()`` documents; secrets are already masked in them."""
    old_by_key = {_key(r): r for r in old.get("resources", [])}
    new_by_key = {_key(r): r for r in new.get("resources", [])}
    added = [_bare(new_by_key[k]) for k in sorted(new_by_key.keys() - old_by_key.keys())]
    removed = [_bare(old_by_key[k]) for k in sorted(old_by_key.keys() - new_by_key.keys())]
    changed = []
    for key in sorted(old_by_key.keys() & new_by_key.keys()):
        before, after = old_by_key[key], new_by_key[key]
        changes: list[PropertyChange] = []
        _compare(_comparable(before), _comparable(after), "", changes)
        if changes:
            change = _bare(after)
            change.changes = changes
            changed.append(change)
    return PlanDiff(stack=new.get("stack", ""), added=added, changed=changed, removed=removed)


def render_diff_text(diff: PlanDiff) -> str:
    lines = [f"Changes for stack {diff.stack}:"]
    if diff.empty:
        lines.append("  no changes")
    for change in diff.added:
        lines.append(f"  + {change.type} {change.name}")
    for change in diff.changed:
        lines.append(f"  ~ {change.type} {change.name}")
        for prop in change.changes:
            lines.append(f"      {prop.path}: {_show(prop.old)} => {_show(prop.new)}")
    for change in diff.removed:
        lines.append(f"  - {change.type} {change.name}")
    lines.append(f"  {len(diff.added)} to add, {len(diff.changed)} to change, {len(diff.removed)} to remove")
    return "\n".join(lines) + "\n"


def _key(resource: dict[str, Any]) -> str:
    return f"{resource['type']}::{resource['name']}"


def _bare(resource: dict[str, Any]) -> ResourceChange:
    return ResourceChange(key=_key(resource), type=resource["type"], name=resource["name"])


def _comparable(resource: dict[str, Any]) -> dict[str, Any]:
    inputs = {k: _maybe_json(v) for k, v in resource.get("inputs", {}).items()}
    return {"inputs": inputs, "options": resource.get("options", {}), "parent": resource.get("parent")}


def _maybe_json(value: Any) -> Any:
    """JSON documents held in string inputs (dashboards, policies) diff by property, not as one line."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _compare(old: Any, new: Any, path: str, out: list[PropertyChange]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys()):
            _compare(old.get(key, MISSING), new.get(key, MISSING), f"{path}.{key}" if path else key, out)
        return
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            _compare(a, b, f"{path}[{index}]", out)
        return
    if old != new:
        out.append(PropertyChange(path, None if old is MISSING else old, None if new is MISSING else new))


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= 120 else text[:119] + "…"
