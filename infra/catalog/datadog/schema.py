"""JSON Schemas of the Datadog catalog files, generated from their pydantic models.

The generated files live in ``schemas/`` so editors complete and check catalog files through the
``# yaml-language-server: $schema=...`` line at their top. A test keeps them equal to the models.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from infra.catalog.datadog.models import MonitorCatalogFile
from infra.catalog.datadog.pipeline_models import PipelineDefinition
from infra.catalog.safe_files import write_atomically

SCHEMA_DIR = Path("schemas")
SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "datadog-monitors.schema.json": MonitorCatalogFile,
    "datadog-pipelines.schema.json": PipelineDefinition,
}


def generated_schemas() -> dict[str, str]:
    """File name -> schema text, exactly as written to ``schemas/``."""
    result = {}
    for file_name, model in SCHEMA_MODELS.items():
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **model.model_json_schema()}
        result[file_name] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    return result


def write_schemas(root: Path) -> list[Path]:
    written = []
    for file_name, text in generated_schemas().items():
        path = root / SCHEMA_DIR / file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, text)
        written.append(path)
    return written
