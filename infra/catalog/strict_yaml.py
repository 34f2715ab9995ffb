"""YAML loading that refuses what PyYAML silently accepts, and what would hang or crash later.

* A key defined twice: Prometheus and Alertmanager parse their files with Go's yaml.v3, which rejects
  it; PyYAML keeps the last value. Loading with the stricter rule means a file that passes the
  catalog also loads upstream, and a copy-pasted rule never shadows another without a word.
* Aliases that expand past :data:`MAX_ALIAS_NODES` (a "billion laughs" document) and nesting past
  :data:`MAX_NESTING_DEPTH`: both are measured on the composed node graph, before construction.
* Tags outside the JSON data model (``!!binary``, ``!!set``, ``!!omap``...): every loaded value can
  be encoded as JSON, as the stack config is. Timestamps stay strings, as yaml.v3 leaves them.

Every problem is a :class:`DefinitionError` naming the file, the line and the column.
"""

from __future__ import annotations

from typing import Any

import yaml

from infra.errors import DefinitionError, Problem

MAX_NESTING_DEPTH = 100
"""Mappings and lists nested at most this deep. The deepest file of the reference corpus (a
Prometheus Operator CRD) nests 21 levels; a bound keeps every later recursive step (validation,
JSON encoding of stack config) far from Python's recursion limit."""
MAX_ALIAS_NODES = 100_000
"""Nodes aliases may add to a document when expanded. Anchors shared a few times (an Alertmanager
receiver template) add hundreds; a "billion laughs" document adds billions from a few lines, and
every walk of the loaded data would pay for them. Go's yaml.v3 (Prometheus, Alertmanager, Pulumi)
refuses excessive aliasing too."""

# libyaml parses several times faster than the pure Python loader (a 5,000-monitor catalog); the
# checks live in the constructor and the bounds walk, which stay Python either way.
_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_DEPTH_MESSAGE = f"nests mappings and lists more than {MAX_NESTING_DEPTH} levels deep: refused"
_ALIAS_MESSAGE = (
    f"aliases expand the document by more than {MAX_ALIAS_NODES:,} nodes (the anchor here is repeated "
    "too often: a YAML alias bomb?): refused"
)


class _StrictLoader(_BaseLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:  # ``<<: *defaults``: merged keys may be overridden
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.get(key)
            except TypeError:  # a list or a mapping as a key
                raise _error(key_node, "a mapping key must be a scalar, not a list or a mapping") from None
            if first is not None:
                raise _error(key_node, f"key {key!r} is defined twice (first on line {first + 1})")
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)

    # Scalars the resolver matched by pattern that Python then fails to convert (``0x_``,
    # ``2024-13-45``): reported at the value instead of as a bare ValueError.
    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            raise _error(node, f"{node.value!r} is not an integer") from None

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        try:
            return super().construct_yaml_float(node)
        except ValueError:
            raise _error(node, f"{node.value!r} is not a number") from None

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> str:
        return str(self.construct_scalar(node))

    def construct_unsupported(self, node: yaml.Node) -> Any:
        raise _error(
            node,
            f"tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not supported: definitions hold "
            "mappings, lists, strings, numbers, booleans and null",
        )


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _StrictLoader.construct_yaml_float)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _StrictLoader.construct_yaml_timestamp)
for _tag in ("binary", "set", "omap", "pairs"):
    _StrictLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _StrictLoader.construct_unsupported)
_StrictLoader.add_constructor(None, _StrictLoader.construct_unsupported)


def _error(node: yaml.Node, message: str) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, message, node.start_mark)


def load_document(text: str, source: str) -> Any:
    """The single document of a YAML text (None when empty); more than one document is an error."""
    documents = load_documents(text, source)
    if len(documents) > 1:
        raise DefinitionError(Problem(source, "", "holds several YAML documents (---): keep one"))
    return documents[0] if documents else None


