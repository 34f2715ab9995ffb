"""Replays planned AWS resources against moto, in process, to prove AWS would accept each one.

``replay(plan.resources, region=...)`` (inside ``moto.mock_aws()``) sends every CloudWatch, Logs,
SNS, KMS, Firehose, S3, IAM and EventBridge resource of a plan with boto3, in dependency order,
with references to apply-time values replaced by what moto returned. Three layers judge each call:
botocore's parameter validation, the service model's enums, lengths and patterns
(:mod:`.constraints`), and moto itself; :mod:`.checks` adds what AWS checks on create and moto
skips (policy grammar, values only the CloudFormation schemas list).
"""

from tests.contract.moto_replay import alarms, events, firehose, iam, kms, logs, s3, sns
from tests.contract.moto_replay.engine import (
    NOT_REPLAYED,
    ReplayReport,
    replay,
    replay_order,
    unreplayed_types,
)
from tests.contract.moto_replay.errors import Rejection, ReplayError, ReplayFailed
from tests.contract.moto_replay.registry import REPLAYERS

SERVICE_MODULES = (alarms, events, firehose, iam, kms, logs, s3, sns)
"""Imported for their registrations in :data:`REPLAYERS`."""

__all__ = [
    "NOT_REPLAYED",
    "REPLAYERS",
    "SERVICE_MODULES",
    "Rejection",
    "ReplayError",
    "ReplayFailed",
    "ReplayReport",
    "replay",
    "replay_order",
    "unreplayed_types",
]
