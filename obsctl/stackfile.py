"""Reads ``Pulumi.<stack>.yaml`` the way the Pulumi CLI hands it to a program.

Offline there is no passphrase or KMS to decrypt ``secure:`` values, so they become a masked
placeholder: the program sees a secret of unknown value, exactly as it would see any secret.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.catalog.safe_files import read_text
from infra.catalog.strict_yaml import load_document
from infra.config import RawStackConfig
from infra.errors import DefinitionError
from infra.settings.base import OFFLINE_PLACEHOLDER

SECRET_PLACEHOLDER = OFFLINE_PLACEHOLDER
STACK_FILE_KEYS = ("config", "environment", "secretsprovider", "encryptedkey", "encryptionsalt")
"""The top-level keys of a Pulumi stack settings file the Pulumi CLI knows."""


@dataclass(frozen=True)
class StackFile:
    path: Path
    raw: RawStackConfig
    encrypted_keys: frozenset[str]
    """Keys whose ``secure:`` ciphertext cannot be decrypted offline."""


def stack_names(project_dir: Path) -> list[str]:
    """Every stack of the project: one per ``Pulumi.<stack>.yaml``."""
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))


def read_stack_file(
    project_dir: Path,
    stack: str,
    extra: dict[str, str] | None = None,
    secret_keys: set[str] | None = None,
) -> StackFile:
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not (path.exists() or path.is_symlink()):  # a FIFO or a dangling link is refused by the reader
        known = stack_names(project_dir)
        raise DefinitionError.single(
            path.name, "", f"no such stack file (stacks here: {', '.join(known) or 'none'})"
        )
    # A key defined twice is an error naming both lines: with last-one-wins, a second
    # `observability:cloudwatch:` block would silently replace the first.
    document = load_document(read_text(path, path.name, inside=project_dir), path.name) or {}
    if not isinstance(document, dict):
        raise DefinitionError.single(path.name, "", "must be a map with a config: key")
    unknown = sorted(str(key) for key in document if key not in STACK_FILE_KEYS)
    if unknown:
        raise DefinitionError.single(
            path.name,
            unknown[0],
            f"is not a key of a Pulumi stack file (known: {', '.join(STACK_FILE_KEYS)})",
        )
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise DefinitionError.single(path.name, "config", "must be a map of config keys")

    values: dict[str, str] = {}
    secret_keys = set(secret_keys or ())
    encrypted: set[str] = set()
    for key, value in config.items():
        key = str(key)
        if ":" not in key:
            raise DefinitionError.single(
                path.name, key, "config keys need a namespace, e.g. observability:logs"
            )
        plain, had_secret = _strip_secure(value)
        if had_secret:
            secret_keys.add(key)
            encrypted.add(key)
        try:
            values[key] = _as_config_string(plain)
        except TypeError:  # sort_keys between keys of different types (1 and "a")
            raise DefinitionError.single(
                path.name, key, "mixes keys of different types in one map: write every key as a string"
            ) from None
    for key, value in (extra or {}).items():
        values[key] = value
    return StackFile(
        path=path,
        raw=RawStackConfig(stack=stack, values=values, secret_keys=frozenset(secret_keys)),
        encrypted_keys=frozenset(encrypted),
    )


def _strip_secure(value: Any) -> tuple[Any, bool]:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER, True
        found = False
        result = {}
        for k, v in value.items():
            result[k], nested = _strip_secure(v)
            found = found or nested
        return result, found
    if isinstance(value, list):
        items = [_strip_secure(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def _as_config_string(value: Any) -> str:
    """Pulumi passes scalars as strings and objects as JSON text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)