def load_documents(text: str, source: str) -> list[Any]:
    """Every document of a (possibly multi-document) YAML text, empty documents included as None.

    Raises DefinitionError naming ``source`` and the line for a syntax error, a key defined twice,
    nesting deeper than :data:`MAX_NESTING_DEPTH` and aliases expanding past :data:`MAX_ALIAS_NODES`.
    """
    try:
        loader = _StrictLoader(text)
    except UnicodeEncodeError as error:  # a lone surrogate in a str that did not come from a file
        raise DefinitionError.single(
            source, _text_position(text, error.start), "is not valid Unicode text: a lone surrogate"
        ) from None
    try:
        documents = []
        # Composed by libyaml first, measured, and only then constructed: an alias bomb is refused
        # from its node graph (linear in the text) before anything walks its expansion.
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                _check_bounds(node, source)
            documents.append(loader.construct_document(node) if node is not None else None)
        return documents
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        location = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        message = f"{error.problem or 'invalid YAML'}"
        if error.context:
            message = f"{error.context}: {message}"
        raise DefinitionError(Problem(source, location, f"is not valid YAML: {message}")) from None
    except yaml.YAMLError as error:
        raise DefinitionError(Problem(source, "", f"is not valid YAML: {error}")) from None
    finally:
        loader.dispose()


def _text_position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"line {line}, column {offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


class _Unbounded(Exception):
    def __init__(self, node: yaml.Node, message: str):
        super().__init__(message)
        self.node = node


def _check_bounds(root: yaml.Node, source: str) -> None:
    if root.__class__ is _SCALAR:
        return
    try:
        _Measure().size(root, 1)
    except _Unbounded as error:
        mark = error.node.start_mark
        raise DefinitionError.single(
            source, f"line {mark.line + 1}, column {mark.column + 1}", str(error)
        ) from None


_SCALAR, _SEQUENCE = yaml.ScalarNode, yaml.SequenceNode


class _Measure:
    """Nesting depth and the nodes aliases add, over the composed graph, each distinct node once."""

    def __init__(self) -> None:
        self.known: dict[int, tuple[int, int]] = {}
        """id(node) -> (nodes in its expansion, its height): an alias met again costs nothing."""
        self.open: set[int] = set()
        self.added = 0

    def size(self, node: yaml.Node, depth: int) -> int:
        """The node count of ``node`` expanded; raises _Unbounded past a limit."""
        key = id(node)
        known = self.known.get(key)
        if known is not None:  # an alias: its expansion is repeated in full wherever it is used
            count, height = known
            self.added += count
            if self.added > MAX_ALIAS_NODES:
                raise _Unbounded(node, _ALIAS_MESSAGE)
            if depth + height > MAX_NESTING_DEPTH:
                raise _Unbounded(node, _DEPTH_MESSAGE)
            return count
        if key in self.open:
            raise _Unbounded(node, "is not valid YAML: an alias refers to the node that contains it")
        if depth > MAX_NESTING_DEPTH:
            raise _Unbounded(node, _DEPTH_MESSAGE)
        self.open.add(key)
        count, height = 1, 0
        if node.__class__ is _SEQUENCE:
            children = node.value
        else:  # keys and values: a key may be an alias too
            children = [value for pair in node.value for value in pair if value.__class__ is not _SCALAR]
            count += 2 * len(node.value) - len(children)
        for child in children:
            if child.__class__ is _SCALAR:
                count += 1
            else:
                count += self.size(child, depth + 1)
                height = max(height, self.known[id(child)][1] + 1)
        self.open.discard(key)
        self.known[key] = (count, height)
        return count


class _BlockStyleDumper(yaml.SafeDumper):
    """Writes multi-line strings (PromQL, templates) as ``|`` blocks so rendered files stay readable."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockStyleDumper.add_representer(str, _represent_str)


def dump(data: Any) -> str:
    """YAML text with keys in insertion order, as upstream tools and reviewers expect to read it."""
    return yaml.dump(data, Dumper=_BlockStyleDumper, sort_keys=False, allow_unicode=True, width=110)
