"""What a replay reports when AWS, as moto and the published service models see it, refuses a resource."""

from __future__ import annotations

from dataclasses import dataclass


class ReplayError(Exception):
    """The current resource is refused; the message says which input and why.

    Replayers raise it for checks of their own; the engine adds the resource's type and name.
    """


@dataclass(frozen=True)
class Rejection:
    resource: str
    """``<type token>::<logical name>``, as in the plan."""
    message: str

    def __str__(self) -> str:
        return f"{self.resource}: {self.message}"


class ReplayFailed(AssertionError):
    """At least one planned resource was refused. Lists every refusal of the run, one per line."""

    def __init__(self, rejections: list[Rejection]) -> None:
        self.rejections = rejections
        lines = "\n".join(f"  {r}" for r in rejections)
        super().__init__(f"{len(rejections)} planned resource(s) refused:\n{lines}")
