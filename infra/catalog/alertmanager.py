"""Alertmanager routing: ``alerts/alertmanager.yaml``, checked, and rendered per stack.

The file is Alertmanager's own configuration format, so its reference documentation and
SchemaStore's schema apply unchanged. Two kinds of placeholder keep environments and secrets out
of it; :func:`render` fills them for a stack:

* ``${secret:NAME}``: a secret (PagerDuty routing key, Slack webhook URL, SMTP password);
* ``${var:NAME}``: a plain per-stack value (channel, address, SMTP host).

Checks beyond what ``amtool check-config`` does: every route names a defined receiver, no route
delivers to a receiver without integrations (except a deliberate drop route, see
:func:`is_drop_route`), no route is shadowed by an earlier catch-all sibling,
every receiver is reachable, and no secret field holds a literal (``strict``).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from infra.catalog.alertmanager_shape import shape_problems
from infra.catalog.prometheus.loader import relative_source
from infra.catalog.safe_files import read_text
from infra.catalog.strict_yaml import dump, load_documents
from infra.catalog.upstream_tools import ToolRun, run_tool
from infra.errors import DefinitionError, Problem, ProblemCollector

CONFIG_FILE = "alerts/alertmanager.yaml"
SETTINGS_KEY = "observability:alertmanager"
PLACEHOLDER = re.compile(r"\$\{(?P<kind>secret|var):(?P<name>[a-z][a-z0-9-]*)\}")
_ANY_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")

SECRET_FIELDS = frozenset(
    {
        "routing_key",
        "service_key",
        "api_url",
        "api_key",
        "api_secret",
        "auth_password",
        "auth_secret",
        "bot_token",
        "token",
        "password",
        "credentials",
        "bearer_token",
        "webhook_url",
        "slack_api_url",
        "smtp_auth_password",
        "smtp_auth_secret",
        "opsgenie_api_key",
        "victorops_api_key",
        "wechat_api_secret",
        "telegram_api_url",
    }
)
"""Fields Alertmanager types as ``<secret>`` (or that embed a token, like a webhook URL)."""
URL_FIELDS = frozenset({"api_url", "url", "webhook_url", "slack_api_url", "telegram_api_url"})
"""Fields Alertmanager parses as URLs: it refuses to load a config where one is not http(s)."""


@dataclass(frozen=True)
class AlertmanagerConfig:
    source: str
    data: Mapping[str, Any]
    warnings: tuple[Problem, ...] = ()
    """What Alertmanager accepts but is dead weight (a receiver no route names): shown, not fatal."""

    def receiver_names(self) -> list[str]:
        return [str(r.get("name")) for r in self.data.get("receivers") or [] if isinstance(r, dict)]

    def placeholders(self, kind: str) -> dict[str, list[str]]:
        """Placeholder name -> key paths using it, for ``kind`` ``secret`` or ``var``."""
        found: dict[str, list[str]] = {}
        for path, _, value in config_strings(self.data):
            for match in PLACEHOLDER.finditer(value):
                if match["kind"] == kind:
                    found.setdefault(match["name"], []).append(path)
        return found


def load_alertmanager(path: Path, root: Path, *, strict: bool = True) -> AlertmanagerConfig:
    """Load and check an Alertmanager config; one :class:`DefinitionError` lists every problem."""
    source = relative_source(path, root)
    documents = [d for d in load_documents(read_text(path, source), source) if d is not None]
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise DefinitionError.single(source, "", "must be one YAML mapping (an Alertmanager config)")
    if documents[0].get("kind") == "Secret":
        raise DefinitionError.single(
            source,
            "kind",
            "is a Kubernetes Secret wrapping the configuration: `obsctl import alertmanager FILE` unwraps it "
            "and takes its secrets out",
        )
    shape = shape_problems(documents[0], source)
    if shape:
        raise DefinitionError(shape)
    config = AlertmanagerConfig(source, documents[0])
    problems = ProblemCollector()
    _check_routes(config, strict, problems)
    if strict:
        _check_secrets_are_placeholders(config, problems)
    problems.raise_if_any()
    return replace(config, warnings=tuple(_unused_receivers(config)))


def _unused_receivers(config: AlertmanagerConfig) -> Iterator[Problem]:
    """Receivers no route names. Alertmanager loads them (imported configs keep spares for later),
    so they are reported, not refused."""
    root = config.data.get("route")
    used = {route.receiver for route in _walk_routes(root, "route", "")} if isinstance(root, dict) else set()
    for index, receiver in enumerate(config.data.get("receivers") or []):
        name = receiver.get("name") if isinstance(receiver, dict) else None
        if name and name not in used:
            yield Problem(
                config.source,
                f"receivers[{index}] ({name})",
                "is not the receiver of any route: it never notifies",
            )


@dataclass(frozen=True)
class _Route:
    path: str
    node: Mapping[str, Any]
    receiver: str


def _walk_routes(node: Mapping[str, Any], path: str, inherited: str) -> Iterator[_Route]:
    receiver = str(node.get("receiver") or inherited)
    yield _Route(path, node, receiver)
    for index, child in enumerate(node.get("routes") or []):
        if isinstance(child, dict):
            yield from _walk_routes(child, f"{path}.routes[{index}]", receiver)


def _has_matchers(route: Mapping[str, Any]) -> bool:
    return any(route.get(key) for key in ("matchers", "match", "match_re"))


def _check_routes(config: AlertmanagerConfig, strict: bool, problems: ProblemCollector) -> None:
    source, data = config.source, config.data
    root = data.get("route")
    if not isinstance(root, dict):
        problems.add(source, "route", "is required: the root of the routing tree")
        return
    if not root.get("receiver"):
        problems.add(source, "route.receiver", "is required: alerts no child route matches go there")
    if _has_matchers(root):
        problems.add(source, "route.matchers", "the root route matches every alert and takes no matchers")
    receivers: dict[str, Mapping[str, Any]] = {}
    for index, receiver in enumerate(data.get("receivers") or []):
        name = receiver.get("name") if isinstance(receiver, dict) else None
        if not name:
            problems.add(source, f"receivers[{index}].name", "is required")
        elif name in receivers:
            problems.add(source, f"receivers[{index}].name", f"receiver {name!r} is defined twice")
        else:
            receivers[name] = receiver
    for route in _walk_routes(root, "route", ""):
        if route.node.get("receiver") and route.receiver not in receivers:
            problems.add(
                source, f"{route.path}.receiver", f"names receiver {route.receiver!r}, which is not defined"
            )
        elif route.receiver in receivers and not receiver_integrations(receivers[route.receiver]):
            reason = _not_a_drop_route(route.path, route.node, route.receiver)
            if reason is not None:
                problems.add(
                    source,
                    f"{route.path}.receiver",
                    f"routes alerts to receiver {route.receiver!r}, which has no integrations: they reach "
                    f"no one ({reason})",
                )
        _check_shadowed_children(source, route, problems)


DROP_RECEIVERS = frozenset({"null", "blackhole", "devnull", "discard", "drop"})
"""Names that say a receiver drops on purpose (kube-prometheus's ``"null"``). A receiver with
another name and no integrations lost them by accident: routing to it stays an error."""


def is_drop_route(path: str, node: Mapping[str, Any], receiver: str) -> bool:
    """A route meant to drop what it matches (kube-prometheus sends ``Watchdog`` to ``"null"``)."""
    return _not_a_drop_route(path, node, receiver) is None


def _not_a_drop_route(path: str, node: Mapping[str, Any], receiver: str) -> str | None:
    """Why a route ending at a receiver without integrations is not a deliberate drop route: a
    child route with matchers, naming a receiver called ``null`` (or another of
    :data:`DROP_RECEIVERS`) itself, that stops there (no ``continue``, no routes of its own)."""
    if path == "route":
        return "the root route takes every alert no child matches: it cannot drop"
    if receiver.lower() not in DROP_RECEIVERS:
        return 'to drop alerts on purpose, route them to a receiver named "null" (as kube-prometheus does)'
    if not node.get("receiver"):
        return f"inherited: to drop on purpose, name the receiver on {path} itself"
    if not _has_matchers(node):
        return "to drop on purpose, a route needs matchers naming what it drops"
    if node.get("continue"):
        return "with `continue` the alert goes on to the next routes: a drop route stops there"
    if node.get("routes"):
        return "its child routes end here when none matches: a drop route has none"
    return None


def drop_routes(data: Mapping[str, Any]) -> list[tuple[str, str, Mapping[str, Any]]]:
    """``(path, receiver, route)`` of every deliberate drop route of a config (see :func:`is_drop_route`)."""
    root = data.get("route")
    if not isinstance(root, dict):
        return []
    silent = {
        str(r.get("name"))
        for r in data.get("receivers") or []
        if isinstance(r, dict) and not receiver_integrations(r)
    }
    return [
        (route.path, route.receiver, route.node)
        for route in _walk_routes(root, "route", "")
        if route.receiver in silent and is_drop_route(route.path, route.node, route.receiver)
    ]


def _check_shadowed_children(source: str, route: _Route, problems: ProblemCollector) -> None:
    """A child without matchers and without ``continue`` takes every alert: later siblings never match."""
    children = [c for c in route.node.get("routes") or [] if isinstance(c, dict)]
    for index, child in enumerate(children[:-1]):
        if not _has_matchers(child) and not child.get("continue"):
            for later in range(index + 1, len(children)):
                problems.add(
                    source,
                    f"{route.path}.routes[{later}]",
                    f"can never match: {route.path}.routes[{index}] before it has no matchers and "
                    "does not continue",
                )
            return


def receiver_integrations(receiver: Mapping[str, Any]) -> list[str]:
    """The ``*_configs`` keys of a receiver that configure something (``slack_configs``...)."""
    return [key for key, value in receiver.items() if key.endswith("_configs") and value]


def config_strings(node: Any, path: str = "") -> Iterator[tuple[str, str, str]]:
    """Every string in a config: (key path, key, value)."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}.{key}" if path else str(key)
            if isinstance(value, str):
                yield child, str(key), value
            else:
                yield from config_strings(value, child)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, str):
                yield f"{path}[{index}]", "", value
            else:
                yield from config_strings(value, f"{path}[{index}]")


