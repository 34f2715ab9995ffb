"""Runs the CrossGuard policy pack in ``policy/`` over a recorded plan, the way the engine does.

``pulumi preview --policy-pack policy`` starts the pack as a gRPC analyzer, configures it, sends one
Analyze request per resource (its inputs) and one AnalyzeStack request with every resource, its
parent and its (property) dependencies. This module builds those same protobuf requests from the
recorded resources, secrets wrapped in the secret signature and unknowns as the unknown sentinel,
and hands them to the pulumi-policy SDK's own analyzer servicer, minus the socket.

Per-stack thresholds come from ``policy/config/<stack>.json``, the file CI passes to the CLI
with ``--policy-pack-config``; it is validated against the policies' config schemas, as the engine
does.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import jsonschema
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import proto
from pulumi.runtime import rpc as pulumi_rpc
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from infra.catalog.safe_files import read_text
from infra.catalog.strict_json import load_json
from infra.catalog.strict_yaml import load_document
from infra.errors import DefinitionError, ProblemCollector
from obsctl.plan import Plan, PlannedResource, Secret, Unknown

PACK_DIR = Path(__file__).resolve().parents[1] / "policy"
"""The pack CI runs with ``--policy-pack policy``."""

LEVELS = {
    "advisory": proto.ADVISORY,
    "mandatory": proto.MANDATORY,
    "remediate": proto.REMEDIATE,
    "disabled": proto.DISABLED,
}
LEVEL_NAMES = {value: name for name, value in LEVELS.items()}


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str
    """``mandatory`` or ``advisory`` (a remediation that still fails is reported as mandatory)."""
    description: str
    detail: str
    urn: str
    """The resource in violation; empty for a stack-wide violation."""
    resource_type: str = ""
    resource_name: str = ""

    @property
    def resource(self) -> str:
        return f"{self.resource_type} {self.resource_name}" if self.urn else "(stack)"


@dataclass
class PolicyReport:
    stack: str
    pack: str
    version: str
    policies: list[str]
    config_source: str | None
    violations: list[Violation] = field(default_factory=list)

    @property
    def mandatory_violations(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "mandatory"]

    @property
    def advisory_violations(self) -> list[Violation]:
        return [v for v in self.violations if v.level != "mandatory"]

    def violated(self) -> set[str]:
        return {v.policy for v in self.violations}


class Analyzer(Protocol):
    """The analyzer half of the engine protocol: the SDK's servicer, or a client of a served pack."""

    def GetAnalyzerInfo(self, request: Any, context: Any) -> Any: ...
    def Configure(self, request: Any, context: Any) -> Any: ...
    def ConfigureStack(self, request: Any, context: Any) -> Any: ...
    def Analyze(self, request: Any, context: Any) -> Any: ...
    def AnalyzeStack(self, request: Any, context: Any) -> Any: ...


def run_policies(
    plan: Plan, stack_config: Mapping[str, Any] | None = None, *, pack_dir: Path = PACK_DIR
) -> PolicyReport:
    """Analyze every resource of ``plan`` with the pack, then the stack as a whole.

    ``stack_config`` is a policy pack config document (what ``--policy-pack-config`` points to);
    without one, ``<pack_dir>/config/<stack>.json`` is used, and a stack without that file is an
    error: the schema defaults are prod's strict rules, which a new stack must not get in silence.
    An invalid config raises :class:`DefinitionError` naming the file and the policy.
    """
    pack = import_pack(pack_dir)
    servicer = _PolicyAnalyzerServicer(
        pack.PACK_NAME, pack.PACK_VERSION, pack.policies(), pack.DEFAULT_ENFORCEMENT_LEVEL, None
    )
    return analyze(servicer, plan, stack_config, pack_dir=pack_dir, always_enforced=pack.ALWAYS_ENFORCED)


