"""Alertmanager routing: the shipped config, its routing table under amtool, rendering per stack."""

from __future__ import annotations

import copy
import json
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from infra.catalog.alertmanager import (
    CONFIG_FILE,
    AlertmanagerConfig,
    check_config,
    load_alertmanager,
    render,
    stand_in_values,
    write_config,
)
from infra.catalog.alertmanager_routing_table import RouteCase, load_routing_table, routing_table_failures
from infra.catalog.strict_yaml import dump
from infra.errors import DefinitionError
from infra.settings.base import SecretValue
from infra.settings.prometheus import AlertmanagerSettings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / ".." / "shared" / "corpus" / "alertmanager"
ROUTING_TABLE = REPO / "tests" / "alertmanager" / "routes.yaml"
CASES = load_routing_table(ROUTING_TABLE, REPO)

PROD = AlertmanagerSettings.model_validate(
    {
        "secrets": {
            "pagerduty-platform-routing-key": "pagerdutyPlatformRoutingKey",
            "pagerduty-security-routing-key": "pagerdutySecurityRoutingKey",
            "slack-platform-webhook-url": "slackPlatformWebhookUrl",
            "slack-security-webhook-url": "slackSecurityWebhookUrl",
            "slack-product-webhook-url": "slackProductWebhookUrl",
            "smtp-password": "smtpPassword",
            "heartbeat-url": "heartbeatUrl",
        },
        "values": {
            "smtp-smarthost": "smtp.example.com:587",
            "smtp-from": "alertmanager@example.com",
            "smtp-username": "alertmanager",
            "slack-platform-channel": "#alerts-platform",
            "slack-security-channel": "#alerts-security",
            "slack-product-channel": "#alerts-product",
            "email-sre": "sre@example.com",
            "email-product": "product@example.com",
        },
    }
)
PROD_SECRETS = {
    key: SecretValue(key, value)
    for key, value in {
        "pagerdutyPlatformRoutingKey": "R0UT1NGKEYPLATFORM00000000000000",
        "pagerdutySecurityRoutingKey": "R0UT1NGKEYSECURITY00000000000000",
        "slackPlatformWebhookUrl": "https://hooks.slack.test/services/T0/B0/platform",
        "slackSecurityWebhookUrl": "https://hooks.slack.test/services/T0/B0/security",
        "slackProductWebhookUrl": "https://hooks.slack.test/services/T0/B0/product",
        "smtpPassword": "smtp-password-value",
        "heartbeatUrl": "https://hc-ping.example.com/5f0c2a9e-heartbeat",
    }.items()
}


@pytest.fixture(scope="module")
def config() -> AlertmanagerConfig:
    return load_alertmanager(REPO / CONFIG_FILE, REPO)