def _check_secrets_are_placeholders(config: AlertmanagerConfig, problems: ProblemCollector) -> None:
    for path, key, value in config_strings(config.data):
        for token in _ANY_PLACEHOLDER.findall(value):
            if not PLACEHOLDER.fullmatch(token):
                problems.add(
                    config.source,
                    path,
                    f"{token} is not a placeholder: use ${{secret:name}} or ${{var:name}} "
                    "(lower-case name, digits and dashes)",
                )
        is_webhook_url = key == "url" and ".webhook_configs[" in path
        # An empty value is no secret: Alertmanager reads it as unset (``smtp_auth_password: ''``).
        if (key in SECRET_FIELDS or is_webhook_url) and value and not _is_secret_placeholder(value):
            problems.add(
                config.source,
                path,
                "holds a literal secret: write ${secret:NAME} and set it per stack "
                f"({SETTINGS_KEY}.secrets.NAME)",
            )


def _is_secret_placeholder(value: str) -> bool:
    return any(match["kind"] == "secret" for match in PLACEHOLDER.finditer(value))


def render(
    config: AlertmanagerConfig,
    receivers_secrets: Mapping[str, str],
    values: Mapping[str, str] | None = None,
    *,
    source: str = "Pulumi.<stack>.yaml",
    key_prefix: str = SETTINGS_KEY,
) -> dict[str, Any]:
    """The config with every placeholder filled: ``receivers_secrets`` for ``${secret:NAME}``,
    ``values`` for ``${var:NAME}``. The result holds secrets: deploy it as one.

    Raises :class:`DefinitionError` naming ``source`` and ``<key_prefix>.secrets.NAME`` (or
    ``.values.NAME``) for a placeholder the stack does not set, and for a name it sets that the file
    never uses (a typo would otherwise silently leave a receiver without its secret).
    """
    problems = ProblemCollector()
    supplied = {"secret": receivers_secrets, "var": values or {}}
    for kind, section in (("secret", "secrets"), ("var", "values")):
        wanted = config.placeholders(kind)
        for name in sorted(set(wanted) - set(supplied[kind])):
            problems.add(
                source,
                f"{key_prefix}.{section}.{name}",
                f"is not set, and {config.source} uses it at {', '.join(wanted[name])}",
            )
        for name in sorted(set(supplied[kind]) - set(wanted)):
            problems.add(source, f"{key_prefix}.{section}.{name}", f"is not used by {config.source}")
    problems.raise_if_any()

    def fill(match: re.Match[str]) -> str:
        return supplied[match["kind"]][match["name"]]

    return _map_strings(config.data, lambda text: PLACEHOLDER.sub(fill, text))