def analyze(
    analyzer: Analyzer,
    plan: Plan,
    stack_config: Mapping[str, Any] | None = None,
    *,
    pack_dir: Path = PACK_DIR,
    always_enforced: Collection[str] = (),
) -> PolicyReport:
    """What the engine does with a policy pack during a preview, request by request.

    A policy in ``always_enforced`` must stay mandatory: a config that lowers it is an error.
    """
    source: str | None = None
    if stack_config is None:
        path = pack_dir / "config" / f"{plan.stack}.json"
        source = _display_path(path)
        if not path.is_file():
            raise DefinitionError.single(
                source,
                "",
                f"stack {plan.stack} has no policy config: copy another stack's "
                f"(`obsctl stack init {plan.stack} --from <stack>` writes both files) and adjust its "
                "thresholds, or pass --no-policies",
            )
        stack_config = _read_config(path, source)
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), None)
    analyzer.Configure(
        _configure_request(info, stack_config or {}, source or "policy config", always_enforced), None
    )
    analyzer.ConfigureStack(
        proto.AnalyzerStackConfigureRequest(stack=plan.stack, project=plan.project, dry_run=True), None
    )

    requests = AnalyzerRequests(plan)
    by_urn = {r.urn: r for r in plan.resources}
    violations: dict[tuple[str, str, str], Violation] = {}
    for resource in plan.resources:
        response = analyzer.Analyze(requests.analyze(resource), None)
        for diagnostic in response.diagnostics:
            _collect(violations, diagnostic, diagnostic.urn or resource.urn, by_urn)
    response = analyzer.AnalyzeStack(requests.analyze_stack(), None)
    for diagnostic in response.diagnostics:
        _collect(violations, diagnostic, diagnostic.urn, by_urn)

    ordered = sorted(
        violations.values(), key=lambda v: (v.level != "mandatory", v.policy, v.resource, v.detail)
    )
    return PolicyReport(
        stack=plan.stack,
        pack=info.name,
        version=_pack_version(pack_dir, info.version),
        policies=[p.name for p in info.policies],
        config_source=source,
        violations=ordered,
    )


def render_policy_report(report: PolicyReport) -> str:
    """The policy section printed under a text plan: each violation, then one summary line."""
    lines: list[str] = []
    if report.violations:
        lines.append(f"Policy violations ({report.pack} {report.version}):")
        for violation in report.violations:
            lines.append(f"  [{violation.level}] {violation.policy}: {violation.resource}")
            for text in (violation.detail or violation.description).splitlines():
                lines.append(f"      {text}")
        lines.append("")
    lines.append(f"Policies: {summary(report)}")
    return "\n".join(lines) + "\n"


def summary(report: PolicyReport) -> str:
    where = f", config {report.config_source}" if report.config_source else ""
    source = f"{len(report.policies)} policies of {report.pack} {report.version}{where}"
    if not report.violations:
        return f"no violations ({source})"
    counts = f"{len(report.mandatory_violations)} mandatory, {len(report.advisory_violations)} advisory"
    return f"{counts} violation(s) ({source})"


# -- the engine's side of the protocol ------------------------------------------------------------


