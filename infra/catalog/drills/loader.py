"""Reads ``drills/*.yaml`` into one :class:`DrillCatalog`, reporting every problem at once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from infra.catalog.drills.model import Baseline, DrillFile, Scenario
from infra.catalog.prometheus.loader import relative_source
from infra.catalog.safe_files import read_text
from infra.catalog.strict_yaml import load_documents
from infra.errors import DefinitionError, ProblemCollector

DRILLS_DIR = "drills"
SCHEMA_FILE = "schemas/drill-scenarios.schema.json"
SCHEMA_LINE = f"# yaml-language-server: $schema=../{SCHEMA_FILE}"


@dataclass(frozen=True)
class CatalogScenario:
    scenario: Scenario
    source: str
    """Repository-relative path of the file that defines it."""


@dataclass(frozen=True)
class DrillCatalog:
    baseline: Baseline
    baseline_source: str | None
    scenarios: list[CatalogScenario]

    def for_stack(self, stack: str, alerts: Iterable[tuple[str, str | None]]) -> list[CatalogScenario]:
        """The scenarios that apply to ``stack``, whose rules define ``alerts`` (name, severity).

        A scenario that names its stacks runs on those. Otherwise it runs wherever every alert it
        expects to fire exists at the expected severity: a stack that makes an alert a warning gets
        the scenario expecting the warning, a stack that disables it gets neither. So a new stack
        is drilled by what its rules are, not by its name.
        """
        present = list(alerts)

        def applies(scenario: Scenario) -> bool:
            if scenario.stacks is not None:
                return stack in scenario.stacks
            return all(any(ref.matches(*alert) for alert in present) for ref in scenario.expect.fire)

        return [s for s in self.scenarios if applies(s.scenario)]


def load_drills(root: Path) -> DrillCatalog:
    """Every scenario under ``root/drills``. Any file there that is not a drill file is an error."""
    directory = root / DRILLS_DIR
    problems = ProblemCollector()
    baseline, baseline_source = Baseline(), None
    scenarios: list[CatalogScenario] = []
    seen: dict[str, str] = {}
    paths = sorted(directory.iterdir()) if directory.is_dir() else []
    for path in paths:
        source = relative_source(path, root)
        if path.name == "README.md":
            continue
        if path.suffix not in (".yaml", ".yml") or path.is_dir():
            problems.add(source, "", "is not a drill file: drills/ holds *.yaml scenario files and README.md")
            continue
        try:
            drill_file = _load_file(path, source, root)
        except DefinitionError as error:
            problems.extend(error)
            continue
        if drill_file.baseline is not None:
            if baseline_source is not None:
                problems.add(
                    source, "baseline", f"is defined in {baseline_source} already: keep one baseline"
                )
            baseline, baseline_source = drill_file.baseline, source
        for index, scenario in enumerate(drill_file.scenarios):
            if scenario.name in seen:
                problems.add(
                    source,
                    f"scenarios[{index}].name",
                    f"scenario {scenario.name} is defined in {seen[scenario.name]} already",
                )
                continue
            seen[scenario.name] = source
            scenarios.append(CatalogScenario(scenario, source))
    problems.raise_if_any()
    return DrillCatalog(baseline=baseline, baseline_source=baseline_source, scenarios=scenarios)


def _load_file(path: Path, source: str, root: Path) -> DrillFile:
    documents = load_documents(read_text(path, source, inside=root), source)
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise DefinitionError.single(source, "", "must be one YAML document with baseline: and/or scenarios:")
    try:
        return DrillFile.model_validate(documents[0])
    except ValidationError as error:
        found = [
            (_location(documents[0], item["loc"]), item["msg"].removeprefix("Value error, "))
            for item in error.errors()
        ]
        # A value that fits no member of a union gets one error per member: keep those that reached
        # deepest into the document, which say what is wrong with what was written.
        locations = {location for location, _ in found}
        problems = ProblemCollector()
        for location, message in dict.fromkeys(found):
            if not any(other.startswith((f"{location}.", f"{location}[")) for other in locations):
                problems.add(source, location, message)
        raise DefinitionError(problems.problems) from None


def _location(document: dict[str, object], loc: tuple[int | str, ...]) -> str:
    """``scenarios[gateway-errors].expect.fire[0]``: a scenario's name instead of its index.

    Parts of pydantic's location that are not in the document (union member tags) are left out.
    """
    path = ""
    node: object = document
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            item = node[key]
            name = item.get("name") if isinstance(item, dict) and path.endswith("scenarios") else None
            path += f"[{name or key}]"
            node = item
        elif isinstance(key, str) and isinstance(node, dict) and key in node:
            path += f".{key}" if path else key
            node = node[key]
    return path