def _map_strings(node: Any, change: Any) -> Any:
    if isinstance(node, str):
        return change(node)
    if isinstance(node, dict):
        return {key: _map_strings(value, change) for key, value in node.items()}
    if isinstance(node, list):
        return [_map_strings(value, change) for value in node]
    return node


def stand_in_values(config: AlertmanagerConfig) -> tuple[dict[str, str], dict[str, str]]:
    """Syntactically valid stand-ins for every placeholder, to check the file with amtool alone."""
    fields: dict[str, set[str]] = {}
    for _, key, value in config_strings(config.data):
        for match in PLACEHOLDER.finditer(value):
            fields.setdefault(match["name"], set()).add(key)

    def stand_in(name: str) -> str:
        keys = fields.get(name, set())
        if keys & URL_FIELDS:
            return f"https://{name}.invalid/"
        if keys & {"to", "smtp_from", "from"}:
            return f"{name}@example.invalid"
        if keys & {"smtp_smarthost", "smarthost"}:
            return "smtp.example.invalid:587"
        return f"stand-in-{name}"

    return (
        {name: stand_in(name) for name in config.placeholders("secret")},
        {name: stand_in(name) for name in config.placeholders("var")},
    )


def write_config(rendered: Mapping[str, Any], path: Path) -> Path:
    path.write_text(dump(dict(rendered)), encoding="utf-8")
    return path


