"""Runs the real Pulumi program of a stack offline, under the SDK's mock runtime, in preview mode.

The program is ``__main__.py`` with the stack's own ``Pulumi.<stack>.yaml``: nothing is forked or
stubbed. A recording monitor keeps every RegisterResource request (inputs, secrets, options,
dependencies). Values a provider computes at apply time (ARNs, ids) come back as
``${<logical name>.<property>}`` so that the plan shows which resource they come from.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import runpy
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_in_stack, wait_for_rpcs
from pulumi.runtime.sync_await import _sync_await

from infra.config import (
    DEFINITIONS_DIR_KEY,
    NAMESPACE,
    PROJECT,
    load_settings,
    missing_secrets,
    required_secrets,
)
from obsctl.plan import Plan, PlannedResource, Secret, Unknown
from obsctl.stackfile import SECRET_PLACEHOLDER, StackFile, read_stack_file

COMPUTED_ACCOUNT_ID = "${aws.accountId}"


_PLACEHOLDER_ROOT = object()


class PlanFailed(Exception):
    """The program rejected its input; the message is for the user, as-is."""


@dataclass
class _Recording:
    resources: list[PlannedResource]
    outputs: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


class _WarningCollector(logging.Handler):
    """Receives what the program logs through ``pulumi.log``, as the engine would show it."""

    def __init__(self, recording: _Recording) -> None:
        super().__init__(level=logging.WARNING)
        self.recording = recording

    def emit(self, record: logging.LogRecord) -> None:
        self.recording.warnings.append(record.getMessage())


class PlanMocks(pulumi_mocks.Mocks):
    """Stands in for the providers: echoes inputs and names the values only an apply would know."""

    def __init__(self, region: str) -> None:
        self.region = region

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        state = dict(args.inputs)
        token = f"${{{args.name}"
        state.setdefault("id", f"{token}.id}}")
        if args.typ.startswith("aws:"):
            state.setdefault("arn", f"{token}.arn}}")
            if args.typ == "aws:kms/key:Key":
                state.setdefault("keyId", f"{token}.keyId}}")
        return f"${{{args.name}.id}}", state

    def call(self, args: pulumi_mocks.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": COMPUTED_ACCOUNT_ID,
                "arn": "${aws.callerArn}",
                "userId": "${aws.userId}",
                "id": COMPUTED_ACCOUNT_ID,
            }
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": self.region, "region": self.region, "id": self.region}
        raise NotImplementedError(f"obsctl plan cannot evaluate the data source {args.token} offline")


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, keeping the full registration request of every resource."""

    def __init__(self, mocks: pulumi_mocks.Mocks, recording: _Recording) -> None:
        super().__init__(mocks)
        self.recording = recording
        self.names_by_urn: dict[str, str] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        urn = response.urn
        self.names_by_urn[urn] = request.name
        raw = json_format.MessageToDict(request.object, preserving_proto_field_name=True)
        self.recording.resources.append(
            PlannedResource(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=self._name(request.parent) if _is_resource(request.parent) else None,
                parent_urn=request.parent if _is_resource(request.parent) else None,
                custom=bool(request.custom),
                inputs=_decode(raw),
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                depends_on=[self._name(u) for u in request.dependencies],
                ignore_changes=list(request.ignoreChanges),
                property_dependencies={
                    key: sorted(self._name(u) for u in deps.urns)
                    for key, deps in request.propertyDependencies.items()
                    if deps.urns
                },
                provider=request.provider.split("::")[-2] if request.provider else None,
            )
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        if "::pulumi:pulumi:Stack::" in request.urn:
            self.recording.outputs = _decode(json_format.MessageToDict(request.outputs))
        return super().RegisterResourceOutputs(request)

    def _name(self, urn: str) -> str:
        return self.names_by_urn.get(urn, urn.split("::")[-1])


def _is_resource(urn: str) -> bool:
    return bool(urn) and "::pulumi:pulumi:Stack::" not in urn


def _decode(value: Any) -> Any:
    """Protobuf JSON back to plain values, with secrets and unknowns marked."""
    if isinstance(value, dict):
        signature = value.get(rpc._special_sig_key)
        if signature == rpc._special_secret_sig:
            return Secret(_decode(value.get("value")))
        if signature == rpc._special_resource_sig:
            return {"urn": value.get("urn")}
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if value == rpc.UNKNOWN:
        return Unknown()
    if isinstance(value, float) and value.is_integer():
        # Protobuf carries every number as a double; the program wrote an int.
        return int(value)
    return value


def plan_stack(
    project_dir: Path,
    stack: str,
    *,
    definitions_dir: Path | None = None,
    config: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
) -> Plan:
    """Run ``__main__.py`` for ``stack`` and return every resource it registered.

    Raises :class:`DefinitionError` for invalid config or definitions (no resource is recorded then),
    and :class:`PlanFailed` when the program itself stops with an error.
    ``config`` and ``secrets`` add or replace keys of the stack file (full keys, string values).
    """
    root = (definitions_dir or project_dir).resolve()
    extra = {
        f"{NAMESPACE}{DEFINITIONS_DIR_KEY}": str(root),
        # Provider credential checks call their APIs at plan time; offline there is nothing to call.
        "datadog:validate": "false",
        **(config or {}),
        **(secrets or {}),
    }
    stack_file = read_stack_file(project_dir, stack, extra, secret_keys=set(secrets or {}))
    settings = load_settings(stack_file.raw)
    missing = missing_secrets(settings)
    required = required_secrets(settings)
    raw = _with_placeholders(stack_file, [spec.key for spec in missing])

    recording = _Recording(resources=[], outputs={})
    context = contextvars.Context()
    context.run(_run_program, project_dir, raw.raw, settings.region, recording)
    return Plan(
        project=PROJECT,
        stack=stack,
        resources=recording.resources,
        outputs=recording.outputs,
        missing_secrets=missing,
        required_secrets=required,
        warnings=recording.warnings,
        settings=settings,
        definitions_root=root,
    )


def _with_placeholders(stack_file: StackFile, missing: list[str]) -> StackFile:
    """A secret nobody configured still plans, as a masked placeholder; the CLI lists it."""
    if not missing:
        return stack_file
    values = dict(stack_file.raw.values)
    secret_keys = set(stack_file.raw.secret_keys)
    for key in missing:
        values[f"{NAMESPACE}{key}"] = SECRET_PLACEHOLDER
        secret_keys.add(f"{NAMESPACE}{key}")
    raw = type(stack_file.raw)(stack=stack_file.raw.stack, values=values, secret_keys=frozenset(secret_keys))
    return StackFile(path=stack_file.path, raw=raw, encrypted_keys=stack_file.encrypted_keys)


def _give_thread_a_loop(loops: list[asyncio.AbstractEventLoop]) -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loops.append(loop)


async def _execute(program: Path) -> None:
    runpy.run_path(str(program), run_name="__main__")
    # What the program registered is in flight now. Awaiting those registrations one after another
    # costs each one await; left to the SDK's shutdown loop, they would be awaited together with
    # every pending output of every resource, all of them watched again each time any one resolves
    # (quadratic: two thirds of a plan of a few thousand resources). The SDK's loop still runs
    # after this, for whatever the registrations start in turn.
    await asyncio.sleep(0)
    await wait_for_rpcs(await_all_outstanding_tasks=False)


def _run_program(project_dir: Path, raw: Any, region: str, recording: _Recording) -> None:
    # A fresh context per run: config, the root resource and the RPC manager must not leak
    # from one stack (or one failed run) into the next.
    pulumi.runtime.set_all_config(dict(raw.values), sorted(raw.secret_keys))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # The mock monitor runs in executor threads and gives each thread an event loop of its own.
    # Owning those threads and loops lets every loop be closed here, not at garbage collection.
    thread_loops: list[asyncio.AbstractEventLoop] = []
    executor = ThreadPoolExecutor(initializer=_give_thread_a_loop, initargs=(thread_loops,))
    loop.set_default_executor(executor)
    pulumi_settings.SETTINGS.outputs.clear()
    pulumi_settings.SETTINGS.rpc_manager.clear()
    monitor = RecordingMonitor(PlanMocks(region), recording)
    # set_mocks registers a root stack of its own unless one exists; the program's stack must be
    # the one run_in_stack creates, as under the real language host, so hold the slot meanwhile.
    pulumi_settings.ROOT.set(_PLACEHOLDER_ROOT)  # type: ignore[arg-type]
    logger = logging.Logger(f"obsctl.plan.{raw.stack}")
    logger.addHandler(_WarningCollector(recording))
    pulumi_mocks.set_mocks(
        monitor.mocks, project=PROJECT, stack=raw.stack, preview=True, monitor=monitor, logger=logger
    )
    pulumi_settings.ROOT.set(None)
    program = project_dir / "__main__.py"
    added_path = str(project_dir) not in sys.path
    if added_path:
        sys.path.insert(0, str(project_dir))
    try:
        _sync_await(run_in_stack(lambda: _execute(program)))
    except pulumi.RunError as error:
        raise PlanFailed(str(error)) from None
    finally:
        if added_path:
            sys.path.remove(str(project_dir))
        loop.run_until_complete(loop.shutdown_default_executor())
        executor.shutdown(wait=True)
        for thread_loop in thread_loops:
            thread_loop.close()
        loop.close()
        asyncio.set_event_loop(None)
        pulumi_settings.SETTINGS.outputs.clear()
        pulumi_settings.SETTINGS.rpc_manager.clear()
