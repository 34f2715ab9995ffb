"""JSON Schema of ``Pulumi.<stack>.yaml``, generated from :class:`infra.config.Settings`.

Editors that read the ``yaml-language-server`` line at the top of each stack file complete and
check ``observability:*`` keys as you type. ``python -m infra.config_schema --write`` regenerates
``schemas/stack-config.schema.json``; without ``--write`` it exits 1 when the shipped file is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from infra.catalog.safe_files import write_atomically
from infra.config import NAMESPACE, Settings

SCHEMA_FILE = Path("schemas/stack-config.schema.json")
_SET_BY_PULUMI = {"stack", "stackFile", "region", "secrets"}
_SECURE = {
    "type": "object",
    "description": "A secret, as `pulumi config set --secret` writes it.",
    "properties": {"secure": {"type": "string"}},
    "required": ["secure"],
    "additionalProperties": False,
}


def _secret_key_pattern(sections: dict[str, Any]) -> str:
    """Every other ``observability:`` key is a secret the stack names (``endpointSecret`` ...)."""
    names = "|".join(sorted(key[len(NAMESPACE) :] for key in sections))
    return f"^{NAMESPACE}(?!({names})$)[a-z][A-Za-z0-9]*$"


def stack_config_schema() -> dict[str, Any]:
    settings = Settings.model_json_schema(by_alias=True)
    definitions = settings.pop("$defs", {})
    sections = {
        f"{NAMESPACE}{key}": value
        for key, value in settings["properties"].items()
        if key not in _SET_BY_PULUMI
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Pulumi stack settings of the observability project",
        "type": "object",
        "properties": {
            "config": {
                "type": "object",
                "properties": sections,
                # Other namespaces (aws:region, datadog:validate) and the secrets, which are
                # top-level keys whose names the stack chooses.
                "patternProperties": {_secret_key_pattern(sections): _SECURE},
                "additionalProperties": True,
            },
            "environment": {"type": ["object", "string"]},
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
            "encryptionsalt": {"type": "string"},
        },
        "$defs": definitions,
    }


def schema_text() -> str:
    return json.dumps(stack_config_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.config_schema", description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"write {SCHEMA_FILE}")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    target = args.root / SCHEMA_FILE
    if args.write:
        write_atomically(target, schema_text())
        print(f"wrote {SCHEMA_FILE}")
        return 0
    if not target.is_file() or target.read_text(encoding="utf-8") != schema_text():
        print(f"{SCHEMA_FILE} is out of date: run python -m infra.config_schema --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
