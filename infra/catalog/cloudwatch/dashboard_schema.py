"""The JSON Schema of a CloudWatch dashboard file (``cloudwatch-dashboards/*.json``).

Written from AWS's reference "Dashboard Body Structure and Syntax" (botocore and cfn-lint carry the
body as an opaque string, so no machine-readable model exists): top-level keys, widget types and
their grid, and the properties of each widget type with their enums and ranges. What a schema
cannot say (the positional metric arrays, regions, statistics) is checked in
:mod:`infra.catalog.cloudwatch.dashboards`. ``python -m infra.catalog.cloudwatch --write-schema``
writes it to ``schemas/`` for editors.
"""

from __future__ import annotations

import json
from typing import Any

DASHBOARD_SCHEMA = "schemas/cloudwatch-dashboard.schema.json"

BODY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "CloudWatch dashboard body (cloudwatch-dashboards/*.json)",
    "description": "The body of a CloudWatch dashboard as the console's 'View/edit source' shows it, "
    "following AWS's 'Dashboard Body Structure and Syntax'. Strings may hold ${region}, "
    "${environment}, ${logGroupPrefix} and ${resources.<key>} (observability:cloudwatch.resources), "
    "filled per stack.",
    "type": "object",
    "required": ["widgets"],
    "additionalProperties": False,
    "properties": {
        "widgets": {"type": "array", "maxItems": 500, "items": {"$ref": "#/$defs/widget"}},
        "variables": {"type": "array", "maxItems": 25, "items": {"$ref": "#/$defs/variable"}},
        "start": {"type": "string", "pattern": "^(-P(T\\d+[MH]|\\d+[DWM])|\\d{4}-\\d{2}-\\d{2}T.+)$"},
        "end": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}T.+$"},
        "periodOverride": {"enum": ["auto", "inherit"]},
    },
    "dependentRequired": {"end": ["start"]},
    "$defs": {
        "axisSide": {
            "type": "object",
            "properties": {
                "label": {"type": "string"},
                "min": {"type": "number"},
                "max": {"type": "number"},
                "showUnits": {"type": "boolean"},
            },
            "additionalProperties": False,
        },
        "widget": {
            "type": "object",
            "required": ["type", "properties"],
            "additionalProperties": False,
            "properties": {
                "type": {"enum": ["metric", "text", "log", "alarm", "explorer", "custom"]},
                "x": {"type": "integer", "minimum": 0, "maximum": 23},
                "y": {"type": "integer", "minimum": 0},
                "width": {"type": "integer", "minimum": 1, "maximum": 24},
                "height": {"type": "integer", "minimum": 1, "maximum": 1000},
                "properties": {"type": "object"},
            },
            "dependentRequired": {"x": ["y"], "y": ["x"]},
            "allOf": [
                {
                    "if": {"properties": {"type": {"const": "metric"}}},
                    "then": {"properties": {"properties": {"$ref": "#/$defs/metricProperties"}}},
                },
                {
                    "if": {"properties": {"type": {"const": "text"}}},
                    "then": {"properties": {"properties": {"$ref": "#/$defs/textProperties"}}},
                },
                {
                    "if": {"properties": {"type": {"const": "log"}}},
                    "then": {"properties": {"properties": {"$ref": "#/$defs/logProperties"}}},
                },
                {
                    "if": {"properties": {"type": {"const": "alarm"}}},
                    "then": {"properties": {"properties": {"$ref": "#/$defs/alarmProperties"}}},
                },
                {
                    "if": {"properties": {"type": {"const": "explorer"}}},
                    "then": {"properties": {"properties": {"$ref": "#/$defs/explorerProperties"}}},
                },
            ],
        },
        "metricProperties": {
            "type": "object",
            "anyOf": [{"required": ["metrics"]}, {"required": ["annotations"]}],
            "properties": {
                "metrics": {"type": "array", "maxItems": 500, "items": {"type": "array", "minItems": 1}},
                "annotations": {
                    "type": "object",
                    "properties": {
                        "alarms": {"type": "array", "maxItems": 1, "items": {"type": "string"}},
                        "horizontal": {"type": "array"},
                        "vertical": {"type": "array"},
                    },
                },
                "region": {"type": "string"},
                "accountId": {"type": "string"},
                "liveData": {"type": "boolean"},
                "legend": {
                    "type": "object",
                    "properties": {"position": {"enum": ["right", "bottom", "hidden"]}},
                },
                "period": {"type": "integer", "minimum": 60, "multipleOf": 60},
                "sparkline": {"type": "boolean"},
                "stacked": {"type": "boolean"},
                "stat": {"type": "string"},
                "table": {
                    "type": "object",
                    "properties": {
                        "layout": {"enum": ["vertical", "horizontal"]},
                        "stickySummary": {"type": "boolean"},
                        "showTimeSeriesData": {"type": "boolean"},
                        "summaryColumns": {"type": "array", "items": {"enum": ["MIN", "MAX", "SUM", "AVG"]}},
                    },
                },
                "timezone": {"type": "string", "pattern": "^[+-]\\d{4}$"},
                "title": {"type": "string"},
                "view": {"enum": ["timeSeries", "singleValue", "gauge", "bar", "pie", "table"]},
                "yAxis": {
                    "type": "object",
                    "properties": {
                        "left": {"$ref": "#/$defs/axisSide"},
                        "right": {"$ref": "#/$defs/axisSide"},
                    },
                    "additionalProperties": False,
                },
            },
        },
        "textProperties": {
            "type": "object",
            "required": ["markdown"],
            "properties": {"markdown": {"type": "string"}, "background": {"enum": ["transparent", "solid"]}},
        },
        "logProperties": {
            "type": "object",
            "required": ["query"],
            "properties": {
                "query": {"type": "string", "minLength": 1},
                "region": {"type": "string"},
                "accountId": {"type": "string"},
                "title": {"type": "string"},
                "view": {"enum": ["table", "timeSeries", "bar", "pie"]},
            },
        },
        "alarmProperties": {
            "type": "object",
            "required": ["alarms"],
            "properties": {
                "alarms": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "string"}},
                "sortBy": {"enum": ["default", "stateUpdatedTimestamp", "timestamp"]},
                "states": {"type": "array", "items": {"enum": ["ALARM", "INSUFFICIENT_DATA", "OK"]}},
                "title": {"type": "string"},
            },
        },
        "explorerProperties": {
            "type": "object",
            "required": ["metrics", "labels"],
            "properties": {
                "metrics": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 100,
                    "items": {"type": "object", "required": ["metricName", "resourceType"]},
                },
                "labels": {"type": "array", "items": {"type": "object", "required": ["key"]}},
                "period": {"type": "integer", "minimum": 60, "multipleOf": 60},
                "splitBy": {"type": "string"},
                "title": {"type": "string"},
            },
        },
        "variable": {
            "type": "object",
            "required": ["type", "inputType", "id"],
            "properties": {
                "type": {"enum": ["property", "pattern"]},
                "inputType": {"enum": ["input", "select", "radio"]},
                "id": {"type": "string", "pattern": "^[0-9A-Za-z_-]{1,32}$"},
                "label": {"type": "string", "maxLength": 30},
                "property": {"type": "string"},
                "pattern": {"type": "string"},
                "values": {"type": "array", "minItems": 1, "maxItems": 500},
                "search": {"type": "string", "maxLength": 2048},
                "populateFrom": {"type": "string"},
                "defaultValue": {"type": ["string", "number", "boolean"]},
                "visible": {"type": "boolean"},
            },
        },
    },
}


def dashboard_schema_text() -> str:
    return json.dumps(BODY_SCHEMA, indent=2) + "\n"
