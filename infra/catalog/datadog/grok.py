"""Datadog grok rules, checked offline.

A rule is ``name pattern``; the pattern is a regular expression in which ``%{matcher:attribute}``
(optionally ``:filter``) extracts an attribute and ``%{rule_name}`` inlines a support rule. A rule
must match the whole log line. This module knows Datadog's matchers and filters, rejects unknown
ones and unresolved references, and translates rules into Python regular expressions so that a
parser's samples can be parsed here as the Datadog UI parses them. The translation covers the
matchers; the regular expression between them is taken as Python's, which agrees with Datadog's
Java flavour on everything but exotic constructs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_IPV4 = r"(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)"
_IPV6 = r"(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{0,4}|" + _IPV4 + ")"
_HOSTNAME = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"

MATCHERS: dict[str, str | None] = {
    "notSpace": r"\S+",
    "word": r"\w+",
    "integer": r"[-+]?\d+",
    "integerStr": r"[-+]?\d+",
    "integerExt": _NUMBER,
    "integerExtStr": _NUMBER,
    "number": _NUMBER,
    "numberStr": _NUMBER,
    "numberExt": _NUMBER,
    "numberExtStr": _NUMBER,
    "ipv4": _IPV4,
    "ipv6": _IPV6,
    "ip": f"(?:{_IPV4}|{_IPV6})",
    "hostname": _HOSTNAME,
    "ipOrHost": f"(?:{_IPV4}|{_IPV6}|{_HOSTNAME})",
    "port": r"\d{1,5}",
    "uuid": r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    "mac": r"(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}",
    "doubleQuotedString": r'"(?:[^"\\]|\\.)*"',
    "singleQuotedString": r"'(?:[^'\\]|\\.)*'",
    "quotedString": r'(?:"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')',
    "data": r".*",
    "boolean": r"(?i:true|false)",
    # Matchers with arguments are translated from their arguments.
    "date": None,
    "regex": None,
}
"""Datadog's grok matchers and the regular expression each stands for."""

FILTERS = frozenset(
    {
        "number",
        "integer",
        "boolean",
        "nullIf",
        "json",
        "rubyhash",
        "useragent",
        "querystring",
        "decodeuricomponent",
        "lowercase",
        "uppercase",
        "keyvalue",
        "xml",
        "csv",
        "scale",
        "array",
        "url",
    }
)

_REFERENCE = re.compile(
    r"%\{(?P<matcher>[A-Za-z_][A-Za-z0-9_]*)(?:\((?P<args>(?:\"(?:[^\"\\]|\\.)*\"|[^)])*)\))?"
    r"(?::(?P<attribute>[^:}]*))?(?::(?P<filter>[A-Za-z]+)(?:\([^}]*\))?)?\}"
)
_RULE_LINE = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<pattern>.+)$")
_DATE_TOKEN = re.compile(r"'[^']*'|([A-Za-z])\1*|.", re.DOTALL)


class GrokError(ValueError):
    """A rule Datadog would reject; the message names the rule."""


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: str


@dataclass(frozen=True)
class Extraction:
    group: str
    attribute: str
    matcher: str
    filter: str | None


@dataclass(frozen=True)
class CompiledRule:
    name: str
    regex: re.Pattern[str]
    attributes: tuple[Extraction, ...]

    def parse(self, line: str) -> dict[str, Any] | None:
        match = self.regex.fullmatch(line)
        if match is None:
            return None
        result: dict[str, Any] = {}
        for extraction in self.attributes:
            value = match.group(extraction.group)
            if value is not None:
                result[extraction.attribute] = _typed(value, extraction)
        return result


def parse_rules(text: str, kind: str) -> list[Rule]:
    rules: list[Rule] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _RULE_LINE.match(line.strip())
        if match is None:
            raise GrokError(f"{kind} line {number}: expected `rule_name pattern`, got {line.strip()!r}")
        rules.append(Rule(match["name"], match["pattern"]))
    return rules


def compile_rules(match_rules: str, support_rules: str = "") -> list[CompiledRule]:
    """The match rules, compiled; raises GrokError for anything Datadog would refuse."""
    matches = parse_rules(match_rules, "match_rules")
    supports = parse_rules(support_rules, "support_rules")
    if not matches:
        raise GrokError("match_rules: no rule")
    names = [rule.name for rule in (*matches, *supports)]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise GrokError(f"rule names used more than once: {', '.join(duplicates)}")
    support_by_name = {rule.name: rule for rule in supports}
    compiled = []
    for rule in matches:
        attributes: list[Extraction] = []
        body = _translate(rule.pattern, support_by_name, attributes, (rule.name,))
        try:
            regex = re.compile(body, re.DOTALL)
        except re.error as error:
            raise GrokError(f"rule {rule.name}: not a valid regular expression: {error}") from None
        compiled.append(CompiledRule(rule.name, regex, tuple(attributes)))
    return compiled


