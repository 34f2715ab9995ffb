"""Replays a recorded plan against moto: every AWS resource, in dependency order, with real values.

The plan carries values only an apply knows as ``${<logical name>.<property>}`` (the runner's mocks
return ids as ``<logical name>-id``). Each resource is sent once its dependencies exist in moto, with
those references replaced by what moto returned for them, so ARNs inside JSON policies, key ids and
bucket names are the ones AWS would see.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.models import botocore_stubber

from obsctl.plan import SECRET_MASK, UNKNOWN, PlannedResource, Unknown, reveal
from tests.contract.moto_replay.constraints import ModelConstraintError
from tests.contract.moto_replay.context import Outputs, Replayer, ReplayState, ResourceContext
from tests.contract.moto_replay.errors import Rejection, ReplayError, ReplayFailed
from tests.contract.moto_replay.inputs import Inputs
from tests.contract.moto_replay.registry import REPLAYERS

TOKEN = re.compile(r"\$\{(?P<name>[^{}]+?)\.(?P<prop>[A-Za-z][A-Za-z0-9]*)\}")
STACK_VALUES = "aws"
"""``${aws.accountId}`` and friends: the caller identity the program looked up."""

NOT_REPLAYED: dict[str, str] = {}
"""AWS type token -> why it is deliberately not replayed. Empty: every AWS type must have a replayer."""


@dataclass
class ReplayReport:
    replayed: list[str] = field(default_factory=list)
    """Resource keys (``type::name``) in the order they were sent."""
    model_only: dict[str, str] = field(default_factory=dict)
    """Resource key -> why its request was checked against the service model only (moto lacks the call)."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Resource key -> the reviewed reason in :data:`NOT_REPLAYED`."""
    outputs: dict[str, Outputs] = field(default_factory=dict)


def unreplayed_types(resources: Iterable[PlannedResource]) -> dict[str, list[str]]:
    """AWS resource types in ``resources`` that no replayer covers, with the logical names using them."""
    missing: dict[str, list[str]] = {}
    for resource in resources:
        if _is_aws(resource) and resource.type not in REPLAYERS and resource.type not in NOT_REPLAYED:
            missing.setdefault(resource.type, []).append(resource.name)
    return missing


def replay(
    resources: Sequence[PlannedResource], *, region: str, account_id: str = DEFAULT_ACCOUNT_ID
) -> ReplayReport:
    """Creates every AWS resource of ``resources`` in moto; call it inside ``mock_aws()``.

    Raises :class:`ReplayFailed` listing every refused resource (and those that depend on one).
    """
    if not botocore_stubber.enabled:
        raise RuntimeError("replay() must run inside moto's mock_aws(): it would otherwise call AWS")
    order, dependencies = replay_order(resources)
    state = ReplayState(region=region, account_id=account_id)
    report = ReplayReport(outputs=state.outputs, model_only=state.model_only)
    rejections: list[Rejection] = []
    refused: set[str] = set()
    for resource in order:
        blocked = sorted(dependencies[resource.name] & refused)
        replayer = REPLAYERS.get(resource.type)
        if blocked:
            problem = f"not replayed: depends on refused {', '.join(blocked)}"
        elif resource.type in NOT_REPLAYED:
            report.skipped[resource.key] = NOT_REPLAYED[resource.type]
            continue
        elif replayer is None:
            problem = "no replayer for this AWS resource type (add one in tests/contract/moto_replay)"
        else:
            try:
                state.outputs[resource.name] = _replay_one(
                    state, resource, replayer, dependencies[resource.name]
                )
                report.replayed.append(resource.key)
                continue
            except Exception as error:  # every refusal is reported, whichever layer raised it
                problem = _masked(describe(error), resource)
        rejections.append(Rejection(resource.key, problem))
        refused.add(resource.name)
    if rejections:
        raise ReplayFailed(rejections)
    return report


