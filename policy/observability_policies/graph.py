"""Following references between resources in a stack policy.

A reference is what the engine records: the resources a property depends on (an alarm's
``alarmActions`` depends on the topic whose ARN it holds). Values are only compared as a fallback,
for references written as literals (a bucket given by name).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs

from .values import reveal, snapshot


class StackGraph:
    def __init__(self, resources: Sequence[PolicyResource]) -> None:
        self.resources = list(resources)
        self._inputs = {resource.urn: snapshot(resource.props) for resource in self.resources}
        # Each alarm looks up the topics: one scan per set of types, not one per alarm.
        self._of_types: dict[frozenset[str], list[PolicyResource]] = {}

    @classmethod
    def of(cls, args: StackValidationArgs) -> StackGraph:
        return cls(args.resources)

    def inputs(self, resource: PolicyResource) -> dict[str, Any]:
        return self._inputs[resource.urn]

    def of_types(self, types: Iterable[str]) -> list[PolicyResource]:
        wanted = frozenset(types)
        if wanted not in self._of_types:
            self._of_types[wanted] = [r for r in self.resources if r.resource_type in wanted]
        return list(self._of_types[wanted])

    def referenced(self, resource: PolicyResource, prop: str, types: Iterable[str]) -> list[PolicyResource]:
        """The resources of ``types`` that ``resource``'s property ``prop`` refers to."""
        wanted = set(types)
        found = [d for d in resource.property_dependencies.get(prop, []) if d.resource_type in wanted]
        value = reveal(self.inputs(resource).get(prop))
        literals = {v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)}
        if literals:
            for candidate in self.of_types(wanted):
                if candidate not in found and literals & self.identities(candidate):
                    found.append(candidate)
        return found

    def referencing(self, target: PolicyResource, prop: str, types: Iterable[str]) -> list[PolicyResource]:
        """The resources of ``types`` whose property ``prop`` refers to ``target``."""
        return [r for r in self.of_types(types) if target in self.referenced(r, prop, [target.resource_type])]

    def identities(self, resource: PolicyResource) -> set[str]:
        """The known values other resources may use to name this one: id, ARN, name."""
        props = reveal(self.inputs(resource))
        values = {props.get(key) for key in ("id", "arn", "bucket", "name")}
        return {v for v in values if isinstance(v, str) and v}
