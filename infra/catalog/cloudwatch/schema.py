"""JSON Schemas of the catalog files, generated from the models (editors complete with them)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from infra.catalog.cloudwatch.models import AlarmFile, LogMetricsFile
from infra.catalog.cloudwatch.queries import QUERIES_SCHEMA, QueryFile

ALARMS_SCHEMA = "schemas/cloudwatch-alarms.schema.json"
LOG_METRICS_SCHEMA = "schemas/cloudwatch-log-metrics.schema.json"
SCHEMA_FILES: dict[str, type[BaseModel]] = {
    ALARMS_SCHEMA: AlarmFile,
    LOG_METRICS_SCHEMA: LogMetricsFile,
    QUERIES_SCHEMA: QueryFile,
}


def generated_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def schema_text(model: type[BaseModel]) -> str:
    return json.dumps(generated_schema(model), indent=2, sort_keys=False) + "\n"
