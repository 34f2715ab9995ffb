"""What a change adds, changes and removes, between two plan JSON files: the credential-free preview."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from obsctl.redact import redact_document
from obsctl.render import key_inputs
from obsctl.replacements import forcing_properties, is_stateful

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
    forcing: list[str] = field(default_factory=list)
    """Changed input paths that make the engine replace (delete and recreate) the resource."""
    stateful: bool = False
    """Replacing or removing it loses the data it holds."""
    inputs: list[tuple[str, Any]] = field(default_factory=list)
    """Key inputs of an added resource, as the plan shows them (secrets masked)."""

    @property
    def replaced(self) -> bool:
        return bool(self.forcing)

    @property
    def sign(self) -> str:
        return "+-" if self.replaced else "~"


@dataclass(frozen=True)
class SecretChange:
    key: str
    """The full config key, e.g. ``observability:pagerdutyIntegrationKey``."""
    purpose: str
    configured: bool
    """Whether the head's stack file sets it (a missing one stops `pulumi up`)."""


@dataclass
class PlanDiff:
    stack: str
    added: list[ResourceChange]
    changed: list[ResourceChange]
    removed: list[ResourceChange]
    secrets_added: list[SecretChange] = field(default_factory=list)
    secrets_removed: list[SecretChange] = field(default_factory=list)
    secrets_missing: list[SecretChange] = field(default_factory=list)
    """Every required secret the head's stack file does not set, new or not."""

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed or self.secrets_added or self.secrets_removed)

    def counts(self) -> str:
        replaced = len(self.replaced)
        replacing = f"{replaced} to replace, " if replaced else ""
        return (
            f"{len(self.added)} to add, {len(self.changed) - replaced} to change, {replacing}"
            f"{len(self.removed)} to remove"
        )

    @property
    def replaced(self) -> list[ResourceChange]:
        return [c for c in self.changed if c.replaced]

    @property
    def data_loss(self) -> list[tuple[str, ResourceChange]]:
        """Stateful resources this change replaces or removes: what a reviewer must see first."""
        return [("replace", c) for c in self.changed if c.replaced and c.stateful] + [
            ("remove", c) for c in self.removed if c.stateful
        ]

    def set_secret_command(self, secret: SecretChange) -> str:
        return f"pulumi config set --secret {secret.key} <value> --stack {self.stack}"


class StackMismatchError(ValueError):
    """The two plans are of different stacks: their difference means nothing."""


def diff_plans(old: dict[str, Any], new: dict[str, Any]) -> PlanDiff:
    """Both arguments are ``Plan.to_json()`` documents; secrets are already masked in them.

    A credential in a plaintext input is masked here too (obsctl/redact.py): the base's plan was
    written by the base's code (``--base``) or is any file (``--diff``), which may predate masking.
    """
    old, new = redact_document(old), redact_document(new)
    stack = new.get("stack", "")
    if old.get("stack") not in (None, stack):
        raise StackMismatchError(f"the earlier plan is of stack {old.get('stack')}, not {stack}")
    old_by_key = {_key(r): r for r in old.get("resources", [])}
    new_by_key = {_key(r): r for r in new.get("resources", [])}
    added = [_added(new_by_key[k]) for k in sorted(new_by_key.keys() - old_by_key.keys())]
    removed = [_removed(old_by_key[k]) for k in sorted(old_by_key.keys() - new_by_key.keys())]
    changed = []
    for key in sorted(old_by_key.keys() & new_by_key.keys()):
        before, after = old_by_key[key], new_by_key[key]
        changes: list[PropertyChange] = []
        _compare(_comparable(before), _comparable(after), "", changes)
        if changes:
            change = _bare(after)
            change.changes = changes
            inputs = [
                (c.path.removeprefix("inputs."), c.old, c.new)
                for c in changes
                if c.path.startswith("inputs.")
            ]
            change.forcing = forcing_properties(after["type"], inputs)
            change.stateful = is_stateful(after["type"], before.get("inputs", {}))
            changed.append(change)
    diff = PlanDiff(stack=stack, added=added, changed=changed, removed=removed)
    _diff_secrets(old, new, diff)
    return diff


def _diff_secrets(old: dict[str, Any], new: dict[str, Any], diff: PlanDiff) -> None:
    """Secrets the change starts or stops requiring, and the ones the head's stack file lacks."""
    required = new.get("requiredSecrets") or {}
    missing = set(new.get("missingSecrets") or ())
    # A plan written before plans listed their required secrets (or no plan at all) compares as
    # requiring the same ones, so that only the missing secrets are reported.
    before = old.get("requiredSecrets")
    before = required if before is None and old.get("resources") else (before or {})
    for key in sorted(missing):
        diff.secrets_missing.append(SecretChange(key, required.get(key, ""), configured=False))
    for key in sorted(required.keys() - before.keys()):
        diff.secrets_added.append(SecretChange(key, required[key], configured=key not in missing))
    for key in sorted(before.keys() - required.keys()):
        diff.secrets_removed.append(SecretChange(key, before[key], configured=True))


def render_diff_text(diff: PlanDiff) -> str:
    lines = [f"Changes for stack {diff.stack}:"]
    if diff.empty:
        lines.append("  no changes")
    for action, change in diff.data_loss:
        lines.append(f"  DATA LOSS: {action}s {change.type} {change.name}, which holds data")
    for change in diff.added:
        lines.append(f"  + {change.type} {change.name}")
        for key, value in change.inputs:
            lines.append(f"      {key}: {_show(value)}")
    for change in diff.changed:
        forced = f" (replace: {', '.join(change.forcing)} forces a new resource)" if change.replaced else ""
        lines.append(f"  {change.sign} {change.type} {change.name}{forced}")
        for prop in change.changes:
            lines.append(f"      {prop.path}: {_show(prop.old)} => {_show(prop.new)}")
    for change in diff.removed:
        lines.append(f"  - {change.type} {change.name}")
    lines.append(f"  {diff.counts()}")
    for secret in diff.secrets_added:
        state = "set" if secret.configured else f"not set: {diff.set_secret_command(secret)}"
        lines.append(f"  new secret {secret.key} ({secret.purpose}): {state}")
    for secret in diff.secrets_removed:
        lines.append(
            f"  secret no longer needed: {secret.key} (pulumi config rm {secret.key} --stack {diff.stack})"
        )
    return "\n".join(lines) + "\n"


def _key(resource: dict[str, Any]) -> str:
    return f"{resource['type']}::{resource['name']}"


def _bare(resource: dict[str, Any]) -> ResourceChange:
    return ResourceChange(key=_key(resource), type=resource["type"], name=resource["name"])


def _added(resource: dict[str, Any]) -> ResourceChange:
    change = _bare(resource)
    change.inputs = key_inputs(resource["type"], resource.get("inputs", {}))
    return change


def _removed(resource: dict[str, Any]) -> ResourceChange:
    change = _bare(resource)
    change.stateful = is_stateful(resource["type"], resource.get("inputs", {}))
    return change


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