def parse_line(rules: list[CompiledRule], line: str) -> dict[str, Any] | None:
    """The attributes the first matching rule extracts, as Datadog tries rules in order."""
    for rule in rules:
        parsed = rule.parse(line)
        if parsed is not None:
            return parsed
    return None


def _translate(
    pattern: str,
    supports: dict[str, Rule],
    attributes: list[Extraction],
    stack: tuple[str, ...],
) -> str:
    parts: list[str] = []
    position = 0
    for match in _REFERENCE.finditer(pattern):
        parts.append(pattern[position : match.start()])
        position = match.end()
        matcher, attribute, filter_name = match["matcher"], match["attribute"], match["filter"]
        if filter_name is not None and filter_name not in FILTERS:
            raise GrokError(f"rule {stack[0]}: unknown filter {filter_name!r}")
        if matcher in supports:
            if matcher in stack:
                raise GrokError(f"rule {stack[0]}: support rule {matcher!r} refers to itself")
            inner = _translate(supports[matcher].pattern, supports, attributes, (*stack, matcher))
            regex = f"(?:{inner})"
        elif matcher in MATCHERS:
            regex = _matcher_regex(matcher, match["args"], stack[0])
        else:
            raise GrokError(f"rule {stack[0]}: unknown matcher or support rule {matcher!r}")
        if attribute:
            group = f"g{len(attributes)}"
            attributes.append(Extraction(group, attribute, matcher, filter_name))
            regex = f"(?P<{group}>{regex})"
        parts.append(regex)
    parts.append(pattern[position:])
    return "".join(parts)


def _matcher_regex(matcher: str, args: str | None, rule: str) -> str:
    arguments = [a.encode().decode("unicode_escape") for a in re.findall(r'"((?:[^"\\]|\\.)*)"', args or "")]
    if matcher == "regex":
        if not arguments:
            raise GrokError(f'rule {rule}: regex needs a pattern, e.g. regex("[a-z]+")')
        return f"(?:{arguments[0]})"
    if matcher == "date":
        if not arguments:
            raise GrokError(f'rule {rule}: date needs a format, e.g. date("dd/MMM/yyyy:HH:mm:ss Z")')
        return _date_regex(arguments[0])
    if matcher == "boolean" and len(arguments) == 2:
        return f"(?:{arguments[0]}|{arguments[1]})"
    regex = MATCHERS[matcher]
    assert regex is not None
    return f"(?:{regex})"


def _date_regex(java_format: str) -> str:
    """A regular expression for a Java ``DateTimeFormatter`` pattern, such as Datadog's date matcher takes."""
    parts = []
    for token in _DATE_TOKEN.finditer(java_format):
        text = token.group(0)
        letter = token.group(1)
        if text.startswith("'"):
            parts.append(re.escape(text[1:-1] or "'"))
        elif letter in ("y", "u"):
            parts.append(r"\d{2,4}")
        elif letter in ("M", "L"):
            parts.append(r"\d{1,2}" if len(text) <= 2 else r"[A-Za-z]{3}" if len(text) == 3 else r"[A-Za-z]+")
        elif letter in ("E",):
            parts.append(r"[A-Za-z]+")
        elif letter in ("d", "H", "h", "k", "K", "m", "s"):
            parts.append(r"\d{1,2}")
        elif letter in ("S", "n"):
            parts.append(r"\d+")
        elif letter in ("Z", "X", "x"):
            parts.append(r"(?:Z|[+-]\d{2}(?::?\d{2})?)")
        elif letter in ("z", "V"):
            parts.append(r"[A-Za-z_/+-]+")
        elif letter == "a":
            parts.append(r"[AaPp][Mm]")
        elif letter:
            raise GrokError(f"date format {java_format!r}: unsupported pattern letter {letter!r}")
        else:
            parts.append(re.escape(text))
    return "(?:" + "".join(parts) + ")"


def _typed(value: str, extraction: Extraction) -> Any:
    """The value as Datadog stores it: integer and number matchers and filters give numbers."""
    kind = extraction.filter or extraction.matcher
    if kind in ("integer", "integerExt"):
        return int(float(value))
    if kind in ("number", "numberExt"):
        return float(value)
    if kind == "lowercase":
        return value.lower()
    if kind == "uppercase":
        return value.upper()
    return value
