"""The shipped JSON Schema of ``Pulumi.<stack>.yaml`` matches the settings models and bites."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
import yaml

from infra.config_schema import SCHEMA_FILE, schema_text
from tests.conftest import PROJECT_DIR, STACKS

SCHEMA = json.loads((PROJECT_DIR / SCHEMA_FILE).read_text())


def _stack(stack: str) -> dict[str, Any]:
    return yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())


def test_the_shipped_schema_is_generated_from_the_settings_models() -> None:
    assert (PROJECT_DIR / SCHEMA_FILE).read_text() == schema_text(), (
        "run python -m infra.config_schema --write"
    )


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_file_names_and_satisfies_the_schema(stack: str) -> None:
    text = (PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text()
    assert text.startswith(f"# yaml-language-server: $schema={SCHEMA_FILE}\n")
    jsonschema.validate(_stack(stack), SCHEMA)


def test_a_misspelled_key_and_a_plaintext_secret_fail_the_schema() -> None:
    document = copy.deepcopy(_stack("prod"))
    document["config"]["observability:logs"]["retentionDyas"] = 14
    with pytest.raises(jsonschema.ValidationError, match="retentionDyas"):
        jsonschema.validate(document, SCHEMA)
    document = copy.deepcopy(_stack("prod"))
    document["config"]["observability:pagerdutyIntegrationKey"] = "in-plaintext"
    with pytest.raises(jsonschema.ValidationError, match="is not of type 'object'"):
        jsonschema.validate(document, SCHEMA)
