"""Reading a resource's recorded Pulumi inputs so that none of them is dropped on the way to boto3.

Every replayer reads its inputs through :class:`Inputs`. After the call, any input it neither read
nor declared provider-only is an error: a new argument in a component then fails the contract test
until its replayer maps it, instead of being replayed as if it were absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from tests.contract.moto_replay.errors import ReplayError


class Inputs:
    """One level of a resource's inputs (the top level, or a nested block), tracking what was read."""

    def __init__(self, values: Mapping[str, Any], path: str = "") -> None:
        if not isinstance(values, Mapping):
            raise ReplayError(f"input {path or '.'} should be an object, got {values!r}")
        self._values = values
        self._path = path
        self._read: set[str] = set()
        self._children: list[Inputs] = []

    def has(self, key: str) -> bool:
        return self._values.get(key) is not None

    def get(self, key: str, default: Any = None) -> Any:
        self._read.add(key)
        value = self._values.get(key)
        return default if value is None else value

    def require(self, key: str) -> Any:
        value = self.get(key)
        if value is None:
            raise ReplayError(f"input {self.where(key)} is required")
        return value

    def section(self, key: str) -> Inputs:
        """A nested block; an absent block reads as empty."""
        child = Inputs(self.get(key, {}), self.where(key))
        self._children.append(child)
        return child

    def sections(self, key: str) -> list[Inputs]:
        blocks = self.get(key, [])
        if not isinstance(blocks, list):
            raise ReplayError(f"input {self.where(key)} should be a list, got {blocks!r}")
        children = [Inputs(block, f"{self.where(key)}[{i}]") for i, block in enumerate(blocks)]
        self._children.extend(children)
        return children

    def rest(self) -> dict[str, Any]:
        """The inputs not read yet, now read: for a replayer that maps them all through :func:`to_api`."""
        rest = {k: v for k, v in self._values.items() if k not in self._read and v is not None}
        self._read.update(rest)
        return rest

    def provider_only(self, *keys: str) -> None:
        """Inputs the provider applies outside the create call (on delete, or client-side only)."""
        self._read.update(keys)

    def convert(self, key: str, shape: Shape, renames: Mapping[str, str] | None = None) -> Any:
        """The block under ``key`` as the API's ``shape``, matching member names case-insensitively."""
        value = self.get(key)
        return None if value is None else to_api(value, shape, self.where(key), renames or {})

    def where(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def unread(self) -> list[str]:
        own = [self.where(k) for k, v in self._values.items() if k not in self._read and v is not None]
        return own + [path for child in self._children for path in child.unread()]


def _normal(name: str) -> str:
    return name.replace("_", "").lower()


def to_api(value: Any, shape: Shape, path: str, renames: Mapping[str, str]) -> Any:
    """A Pulumi value (camelCase keys, tags as maps) as the request value botocore expects for ``shape``.

    A key that matches no member of the API structure is an error naming its path, never dropped.
    """
    if isinstance(shape, StructureShape):
        if not isinstance(value, Mapping):
            raise ReplayError(f"input {path} should be an object for {shape.name}, got {value!r}")
        members = {_normal(m): m for m in shape.members}
        result: dict[str, Any] = {}
        for key, item in value.items():
            if item is None:
                continue
            member = renames.get(key) or members.get(_normal(key))
            if member is None or member not in shape.members:
                raise ReplayError(
                    f"input {path}.{key} has no counterpart in the API's {shape.name} "
                    f"(members: {', '.join(shape.members)})"
                )
            result[member] = to_api(item, shape.members[member], f"{path}.{key}", renames)
        return result
    if isinstance(shape, ListShape):
        if isinstance(value, Mapping) and _is_tag_shape(shape.member):
            key_name, value_name = list(shape.member.members)[:2]
            return [{key_name: k, value_name: v} for k, v in value.items()]
        items = value if isinstance(value, list) else [value]
        return [to_api(item, shape.member, f"{path}[{i}]", renames) for i, item in enumerate(items)]
    if isinstance(shape, MapShape):
        if not isinstance(value, Mapping):
            raise ReplayError(f"input {path} should be a map, got {value!r}")
        return {k: to_api(v, shape.value, f"{path}.{k}", renames) for k, v in value.items()}
    if shape.type_name in ("integer", "long") and isinstance(value, float) and value.is_integer():
        return int(value)
    if shape.type_name in ("integer", "long") and isinstance(value, str) and value.isdigit():
        return int(value)  # the provider types some counts as strings
    if (
        shape.type_name in ("double", "float")
        and isinstance(value, int | str)
        and not isinstance(value, bool)
    ):
        try:
            return float(value)
        except ValueError:
            return value  # botocore's own validation names the type mismatch
    return value


def _is_tag_shape(shape: Shape) -> bool:
    """Key/value pairs: Pulumi takes them as a map, the API as a list of two-member structures."""
    if not isinstance(shape, StructureShape) or len(shape.members) != 2:
        return False
    names = {_normal(m) for m in shape.members}
    return names in ({"key", "value"}, {"name", "value"}, {"tagkey", "tagvalue"})


def tag_list(tags: Mapping[str, str] | None, key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in sorted((tags or {}).items())]


def present(**params: Any) -> dict[str, Any]:
    """Request parameters without the ones the plan left unset."""
    return {k: v for k, v in params.items() if v is not None and v != [] and v != {}}
