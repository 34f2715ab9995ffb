"""Which function replays which Pulumi resource type."""

from __future__ import annotations

from collections.abc import Callable

from tests.contract.moto_replay.context import Replayer

REPLAYERS: dict[str, Replayer] = {}
"""Pulumi type token -> the function that issues its boto3 calls against moto."""


def replays(*type_tokens: str) -> Callable[[Replayer], Replayer]:
    def register(replayer: Replayer) -> Replayer:
        for token in type_tokens:
            assert token not in REPLAYERS, f"two replayers for {token}"
            REPLAYERS[token] = replayer
        return replayer

    return register
