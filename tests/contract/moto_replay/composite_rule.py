"""The grammar of a composite alarm's AlarmRule, which moto does not implement at all.

``ALARM(name)``, ``OK(name)``, ``INSUFFICIENT_DATA(name)``, ``TRUE``, ``FALSE``, combined with
``AND``, ``OR``, ``NOT`` and parentheses; a name holding spaces or parentheses is double-quoted.
"""

from __future__ import annotations

import re

STATES = ("ALARM", "OK", "INSUFFICIENT_DATA")
TOKENS = re.compile(r'\s*(?:(?P<paren>[()])|(?P<quoted>"(?:[^"\\]|\\.)*")|(?P<word>[^\s()"]+))')
MAX_LENGTH = 10240


class RuleSyntaxError(ValueError):
    pass


def referenced_alarms(rule: str) -> list[str]:
    """The alarm names or ARNs ``rule`` refers to, in order; :class:`RuleSyntaxError` if it does not parse."""
    if len(rule) > MAX_LENGTH:
        raise RuleSyntaxError(f"{len(rule)} characters, at most {MAX_LENGTH} allowed")
    tokens = _tokenize(rule)
    parser = _Parser(tokens)
    parser.expression()
    if parser.position != len(tokens):
        raise RuleSyntaxError(f"unexpected {tokens[parser.position]!r} after a complete expression")
    return parser.alarms


def _tokenize(rule: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    rule = rule.rstrip()
    while position < len(rule):
        match = TOKENS.match(rule, position)
        if match is None or match.end() == position:
            raise RuleSyntaxError(f"cannot read {rule[position:]!r}")
        tokens.append(match.group(match.lastgroup or "word"))
        position = match.end()
    if not tokens:
        raise RuleSyntaxError("the rule is empty")
    return tokens


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0
        self.alarms: list[str] = []

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None:
            raise RuleSyntaxError(
                f"the rule ends where {expected!r} is expected" if expected else "the rule ends too early"
            )
        if expected is not None and token != expected:
            raise RuleSyntaxError(f"expected {expected!r}, found {token!r}")
        self.position += 1
        return token

    def expression(self) -> None:
        self.operand()
        while self.peek() in ("AND", "OR"):
            self.take()
            self.operand()

    def operand(self) -> None:
        token = self.take()
        if token == "NOT":
            self.operand()
        elif token == "(":
            self.expression()
            self.take(")")
        elif token in STATES:
            self.take("(")
            name = self.take()
            if name in ("(", ")"):
                raise RuleSyntaxError(f"{token}() needs an alarm name or ARN")
            self.alarms.append(name[1:-1].replace('\\"', '"') if name.startswith('"') else name)
            self.take(")")
        elif token not in ("TRUE", "FALSE"):
            raise RuleSyntaxError(
                f"{token!r} is not ALARM(), OK(), INSUFFICIENT_DATA(), TRUE, FALSE, NOT or '('"
            )
