"""Log pipelines: ``alerts/datadog/pipelines/*.yaml`` -> ``pulumi_datadog.LogsCustomPipeline`` inputs.

Each file is one pipeline in the Datadog API's shape (see :mod:`.pipeline_models`). Loading checks
the shape; rendering substitutes ``{{env}}``, merges the standard tags, validates the result
against the datadog-api-client ``LogsPipeline`` model (including its ``_unparsed`` flag), checks
every grok parser's rules and that they parse the parser's own samples, and converts to the
provider's shape (``filter`` -> ``filters``, ``{type: grok-parser, ...}`` -> ``{grok_parser: {...}}``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from infra.catalog.datadog.files import display_path, read_document
from infra.catalog.datadog.grok import GrokError, compile_rules, parse_line
from infra.catalog.datadog.loader import validation_messages
from infra.catalog.datadog.models import MONITOR_ID_PATTERN
from infra.catalog.datadog.pipeline_models import PipelineDefinition
from infra.catalog.datadog.templating import merged_tags, substitute_env_everywhere
from infra.errors import DefinitionError, ProblemCollector
from infra.settings.datadog import DatadogSettings

if TYPE_CHECKING:
    from infra.catalog.datadog.catalog import DatadogCatalog

PIPELINE_EXTENSIONS = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class CatalogPipeline:
    id: str
    source: str
    definition: PipelineDefinition


@dataclass(frozen=True)
class RenderedPipeline:
    id: str
    source: str
    inputs: Mapping[str, Any]
    """Keyword arguments of ``pulumi_datadog.LogsCustomPipeline``."""
    payload: Mapping[str, Any]
    """The Datadog API body the inputs were made from."""


def load_pipelines(directory: Path, root: Path, tree: Path) -> dict[str, CatalogPipeline]:
    """Every pipeline file in ``directory`` by id (its file name); raises one DefinitionError."""
    problems = ProblemCollector()
    pipelines: dict[str, CatalogPipeline] = {}
    files = (
        sorted(p for p in directory.glob("*") if p.suffix in PIPELINE_EXTENSIONS)
        if directory.is_dir()
        else []
    )
    for path in files:
        source = display_path(path, root)
        if not re.match(MONITOR_ID_PATTERN, path.stem):
            problems.add(source, "", "a pipeline file name holds letters, digits, '.', '_' and '-' only")
            continue
        try:
            document = read_document(path, source, tree)
            definition = PipelineDefinition.model_validate(document)
        except DefinitionError as error:
            problems.extend(error)
            continue
        except ValidationError as error:
            for message in validation_messages(error):
                problems.add(source, path.stem, message)
            continue
        pipelines[path.stem] = CatalogPipeline(path.stem, source, definition)
    problems.raise_if_any()
    return pipelines


def render_pipelines(
    catalog: DatadogCatalog, settings: DatadogSettings, stack: str
) -> list[RenderedPipeline]:
    """Every pipeline for ``stack``, validated; raises one DefinitionError with every problem."""
    env = settings.env_for(stack)
    problems = ProblemCollector()
    rendered = []
    for pipeline in catalog.pipelines.values():
        payload = _normalized(
            substitute_env_everywhere(pipeline.definition.model_dump(mode="json", exclude_none=True), env)
        )
        tags = merged_tags(payload["tags"], env=env, service=settings.service, team=settings.team)
        payload["tags"] = sorted(set(tags))
        found = list(pipeline_problems(payload))
        for message in found:
            problems.add(pipeline.source, pipeline.id, message)
        if not found:
            rendered.append(
                RenderedPipeline(pipeline.id, pipeline.source, provider_pipeline_inputs(payload), payload)
            )
    problems.raise_if_any()
    return rendered


def _normalized(payload: dict[str, Any]) -> dict[str, Any]:
    # YAML block scalars end rule text with a newline that Datadog would hand back without.
    for processor in payload.get("processors", []):
        if processor.get("type") == "grok-parser":
            grok = processor["grok"]
            grok.update({key: grok[key].strip() for key in ("match_rules", "support_rules") if key in grok})
    return payload


def pipeline_problems(payload: Mapping[str, Any]) -> Iterator[str]:
    parse, errors = _client()
    try:
        model = parse(payload)
    except errors as error:
        yield str(error).replace("['pipeline']", "")
        return
    if model._unparsed:
        yield "processors: a processor does not match any shape the Datadog API accepts"
    for index, processor in enumerate(payload.get("processors", [])):
        if processor.get("type") == "grok-parser":
            yield from (f"processors[{index}].{message}" for message in _grok_problems(processor))


def _grok_problems(processor: Mapping[str, Any]) -> Iterator[str]:
    grok = processor["grok"]
    try:
        rules = compile_rules(grok["match_rules"], grok.get("support_rules", ""))
    except GrokError as error:
        yield f"grok: {error}"
        return
    for number, sample in enumerate(processor.get("samples", [])):
        if parse_line(rules, sample) is None:
            yield f"samples[{number}]: no match rule parses this sample: {sample!r}"


@cache
def _client() -> tuple[Any, tuple[type[Exception], ...]]:
    from datadog_api_client import Configuration
    from datadog_api_client.exceptions import OpenApiException
    from datadog_api_client.model_utils import validate_and_convert_types
    from datadog_api_client.v1.model.logs_pipeline import LogsPipeline

    configuration = Configuration()

    def parse(payload: Mapping[str, Any]) -> Any:
        return validate_and_convert_types(
            dict(payload), (LogsPipeline,), ["pipeline"], True, True, configuration=configuration
        )

    return parse, (OpenApiException, TypeError, ValueError)


def provider_pipeline_inputs(payload: Mapping[str, Any]) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "name": payload["name"],
        "is_enabled": payload.get("is_enabled", True),
        "filters": [payload["filter"]],
        "processors": [_provider_processor(processor) for processor in payload.get("processors", [])],
    }
    for key in ("description", "tags"):
        if payload.get(key):
            inputs[key] = payload[key]
    return inputs


def _provider_processor(processor: Mapping[str, Any]) -> dict[str, Any]:
    body = {key: value for key, value in processor.items() if key != "type"}
    if processor["type"] == "grok-parser":
        body["grok"] = {"support_rules": "", **body["grok"]}
    return {processor["type"].replace("-", "_"): body}
