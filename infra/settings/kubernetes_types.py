"""Value types of Kubernetes and Prometheus settings: quantities, durations, sizes, resources."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, StringConstraints, model_validator

from infra.settings.base import SettingsModel

_QUANTITY = re.compile(r"^(?P<number>[0-9]+(?:\.[0-9]+)?)(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$")
_QUANTITY_FACTORS = {
    None: 1.0,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    "Ki": 2.0**10,
    "Mi": 2.0**20,
    "Gi": 2.0**30,
    "Ti": 2.0**40,
    "Pi": 2.0**50,
    "Ei": 2.0**60,
}

_PROMETHEUS_DURATION = re.compile(
    r"^(?:[0-9]+y)?(?:[0-9]+w)?(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?(?:[0-9]+ms)?$"
)
_BYTE_SIZE = re.compile(r"^(?P<number>0|(?:[0-9]*\.)?[0-9]+)(?P<unit>(?:K|M|G|T|P|E)i?)?B$")
_BYTE_SIZE_FACTORS = {None: 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40, "P": 2**50, "E": 2**60}


def quantity_value(quantity: str) -> float:
    """The number a Kubernetes quantity stands for: ``"500m"`` -> 0.5, ``"2Gi"`` -> 2147483648."""
    match = _QUANTITY.match(quantity)
    if not match:
        raise ValueError(f"{quantity!r} is not a Kubernetes quantity (e.g. 500m, 2Gi, 1.5)")
    return float(match["number"]) * _QUANTITY_FACTORS[match["suffix"]]


def _check_quantity(value: str) -> str:
    quantity_value(value)
    return value


def _check_duration(value: str) -> str:
    if not value or not _PROMETHEUS_DURATION.match(value):
        raise ValueError(f"{value!r} is not a Prometheus duration (e.g. 30s, 15d, 1w)")
    return value


def byte_size_value(size: str) -> int:
    """Bytes of a Prometheus size such as ``"40GB"``; Prometheus reads the units as powers of two."""
    match = _BYTE_SIZE.match(size)
    if not match:
        raise ValueError(f"{size!r} is not a Prometheus size (e.g. 512MB, 40GB, 1.5TiB)")
    unit = match["unit"][0] if match["unit"] else None
    return int(float(match["number"]) * _BYTE_SIZE_FACTORS[unit])


def _check_byte_size(value: str) -> str:
    byte_size_value(value)
    return value


Quantity = Annotated[str, AfterValidator(_check_quantity)]
"""A Kubernetes resource quantity: ``500m``, ``2Gi``, ``50Gi``."""
PrometheusDuration = Annotated[str, AfterValidator(_check_duration)]
"""A Prometheus duration: ``30s``, ``15d``, ``1w``."""
ByteSize = Annotated[str, AfterValidator(_check_byte_size)]
"""A Prometheus size: ``40GB``, ``512MB`` (powers of two, as Prometheus reads them)."""
DnsLabel = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
"""A Kubernetes object name usable as a DNS label (namespaces, Secrets, ServiceMonitors)."""
Hostname = Annotated[
    str,
    StringConstraints(max_length=253, pattern=r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"),
]
AntiAffinity = Literal["hard", "soft", "none"]
"""The chart presets: ``hard`` requires replicas on different nodes, ``soft`` prefers it."""


class ResourceAmounts(SettingsModel):
    cpu: Quantity | None = None
    memory: Quantity | None = None

    def as_values(self) -> dict[str, str]:
        return {name: value for name, value in (("cpu", self.cpu), ("memory", self.memory)) if value}


class Resources(SettingsModel):
    """Container resource requests and limits, as Kubernetes spells them."""

    requests: ResourceAmounts = ResourceAmounts()
    limits: ResourceAmounts = ResourceAmounts()

    @model_validator(mode="after")
    def _limits_cover_requests(self) -> Resources:
        for name in ("cpu", "memory"):
            request, limit = getattr(self.requests, name), getattr(self.limits, name)
            if request and limit and quantity_value(limit) < quantity_value(request):
                raise ValueError(f"limits.{name} {limit} is below requests.{name} {request}")
        return self

    def as_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for part in ("requests", "limits"):
            amounts = getattr(self, part).as_values()
            if amounts:
                values[part] = amounts
        return values


def resources(
    cpu: str | None = None, memory: str | None = None, *, memory_limit: str | None = None
) -> Resources:
    """Requests, and a memory limit: CPU is left unlimited so a busy pod is throttled by need only."""
    return Resources(
        requests=ResourceAmounts(cpu=cpu, memory=memory),
        limits=ResourceAmounts(memory=memory_limit or memory),
    )
