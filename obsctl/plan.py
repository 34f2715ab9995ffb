"""The recorded plan of one stack: every resource the program registered, in a stable form."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.config import NAMESPACE, SecretSpec, Settings
from obsctl.redact import redact_document, redact_inputs

SECRET_MASK = "[secret]"
UNKNOWN = "[unknown]"


@dataclass(frozen=True)
class Secret:
    """An input the engine would encrypt. Holds the value for tests; never printed."""

    value: Any

    def __repr__(self) -> str:
        return "Secret([secret])"


@dataclass(frozen=True)
class Unknown:
    """An input only known after apply."""

    def __repr__(self) -> str:
        return UNKNOWN


@dataclass
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: str | None
    """The logical name of the parent resource, or None for the stack's direct children."""
    parent_urn: str | None
    custom: bool
    inputs: dict[str, Any]
    """Inputs with :class:`Secret` and :class:`Unknown` markers left in place."""
    protect: bool = False
    retain_on_delete: bool = False
    depends_on: list[str] = field(default_factory=list)
    ignore_changes: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    provider: str | None = None

    @property
    def key(self) -> str:
        """Stable identity for diffs: type and logical name."""
        return f"{self.type}::{self.name}"

    def secret_paths(self) -> list[str]:
        return sorted(_paths(self.inputs, "", Secret))

    def masked_inputs(self, known_secrets: Collection[str] = ()) -> Any:
        """The inputs as every output shows them: secrets as ``[secret]``, unknowns as
        ``[unknown]``, and a credential in a plaintext input masked (see obsctl/redact.py), as is
        any of ``known_secrets`` (the stack's secret values) copied into one."""
        return redact_inputs(self.type, mask(self.inputs), known_secrets)

    def secret_values(self) -> list[str]:
        """The plaintext of every secret input, to be masked wherever it was copied in plaintext."""
        return _secret_strings(self.inputs)

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "inputs": self.masked_inputs(),
            "secretInputs": self.secret_paths(),
            "options": {
                "protect": self.protect,
                "retainOnDelete": self.retain_on_delete,
                "dependsOn": sorted(self.depends_on),
                "ignoreChanges": sorted(self.ignore_changes),
                "provider": self.provider,
            },
        }


@dataclass
class Plan:
    project: str
    stack: str
    resources: list[PlannedResource]
    outputs: dict[str, Any]
    missing_secrets: list[SecretSpec] = field(default_factory=list)
    required_secrets: list[SecretSpec] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """What the program logged as warnings, e.g. dashboard lint findings."""
    settings: Settings | None = None
    """The stack's validated settings, as the program read them (never serialised)."""
    definitions_root: Path | None = None
    """Where the program read dashboards/ and alerts/ from."""

    def by_type(self, type_token: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_token]

    def get(self, type_token: str, name: str) -> PlannedResource:
        for resource in self.resources:
            if resource.type == type_token and resource.name == name:
                return resource
        raise KeyError(f"{type_token}::{name}")

    def secret_values(self) -> set[str]:
        """The plaintext of every secret input of the stack (never printed: what to mask)."""
        return {value for resource in self.resources for value in resource.secret_values()}

    def masked_outputs(self) -> dict[str, Any]:
        return dict(redact_inputs("", mask(self.outputs), self.secret_values()))

    def to_json(self) -> dict[str, Any]:
        document = {
            "project": self.project,
            "stack": self.stack,
            "resources": [r.to_json() for r in sorted(self.resources, key=lambda r: r.urn)],
            "outputs": mask(self.outputs),
            "missingSecrets": sorted(f"{NAMESPACE}{spec.key}" for spec in self.missing_secrets),
            "requiredSecrets": {f"{NAMESPACE}{spec.key}": spec.purpose for spec in self.required_secrets},
            "warnings": sorted(self.warnings),
        }
        return redact_document(document, self.secret_values())

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def mask(value: Any) -> Any:
    if isinstance(value, Secret):
        return SECRET_MASK
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    return value


def reveal(value: Any) -> Any:
    """The inputs with secrets in plaintext: for tests that prove secrets are marked, never for output."""
    if isinstance(value, Secret):
        return reveal(value.value)
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value


def _secret_strings(value: Any, inside_secret: bool = False) -> list[str]:
    """Every string held by a :class:`Secret` in ``value``."""
    if isinstance(value, Secret):
        return _secret_strings(value.value, True)
    if isinstance(value, dict):
        return [s for item in value.values() for s in _secret_strings(item, inside_secret)]
    if isinstance(value, list):
        return [s for item in value for s in _secret_strings(item, inside_secret)]
    return [value] if inside_secret and isinstance(value, str) else []


def _paths(value: Any, prefix: str, marker: type) -> list[str]:
    if isinstance(value, marker):
        return [prefix or "."]
    found: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, f"{prefix}.{k}" if prefix else k, marker)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, f"{prefix}[{i}]", marker)
    return found
