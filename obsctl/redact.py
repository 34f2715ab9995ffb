"""Masks credentials in everything a plan writes: the terminal, the ``--json`` file, the PR comment.

A secret input is already masked (``[secret]``). This is for a credential that reached a
*plaintext* input: a URL with a password, a token pasted into a monitor's message, a bearer header
in a datasource's ``jsonData``. The policy pack reports each of them (``no-plaintext-secrets``); the
plan must not republish the value it reports. What counts as a credential is defined once, in the
pack's ``credentials`` module, which this module imports (the pack itself runs without obsctl).

Only the secret part is masked (``https://grafana:****@host``, ``xoxb-****``, ``AKIA****``,
``Bearer ****``), so a reader still sees which value it was.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Collection
from pathlib import Path
from types import ModuleType
from typing import Any

PACK_DIR = Path(__file__).resolve().parents[1] / "policy"


def _credentials() -> ModuleType:
    """The pack's ``credentials`` module, loaded alone: importing it through its package would run
    the package's ``__init__`` (every policy, pulumi_policy) in every obsctl command. It is
    registered under its package name, so the pack, when it loads, uses this very module."""
    name = "observability_policies.credentials"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, PACK_DIR / "observability_policies" / "credentials.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


credentials = _credentials()
MASK: str = credentials.MASK


def redact_text(text: str, known_secrets: Collection[str] = ()) -> str:
    """Free text (a rendered plan, a message, a comment) with every credential's secret part masked."""
    result: str = credentials.mask_text(text, credentials.searchable(known_secrets))
    return result


def redact_inputs(resource_type: str, inputs: Any, known_secrets: Collection[str] = ()) -> Any:
    """A resource's inputs (secret markers already replaced) with credentials masked.

    By shape and by known secret value in every string; by key too (``password: hunter2``) where
    the policy judges keys, so that nothing it reports is shown.
    """
    by_key = credentials.keys_name_credentials(resource_type)
    return _redact(inputs, None, frozenset(), _searchable(known_secrets), by_key=by_key)


def redact_document(document: dict[str, Any], known_secrets: Collection[str] = ()) -> dict[str, Any]:
    """A ``Plan.to_json()`` document, this revision's or one written by older code (``--base``,
    ``--diff``), masked as :func:`redact_inputs` masks inputs; every other string by shape."""
    known = _searchable(known_secrets)
    redacted: dict[str, Any] = {}
    for key, value in document.items():
        if key == "resources" and isinstance(value, list):
            redacted[key] = [_redact_resource(resource, known) for resource in value]
        else:
            redacted[key] = _redact(value, None, frozenset(), known, by_key=False)
    return redacted


def _searchable(known_secrets: Collection[str]) -> tuple[str, ...]:
    return tuple(credentials.searchable(known_secrets))


def _redact_resource(resource: Any, known: tuple[str, ...]) -> Any:
    if not isinstance(resource, dict):
        return _redact(resource, None, frozenset(), known, by_key=False)
    keyed = credentials.keys_name_credentials(str(resource.get("type", "")))
    return {
        key: _redact(value, None, frozenset(), known, by_key=keyed and key == "inputs")
        for key, value in resource.items()
    }


def _redact(
    value: Any, key: str | None, context: frozenset[str], known: tuple[str, ...], by_key: bool
) -> Any:
    if isinstance(value, dict):
        return {
            child_key: _redact(
                item,
                credentials.value_key(value, str(child_key)) if by_key else None,
                credentials.child_context(context, str(child_key)),
                known,
                by_key,
            )
            for child_key, item in value.items()
        }
    if isinstance(value, list):
        return [_redact(item, key, context, known, by_key) for item in value]
    if not isinstance(value, str):
        return value
    if by_key and credentials.key_credential(key, value, context) is not None:
        return MASK
    text: str = credentials.mask_text(value, known)
    if by_key and text.lstrip()[:1] in ("{", "["):
        return _redact_json_text(text, key, context, known)
    return text


def _redact_json_text(text: str, key: str | None, context: frozenset[str], known: tuple[str, ...]) -> str:
    """A JSON document held in a string (``jsonDataEncoded``, a chart's values): its keys count too.

    Rewritten only when a key masked something, so that every other document keeps its bytes.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return text
    redacted = _redact(document, key, context, known, by_key=True)
    if redacted == document:
        return text
    return json.dumps(redacted, sort_keys=True, ensure_ascii=False)
