"""SNS topics, their policies and subscriptions."""

from __future__ import annotations

from tests.contract.moto_replay.checks import check_json, check_policy_document
from tests.contract.moto_replay.context import Outputs, ResourceContext
from tests.contract.moto_replay.errors import ReplayError
from tests.contract.moto_replay.inputs import Inputs, present, tag_list
from tests.contract.moto_replay.registry import replays

TOPIC_ATTRIBUTES = {
    "kmsMasterKeyId": "KmsMasterKeyId",
    "displayName": "DisplayName",
    "deliveryPolicy": "DeliveryPolicy",
    "fifoTopic": "FifoTopic",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "fifoThroughputScope": "FifoThroughputScope",
    "signatureVersion": "SignatureVersion",
    "tracingConfig": "TracingConfig",
    "archivePolicy": "ArchivePolicy",
    **{
        f"{pulumi}{outcome}{field}": f"{api}{outcome}{field}"
        for pulumi, api in (
            ("application", "Application"),
            ("firehose", "Firehose"),
            ("http", "HTTP"),
            ("lambda", "Lambda"),
            ("sqs", "SQS"),
        )
        for outcome in ("SuccessFeedback", "FailureFeedback")
        for field in ("RoleArn", "SampleRate")
        if not (outcome == "FailureFeedback" and field == "SampleRate")
    },
}
"""Pulumi topic inputs -> the SNS topic attribute each sets (``policy`` is checked on its own)."""

SUBSCRIPTION_ATTRIBUTES = {
    "deliveryPolicy": "DeliveryPolicy",
    "filterPolicy": "FilterPolicy",
    "filterPolicyScope": "FilterPolicyScope",
    "rawMessageDelivery": "RawMessageDelivery",
    "redrivePolicy": "RedrivePolicy",
    "replayPolicy": "ReplayPolicy",
    "subscriptionRoleArn": "SubscriptionRoleArn",
}

PROTOCOLS = ("http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose")
"""The Subscribe protocols AWS documents; the model types Protocol as a free string."""

JSON_ATTRIBUTES = {"DeliveryPolicy", "FilterPolicy", "RedrivePolicy", "ArchivePolicy", "ReplayPolicy"}


def _attributes(inputs: Inputs, names: dict[str, str]) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for key, attribute in names.items():
        value = inputs.get(key)
        if value is None:
            continue
        if attribute in JSON_ATTRIBUTES:
            check_json(value, key)
        attributes[attribute] = str(value).lower() if isinstance(value, bool) else str(value)
    return attributes


@replays("aws:sns/topic:Topic")
def topic(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    fifo = bool(inputs.get("fifoTopic", False))
    name = ctx.name(inputs, suffix=".fifo" if fifo else "")
    attributes = _attributes(inputs, TOPIC_ATTRIBUTES)
    policy = inputs.get("policy")
    if policy is not None:
        attributes["Policy"] = check_policy_document(policy, "resource", "policy")
    arn = ctx.client("sns").create_topic(
        **present(Name=name, Attributes=attributes, Tags=tag_list(inputs.get("tags")))
    )["TopicArn"]
    return {"id": arn, "arn": arn, "name": name}


@replays("aws:sns/topicPolicy:TopicPolicy")
def topic_policy(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    arn = inputs.require("arn")
    policy = check_policy_document(inputs.require("policy"), "resource", "policy")
    ctx.client("sns").set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=policy)
    return {"id": arn, "arn": arn}


@replays("aws:sns/topicSubscription:TopicSubscription")
def topic_subscription(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    protocol = inputs.require("protocol")
    endpoint = inputs.require("endpoint")
    if protocol not in PROTOCOLS:
        raise ReplayError(f"input protocol = {protocol!r} is not an SNS protocol ({', '.join(PROTOCOLS)})")
    if protocol in ("http", "https") and not str(endpoint).startswith(f"{protocol}://"):
        raise ReplayError(f"input endpoint of an {protocol} subscription must start with {protocol}://")
    # Confirmation is the provider's business: it waits for (or skips waiting for) the endpoint.
    inputs.provider_only("endpointAutoConfirms", "confirmationTimeoutInMinutes")
    arn = ctx.client("sns").subscribe(
        **present(
            TopicArn=inputs.require("topic"),
            Protocol=protocol,
            Endpoint=endpoint,
            Attributes=_attributes(inputs, SUBSCRIPTION_ATTRIBUTES),
            ReturnSubscriptionArn=True,
        )
    )["SubscriptionArn"]
    return {"id": arn, "arn": arn}
