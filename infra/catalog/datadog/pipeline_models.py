"""The shape of a log pipeline in ``alerts/datadog/pipelines/``: the Datadog API's ``LogsPipeline``.

One pipeline per file, its id the file name. Processors are the API's, told apart by ``type``;
the ones listed here are those the log parsing in this repository needs, each also expressible as
a ``pulumi_datadog.LogsCustomPipeline`` processor.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from infra.catalog.datadog.models import CatalogModel, NonBlank

Sources = Annotated[tuple[NonBlank, ...], Field(min_length=1)]


class Filter(CatalogModel):
    query: NonBlank
    """A log search query, e.g. ``source:nginx env:{{env}}``."""


class ProcessorBase(CatalogModel):
    name: str | None = None
    is_enabled: bool | None = None


class GrokRules(CatalogModel):
    match_rules: NonBlank
    """One rule per line: ``rule_name pattern``, in Datadog grok syntax (``%{matcher:attribute:filter}``)."""
    support_rules: str = ""
    """Helper rules the match rules reference as ``%{rule_name}``."""


class GrokParser(ProcessorBase):
    type: Literal["grok-parser"]
    source: NonBlank = "message"
    samples: Annotated[tuple[str, ...], Field(max_length=5)] = ()
    """Log lines the rules must parse; checked offline and shown in the Datadog UI."""
    grok: GrokRules


class UrlParser(ProcessorBase):
    type: Literal["url-parser"]
    sources: Sources
    target: NonBlank
    normalize_ending_slashes: bool | None = None


class UserAgentParser(ProcessorBase):
    type: Literal["user-agent-parser"]
    sources: Sources
    target: NonBlank
    is_encoded: bool | None = None


class DateRemapper(ProcessorBase):
    type: Literal["date-remapper"]
    sources: Sources


class StatusRemapper(ProcessorBase):
    type: Literal["status-remapper"]
    sources: Sources


class ServiceRemapper(ProcessorBase):
    type: Literal["service-remapper"]
    sources: Sources


class MessageRemapper(ProcessorBase):
    type: Literal["message-remapper"]
    sources: Sources


class AttributeRemapper(ProcessorBase):
    type: Literal["attribute-remapper"]
    sources: Sources
    source_type: Literal["attribute", "tag"] = "attribute"
    target: NonBlank
    target_type: Literal["attribute", "tag"] = "attribute"
    target_format: Literal["auto", "string", "integer", "double"] | None = None
    preserve_source: bool | None = None
    override_on_conflict: bool | None = None


class Category(CatalogModel):
    filter: Filter
    name: NonBlank


class CategoryProcessor(ProcessorBase):
    type: Literal["category-processor"]
    categories: Annotated[tuple[Category, ...], Field(min_length=1)]
    target: NonBlank


Processor = Annotated[
    GrokParser
    | UrlParser
    | UserAgentParser
    | DateRemapper
    | StatusRemapper
    | ServiceRemapper
    | MessageRemapper
    | AttributeRemapper
    | CategoryProcessor,
    Field(discriminator="type"),
]


class PipelineDefinition(CatalogModel):
    """A Datadog log pipeline. ``{{env}}`` and ``$env`` are replaced by the stack's env, so each
    stack's pipeline only processes its own environment's logs."""

    model_config = ConfigDict(title="Datadog log pipeline")

    name: NonBlank
    is_enabled: bool = True
    filter: Filter
    description: str | None = None
    tags: tuple[str, ...] = ()
    processors: tuple[Processor, ...] = ()