class AnalyzerRequests:
    """Protobuf requests built from recorded resources.

    The plan keeps dependencies by logical name; a name two resources share (a Helm release and an
    IAM role both called ``loki``) stands for both, which can only make a reference easier to find.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.urns_by_name: dict[str, list[str]] = {}
        for resource in plan.resources:
            self.urns_by_name.setdefault(resource.name, []).append(resource.urn)

    def _urns(self, names: list[str]) -> list[str]:
        return sorted({urn for name in names for urn in self.urns_by_name.get(name, [])})

    def _parent(self, resource: PlannedResource) -> str:
        return resource.parent_urn or ""

    def _options(self, resource: PlannedResource) -> proto.AnalyzerResourceOptions:
        return proto.AnalyzerResourceOptions(
            protect=resource.protect,
            ignoreChanges=list(resource.ignore_changes),
            parent=self._parent(resource),
        )

    def analyze(self, resource: PlannedResource) -> proto.AnalyzeRequest:
        return proto.AnalyzeRequest(
            type=resource.type,
            properties=_struct(resource.inputs),
            urn=resource.urn,
            name=resource.name,
            options=self._options(resource),
        )

    def analyze_stack(self) -> proto.AnalyzeStackRequest:
        resources = []
        for resource in self.plan.resources:
            property_dependencies = {
                key: proto.AnalyzerPropertyDependencies(urns=self._urns(names))
                for key, names in resource.property_dependencies.items()
            }
            dependencies = set(resource.depends_on)
            for names in resource.property_dependencies.values():
                dependencies.update(names)
            resources.append(
                proto.AnalyzerResource(
                    type=resource.type,
                    properties=_struct(resource.inputs),
                    urn=resource.urn,
                    name=resource.name,
                    options=self._options(resource),
                    parent=self._parent(resource),
                    dependencies=self._urns(sorted(dependencies)),
                    propertyDependencies=property_dependencies,
                )
            )
        return proto.AnalyzeStackRequest(resources=resources)


def _wire(value: Any) -> Any:
    """A recorded value as the engine marshals it for an analyzer."""
    if isinstance(value, Secret):
        return {pulumi_rpc._special_sig_key: pulumi_rpc._special_secret_sig, "value": _wire(value.value)}
    if isinstance(value, Unknown):
        return UNKNOWN_STRING_VALUE
    if isinstance(value, dict):
        return {str(k): _wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_wire(v) for v in value]
    return value


def _struct(inputs: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(_wire(inputs))
    return message


def _collect(
    into: dict[tuple[str, str, str], Violation],
    diagnostic: Any,
    urn: str,
    by_urn: Mapping[str, PlannedResource],
) -> None:
    description = diagnostic.description
    message = diagnostic.message
    detail = message[len(description) :].strip() if message.startswith(description) else message
    resource = by_urn.get(urn)
    violation = Violation(
        policy=diagnostic.policyName,
        level=LEVEL_NAMES.get(diagnostic.enforcementLevel, "advisory"),
        description=description,
        detail=detail,
        urn=urn,
        resource_type=resource.type if resource else _urn_type(urn),
        resource_name=resource.name if resource else urn.rsplit("::", 1)[-1],
    )
    into.setdefault((violation.policy, violation.urn, violation.detail), violation)


def _urn_type(urn: str) -> str:
    parts = urn.split("::")
    return parts[-2].rsplit("$", 1)[-1] if len(parts) >= 2 else ""


# -- configuration --------------------------------------------------------------------------------


def _configure_request(
    info: Any, document: Mapping[str, Any], source: str, always_enforced: Collection[str] = ()
) -> proto.ConfigureAnalyzerRequest:
    """Every policy's enforcement level and properties: schema defaults, then the config document.

    Accepts what the Pulumi CLI accepts in a policy pack config file: ``"all": <level>``, and per
    policy either a level or an object with ``enforcementLevel`` and the policy's properties.
    """
    problems = ProblemCollector()
    known = {p.name: p for p in info.policies}
    overall = document.get("all")
    for name in document:
        if name != "all" and name not in known:
            problems.add(
                source, name, f"no such policy in {info.name} (policies: {', '.join(sorted(known))})"
            )
    request = proto.ConfigureAnalyzerRequest()
    for name, policy in known.items():
        level = LEVEL_NAMES[policy.enforcementLevel]
        if isinstance(overall, str):
            level = overall
        entry = document.get(name, {})
        properties: dict[str, Any] = {}
        schema = json_format.MessageToDict(policy.configSchema.properties)
        for key, spec in schema.items():
            if isinstance(spec, dict) and "default" in spec:
                properties[key] = spec["default"]
        if isinstance(entry, str):
            level = entry
        elif isinstance(entry, Mapping):
            level = entry.get("enforcementLevel", level)
            given = {k: v for k, v in entry.items() if k != "enforcementLevel"}
            _validate_properties(problems, source, name, given, schema, list(policy.configSchema.required))
            properties.update(given)
        else:
            problems.add(source, name, "must be an enforcement level or an object")
        if level not in LEVELS:
            problems.add(source, name, f"enforcementLevel {level!r} is not one of {', '.join(LEVELS)}")
            continue
        if name in always_enforced and level != "mandatory":
            problems.add(
                source,
                name,
                f"cannot be {level}: a stack whose alerts may reach nobody says why in its stack file "
                "(observability:routing.unattended), where reviewers see it",
            )
            continue
        config = proto.PolicyConfig(enforcementLevel=LEVELS[level])
        config.properties.update(properties)
        request.policyConfig[name].CopyFrom(config)
    problems.raise_if_any()
    return request


def _validate_properties(
    problems: ProblemCollector,
    source: str,
    policy: str,
    given: Mapping[str, Any],
    properties: Mapping[str, Any],
    required: list[str],
) -> None:
    schema = {"type": "object", "properties": properties, "required": required, "additionalProperties": False}
    for error in jsonschema.Draft7Validator(schema).iter_errors(dict(given)):
        where = ".".join([policy, *(str(p) for p in error.absolute_path)])
        problems.add(source, where, error.message)


def _read_config(path: Path, source: str) -> dict[str, Any]:
    document = load_json(read_text(path, source), source)
    if not isinstance(document, dict):
        raise DefinitionError.single(source, "", "is not a policy pack config: expected a JSON object")
    return document


def _pack_version(pack_dir: Path, reported: str) -> str:
    """The version the Pulumi CLI reports: PulumiPolicy.yaml's (a Python pack always says 0.0.1)."""
    path = pack_dir / "PulumiPolicy.yaml"
    if not path.exists():
        return reported
    manifest = load_document(read_text(path, _display_path(path)), _display_path(path))
    version = manifest.get("version") if isinstance(manifest, dict) else None
    return str(version) if version else reported


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PACK_DIR.parent))
    except ValueError:
        return str(path)


def import_pack(pack_dir: Path = PACK_DIR) -> ModuleType:
    """The pack's policies module, imported as the Pulumi CLI does: with the pack's directory on the path."""
    if str(pack_dir) not in sys.path:
        sys.path.insert(0, str(pack_dir))
    return importlib.import_module("observability_policies")
