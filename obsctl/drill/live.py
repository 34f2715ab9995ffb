"""Live drills against a real environment: prove that delivery works where it matters.

* :func:`drill_alertmanager` posts one synthetic firing alert, labelled ``drill="true"`` and carrying
  the labels the named rule carries, to an Alertmanager's v2 API, holds it, then resolves it.
* :func:`drill_cloudwatch` sets a CloudWatch alarm to ``ALARM`` with ``SetAlarmState`` and back to
  ``OK`` (boto3, credentials from the environment), so its actions run once.
"""

from __future__ import annotations

import datetime
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from infra.errors import DefinitionError
from obsctl.drill.stack_inputs import AlertRule

DRILL_LABEL = {"drill": "true"}
_TEMPLATE = re.compile(r"\{\{.*?\}\}", re.S)


def pick_rule(rules: list[AlertRule], name: str | None, source: str) -> AlertRule:
    """The named alert (its critical tier first), or the stack's first critical alert by name."""
    if name is None:
        critical = sorted((r for r in rules if r.severity == "critical"), key=lambda r: r.name)
        if not critical:
            raise DefinitionError.single(source, "", "the stack has no critical alert: pass --alert NAME")
        return critical[0]
    matching = sorted((r for r in rules if r.name == name), key=lambda r: r.severity != "critical")
    if not matching:
        known = ", ".join(sorted({r.name for r in rules}))
        raise DefinitionError.single(source, "--alert", f"no alert {name} in this stack (alerts: {known})")
    return matching[0]


def _timestamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def synthetic_alert(rule: AlertRule, *, resolved: bool, now: datetime.datetime) -> dict[str, Any]:
    # Annotation templates are Prometheus' to expand from a series; a drill has none, so say so.
    annotations = {key: _TEMPLATE.sub("(drill)", value) for key, value in rule.annotations.items()}
    annotations["summary"] = f"DRILL: {annotations.get('summary', rule.name)}"
    return {
        "labels": {**rule.labels, "alertname": rule.name, **DRILL_LABEL},
        "annotations": annotations,
        "startsAt": _timestamp(now),
        "endsAt": _timestamp(now if resolved else now + datetime.timedelta(hours=1)),
        "generatorURL": "https://github.com/obsctl/drill",
    }


def _post(url: str, alerts: list[dict[str, Any]]) -> None:
    request = urllib.request.Request(
        f"{url.rstrip('/')}/api/v2/alerts",
        data=json.dumps(alerts).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status >= 300:
                raise DefinitionError.single(url, "", f"Alertmanager answered HTTP {response.status}")
    except urllib.error.HTTPError as error:
        raise DefinitionError.single(
            url, "", f"Alertmanager refused the alert: HTTP {error.code} {error.read()[:300]!r}"
        ) from None
    except (urllib.error.URLError, OSError) as error:
        raise DefinitionError.single(url, "", f"cannot reach Alertmanager: {error}") from None


def drill_alertmanager(
    url: str, rule: AlertRule, hold_seconds: float, say: Callable[[str], None] = print
) -> None:
    started = datetime.datetime.now(datetime.UTC)
    alert = synthetic_alert(rule, resolved=False, now=started)
    _post(url, [alert])
    labels = ", ".join(f'{k}="{v}"' for k, v in sorted(alert["labels"].items()))
    say(f"posted firing {rule} to {url} with {{{labels}}}")
    say(f"holding it for {hold_seconds:g} s (longer than the route's group_wait), then resolving")
    try:
        time.sleep(hold_seconds)
    finally:
        # Resolve on every path, Ctrl-C included: a drill must not leave a page open.
        _post(url, [{**alert, "endsAt": _timestamp(datetime.datetime.now(datetime.UTC))}])
        say(f"resolved {rule}; check that its receivers got the firing and the resolved notification")


def drill_cloudwatch(
    alarm: str, stack: str, region: str, hold_seconds: float, say: Callable[[str], None] = print
) -> None:
    import boto3  # only live CloudWatch drills need it
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.client("cloudwatch", region_name=region)
    try:
        name = next(
            (
                candidate
                for candidate in (alarm, f"{stack}-{alarm}")
                if client.describe_alarms(AlarmNames=[candidate])["MetricAlarms"]
                or client.describe_alarms(AlarmNames=[candidate], AlarmTypes=["CompositeAlarm"])[
                    "CompositeAlarms"
                ]
            ),
            None,
        )
        if name is None:
            raise DefinitionError.single(
                "--cloudwatch", alarm, f"no alarm {alarm} or {stack}-{alarm} in {region}"
            )
        client.set_alarm_state(
            AlarmName=name, StateValue="ALARM", StateReason="obsctl drill: synthetic incident"
        )
        say(f"set {name} to ALARM in {region}; its alarm actions run now")
        try:
            time.sleep(hold_seconds)
        finally:
            client.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="obsctl drill: resolved")
            say(f"set {name} back to OK")
    except (BotoCoreError, ClientError) as error:
        raise DefinitionError.single("--cloudwatch", alarm, f"CloudWatch refused: {error}") from None
