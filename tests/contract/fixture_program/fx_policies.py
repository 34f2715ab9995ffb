"""Shared by the fixture modules: the region, the tags and policy documents."""

from __future__ import annotations

import json
from typing import Any

REGION = "us-east-1"
TAGS = {"team": "platform", "managed-by": "pulumi"}


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, sort_keys=True)


def trust(service: str) -> str:
    return policy({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})