@pytest.fixture(scope="module")
def checked_config_path(config: AlertmanagerConfig, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped config with stand-ins for its placeholders, as amtool reads it."""
    directory = tmp_path_factory.mktemp("alertmanager")
    return write_config(render(config, *stand_in_values(config)), directory / "alertmanager.yaml")


def edited(config: AlertmanagerConfig, tmp_path: Path, change: Any) -> Path:
    data = copy.deepcopy(dict(config.data))
    change(data)
    path = tmp_path / "alerts" / "alertmanager.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump(data), encoding="utf-8")
    return path


# --- The shipped config -------------------------------------------------------------------------------


def test_amtool_accepts_the_config_with_stand_ins(config: AlertmanagerConfig) -> None:
    run = check_config(render(config, *stand_in_values(config)))
    assert run.ok, str(run)


def test_amtool_accepts_a_stack_rendering(config: AlertmanagerConfig) -> None:
    rendered = render(config, PROD.resolve_secrets(PROD_SECRETS), PROD.values, source="Pulumi.prod.yaml")
    text = dump(rendered)
    assert "${" not in text
    assert "R0UT1NGKEYSECURITY00000000000000" in text
    assert rendered["receivers"][2]["slack_configs"][0]["channel"] == "#alerts-platform"
    run = check_config(rendered)
    assert run.ok, str(run)


def test_config_matches_the_schemastore_schema_editors_use(
    config: AlertmanagerConfig, shared_dir: Path
) -> None:
    schema_path = REPO / ".." / "shared" / "schemas" / "jsonschema" / "prometheus-alertmanager.json"
    validator = jsonschema.Draft7Validator(json.loads(schema_path.read_text(encoding="utf-8")))
    assert [e.message for e in validator.iter_errors(dict(config.data))] == []
    assert list(validator.iter_errors({"route": {"receiver": "a", "group_wait": "soon"}, "receivers": []}))


def test_critical_inhibits_warning_of_the_same_alert_and_service(config: AlertmanagerConfig) -> None:
    [rule] = config.data["inhibit_rules"]
    assert rule["source_matchers"] == ['severity="critical"']
    assert rule["target_matchers"] == ['severity="warning"']
    assert rule["equal"][:2] == ["alertname", "service"]


def test_route_intervals_are_set(config: AlertmanagerConfig) -> None:
    route = config.data["route"]
    assert {"group_by", "group_wait", "group_interval", "repeat_interval"} <= set(route)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.location}-{'-'.join(c.label_args())}")
def test_routing_table_row_with_amtool(case: RouteCase, checked_config_path: Path) -> None:
    assert routing_table_failures(checked_config_path, [case]) == []


def test_routing_table_reaches_every_receiver(config: AlertmanagerConfig) -> None:
    reached = {receiver for case in CASES for receiver in case.receivers}
    assert reached == set(config.receiver_names())


def test_wrong_routing_expectation_fails(checked_config_path: Path) -> None:
    case = RouteCase({"severity": "critical", "team": "security"}, ("slack-security",), "[wrong]")
    [failure] = routing_table_failures(checked_config_path, [case])
    assert "expected slack-security" in failure
    assert "pagerduty-security,slack-security" in failure


def test_malformed_routing_table_row_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text("- labels: {severity: critical}\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"routes.yaml: \[0\]: needs labels"):
        load_routing_table(path, tmp_path)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.yml")), ids=lambda p: p.name)
def test_corpus_configs_pass_the_routing_checks(path: Path) -> None:
    load_alertmanager(path, REPO, strict=False)


# --- Checks that bite -----------------------------------------------------------------------------------


def test_route_to_undefined_receiver_is_reported(config: AlertmanagerConfig, tmp_path: Path) -> None:
    path = edited(
        config, tmp_path, lambda d: d["route"]["routes"][1]["routes"][0].update(receiver="slack-secops")
    )
    with pytest.raises(DefinitionError) as raised:
        load_alertmanager(path, tmp_path)
    assert [str(p) for p in raised.value.problems] == [
        "alerts/alertmanager.yaml: route.routes[1].routes[0].receiver: names receiver 'slack-secops', "
        "which is not defined",
    ]


def test_a_receiver_no_route_names_is_a_warning_not_an_error(
    config: AlertmanagerConfig, tmp_path: Path
) -> None:
    # Alertmanager loads it, and imported configs keep spare receivers: shown in the plan, not fatal.
    path = edited(
        config,
        tmp_path,
        lambda d: d["receivers"].append({"name": "spare", "email_configs": [{"to": "${var:email-sre}"}]}),
    )
    loaded = load_alertmanager(path, tmp_path)
    assert [str(p) for p in loaded.warnings] == [
        f"alerts/alertmanager.yaml: receivers[{len(config.data['receivers'])}] (spare): is not the receiver of any "
        "route: it never notifies"
    ]
    assert load_alertmanager(REPO / "alerts" / "alertmanager.yaml", REPO).warnings == ()


def test_route_reaching_no_one_is_reported(config: AlertmanagerConfig, tmp_path: Path) -> None:
    def empty_security_pager(data: dict[str, Any]) -> None:
        data["receivers"][1] = {"name": "pagerduty-security"}

    path = edited(config, tmp_path, empty_security_pager)
    with pytest.raises(DefinitionError) as raised:
        load_alertmanager(path, tmp_path)
    [problem] = raised.value.problems
    assert problem.location == "route.routes[0].routes[0].receiver"
    assert "'pagerduty-security', which has no integrations: they reach no one" in problem.message


def test_route_shadowed_by_a_catch_all_is_reported(config: AlertmanagerConfig, tmp_path: Path) -> None:
    def catch_all_first(data: dict[str, Any]) -> None:
        data["route"]["routes"][1]["routes"].insert(0, {"receiver": "slack-platform"})

    path = edited(config, tmp_path, catch_all_first)
    with pytest.raises(DefinitionError) as raised:
        load_alertmanager(path, tmp_path)
    messages = {(p.location, p.message.split(":")[0]) for p in raised.value.problems}
    assert ("route.routes[1].routes[1]", "can never match") in messages
    assert ("route.routes[1].routes[2]", "can never match") in messages


def test_literal_secret_and_malformed_placeholder_are_reported(
    config: AlertmanagerConfig, tmp_path: Path
) -> None:
    def leak(data: dict[str, Any]) -> None:
        data["receivers"][0]["pagerduty_configs"][0]["routing_key"] = "0123456789abcdef"
        data["receivers"][2]["slack_configs"][0]["channel"] = "${var:Slack_Channel}"

    path = edited(config, tmp_path, leak)
    with pytest.raises(DefinitionError) as raised:
        load_alertmanager(path, tmp_path)
    assert {(p.location, p.message.split(":")[0]) for p in raised.value.problems} == {
        ("receivers[0].pagerduty_configs[0].routing_key", "holds a literal secret"),
        ("receivers[2].slack_configs[0].channel", "${var"),
    }


def test_amtool_check_config_rejects_a_broken_config(config: AlertmanagerConfig) -> None:
    rendered = render(config, *stand_in_values(config))
    rendered["route"]["routes"][0]["matchers"] = ['severity=="critical"']
    run = check_config(rendered)
    assert not run.ok
    assert "matcher" in run.output


def test_yaml_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "alertmanager.yaml"
    path.write_text(
        textwrap.dedent("route:\n  receiver: a\n  receiver: b\nreceivers: []\n"), encoding="utf-8"
    )
    with pytest.raises(
        DefinitionError, match=r"alertmanager.yaml: line 3, column 3: .*'receiver' is defined twice"
    ):
        load_alertmanager(path, tmp_path)


# --- Rendering per stack -------------------------------------------------------------------------------


def test_missing_and_unused_stack_values_name_the_stack_key(config: AlertmanagerConfig) -> None:
    secrets = PROD.resolve_secrets(PROD_SECRETS)
    del secrets["pagerduty-security-routing-key"]
    secrets["pagerduty-secops-routing-key"] = "x"
    with pytest.raises(DefinitionError) as raised:
        render(config, secrets, PROD.values, source="Pulumi.prod.yaml")
    assert [(p.source, p.location, p.message.split(",")[0]) for p in raised.value.problems] == [
        (
            "Pulumi.prod.yaml",
            "observability:alertmanager.secrets.pagerduty-security-routing-key",
            "is not set",
        ),
        (
            "Pulumi.prod.yaml",
            "observability:alertmanager.secrets.pagerduty-secops-routing-key",
            "is not used by alerts/alertmanager.yaml",
        ),
    ]


def test_settings_list_secret_keys_once_with_their_purpose() -> None:
    staging = AlertmanagerSettings.model_validate(
        {
            "secrets": {
                "slack-platform-webhook-url": "slackWebhookUrl",
                "slack-product-webhook-url": "slackWebhookUrl",
            }
        }
    )
    assert staging.secret_keys() == [
        ("slackWebhookUrl", "Alertmanager slack-platform-webhook-url, slack-product-webhook-url")
    ]
    assert "pagerdutyPlatformRoutingKey" in dict(PROD.secret_keys())


def test_settings_reject_bad_names() -> None:
    with pytest.raises(ValueError, match="secrets"):
        AlertmanagerSettings.model_validate({"secrets": {"PagerDuty": "pagerdutyKey"}})
    with pytest.raises(ValueError, match="secrets"):
        AlertmanagerSettings.model_validate({"secrets": {"pagerduty": "observability:pagerdutyKey"}})
