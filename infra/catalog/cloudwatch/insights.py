"""The shape of a CloudWatch Logs Insights query, checked offline.

A query is commands joined by ``|``; each starts with a command name (``fields``, ``filter``,
``stats`` ...). AWS parses it only when someone runs the saved query, so a misspelt command would
deploy and fail in the console. This checks the command names and the quoting, not the expressions.
"""

from __future__ import annotations

COMMANDS = (
    "anomaly",
    "dedup",
    "diff",
    "display",
    "fields",
    "filter",
    "filterindex",
    "limit",
    "lookup",
    "parse",
    "pattern",
    "sort",
    "source",
    "stats",
    "unmask",
    "unnest",
)
"""Logs Insights query language commands (lower case; the language ignores their case)."""
_QUOTES = "'\"`"


def check_insights_query(query: str) -> str:
    """``query`` unchanged, or ``ValueError`` naming the first command CloudWatch would refuse."""
    lines = [line for line in query.splitlines() if not line.lstrip().startswith("#")]
    text = "\n".join(lines).strip()
    if not text:
        raise ValueError("is empty: a saved query needs at least one command (fields, filter, stats ...)")
    for number, command in enumerate(_commands(text), start=1):
        words = command.split()
        if not words:
            raise ValueError(f"has an empty command (number {number}): remove the extra '|'")
        name = words[0].split("(")[0].lower()
        if name not in COMMANDS:
            raise ValueError(
                f"command {number} starts with {words[0]!r}, which is not a Logs Insights command "
                f"(known: {', '.join(COMMANDS)})"
            )
    return query


def _commands(text: str) -> list[str]:
    """``text`` split at each ``|`` outside quotes and ``/regex/`` literals."""
    commands: list[str] = []
    current: list[str] = []
    quote = ""
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                current.append(text[index : index + 2])
                index += 2
                continue
            if char == quote:
                quote = ""
        elif char in _QUOTES:
            quote = char
        elif char == "/" and _starts_regex(text, index, current):
            end = text.find("/", index + 1)
            while end != -1 and text[end - 1] == "\\":
                end = text.find("/", end + 1)
            if end != -1:
                current.append(text[index : end + 1])
                index = end + 1
                continue
        elif char == "|":
            commands.append("".join(current))
            current = []
            index += 1
            continue
        current.append(char)
        index += 1
    if quote:
        raise ValueError(f"has an unclosed {quote} quote")
    commands.append("".join(current))
    return commands


def _starts_regex(text: str, index: int, current: list[str]) -> bool:
    # A regex follows like / =~ / a parenthesis / a comma / a field in parse; a division has spaces
    # on both sides or none.
    before = "".join(current).rstrip()
    after = text[index + 1 : index + 2]
    if not after or after.isspace():
        return False
    return not before or before.endswith(("(", ",", "like", "=~")) or before.split()[0].lower() == "parse"
