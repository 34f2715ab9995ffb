"""Shared base for every settings section: immutable, camelCase keys, unknown keys rejected."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel


class SettingsModel(BaseModel):
    """A section of ``Pulumi.<stack>.yaml``.

    Keys are camelCase in YAML (the Pulumi convention) and snake_case in Python. A misspelled key
    is an error rather than a silently ignored setting.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        strict=False,
    )


OFFLINE_PLACEHOLDER = "[secret]"
"""The value ``obsctl plan`` gives a secret it cannot read offline (not configured, or encrypted in
the stack file): masked like any secret, and not checked until ``pulumi up`` has the real value."""


class SecretValue:
    """A secret read from stack config. It never prints its value.

    Components turn it into a Pulumi secret with ``pulumi.Output.secret(value.reveal())`` so the
    engine encrypts it in state and masks it in previews.
    """

    __slots__ = ("_value", "key")

    def __init__(self, key: str, value: str) -> None:
        self.key = key
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"SecretValue({self.key!r}, '[secret]')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretValue) and (self.key, self._value) == (other.key, other._value)

    def __hash__(self) -> int:
        return hash((self.key, self._value))


def _reject_float_with_fraction(value: Any) -> Any:
    # Pulumi's config and its mock runtime hand numbers over as floats (14 -> 14.0).
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = Annotated[int, BeforeValidator(_reject_float_with_fraction)]
"""An int that also accepts the float form Pulumi's config round trip produces (14.0)."""
