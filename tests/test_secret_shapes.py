"""Secrets are checked by what consumes them before anything renders, and the value is never printed."""

from __future__ import annotations

import functools

import pytest

from infra.catalog.alertmanager import (
    CONFIG_FILE,
    AlertmanagerConfig,
    check_config,
    load_alertmanager,
    render,
)
from infra.config import Settings, load_settings
from infra.errors import DefinitionError
from infra.secret_shapes import (
    DATADOG_API_KEY,
    DATADOG_APP_KEY,
    EMAIL,
    GRAFANA_AUTH,
    HTTPS_URL,
    LAMBDA_ARN,
    NOT_EMPTY,
    ONE_LINE,
    PAGERDUTY_KEY,
    SQS_ARN,
    URL,
    URL_PART,
    SecretShape,
    check_secret_shapes,
    secret_uses,
)
from infra.settings.base import OFFLINE_PLACEHOLDER, SecretValue
from obsctl import cli, runner
from obsctl.runner import PlanFailed, plan_stack
from obsctl.stackfile import read_stack_file
from tests.conftest import PROJECT_DIR, SENTINEL, stand_in_secrets

NOT_A_URL = "xoxb-not-a-webhook-7f3k"
"""A Slack bot token where the webhook URL belongs: the value no message may print."""

CASES = [
    (
        URL,
        ["https://hooks.slack.com/services/T0/B0/x", "http://relay.internal:8080/hook"],
        {
            NOT_A_URL: "does not start with https:// or http://",
            "https://": "has no host",
            "https://hooks.slack.com/a b": "contains whitespace",
            "https://hooks.slack.com/x\n": "holds a line break",
        },
    ),
    (
        HTTPS_URL,
        ["https://hooks.example.com/x"],
        {"http://hooks.example.com/x": "does not start with https://"},
    ),
    (
        PAGERDUTY_KEY,
        ["R0123456789ABCDEFGHIJKLMNOPQRSTU", "0123456789abcdef0123456789abcdef"],
        {
            "https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue": "is a URL",
            "0123456789abcdef": "is 16 characters long, not 32",
            "0123456789abcdef0123456789abcde-": "holds characters other than letters and digits",
        },
    ),
    (
        DATADOG_API_KEY,
        ["0123456789abcdef0123456789abcdef"],
        {
            "0123456789abcdef0123456789abcdeg": "holds characters other than hexadecimal digits",
            " 0123456789abcdef0123456789abcde": "starts or ends with whitespace",
        },
    ),
    (
        DATADOG_APP_KEY,
        ["0123456789abcdef0123456789abcdef01234567"],
        {
            "0123456789abcdef0123456789abcdef": "is 32 characters long, not 40",
        },
    ),
    (EMAIL, ["oncall@example.com"], {"oncall": "is not an email address"}),
    (SQS_ARN, ["arn:aws:sqs:us-east-1:111122223333:alerts"], {"alerts": "is not an SQS queue ARN"}),
    (LAMBDA_ARN, ["arn:aws:lambda:us-east-1:111122223333:function:notify"], {"notify": "is not a Lambda"}),
    (
        GRAFANA_AUTH,
        ["glsa_abc_123", "admin:pa ss"],
        {"https://grafana.example.com": "is a URL", "": "is empty"},
    ),
    (ONE_LINE, ["p@ss word"], {"secret\n": "holds a line break", "  ": "is empty"}),
    (URL_PART, ["abc123"], {"abc 123": "contains whitespace"}),
    (NOT_EMPTY, ["apiVersion: v1\nclusters: []\n"], {" \n": "is empty"}),
]


@pytest.mark.parametrize(("shape", "good", "bad"), CASES, ids=[c[0].description for c in CASES])
def test_each_shape_accepts_its_values_and_says_what_is_wrong_with_others(
    shape: SecretShape, good: list[str], bad: dict[str, str]
) -> None:
    for value in good:
        assert shape.problem(value) is None, value
    assert shape.problem(shape.stand_in(SENTINEL)) is None
    for value, problem in bad.items():
        found = shape.problem(value)
        assert found is not None and problem in found, (value, found)
        assert value.strip() == "" or value.strip() not in found


@functools.cache
def _settings(stack: str) -> Settings:
    return load_settings(read_stack_file(PROJECT_DIR, stack).raw)


def _with(stack: str, **secrets: str) -> Settings:
    settings = _settings(stack)
    values = {k.removeprefix("observability:"): v for k, v in stand_in_secrets(stack).items()}
    values.update(secrets)
    return settings.model_copy(update={"secrets": {k: SecretValue(k, v) for k, v in values.items()}})


def _alertmanager() -> AlertmanagerConfig:
    return load_alertmanager(PROJECT_DIR / CONFIG_FILE, PROJECT_DIR)


