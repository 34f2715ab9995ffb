"""Hand-built resources of every type the moto replay covers, declared the way the components do.

Recorded by ``obsctl.runner.plan_stack`` like the real stacks, so each replayer is proven on the exact
input names and shapes the SDK registers, before any stack declares that type. Logical names start
with ``fx-``; the tests look resources up by them. The runner puts this directory on ``sys.path``.
"""

from __future__ import annotations

import fx_delivery
import fx_observability
import pulumi_aws as aws

account_id = aws.get_caller_identity_output().account_id
observability = fx_observability.declare(account_id)
fx_delivery.declare(observability.key, observability.group)
