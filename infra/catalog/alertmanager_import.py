"""Bringing an existing Alertmanager configuration into ``alerts/alertmanager.yaml``.

Real configurations hold their secrets inline (a Slack webhook URL, a PagerDuty routing key, an
SMTP password) and often arrive wrapped in the Kubernetes Secret that mounts them. The import
unwraps the Secret (``data`` base64 or ``stringData``), replaces every inline secret by a
``${secret:NAME}`` placeholder (one per distinct value, named after where it was found), and says
which stack settings and ``pulumi config set --secret`` commands bind them again. It never writes
a secret to the repository, and never prints one.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from infra.catalog.alertmanager import PLACEHOLDER, SECRET_FIELDS, config_strings
from infra.catalog.strict_yaml import load_documents
from infra.errors import DefinitionError

_CONFIG_KEYS = ("alertmanager.yaml", "alertmanager.yml")
_NOT_A_NAME = re.compile(r"[^a-z0-9]+")
_INDEX = re.compile(r"\[(\d+)\]")


@dataclass
class InlineSecret:
    placeholder: str
    """The ``NAME`` of ``${secret:NAME}`` that now stands where the value was."""
    config_key: str
    """A suggested stack config key (``observability:<key>``) to hold the value."""
    paths: list[str] = field(default_factory=list)
    """Where the value was, in the imported file (key paths)."""


@dataclass
class ImportedAlertmanager:
    config: dict[str, Any]
    secrets: list[InlineSecret]
    notes: list[str]


def import_alertmanager(text: str, source: str) -> ImportedAlertmanager:
    """The configuration in ``text`` (plain, or inside a Kubernetes Secret) with its secrets taken out."""
    notes: list[str] = []
    documents = [d for d in load_documents(text, source) if d is not None]
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise DefinitionError.single(
            source, "", "must be one YAML mapping: an Alertmanager config or a Secret"
        )
    config = documents[0]
    if config.get("kind") == "Secret":
        config = _from_kubernetes_secret(config, source)
        notes.append(f"{source}: unwrapped the Kubernetes Secret {_secret_name(documents[0])!r}")
    if not isinstance(config.get("route"), dict):
        nested = _nested_config(config)
        hint = (
            f" (it holds one at {nested}, as a Helm chart's values do: save that section as a file "
            "of its own and import it)"
            if nested
            else ""
        )
        raise DefinitionError.single(
            source, "route", f"is missing: this is not an Alertmanager configuration{hint}"
        )
    secrets: dict[str, InlineSecret] = {}
    taken: set[str] = set()

    def placeholder_for(path: str, value: str) -> str:
        found = secrets.get(value)
        if found is None:
            name = _unique(_placeholder_name(config, path), taken)
            found = secrets[value] = InlineSecret(name, _config_key(name))
        found.paths.append(path)
        return f"${{secret:{found.placeholder}}}"

    replaced = _replace_secrets(config, "", placeholder_for)
    return ImportedAlertmanager(replaced, list(secrets.values()), notes)


def is_inline_secret(path: str, key: str, value: str) -> bool:
    """A value Alertmanager treats as secret (or that embeds a token), written in the file itself."""
    secret_field = key in SECRET_FIELDS or (key == "url" and ".webhook_configs[" in path)
    already = any(match["kind"] == "secret" for match in PLACEHOLDER.finditer(value))
    return secret_field and bool(value) and not already


def _replace_secrets(node: Any, path: str, placeholder_for: Any) -> Any:
    if isinstance(node, dict):
        result = {}
        for key, value in node.items():
            child = f"{path}.{key}" if path else str(key)
            if isinstance(value, str) and is_inline_secret(child, str(key), value):
                result[key] = placeholder_for(child, value)
            else:
                result[key] = _replace_secrets(value, child, placeholder_for)
        return result
    if isinstance(node, list):
        return [
            _replace_secrets(value, f"{path}[{index}]", placeholder_for) for index, value in enumerate(node)
        ]
    return node


def _from_kubernetes_secret(secret: Mapping[str, Any], source: str) -> dict[str, Any]:
    for section, encoded in (("stringData", False), ("data", True)):
        entries = secret.get(section) or {}
        for key in _CONFIG_KEYS:
            if key not in entries:
                continue
            text = str(entries[key])
            if encoded:
                try:
                    text = base64.b64decode(text, validate=True).decode("utf-8")
                except (binascii.Error, UnicodeDecodeError):
                    raise DefinitionError.single(
                        source, f"{section}.{key}", "is not base64 of UTF-8 text"
                    ) from None
            documents = [d for d in load_documents(text, f"{source}: {section}.{key}") if d is not None]
            if len(documents) != 1 or not isinstance(documents[0], dict):
                raise DefinitionError.single(source, f"{section}.{key}", "must hold one Alertmanager config")
            return documents[0]
    raise DefinitionError.single(
        source, "data", f"is a Kubernetes Secret without {' or '.join(_CONFIG_KEYS)} (in data or stringData)"
    )


def _nested_config(node: Any, path: str = "", depth: int = 3) -> str:
    """The key path of a mapping with ``route`` and ``receivers`` inside ``node`` (``alertmanager.config``
    of kube-prometheus-stack's values), or ``""``."""
    if not isinstance(node, dict) or depth == 0:
        return ""
    for key, value in node.items():
        child = f"{path}.{key}" if path else str(key)
        if isinstance(value, dict) and isinstance(value.get("route"), dict) and "receivers" in value:
            return child
        found = _nested_config(value, child, depth - 1)
        if found:
            return found
    return ""


def _secret_name(secret: Mapping[str, Any]) -> str:
    metadata = secret.get("metadata")
    return str(metadata.get("name", "")) if isinstance(metadata, dict) else ""


def _placeholder_name(config: Mapping[str, Any], path: str) -> str:
    """``receivers[2].slack_configs[0].api_url`` -> ``<receiver name>-slack-api-url``."""
    parts = [part for part in _INDEX.sub("", path).split(".") if part]
    words: list[str] = []
    receivers = config.get("receivers") or []
    indexed = _INDEX.search(path)
    if parts and parts[0] == "receivers" and indexed and int(indexed[1]) < len(receivers):
        receiver = receivers[int(indexed[1])]
        words.append(str(receiver.get("name", "receiver")) if isinstance(receiver, dict) else "receiver")
        parts = parts[1:]
    words += [part.removesuffix("_configs") for part in parts]
    name = _NOT_A_NAME.sub("-", "-".join(words).lower()).strip("-")
    return name if name[:1].isalpha() else f"secret-{name}"


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}-{number}", number + 1
    taken.add(candidate)
    return candidate


def _config_key(placeholder: str) -> str:
    """``team-x-slack-api-url`` -> ``alertmanagerTeamXSlackApiUrl`` (a stack config key)."""
    return "alertmanager" + "".join(word.capitalize() for word in placeholder.split("-") if word)


def secret_strings(config: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(path, value) of every inline secret left in ``config``: none after an import."""
    for path, key, value in config_strings(config):
        if is_inline_secret(path, key, value):
            yield path, value
