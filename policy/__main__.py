"""Entry point the Pulumi CLI runs for `pulumi preview --policy-pack policy`."""

from observability_policies import build_pack

build_pack()
