"""Checks AWS makes on create that moto skips, each delegated to a maintained source of the rule.

* Policy documents: moto's own IAM policy grammar (the one behind its ``CreatePolicy``), applied to
  every policy a resource carries: key, topic, bucket and log resource policies, which moto stores
  unread, and role trust policies, which moto's ``CreateRole`` does not check.
* Key policies: a log group's KMS key must let the regional CloudWatch Logs principal use it for
  that group's ARN; AWS checks this on CreateLogGroup, moto stores any key id.
* Property values the API models describe only in prose (log retention days, bucket names, the KMS
  deletion window): the CloudFormation resource schemas shipped with cfn-lint, which list them.
"""

from __future__ import annotations

import fnmatch
import json
from functools import cache
from typing import Any, Literal

import jsonschema
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
from moto.iam.exceptions import MalformedPolicyDocument
from moto.iam.policy_validation import IAMPolicyDocumentValidator, IAMTrustPolicyDocumentValidator

from tests.contract.moto_replay.errors import ReplayError

PolicyKind = Literal["identity", "trust", "resource"]


def check_policy_document(document: Any, kind: PolicyKind, where: str) -> str:
    """The document, if AWS would parse it as a ``kind`` policy; otherwise a :class:`ReplayError`."""
    if not isinstance(document, str):
        raise ReplayError(f"input {where} should be a JSON policy string, got {type(document).__name__}")
    validator = IAMTrustPolicyDocumentValidator if kind == "trust" else IAMPolicyDocumentValidator
    try:
        validator(document).validate()
    except MalformedPolicyDocument as error:
        raise ReplayError(f"input {where} is not a valid {kind} policy: {error.message}") from None
    if kind in ("resource", "trust"):
        statements = json.loads(document)["Statement"]
        for index, statement in enumerate(statements if isinstance(statements, list) else [statements]):
            if "Principal" not in statement and "NotPrincipal" not in statement:
                raise ReplayError(f"input {where}: statement {index} of a {kind} policy names no Principal")
    return document


@cache
def _property_validator(cfn_type: str, prop: str, region: str) -> jsonschema.protocols.Validator:
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, cfn_type).schema
    subschema = {**schema["properties"][prop], "definitions": schema.get("definitions", {})}
    return jsonschema.Draft7Validator(subschema)


def check_cloudformation_property(cfn_type: str, prop: str, value: Any, where: str, region: str) -> Any:
    """``value``, if the CloudFormation schema of ``cfn_type`` accepts it for ``prop``."""
    error = jsonschema.exceptions.best_match(_property_validator(cfn_type, prop, region).iter_errors(value))
    if error is not None:
        allowed = error.schema.get("enum") if isinstance(error.schema, dict) else None
        detail = f"allowed: {', '.join(map(str, allowed))}" if allowed else error.message
        raise ReplayError(f"input {where} = {value!r} is refused for {cfn_type}.{prop} ({detail})")
    return value


def check_json(document: Any, where: str) -> str:
    if not isinstance(document, str):
        raise ReplayError(f"input {where} should be a JSON string, got {type(document).__name__}")
    try:
        json.loads(document)
    except json.JSONDecodeError as error:
        raise ReplayError(f"input {where} is not JSON: {error}") from None
    return document


def check_key_policy_grants(
    policy_text: str, service: str, actions: tuple[str, ...], context: dict[str, str], where: str
) -> None:
    """The key policy lets ``service`` perform ``actions`` in a request carrying ``context``.

    Service principals get nothing from the account's IAM policies: only the key policy can let
    CloudWatch Logs use a key, and AWS checks it when the log group is created.
    """
    statements = json.loads(policy_text).get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal", {})
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        granted = _as_list(statement.get("Action", []))
        if (
            statement.get("Effect") == "Allow"
            and service in _as_list(services)
            and all(any(fnmatch.fnmatchcase(action, pattern) for pattern in granted) for action in actions)
            and _conditions_hold(statement.get("Condition", {}), context)
        ):
            return
    raise ReplayError(
        f"input {where}: the key policy does not let {service} use the key ({', '.join(actions)}) for "
        + ", ".join(f"{k}={v}" for k, v in context.items())
    )


def _conditions_hold(conditions: dict[str, dict[str, Any]], context: dict[str, str]) -> bool:
    """Whether the ``Condition`` block holds for a request with ``context``; unknown operators do not."""
    matchers = {
        "StringEquals": lambda actual, expected: actual == expected,
        "ArnEquals": lambda actual, expected: actual == expected,
        "StringLike": fnmatch.fnmatchcase,
        "ArnLike": fnmatch.fnmatchcase,
    }
    for operator, pairs in conditions.items():
        matcher = matchers.get(operator)
        for key, expected in pairs.items():
            actual = context.get(key)
            if matcher is None or actual is None or not any(matcher(actual, e) for e in _as_list(expected)):
                return False
    return True


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
