"""YAML loading that refuses what PyYAML silently accepts: duplicate keys.

Prometheus and Alertmanager parse their files with Go's yaml.v3, which rejects a key defined twice in
one mapping; PyYAML keeps the last value. Loading with the stricter rule means a file that passes the
catalog also loads upstream, and a copy-pasted rule never shadows another without a word.
"""

from __future__ import annotations

from typing import Any

import yaml

from infra.errors import DefinitionError, Problem

# libyaml parses several times faster than the pure Python loader (a 5,000-monitor catalog); the
# duplicate-key check lives in the constructor, which stays Python either way.
_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_BaseLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} is defined twice (first on line {seen[key] + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def load_document(text: str, source: str) -> Any:
    """The single document of a YAML text (None when empty); more than one document is an error."""
    documents = load_documents(text, source)
    if len(documents) > 1:
        raise DefinitionError(Problem(source, "", "holds several YAML documents (---): keep one"))
    return documents[0] if documents else None


def load_documents(text: str, source: str) -> list[Any]:
    """Every document of a (possibly multi-document) YAML text, empty documents included as None."""
    try:
        return list(yaml.load_all(text, Loader=_UniqueKeyLoader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        location = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        message = f"{error.problem or 'invalid YAML'}"
        if error.context:
            message = f"{error.context}: {message}"
        raise DefinitionError(Problem(source, location, f"is not valid YAML: {message}")) from None
    except yaml.YAMLError as error:
        raise DefinitionError(Problem(source, "", f"is not valid YAML: {error}")) from None


class _BlockStyleDumper(yaml.SafeDumper):
    """Writes multi-line strings (PromQL, templates) as ``|`` blocks so rendered files stay readable."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockStyleDumper.add_representer(str, _represent_str)


def dump(data: Any) -> str:
    """YAML text with keys in insertion order, as upstream tools and reviewers expect to read it."""
    return yaml.dump(data, Dumper=_BlockStyleDumper, sort_keys=False, allow_unicode=True, width=110)
