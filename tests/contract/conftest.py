"""Fixtures of the moto contract tests: fake credentials, the fixture program, deployable stack plans."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from infra.config import load_settings
from obsctl.plan import Plan, PlannedResource
from obsctl.runner import plan_stack
from obsctl.stackfile import read_stack_file
from tests.conftest import PROJECT_DIR, stand_in_secrets
from tests.contract.moto_replay import replay_order

FIXTURE_PROGRAM = Path(__file__).resolve().parent / "fixture_program"
REGION = "us-east-1"

OPAQUE_SECRET = "0123456789abcdef0123456789abcdef"
"""What every secret is built around, in the shape its consumer needs (an https URL for an https
subscription, which AWS checks too; the key alone for API and integration keys)."""

FAKE_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
}


@contextmanager
def fake_aws_environment() -> Iterator[None]:
    """Fake credentials and no profile or config file: nothing here can reach a real account."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in FAKE_AWS_ENVIRONMENT.items():
            patch.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
        yield


@pytest.fixture(autouse=True)
def _fake_aws_credentials() -> Iterator[None]:
    with fake_aws_environment():
        yield


def moto_for(resources: Sequence[PlannedResource]) -> Any:
    """``mock_aws()``, loading AWS-managed IAM policies (about a second) only if a resource names one."""
    names_managed = any("arn:aws:iam::aws:policy/" in json.dumps(r.masked_inputs()) for r in resources)
    return mock_aws(config={"iam": {"load_aws_managed_policies": names_managed}})


@pytest.fixture(scope="session")
def fixture_plan() -> Plan:
    return plan_stack(FIXTURE_PROGRAM, "contract")


@cache
def deployable_plan(stack: str) -> Plan:
    """The shipped stack, planned with a production-shaped value for every secret it requires."""
    return plan_stack(PROJECT_DIR, stack, secrets=stand_in_secrets(stack, OPAQUE_SECRET))


def stack_region(stack: str) -> str:
    return load_settings(read_stack_file(PROJECT_DIR, stack).raw).region


def resource(plan: Plan, name: str) -> PlannedResource:
    matches = [r for r in plan.resources if r.name == name]
    assert len(matches) == 1, f"the fixture program declares no single resource {name}"
    return matches[0]


def with_dependencies(plan: Plan, *targets: PlannedResource) -> list[PlannedResource]:
    """``targets`` and everything they need, in plan order, with ``targets`` as given (possibly altered)."""
    _, dependencies = replay_order(plan.resources)
    given = {t.name: t for t in targets}
    needed: set[str] = set()
    pending = list(given)
    while pending:
        name = pending.pop()
        if name not in needed:
            needed.add(name)
            pending.extend(dependencies.get(name, ()))
    return [given.get(r.name, r) for r in plan.resources if r.name in needed]


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def altered(original: PlannedResource, changes: dict[str, Any]) -> PlannedResource:
    """A copy with inputs changed; keys are paths such as ``rules[0].status``."""
    inputs = copy.deepcopy(original.inputs)
    for path, value in changes.items():
        steps = [m[1] if m[1] is not None else int(m[2]) for m in _STEP.finditer(path)]
        node: Any = inputs
        for step in steps[:-1]:
            node = node[step]
        if value is DELETE:
            del node[steps[-1]]
        else:
            node[steps[-1]] = value
    return dataclasses.replace(original, inputs=inputs)


DELETE = object()
"""Pass as a value to :func:`altered` to remove an input."""
