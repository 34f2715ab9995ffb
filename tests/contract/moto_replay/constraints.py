"""The request constraints of the published AWS service models that botocore and moto leave unchecked.

botocore's parameter validation (on by default, and forced on here) checks required members, types
and minimums. The same models also carry enums, maximum lengths and values, and patterns, which the
AWS front end enforces ("Member must satisfy enum value set") but botocore and moto do not: moto
accepts ``ComparisonOperator="GreaterThanish"``. This module checks those from the model itself, for
every request a replay sends and for the requests of operations moto does not implement.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import regex
from botocore.config import Config
from botocore.model import ListShape, MapShape, Shape, StructureShape
from botocore.validate import validate_parameters

CLIENT_CONFIG = Config(parameter_validation=True, retries={"max_attempts": 1})


class ModelConstraintError(ValueError):
    """A request breaks an enum, length, range or pattern constraint of the service model."""


def violations(value: Any, shape: Shape, path: str) -> list[str]:
    """Every constraint of ``shape`` (recursively) that ``value`` breaks, one line each."""
    found: list[str] = []
    limits = shape.metadata
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        for name, item in value.items():
            if name in shape.members:
                found += violations(item, shape.members[name], f"{path}.{name}" if path else name)
    elif isinstance(shape, ListShape) and isinstance(value, list):
        if "max" in limits and len(value) > limits["max"]:
            found.append(f"{path}: {len(value)} items, at most {limits['max']} allowed")
        for i, item in enumerate(value):
            found += violations(item, shape.member, f"{path}[{i}]")
    elif isinstance(shape, MapShape) and isinstance(value, dict):
        if "max" in limits and len(value) > limits["max"]:
            found.append(f"{path}: {len(value)} entries, at most {limits['max']} allowed")
        for key, item in value.items():
            found += violations(key, shape.key, f"{path} key {key!r}")
            found += violations(item, shape.value, f"{path}.{key}")
    elif shape.type_name == "string" and isinstance(value, str):
        found += _string_violations(value, shape, path)
    elif shape.type_name in ("integer", "long", "double", "float") and isinstance(value, int | float):
        if "max" in limits and value > limits["max"]:
            found.append(f"{path}: {value} is above the maximum {limits['max']}")
        if "min" in limits and value < limits["min"]:
            found.append(f"{path}: {value} is below the minimum {limits['min']}")
    return found


def _string_violations(value: str, shape: Shape, path: str) -> list[str]:
    found: list[str] = []
    if shape.enum and value not in shape.enum:
        found.append(f"{path}: {value!r} is not one of {', '.join(shape.enum)}")
    if "max" in shape.metadata and len(value) > shape.metadata["max"]:
        found.append(f"{path}: {len(value)} characters, at most {shape.metadata['max']} allowed")
    pattern = shape.metadata.get("pattern")
    # The AWS front end matches the whole value ("Member must satisfy regular expression pattern").
    if pattern and _compiled(pattern).fullmatch(value) is None:
        found.append(f"{path}: {value!r} does not match the pattern {pattern}")
    return found


@cache
def _compiled(pattern: str) -> regex.Pattern[str]:
    # The models use Java/ECMAScript classes such as \p{L}; the `regex` module reads them, `re` does not.
    return regex.compile(pattern)


def _check_request(params: dict[str, Any], model: Any, **_: Any) -> None:
    problems = violations(params, model.input_shape, "") if model.input_shape is not None else []
    if problems:
        raise ModelConstraintError(
            f"{model.service_model.service_name}.{model.name} breaks its service model: "
            + "; ".join(problems)
        )


def enforce_model_constraints(client: Any) -> Any:
    """Makes every call of ``client`` check the model's constraints before botocore serialises it."""
    assert client.meta.config.parameter_validation, "botocore parameter validation must stay on"
    client.meta.events.register("before-parameter-build", _check_request)
    return client


def validate_request(client: Any, operation_name: str, params: dict[str, Any]) -> None:
    """Everything a call would check before leaving the client, without sending it.

    For operations moto does not implement: botocore's own validation, then the model's constraints.
    """
    model = client.meta.service_model.operation_model(operation_name)
    validate_parameters(params, model.input_shape)
    _check_request(params, model)
