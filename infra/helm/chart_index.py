"""The keys a pinned Helm chart accepts, derived from its values.yaml and shipped in the repo.

A real ``pulumi up`` runs without the charts' sources, so plan-time validation reads a compact index
instead, ``infra/charts/<chart>-<version>.keys.json``. It holds facts about the chart, as a tree in
which each key maps to one node:

``"value"``
    a key whose default is a scalar or null; any value is accepted.
``"open"``
    a map or list whose content the chart hands through verbatim (annotations, Kubernetes objects,
    the application's own config, a sub-chart whose values are not available); anything goes.
``"list"``
    a list whose default shows no example item; its items are not checked.
``[node]``
    a list whose default shows example items; a mapping item must follow ``node``.
``{key: node, ...}``
    a map the chart defines: any other key is an error.

Which maps are open is decided by :mod:`infra.helm.chart_facts`. Keys the chart documents only in
comments (commonly ``serviceAccount.annotations``) are listed there too, and the generator checks
that each comment still exists, so a chart bump cannot silently keep a stale fact.

Regenerate after changing a version in ``infra/charts/versions.yaml``::

    python -m infra.helm.chart_index ../shared/schemas/charts
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from infra.catalog.safe_files import read_text, write_atomically
from infra.catalog.strict_json import load_json
from infra.catalog.strict_yaml import load_document
from infra.helm.chart_facts import CURATED, LIST, OPEN, VALUE, ChartFacts, Node, Path_, is_free_form
from infra.helm.versions import CHARTS_PACKAGE, chart_pin, chart_pins

INDEX_FORMAT = 1


@dataclass(frozen=True)
class ChartIndex:
    """A loaded key index."""

    chart: str
    version: str
    keys: dict[str, Node]
    curated: bool = False
    open_subcharts: tuple[str, ...] = field(default=())


def merge(left: Node | None, right: Node) -> Node:
    """Union of two nodes; where they disagree on shape, the one that knows more wins."""
    if left is None:
        return right
    if OPEN in (left, right):
        return OPEN
    if isinstance(left, dict) and isinstance(right, dict):
        merged = dict(left)
        for key, node in right.items():
            merged[key] = merge(merged.get(key), node)
        return merged
    if isinstance(left, list) and isinstance(right, list):
        return [merge(left[0], right[0])]
    if isinstance(left, dict | list) and isinstance(right, dict | list):
        return OPEN
    if left == VALUE:
        return right
    if right == VALUE:
        return left
    return right if isinstance(right, list) else left


def tree_of(value: Any, facts: ChartFacts, path: Path_ = ()) -> Node:
    if path and is_free_form(path, value, facts):
        return OPEN
    if isinstance(value, dict):
        if not value:
            return OPEN
        tree: dict[str, Node] = {}
        for key, child in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{'.'.join(path)}: key {key!r} cannot be indexed")
            tree[key] = tree_of(child, facts, (*path, key))
        return tree
    if isinstance(value, list):
        element: Node | None = None
        for item in value:
            if isinstance(item, dict):
                element = merge(element, tree_of(item, facts, (*path, "[]")))
        return LIST if element in (None, OPEN, VALUE) else [element]
    return VALUE


def _set(tree: dict[str, Node], path: Path_, node: Node) -> None:
    *parents, leaf = path
    current: Node = tree
    for part in parents:
        if not isinstance(current, dict):
            return  # under an open map or a scalar every key is accepted already
        if part not in current:
            raise ValueError(f"{'.'.join(path)}: {part!r} is not a key of the chart")
        current = current[part]
    if isinstance(current, dict):
        current[leaf] = merge(current.get(leaf), node)


def _overlay_schema(tree: dict[str, Node], schema: Mapping[str, Any], path: Path_ = ()) -> None:
    """Apply what the chart's values.schema.json says about open maps and extra keys."""
    for key, child in schema.get("properties", {}).items():
        child_path = (*path, key)
        if "additionalProperties" in child:
            _set(tree, child_path, OPEN)
            continue
        node = _lookup(tree, child_path)
        if node is None:
            _set(tree, child_path, VALUE)
        elif isinstance(node, dict):
            _overlay_schema(tree, child, child_path)


def _lookup(tree: Node, path: Path_) -> Node | None:
    current: Node | None = tree
    for part in path:
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def _add_commented_keys(tree: dict[str, Node], text: str, facts: ChartFacts, source: str) -> None:
    for documented in facts.commented_keys:
        pattern = rf"^\s*#+\s*{re.escape(documented.path[-1])}\s*:"
        if not re.search(pattern, text, flags=re.MULTILINE):
            raise ValueError(
                f"{source} no longer documents {'.'.join(documented.path)} in a comment: "
                "review CURATED in infra/helm/chart_index.py"
            )
        _set(tree, documented.path, documented.kind)


