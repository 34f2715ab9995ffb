"""The small languages inside catalog entries: resource references, metric math, composite rules.

None of these has a parser on PyPI; each grammar here is the subset the catalog needs, and every
function reports a problem as ``ValueError`` with a message fit for the user.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# --- Resource references: ${resources.loadBalancer}, ${resources.certificates.api}, ${each.value} ---

REFERENCE = re.compile(r"\$\{([^}]*)\}")
_RESOURCE_KEY = re.compile(r"resources\.([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_-]+)?)")
EACH_KEYS = ("each.key", "each.value")


def references(text: str) -> list[str]:
    """Every ``${...}`` body in ``text``, in order."""
    return REFERENCE.findall(text)


def check_reference_syntax(text: str, *, allow_each: bool) -> str:
    """Rejects a reference that can never resolve, at catalog load time (before any stack is known)."""
    for body in references(text):
        if body in EACH_KEYS:
            if not allow_each:
                raise ValueError(f"${{{body}}} is only meaningful in an entry with for_each")
        elif not _RESOURCE_KEY.fullmatch(body):
            raise ValueError(
                f"${{{body}}} is not a reference the catalog understands: use ${{resources.<name>}} "
                "(a key of observability:cloudwatch.resources) or, with for_each, ${each.key} / ${each.value}"
            )
    return text


def resource_keys(text: str) -> list[str]:
    """The ``resources`` keys ``text`` refers to, e.g. ``["loadBalancer", "certificates.api"]``."""
    keys = []
    for body in references(text):
        match = _RESOURCE_KEY.fullmatch(body)
        if match:
            keys.append(match[1])
    return keys


def substitute(text: str, lookup: Callable[[str], str]) -> str:
    """Replaces each ``${body}`` with ``lookup(body)``; ``lookup`` raises ``KeyError`` when unknown."""
    return REFERENCE.sub(lambda match: lookup(match[1]), text)


# --- Metric math ---------------------------------------------------------------------------------

METRIC_ID = re.compile(r"^[a-z][A-Za-z0-9_]*$")
"""A metric query id: "letters, numbers and underscore; the first character a lowercase letter"."""

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_WORD = re.compile(r"(?<![\w.])([A-Za-z_][A-Za-z0-9_]*)\b(\s*\()?")


def is_metrics_insights_query(expression: str) -> bool:
    """Metrics Insights queries (``SELECT ...``) share the ``Expression`` field with metric math."""
    return expression.lstrip().upper().startswith("SELECT ")


def metric_ids_in(expression: str) -> list[str]:
    """The metric ids a metric-math expression uses, in order of first use.

    Functions (``FILL(``, ``IF(``) and keywords are upper case in metric math; ids start with a
    lower-case letter. String arguments (``SEARCH('...')``) and references are not ids.
    """
    text = REFERENCE.sub("0", _QUOTED.sub("''", expression))
    ids: dict[str, None] = {}
    for name, call in _WORD.findall(text):
        if not call and name[0].islower():
            ids.setdefault(name)
    return list(ids)


# --- Composite alarm rules -------------------------------------------------------------------------

_STATE_FUNCTIONS = ("ALARM", "OK", "INSUFFICIENT_DATA")
_RULE_TOKEN = re.compile(
    r"\s*(?:(?P<state>ALARM|OK|INSUFFICIENT_DATA)\(\s*(?P<quote>\"?)(?P<id>[^()\"\s]+)(?P=quote)\s*\)"
    r"|(?P<op>AND|OR|NOT)\b|(?P<const>TRUE|FALSE)\b|(?P<paren>[()]))"
)


@dataclass(frozen=True)
class CompositeRule:
    """A composite alarm rule written with catalog ids, e.g. ``ALARM(api-5xx-rate) AND ALARM(x)``."""

    text: str
    children: tuple[str, ...]
    """Catalog ids the rule refers to, in order of first appearance."""

    def with_names(self, names: Mapping[str, str]) -> str:
        """The rule AWS evaluates: each id replaced by its alarm's name, quoted."""

        def rename(match: re.Match[str]) -> str:
            if not match["state"]:
                return match[0]
            name = names[match["id"]].replace('"', '\\"')
            leading_space = match[0][: match.start("state") - match.start()]
            return f'{leading_space}{match["state"]}("{name}")'

        return _RULE_TOKEN.sub(rename, self.text)


def parse_composite_rule(text: str) -> CompositeRule:
    """Parses ``expr := term (AND|OR term)*``; ``term := NOT term | ( expr ) | STATE(id) | TRUE | FALSE``."""
    tokens: list[re.Match[str]] = []
    position = 0
    stripped = text.rstrip()
    while position < len(stripped):
        match = _RULE_TOKEN.match(stripped, position)
        if match is None:
            raise ValueError(
                f"has unexpected text at character {position + 1}: {stripped[position:][:30]!r} "
                f"(use {', '.join(f'{s}(<id>)' for s in _STATE_FUNCTIONS)}, AND, OR, NOT, parentheses)"
            )
        tokens.append(match)
        position = match.end()
    if not tokens:
        raise ValueError("is empty")

    index = 0

    def peek(kind: str, value: str | None = None) -> bool:
        return index < len(tokens) and bool(tokens[index][kind]) and value in (None, tokens[index][kind])

    def term() -> None:
        nonlocal index
        if peek("op", "NOT"):
            index += 1
            term()
        elif peek("paren", "("):
            index += 1
            expression()
            if not peek("paren", ")"):
                raise ValueError("has an unclosed parenthesis")
            index += 1
        elif peek("state") or peek("const"):
            index += 1
        else:
            found = tokens[index][0].strip() if index < len(tokens) else "the end of the rule"
            raise ValueError(f"expects an alarm state such as ALARM(<id>) but found {found}")

    def expression() -> None:
        nonlocal index
        term()
        while peek("op", "AND") or peek("op", "OR"):
            index += 1
            term()

    expression()
    if index != len(tokens):
        raise ValueError(f"has unexpected {tokens[index][0].strip()!r} after a complete expression")
    children = tuple(dict.fromkeys(t["id"] for t in tokens if t["state"]))
    if not children:
        raise ValueError("refers to no alarm")
    return CompositeRule(text=text.strip(), children=children)
