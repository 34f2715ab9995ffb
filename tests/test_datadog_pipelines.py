"""Datadog log pipelines: the design notes' nginx pattern as grok, checked and rendered offline."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from infra.catalog.datadog import load_catalog, render_pipelines
from infra.catalog.datadog.grok import GrokError, compile_rules, parse_line
from infra.errors import DefinitionError, Problem
from infra.settings.datadog import DatadogSettings
from tests.datadog_support import provider_args

REPO = Path(__file__).resolve().parents[1]
NOTES_NGINX_PATTERN = r'(\d+\.\d+\.\d+\.\d+) .* "(\w+) ([^"]*) HTTP/\d\.\d" (\d+)'
"""The design notes' nginx_access regex; its fields are ip, method, path and status."""
NOTES_FIELDS = {
    "ip": "network.client.ip",
    "method": "http.method",
    "path": "http.url",
    "status": "http.status_code",
}


@cache
def nginx() -> dict:
    (pipeline,) = [
        p for p in render_pipelines(load_catalog(REPO), DatadogSettings(), "prod") if p.id == "nginx"
    ]
    return dict(pipeline.inputs)


def grok_parser(inputs: dict) -> dict:
    processor: dict = next(p["grok_parser"] for p in inputs["processors"] if "grok_parser" in p)
    return processor


def test_the_nginx_pipeline_extracts_the_notes_fields_from_every_sample() -> None:
    parser = grok_parser(nginx())
    rules = compile_rules(parser["grok"]["match_rules"], parser["grok"]["support_rules"])
    assert len(parser["samples"]) >= 2
    for sample in parser["samples"]:
        notes = re.match(NOTES_NGINX_PATTERN, sample)
        assert notes is not None, f"sample is not an nginx access line per the notes: {sample}"
        parsed = parse_line(rules, sample)
        assert parsed is not None, sample
        ip, method, path, status = notes.groups()
        assert parsed[NOTES_FIELDS["ip"]] == ip
        assert parsed[NOTES_FIELDS["method"]] == method
        assert parsed[NOTES_FIELDS["path"]] == path
        assert parsed[NOTES_FIELDS["status"]] == int(status)


def test_the_nginx_pipeline_has_the_providers_shape_for_this_stack() -> None:
    inputs = nginx()
    assert inputs["name"] == "nginx access logs (prod)"
    assert inputs["filters"] == [{"query": "source:nginx env:prod"}]
    kinds = [next(iter(processor)) for processor in inputs["processors"]]
    assert kinds == [
        "grok_parser",
        "date_remapper",
        "url_parser",
        "user_agent_parser",
        "category_processor",
        "status_remapper",
    ]
    assert grok_parser(inputs)["source"] == "message"
    assert not grok_parser(inputs)["grok"]["match_rules"].endswith("\n")
    assert "env:prod" in inputs["tags"]


def test_rendered_pipeline_inputs_use_the_providers_argument_names() -> None:
    inputs = nginx()
    assert set(inputs) <= provider_args("LogsCustomPipelineArgs", "logs_custom_pipeline")
    processor_kinds = provider_args("LogsCustomPipelineProcessorArgs")
    for processor in inputs["processors"]:
        ((kind, body),) = processor.items()
        assert kind in processor_kinds
        class_name = "LogsCustomPipelineProcessor" + "".join(w.title() for w in kind.split("_")) + "Args"
        assert set(body) <= provider_args(class_name), kind
    assert set(grok_parser(inputs)["grok"]) == provider_args("LogsCustomPipelineProcessorGrokParserGrokArgs")


PIPELINE = """\
name: "app logs ({{env}})"
filter: {query: "service:app env:{{env}}"}
processors:
  - type: grok-parser
    source: message
    samples: ["GET /health 200"]
    grok:
      match_rules: |
        access %{word:http.method} %{notSpace:http.url} %{integer:http.status_code}
"""


def pipeline_problems(tmp_path: Path, text: str) -> list[Problem]:
    directory = tmp_path / "alerts" / "datadog" / "pipelines"
    directory.mkdir(parents=True)
    (directory / "app.yaml").write_text(text)
    with pytest.raises(DefinitionError) as raised:
        render_pipelines(load_catalog(tmp_path), DatadogSettings(), "staging")
    return list(raised.value.problems)


def test_a_sample_the_rules_do_not_parse_fails(tmp_path: Path) -> None:
    (problem,) = pipeline_problems(tmp_path, PIPELINE.replace("GET /health 200", "GET /health OK"))
    assert (problem.source, problem.location) == ("alerts/datadog/pipelines/app.yaml", "app")
    assert problem.message == "processors[0].samples[0]: no match rule parses this sample: 'GET /health OK'"


def test_an_unknown_matcher_fails(tmp_path: Path) -> None:
    (problem,) = pipeline_problems(tmp_path, PIPELINE.replace("%{integer:", "%{integr:"))
    assert problem.message == "processors[0].grok: rule access: unknown matcher or support rule 'integr'"


def test_an_unknown_processor_type_fails(tmp_path: Path) -> None:
    directory = tmp_path / "alerts" / "datadog" / "pipelines"
    directory.mkdir(parents=True)
    (directory / "app.yaml").write_text(PIPELINE.replace("type: grok-parser", "type: grok-parsr"))
    with pytest.raises(DefinitionError) as raised:
        load_catalog(tmp_path)
    (problem,) = raised.value.problems
    assert (problem.source, problem.location) == ("alerts/datadog/pipelines/app.yaml", "app")
    assert "processors.0: Input tag 'grok-parsr' found using 'type' does not match" in problem.message


def test_grok_support_rules_must_resolve_and_not_loop() -> None:
    with pytest.raises(GrokError, match="unknown matcher or support rule '_missing'"):
        compile_rules("main %{_missing}")
    with pytest.raises(GrokError, match="refers to itself"):
        compile_rules("main %{_a}", "_a x%{_a}")
    with pytest.raises(GrokError, match="used more than once"):
        compile_rules("main %{word}\nmain %{word}")
    with pytest.raises(GrokError, match="unknown filter 'numbr'"):
        compile_rules("main %{notSpace:size:numbr}")