def check_with_stand_ins(config: AlertmanagerConfig) -> ToolRun:
    """``amtool check-config`` on the file alone: every placeholder replaced by a stand-in of its shape."""
    return check_config(render(config, *stand_in_values(config)))


def refusal_reason(run: ToolRun, data: Mapping[str, Any] | None = None) -> str:
    """Why amtool refused a config, without the temporary file it names. The detail lines under
    ``FAILED: yaml: unmarshal errors:`` are kept without their line numbers, which count lines of
    the rendered temporary file; a key amtool does not know is located in ``data`` instead."""
    said: list[str] = []
    for line in run.output.splitlines():
        if "FAILED" in line:
            said.append(line.split("FAILED: ", 1)[-1].strip())
        elif said and line.startswith((" ", "\t")) and line.strip():
            detail = _LINE_PREFIX.sub("", line.strip())
            unknown = _UNKNOWN_FIELD.match(detail)
            if unknown and data is not None:
                paths = [p for p, key, _ in config_strings(data) if key == unknown["key"]]
                detail += f" (at {', '.join(paths[:3])})" if paths else ""
            said[-1] = (
                f"{said[-1].rstrip(':')}: {detail}" if said[-1].endswith(":") else f"{said[-1]}; {detail}"
            )
    return "; ".join(said) or run.output.strip() or "no reason given"


_LINE_PREFIX = re.compile(r"^line \d+: ")
_UNKNOWN_FIELD = re.compile(r"^field (?P<key>\S+) not found in type ")


def check_config(rendered: Mapping[str, Any]) -> ToolRun:
    """``amtool check-config`` on a rendered config (written to a private temporary file)."""
    with tempfile.TemporaryDirectory(prefix="alertmanager-") as directory:
        path = write_config(rendered, Path(directory) / "alertmanager.yaml")
        return run_tool("amtool", "check-config", str(path))
