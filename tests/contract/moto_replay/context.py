"""What a replayer gets: boto3 clients bound to moto, the run's state, and the resource being replayed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import boto3

from obsctl.plan import PlannedResource
from tests.contract.moto_replay.constraints import CLIENT_CONFIG, enforce_model_constraints, validate_request
from tests.contract.moto_replay.inputs import Inputs

Outputs = dict[str, str]
"""What later resources may reference as ``${<logical name>.<property>}``: at least ``id``."""

Replayer = Callable[["ResourceContext", Inputs], Outputs]


@dataclass
class ReplayState:
    """Shared by every resource of one replay (one stack, one ``mock_aws()``)."""

    region: str
    account_id: str
    outputs: dict[str, Outputs] = field(default_factory=dict)
    """Logical name -> the values moto returned for it."""
    model_only: dict[str, str] = field(default_factory=dict)
    """Resource key -> why it was checked against the service model instead of sent to moto."""
    composite_alarms: set[str] = field(default_factory=set)

    def client(self, service: str, region: str) -> Any:
        return _client(service, region)


@cache
def _client(service: str, region: str) -> Any:
    """One client per service and region for the whole session: building one costs ~0.2 s.

    moto intercepts every client's requests while a ``mock_aws()`` is active, whenever the client was
    made; the engine refuses to replay outside one.
    """
    return enforce_model_constraints(boto3.client(service, region_name=region, config=CLIENT_CONFIG))


@dataclass
class ResourceContext:
    state: ReplayState
    resource: PlannedResource
    region: str

    @property
    def account_id(self) -> str:
        return self.state.account_id

    def client(self, service: str) -> Any:
        return self.state.client(service, self.region)

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if regional else ''}:{self.account_id}:{resource}"

    def name(self, inputs: Inputs, key: str = "name", *, lowercase: bool = False, suffix: str = "") -> str:
        """The physical name: the input, or what Pulumi's autonaming derives from the logical name.

        ``lowercase`` for types whose autonames the provider lowercases (S3 buckets).
        """
        prefix_key = "bucketPrefix" if key == "bucket" else "namePrefix"
        explicit = inputs.get(key)
        prefix = inputs.get(prefix_key)
        if explicit is not None:
            return str(explicit)
        digest = hashlib.sha256(self.resource.urn.encode()).hexdigest()[:7]
        if prefix is not None:  # a prefix is used as written, as the provider does
            return f"{prefix}{digest}{suffix}"
        base = self.resource.name.lower() if lowercase else self.resource.name
        return f"{base}-{digest}{suffix}"

    def validate_only(self, service: str, operation: str, params: dict[str, Any], reason: str) -> None:
        """Checks a request moto cannot execute against the service model, and records that it did."""
        validate_request(self.client(service), operation, params)
        self.state.model_only[self.resource.key] = reason
