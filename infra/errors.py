"""Errors that point a user at the exact file and key to fix.

Every loader and validator raises :class:`DefinitionError` (or collects several into
:class:`DefinitionErrors`) so the CLI and the Pulumi program can print one readable line per
problem instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one definition: where it is and what is wrong."""

    source: str
    """The file the user edits, relative to the repository root where possible."""
    location: str
    """The key path, id, panel title or line inside that file; empty when the whole file is wrong."""
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.location}" if self.location else self.source
        return f"{where}: {self.message}"


class DefinitionError(Exception):
    """Invalid input: a catalog file, a dashboard or a stack setting that cannot be deployed."""

    def __init__(self, problems: Problem | Iterable[Problem]):
        self.problems: tuple[Problem, ...] = (problems,) if isinstance(problems, Problem) else tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, source: str, location: str, message: str) -> DefinitionError:
        return cls(Problem(source, location, message))


class ProblemCollector:
    """Gathers problems across many files so a user sees all of them in one run."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, source: str, location: str, message: str) -> None:
        self.problems.append(Problem(source, location, message))

    def extend(self, error: DefinitionError) -> None:
        self.problems.extend(error.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise DefinitionError(self.problems)
