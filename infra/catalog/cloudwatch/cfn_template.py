"""Reading a CloudFormation template for an import: JSON or YAML, short-form intrinsics, defaults.

cfn-lint's decoder reads both formats and turns ``!Sub``, ``!Ref``, ``!GetAtt``... into their long
forms, reporting a broken template with its line. Parameters with a ``Default`` are then resolved
where they are used (``Ref`` and ``${Name}`` in ``Fn::Sub``), as CloudFormation would when the
stack is created without overrides; a parameter without a default and a reference to another
resource stay references, which the importers turn into ``${resources.<key>}`` for each stack to set.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from infra.errors import DefinitionError

_SUB_REFERENCE = re.compile(r"\$\{(?!!)([^}]+)\}")


def read_template(text: str, source: str) -> dict[str, Any]:
    from cfnlint.decode import decode_str

    template, matches = decode_str(text)
    if matches or template is None:
        messages = [f"line {m.linenumber}: {m.message}" for m in matches] or ["is not a template"]
        raise DefinitionError.single(source, "", "is not a CloudFormation template: " + "; ".join(messages))
    plain = json.loads(json.dumps(template))
    if not isinstance(plain, dict) or not isinstance(plain.get("Resources"), dict):
        raise DefinitionError.single(source, "Resources", "is missing: this is not a CloudFormation template")
    return resolve_parameter_defaults(plain)


def resolve_parameter_defaults(template: Mapping[str, Any]) -> dict[str, Any]:
    """The template with every use of a parameter that has a ``Default`` replaced by that default."""
    defaults: dict[str, Any] = {}
    for name, spec in (template.get("Parameters") or {}).items():
        if isinstance(spec, dict) and "Default" in spec:
            default = spec["Default"]
            if spec.get("Type") == "Number" and isinstance(default, str):
                default = float(default) if "." in default else int(default)
            defaults[name] = default
    return {**template, "Resources": _resolve(template["Resources"], defaults)}


def _resolve(node: Any, defaults: Mapping[str, Any]) -> Any:
    if isinstance(node, list):
        return [_resolve(item, defaults) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"} and node["Ref"] in defaults:
        return defaults[node["Ref"]]
    if set(node) == {"Fn::Sub"}:
        return _sub(node["Fn::Sub"], defaults)
    return {key: _resolve(value, defaults) for key, value in node.items()}


def _sub(argument: Any, defaults: Mapping[str, Any]) -> Any:
    text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
    if not isinstance(text, str) or not isinstance(variables, dict):
        return {"Fn::Sub": argument}
    known = {**defaults, **{k: v for k, v in variables.items() if not isinstance(v, (dict, list))}}
    remaining = {k: v for k, v in variables.items() if k not in known}

    def value(match: re.Match[str]) -> str:
        name = match[1]
        return str(known[name]) if name in known else match[0]

    resolved = _SUB_REFERENCE.sub(value, text)
    if _SUB_REFERENCE.search(resolved) or remaining:
        return {"Fn::Sub": resolved if not remaining else [resolved, remaining]}
    return resolved.replace("${!", "${")


IMPORTED_TYPES = (
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::CompositeAlarm",
    "AWS::CloudWatch::Dashboard",
    "AWS::Logs::MetricFilter",
    "AWS::Logs::QueryDefinition",
)


def dashboard_bodies(template: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Logical id -> dashboard body of every ``AWS::CloudWatch::Dashboard``, with what stays a
    reference turned into a placeholder a stack fills: ``${AWS::Region}`` -> ``${region}``, another
    resource or a parameter without default -> ``${resources.<key>}``."""
    bodies: dict[str, Any] = {}
    for logical_id, resource in template["Resources"].items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::CloudWatch::Dashboard":
            continue
        where = f"Resources.{logical_id}.Properties.DashboardBody"
        text = placeholders(((resource.get("Properties") or {}).get("DashboardBody")), source, where)
        try:
            bodies[logical_id] = json.loads(text)
        except ValueError as error:
            raise DefinitionError.single(source, where, f"is not a JSON dashboard body: {error}") from None
    return bodies


def resource_key(logical_id: str) -> str:
    """The ``${resources.<key>}`` a reference to ``logical_id`` becomes: ``WebServerGroup`` -> ``webServerGroup``."""
    return logical_id[:1].lower() + logical_id[1:]


def placeholders(value: Any, source: str, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return _reference(str(value["Ref"]), source, where)
    if isinstance(value, dict) and set(value) == {"Fn::Sub"}:
        argument = value["Fn::Sub"]
        text = argument if isinstance(argument, str) else argument[0]
        variables = {} if isinstance(argument, str) else argument[1]
        if variables:
            raise DefinitionError.single(source, where, "uses Fn::Sub variables that are not literals")
        return _SUB_REFERENCE.sub(lambda m: _reference(m[1], source, where), text).replace("${!", "${")
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return str(separator).join(placeholders(part, source, where) for part in parts)
    raise DefinitionError.single(
        source, where, f"{json.dumps(value)[:80]} has no placeholder a stack can fill"
    )


def _reference(name: str, source: str, where: str) -> str:
    if name == "AWS::Region":
        return "${region}"
    if name.startswith("AWS::") or "." in name:
        raise DefinitionError.single(
            source,
            where,
            f"${{{name}}} has no stack equivalent: replace it with a literal or a ${{resources.<key>}}",
        )
    return f"${{resources.{resource_key(name)}}}"
