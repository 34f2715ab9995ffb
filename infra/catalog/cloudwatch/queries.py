"""Saved CloudWatch Logs Insights queries: ``cloudwatch-queries/<set>.yaml``, one file per query set.

Each entry is one query definition (the console's "Saved queries"); each stack deploys it as
``aws.cloudwatch.QueryDefinition`` named ``<environment>/<set>/<name>``, so the console shows one
folder per environment, then per set. ``log_groups`` and ``query`` take the placeholders the
dashboards take (:mod:`.dashboards`): ``${environment}``, ``${region}``, ``${logGroupPrefix}`` (where
the stack's log groups live) and ``${resources.<key>}``.

Loading needs no stack: strict YAML, the model, placeholders, the query's commands
(:mod:`.insights`). Rendering is per stack: placeholders filled, each log group under the stack's
prefix must be one the stack creates, and the result must satisfy CloudFormation's
``AWS::Logs::QueryDefinition`` schema (name, lengths, log group pattern).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from infra.catalog.cloudwatch.dashboards import fill_stack_values, unknown_placeholder_messages
from infra.catalog.cloudwatch.insights import check_insights_query
from infra.catalog.cloudwatch.resolve import StackValues, raise_unique
from infra.catalog.definition_files import mapping_documents, yaml_files
from infra.errors import Problem, ProblemCollector

QUERIES_DIR = "cloudwatch-queries"
QUERIES_SCHEMA = "schemas/cloudwatch-queries.schema.json"
_SET_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_LOG_GROUP = re.compile(r"^[.\-_/#A-Za-z0-9]+$")
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SavedQuery(_Model):
    """One saved Logs Insights query."""

    id: str = Field(
        pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$",
        max_length=100,
        description="Stable id: lower-case words joined by '-' (the Pulumi resource is named after it).",
    )
    name: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^[^:*/]+$",
        description="Title in the console's saved queries (no ':', '*' or '/'); deployed as "
        "<environment>/<set>/<name>.",
    )
    log_groups: list[Annotated[str, Field(min_length=1, max_length=512)]] = Field(
        default_factory=list,
        max_length=50,
        description="Log groups the query runs on, e.g. ${logGroupPrefix}/application (the stack's); "
        "none, as CloudFormation allows: the console asks for them when the query is run.",
    )
    query: Annotated[str, AfterValidator(check_insights_query)] = Field(
        min_length=1,
        max_length=10000,
        description="Logs Insights query: commands joined by '|' (fields, filter, stats, sort, limit ...).",
    )


class QueryFile(_Model):
    """One ``cloudwatch-queries/<set>.yaml`` file."""

    model_config = ConfigDict(title="CloudWatch Logs Insights saved queries")
    queries: list[SavedQuery] = Field(min_length=1)


@dataclass(frozen=True)
class CatalogQuery:
    query_set: str
    """The file's stem: the console folder under the environment's."""
    query: SavedQuery
    source: str

    @property
    def key(self) -> str:
        return f"{self.query_set}-{self.query.id}"


@dataclass(frozen=True)
class RenderedQuery:
    key: str
    """``<set>-<id>``: unique per stack, names the Pulumi resource."""
    source: str
    name: str
    query_string: str
    log_group_names: tuple[str, ...]
    stack_log_groups: tuple[str, ...]
    """Which of the stack's own log groups (by suffix) it reads, so they exist first."""

    def query_definition_args(self) -> dict[str, Any]:
        """Keyword arguments for ``aws.cloudwatch.QueryDefinition``."""
        args: dict[str, Any] = {"name": self.name, "query_string": self.query_string}
        if self.log_group_names:
            args["log_group_names"] = list(self.log_group_names)
        return args


def query_files(root: Path) -> list[Path]:
    return yaml_files(root / QUERIES_DIR)


def load_queries(root: Path) -> list[CatalogQuery]:
    """Every saved query under ``root/cloudwatch-queries``; one DefinitionError lists every problem."""
    problems = ProblemCollector()
    found: list[CatalogQuery] = []
    for source, document in mapping_documents(
        root,
        QUERIES_DIR,
        problems,
        file_name=_SET_NAME,
        name_rule="the file name is the query set's folder: lower-case words joined by '-'",
        shape="must be one YAML mapping with a top-level 'queries' list",
    ):
        try:
            parsed = QueryFile.model_validate(document)
        except ValidationError as error:
            problems.problems.extend(_validation_problems(source, document, error))
            continue
        seen: set[str] = set()
        for entry in parsed.queries:
            if entry.id in seen:
                problems.add(source, entry.id, "id is used by another query in this file")
                continue
            seen.add(entry.id)
            problems.problems.extend(_placeholder_problems(entry, source))
            found.append(CatalogQuery(PurePosixPath(source).stem, entry, source))
    problems.raise_if_any()
    return found