def test_every_consumer_of_every_required_secret_has_a_shape() -> None:
    for stack in ("prod", "staging"):
        settings = _settings(stack)
        uses = {use.key: use.shape for use in secret_uses(settings, _alertmanager())}
        assert {spec.key for spec in settings.required_secrets()} == set(uses), stack
    prod = {use.key: use.shape for use in secret_uses(_settings("prod"), _alertmanager())}
    assert prod["slackPlatformWebhookUrl"] is URL
    assert prod["pagerdutyPlatformRoutingKey"] is PAGERDUTY_KEY
    assert prod["pagerdutyIntegrationKey"] is PAGERDUTY_KEY
    assert prod["alertWebhookUrl"] is HTTPS_URL
    assert prod["datadogApiKey"] is DATADOG_API_KEY
    assert prod["grafanaAuth"] is GRAFANA_AUTH


def test_a_wrong_shape_names_the_file_key_consumer_and_shape_never_the_value() -> None:
    settings = _with("staging", slackStagingWebhookUrl=NOT_A_URL)
    with pytest.raises(DefinitionError) as raised:
        check_secret_shapes(settings, _alertmanager())
    (problem,) = raised.value.problems
    assert problem.source == "Pulumi.staging.yaml"
    assert problem.location == "observability:slackStagingWebhookUrl"
    # Three receivers share the staging webhook: one line names them all.
    for receiver in ("receivers[", "slack_configs[0].api_url (${secret:slack-platform-webhook-url})"):
        assert receiver in problem.message
    assert "does not start with https:// or http://" in problem.message
    assert "need an http(s) URL" in problem.message
    assert "pulumi config set --secret observability:slackStagingWebhookUrl <value> --stack staging" in str(
        problem
    )
    assert NOT_A_URL not in str(raised.value)


def test_every_secret_is_checked_and_all_problems_reported_at_once() -> None:
    settings = _with(
        "prod",
        pagerdutyIntegrationKey="https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue",
        datadogApiKey="not-hex",
        alertWebhookUrl="http://insecure.example.com/hook",
        smtpPassword="hunter2\n",
    )
    with pytest.raises(DefinitionError) as raised:
        check_secret_shapes(settings, _alertmanager())
    assert [p.location.removeprefix("observability:") for p in raised.value.problems] == [
        "alertWebhookUrl",
        "datadogApiKey",
        "pagerdutyIntegrationKey",
        "smtpPassword",
    ]
    # One key, two consumers of the same shape: one line naming both.
    assert "Datadog API key for log forwarding and the Datadog provider need a Datadog API key" in str(
        raised.value
    )
    assert "hunter2" not in str(raised.value) and "insecure" not in str(raised.value)


def test_a_secret_obsctl_cannot_read_is_not_checked() -> None:
    check_secret_shapes(_with("prod", slackPlatformWebhookUrl=OFFLINE_PLACEHOLDER), _alertmanager())


def test_amtool_refuses_what_the_check_stops() -> None:
    """Why the check exists: the rendering of a non-URL webhook is a config Alertmanager refuses."""
    settings = _with("staging")
    config = _alertmanager()
    secrets = settings.alertmanager.resolve_secrets(settings.secrets)
    assert check_config(render(config, secrets, settings.alertmanager.values)).ok
    broken = {name: NOT_A_URL if "slack" in name else value for name, value in secrets.items()}
    assert not check_config(render(config, broken, settings.alertmanager.values)).ok


def test_the_program_stops_before_registering_anything() -> None:
    secrets = {**stand_in_secrets("staging"), "observability:slackStagingWebhookUrl": NOT_A_URL}
    with pytest.raises(PlanFailed) as raised:
        plan_stack(PROJECT_DIR, "staging", secrets=secrets)
    assert str(raised.value).startswith("Pulumi.staging.yaml: observability:slackStagingWebhookUrl: ")
    assert NOT_A_URL not in str(raised.value)


def test_obsctl_plan_prints_the_problem_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Offline, obsctl has no secret values; `pulumi up` has. This feeds them in as it would."""
    secrets = {**stand_in_secrets("staging"), "observability:pagerdutyStagingRoutingKey": "pd-key-too-short"}
    monkeypatch.setattr(runner, "plan_stack", functools.partial(plan_stack, secrets=secrets))
    status = cli.main(["--project-dir", str(PROJECT_DIR), "plan", "staging", "--no-policies"])
    out, err = capsys.readouterr()
    assert status == 1
    assert err.startswith(
        "error: Pulumi.staging.yaml: observability:pagerdutyStagingRoutingKey: is 16 characters long, not 32, "
        "but "
        "alerts/alertmanager.yaml receivers[0].pagerduty_configs[0].routing_key"
    ), err
    assert "Traceback" not in out + err and "pd-key-too-short" not in out + err
    assert "+ " not in out  # no resource was planned