def replay_order(resources: Sequence[PlannedResource]) -> tuple[list[PlannedResource], dict[str, set[str]]]:
    """The AWS resources of the plan, each after everything it depends on, and those dependencies.

    A dependency on a component stands for every custom resource under it.
    """
    aws = [r for r in resources if _is_aws(r)]
    by_name: dict[str, PlannedResource] = {}
    for resource in aws:
        if resource.name in by_name:
            raise ReplayError(f"two AWS resources are named {resource.name}: references to it are ambiguous")
        by_name[resource.name] = resource
    children: dict[str, list[str]] = {}
    for resource in resources:
        if resource.parent is not None:
            children.setdefault(resource.parent, []).append(resource.name)

    def expand(name: str) -> set[str]:
        if name in by_name:
            return {name}
        return {custom for child in children.get(name, []) for custom in expand(child)}

    dependencies: dict[str, set[str]] = {}
    for resource in aws:
        named = set(resource.depends_on) | {
            n for deps in resource.property_dependencies.values() for n in deps
        }
        named |= {m["name"] for m in _tokens(reveal(resource.inputs))}
        dependencies[resource.name] = {d for n in named for d in expand(n)} - {resource.name}
    sorter = TopologicalSorter({name: sorted(deps) for name, deps in dependencies.items()})
    try:
        ordered = list(sorter.static_order())
    except CycleError as error:
        raise ReplayError(f"dependency cycle between {', '.join(error.args[1])}") from None
    return [by_name[name] for name in ordered], dependencies


def _replay_one(
    state: ReplayState, resource: PlannedResource, replayer: Replayer, dependencies: set[str]
) -> Outputs:
    values = substitute(reveal(resource.inputs), state, dependencies, "")
    region = values.pop("region", None) or state.region
    inputs = Inputs(values)
    outputs = replayer(ResourceContext(state, resource, region), inputs)
    unread = inputs.unread()
    if unread:
        raise ReplayError(
            f"input(s) {', '.join(unread)} not replayed: map them in the {resource.type} replayer "
            "or declare them provider-only there"
        )
    return outputs


def substitute(value: Any, state: ReplayState, dependencies: set[str], path: str) -> Any:
    """``value`` with every reference to an apply-time value replaced by what moto returned."""
    if isinstance(value, Unknown) or value == UNKNOWN:  # reveal() renders an Unknown as its mask
        raise ReplayError(
            f"input {path or '.'} is only known after apply: the plan does not say what AWS receives"
        )
    if isinstance(value, dict):
        return {k: substitute(v, state, dependencies, f"{path}.{k}" if path else k) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, state, dependencies, f"{path}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value
    stack_values = {
        "accountId": state.account_id,
        "callerArn": f"arn:aws:sts::{state.account_id}:user/moto",
        "userId": "AKIAIOSFODNN7EXAMPLE",
    }

    def resolve(match: re.Match[str]) -> str:
        name, prop = match["name"], match["prop"]
        known = stack_values if name == STACK_VALUES else state.outputs.get(name, {})
        return known.get(prop, match[0])

    text = TOKEN.sub(resolve, value)
    for name in sorted(dependencies & state.outputs.keys(), key=len, reverse=True):
        text = re.sub(rf"(?<![\w.-]){re.escape(name)}-id(?![\w-])", state.outputs[name]["id"], text)
    left = TOKEN.search(text)
    if left:
        raise ReplayError(f"input {path or '.'} still holds {left[0]}: no replayed resource provides it")
    return text


def describe(error: Exception) -> str:
    if isinstance(error, ClientError):
        detail = error.response.get("Error", {})
        return f"moto refused {error.operation_name}: {detail.get('Code')}: {detail.get('Message')}"
    if isinstance(error, ParamValidationError):
        return f"botocore refused the request: {error}".replace("\n", " ")
    if isinstance(error, ReplayError | ModelConstraintError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _masked(message: str, resource: PlannedResource) -> str:
    """The message without the resource's secrets: moto and botocore quote values they refuse."""
    for path in resource.secret_paths():
        value = _at(reveal(resource.inputs), path)
        if isinstance(value, str) and value:
            message = message.replace(value, SECRET_MASK)
    return message


def _at(value: Any, path: str) -> Any:
    """The value at a path of :meth:`PlannedResource.secret_paths` (``a.b[0].c``; ``.`` is the root)."""
    for step in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        value = value[int(step[1:-1])] if step.startswith("[") else value[step]
    return value


def _is_aws(resource: PlannedResource) -> bool:
    return resource.custom and resource.type.startswith("aws:")


def _tokens(value: Any) -> list[re.Match[str]]:
    if isinstance(value, dict):
        return [m for v in value.values() for m in _tokens(v)]
    if isinstance(value, list):
        return [m for v in value for m in _tokens(v)]
    if isinstance(value, str):
        return [m for m in TOKEN.finditer(value) if m["name"] != STACK_VALUES]
    return []