def _validation_problems(source: str, document: Mapping[str, Any], error: ValidationError) -> list[Problem]:
    listed = document.get("queries")
    entries: list[Any] = listed if isinstance(listed, list) else []
    problems = []
    for detail in error.errors(include_url=False):
        loc = [str(part) for part in detail["loc"]]
        if len(loc) >= 2 and loc[0] == "queries" and loc[1].isdigit():
            entry = entries[int(loc[1])] if int(loc[1]) < len(entries) else None
            label = entry["id"] if isinstance(entry, dict) and isinstance(entry.get("id"), str) else None
            loc = [label or f"queries[{loc[1]}]", *loc[2:]]
        message = detail["msg"].removeprefix("Value error, ")
        if detail["type"] == "missing":
            message = "is required"
        elif detail["type"] == "extra_forbidden":
            message = "is not a known key"
        problems.append(Problem(source, ".".join(loc), message))
    return problems


def _placeholder_problems(entry: SavedQuery, source: str) -> list[Problem]:
    problems = [Problem(source, f"{entry.id}.query", m) for m in unknown_placeholder_messages(entry.query)]
    for index, group in enumerate(entry.log_groups):
        where = f"{entry.id}.log_groups[{index}]"
        problems += [Problem(source, where, message) for message in unknown_placeholder_messages(group)]
        if not _LOG_GROUP.match(_PLACEHOLDER.sub("x", group)):
            problems.append(
                Problem(source, where, f"{group!r} is not a log group name: letters, digits and . - _ / #")
            )
    return problems


def render_queries(
    queries: Sequence[CatalogQuery],
    *,
    environment: str,
    region: str,
    log_group_prefix: str,
    log_groups: Collection[str],
    resources: Mapping[str, str],
    stack_file: str,
) -> list[RenderedQuery]:
    """Each saved query as one stack deploys it; unresolved references are one DefinitionError."""
    from infra.catalog.cloudwatch.cloudformation import cloudformation_problems

    problems = ProblemCollector()
    values = StackValues(resources, stack_file, problems)
    prefix = log_group_prefix.rstrip("/") + "/"
    rendered: list[RenderedQuery] = []
    for catalog_query in queries:
        entry, source = catalog_query.query, catalog_query.source

        def fill(text: str, where: str, source: str = source) -> str:
            text = fill_stack_values(
                text, region=region, environment=environment, log_group_prefix=log_group_prefix
            )
            return values.resolve(text, source, where)

        names = tuple(fill(g, f"{entry.id}.log_groups[{i}]") for i, g in enumerate(entry.log_groups))
        for index, name in enumerate(names):
            if name and not _LOG_GROUP.match(name):
                problems.add(source, f"{entry.id}.log_groups[{index}]", f"{name!r} is not a log group name")
        own = tuple(name.removeprefix(prefix) for name in names if name.startswith(prefix))
        for index, name in enumerate(names):
            if name.startswith(prefix) and name.removeprefix(prefix) not in log_groups:
                problems.add(
                    source,
                    f"{entry.id}.log_groups[{index}]",
                    f"{name} is not a log group stack {stack_file} creates ({', '.join(log_groups)})",
                )
        result = RenderedQuery(
            key=catalog_query.key,
            source=source,
            name=f"{environment}/{catalog_query.query_set}/{entry.name}",
            # Block scalars end in a newline; the console shows the query as it is stored.
            query_string=fill(entry.query, f"{entry.id}.query").strip(),
            log_group_names=names,
            stack_log_groups=own,
        )
        properties: dict[str, Any] = {"Name": result.name, "QueryString": result.query_string}
        if names:
            properties["LogGroupNames"] = list(names)
        for message in cloudformation_problems("AWS::Logs::QueryDefinition", properties):
            problems.add(source, entry.id, message)
        rendered.append(result)
    raise_unique(problems)
    return rendered