def _read_chart(charts_dir: Path, name: str) -> tuple[dict[str, Any], dict[str, Node], dict[str, str]]:
    """A chart's Chart.yaml, its own key tree, and the digests of the files it was derived from."""
    chart_dir = charts_dir / name
    chart_yaml = _read_yaml(chart_dir / "Chart.yaml")
    values_path = chart_dir / "values.yaml"
    text = read_text(values_path, str(values_path))
    facts = CURATED.get(name, ChartFacts())
    tree = tree_of(load_document(text, str(values_path)) or {}, facts)
    if not isinstance(tree, dict):
        tree = {}
    digests = {f"{name}/values.yaml": hashlib.sha256(text.encode()).hexdigest()}
    schema_path = chart_dir / "values.schema.json"
    if schema_path.is_file():
        schema_text = read_text(schema_path, str(schema_path))
        _overlay_schema(tree, load_json(schema_text, str(schema_path)))
        digests[f"{name}/values.schema.json"] = hashlib.sha256(schema_text.encode()).hexdigest()
    _add_commented_keys(tree, text, facts, f"{name}/values.yaml")
    return chart_yaml, tree, digests


def build_index(charts_dir: Path, name: str) -> dict[str, Any]:
    """The index document of one chart, including the sub-charts Helm merges under their keys."""
    chart_yaml, tree, digests = _read_chart(charts_dir, name)
    open_subcharts = []
    for dependency in chart_yaml.get("dependencies") or []:
        key = dependency.get("alias") or dependency["name"]
        if not dependency.get("repository"):
            continue  # bundled in the chart: its values are the parent's own section, indexed above
        sub_dir = charts_dir / dependency["name"]
        sub_chart = _read_yaml(sub_dir / "Chart.yaml") if (sub_dir / "Chart.yaml").is_file() else {}
        if str(sub_chart.get("version")) == str(dependency["version"]):
            _, sub_tree, sub_digests = _read_chart(charts_dir, dependency["name"])
            tree[key] = merge(sub_tree, tree[key]) if key in tree else sub_tree
            digests.update(sub_digests)
        else:
            tree[key] = OPEN
            open_subcharts.append(key)
    return {
        "format": INDEX_FORMAT,
        "chart": name,
        "version": str(chart_yaml["version"]),
        "appVersion": str(chart_yaml.get("appVersion", "")),
        "derivedFrom": dict(sorted(digests.items())),
        "openSubcharts": sorted(open_subcharts),
        "keys": tree,
    }


def render(index: Mapping[str, Any]) -> str:
    return json.dumps(index, indent=1, sort_keys=True) + "\n"


def generated_charts() -> list[str]:
    return [pin.name for pin in chart_pins().values() if pin.key_index == "generated"]


def regenerate(charts_dir: Path) -> dict[str, str]:
    """File name -> content of every generated index, checked against the pinned versions."""
    files = {}
    for name in generated_charts():
        index = build_index(charts_dir, name)
        pin = chart_pin(name)
        if index["version"] != pin.version:
            raise ValueError(
                f"{charts_dir / name / 'Chart.yaml'} is version {index['version']}, "
                f"but infra/charts/versions.yaml pins {pin.version}"
            )
        files[pin.key_index_file] = render(index)
    return files


def _read_yaml(path: Path) -> Any:
    return load_document(read_text(path, str(path)), str(path))


def _charts_package_dir() -> Path:
    return Path(str(resources.files(CHARTS_PACKAGE)))


@cache
def load_index(chart: str) -> ChartIndex:
    """The shipped index of a pinned chart."""
    pin = chart_pin(chart)
    document = load_json(
        resources.files(CHARTS_PACKAGE).joinpath(pin.key_index_file).read_text(encoding="utf-8"),
        f"infra/charts/{pin.key_index_file}",
    )
    if document.get("format") != INDEX_FORMAT or document.get("version") != pin.version:
        raise ValueError(f"infra/charts/{pin.key_index_file} does not index {chart} {pin.version}")
    return ChartIndex(
        chart=chart,
        version=pin.version,
        keys=document["keys"],
        curated=pin.key_index == "curated",
        open_subcharts=tuple(document.get("openSubcharts", ())),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.helm.chart_index",
        description="Derive the key index of every pinned chart from its values.yaml.",
    )
    parser.add_argument("charts_dir", type=Path, help="the shared schemas/charts directory")
    parser.add_argument("--out", type=Path, default=None, help="where to write (default: infra/charts)")
    parser.add_argument("--check", action="store_true", help="fail if a shipped index differs")
    args = parser.parse_args(argv)
    out_dir: Path = args.out or _charts_package_dir()
    stale = []
    for file_name, content in regenerate(args.charts_dir).items():
        target = out_dir / file_name
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current == content:
            continue
        stale.append(file_name)
        if not args.check:
            write_atomically(target, content)
            print(f"wrote {target}")
    if args.check and stale:
        print(f"stale key indexes: {', '.join(stale)}; run without --check", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
