"""Reading a definition folder whose files each hold one YAML mapping (``metrics/``,
``cloudwatch-queries/``): the files in name order, each read safely, with its name checked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from infra.catalog.prometheus.loader import relative_source
from infra.catalog.safe_files import read_text, require_inside
from infra.catalog.strict_yaml import load_documents
from infra.errors import DefinitionError, ProblemCollector


def yaml_files(folder: Path) -> list[Path]:
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def mapping_documents(
    root: Path,
    folder: str,
    problems: ProblemCollector,
    *,
    file_name: re.Pattern[str],
    name_rule: str,
    shape: str,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(source, document)`` for each file of ``root/folder`` holding one mapping.

    A file that cannot be read, whose name breaks ``file_name`` (``name_rule`` says the rule), or
    that is not one mapping (``shape`` says what it should be) adds its problem and is skipped.
    """
    for path in yaml_files(root / folder):
        source = relative_source(path, root)
        try:
            require_inside(path, root, source)
            documents = load_documents(read_text(path, source), source)
        except DefinitionError as error:
            problems.extend(error)
            continue
        if not file_name.match(path.stem):
            problems.add(source, "", name_rule)
        if len(documents) != 1 or not isinstance(documents[0], dict):
            problems.add(source, "", shape)
            continue
        yield source, documents[0]
