"""The observability platform's CrossGuard policy pack.

``pulumi preview --policy-pack policy`` runs it through ``policy/__main__.py``; ``obsctl plan`` runs
the same policies offline through the SDK's analyzer (see ``obsctl/policy.py``).
"""

from .pack import (
    ALWAYS_ENFORCED,
    DEFAULT_ENFORCEMENT_LEVEL,
    PACK_DESCRIPTION,
    PACK_NAME,
    PACK_VERSION,
    build_pack,
    policies,
)

__all__ = [
    "ALWAYS_ENFORCED",
    "DEFAULT_ENFORCEMENT_LEVEL",
    "PACK_DESCRIPTION",
    "PACK_NAME",
    "PACK_VERSION",
    "build_pack",
    "policies",
]
