"""EventBridge rules and targets (Pulumi keeps them in its cloudwatch module)."""

from __future__ import annotations

from tests.contract.moto_replay.checks import check_json
from tests.contract.moto_replay.context import Outputs, ResourceContext
from tests.contract.moto_replay.errors import ReplayError
from tests.contract.moto_replay.inputs import Inputs, present, tag_list, to_api
from tests.contract.moto_replay.registry import replays

TARGET_RENAMES = {"targetId": "Id", "inputPaths": "InputPathsMap"}
"""Pulumi target arguments whose API member has another name."""


@replays("aws:cloudwatch/eventRule:EventRule")
def event_rule(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    name = ctx.name(inputs)
    pattern = inputs.get("eventPattern")
    if pattern is not None:
        check_json(pattern, "eventPattern")
    state = inputs.get("state")
    enabled = inputs.get("isEnabled")
    if state is None and enabled is not None:
        state = "ENABLED" if enabled else "DISABLED"
    inputs.provider_only("forceDestroy")
    bus = inputs.get("eventBusName")
    arn = ctx.client("events").put_rule(
        **present(
            Name=name,
            EventBusName=bus,
            EventPattern=pattern,
            ScheduleExpression=inputs.get("scheduleExpression"),
            Description=inputs.get("description"),
            RoleArn=inputs.get("roleArn"),
            State=state,
            Tags=tag_list(inputs.get("tags")),
        )
    )["RuleArn"]
    rule_id = f"{bus}/{name}" if bus not in (None, "default") else name
    return {"id": rule_id, "name": name, "arn": arn}


@replays("aws:cloudwatch/eventTarget:EventTarget")
def event_target(ctx: ResourceContext, inputs: Inputs) -> Outputs:
    events = ctx.client("events")
    rule = inputs.require("rule")
    bus = inputs.get("eventBusName")
    target_id = ctx.name(inputs, "targetId")
    inputs.provider_only("forceDestroy")
    # Every other argument is a member of the API's Target (input, inputTransformer, retryPolicy, ...).
    target = to_api(
        {"targetId": target_id, **inputs.rest()},
        events.meta.service_model.shape_for("Target"),
        "target",
        TARGET_RENAMES,
    )
    response = events.put_targets(**present(Rule=rule, EventBusName=bus, Targets=[target]))
    if response.get("FailedEntryCount"):
        entry = response["FailedEntries"][0]
        raise ReplayError(
            f"PutTargets refused {target_id}: {entry.get('ErrorCode')}: {entry.get('ErrorMessage')}"
        )
    return {"id": f"{rule}-{target_id}", "targetId": target_id}
