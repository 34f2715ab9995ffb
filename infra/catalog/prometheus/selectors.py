"""The series selectors of a PromQL expression, found by walking the real parser's syntax tree."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import promql_parser

_CHILDREN = ("lhs", "rhs", "expr", "args", "vector_selector", "param")


def walk(node: Any) -> Iterator[Any]:
    """Every node of a parsed expression, depth first, the node before its children."""
    yield node
    for attribute in _CHILDREN:
        child = getattr(node, attribute, None)
        if isinstance(child, (list, tuple)):
            for item in child:
                yield from walk(item)
        elif child is not None and not isinstance(child, (str, int, float)):
            yield from walk(child)


def vector_selectors(expr: str) -> list[str]:
    """Each distinct selector (``gateway_requests_total{status=~"5.."}``) without range or offset.

    Raises ``ValueError`` when the expression does not parse.
    """
    found: list[str] = []
    for node in walk(promql_parser.parse(expr)):
        if type(node).__name__ == "VectorSelector":
            name = node.name or ""
            matchers = [
                str(m)
                for m in node.matchers.matchers
                if not (name and str(m).split("=")[0].strip() == "__name__")
            ]
            selector = f"{name}{{{', '.join(matchers)}}}"
            if selector not in found:
                found.append(selector)
    return found
