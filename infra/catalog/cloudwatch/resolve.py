"""One stack's values as the catalog sees them: ``${resources.<key>}`` lookups and problem reporting."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from infra.catalog.cloudwatch.expressions import EACH_KEYS, substitute
from infra.errors import ProblemCollector

SETTINGS_KEY = "observability:cloudwatch"
"""The stack config key of the CloudWatch settings, named in problems about stack values."""


@dataclass
class StackValues:
    resources: Mapping[str, str]
    """Flattened ``observability:cloudwatch.resources``: ``loadBalancer``, ``certificates.api`` ..."""
    stack_file: str
    problems: ProblemCollector

    def resolve(self, text: str, source: str, where: str, each: tuple[str, str] | None = None) -> str:
        def lookup(body: str) -> str:
            if each is not None and body in EACH_KEYS:
                return each[0] if body == "each.key" else each[1]
            key = body.removeprefix("resources.")
            if key in self.resources:
                return self.resources[key]
            hint = difflib.get_close_matches(key, list(self.resources), n=1)
            self.problems.add(
                source,
                where,
                f"refers to ${{{body}}}, which {self.stack_file} does not set under "
                f"{SETTINGS_KEY}.resources" + (f" (did you mean {hint[0]}?)" if hint else ""),
            )
            return ""

        return substitute(text, lookup)


def raise_unique(problems: ProblemCollector) -> None:
    # One missing resource referenced from many alarms is one problem to fix, reported once.
    problems.problems = list(dict.fromkeys(problems.problems))
    problems.raise_if_any()
