"""What a credential looks like: by its shape, by the key that holds it, by being a secret's value.

One list serves two readers. The ``no-plaintext-secrets`` policy reports a plaintext value that
matches; ``obsctl`` (``obsctl/redact.py``) masks the same values in everything a plan writes (the
terminal, the ``--json`` file, the pull-request comment). What the policy reports is what ``obsctl``
masks, because both read this module. It needs the standard library only: the Pulumi CLI runs the
pack with nothing else installed.

A shape names the part of the match that is secret (the ``secret`` group); masking replaces that
part only, so ``https://grafana:****@grafana.example.com``, ``xoxb-****`` or ``AKIA****`` still
say which value it was.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

MASK = "****"
PLAN_MARKERS = frozenset({"[secret]", "[unknown]", MASK})
"""What obsctl writes in place of a secret (or a secret not configured), an unknown or a masked value."""
MINIMUM_SECRET_LENGTH = 8
"""A secret input's value shorter than this is not searched for elsewhere: it would match by chance."""


def _indirection(secret: str) -> bool:
    """``${ENV}``, ``$__file{...}``, ``{{ template }}``: where the value comes from, not the value."""
    return secret.startswith(("$", "{{", "%7B%7B")) or secret == MASK


def _token_like(secret: str) -> bool:
    """Letters and digits both: ``Bearer 4f9c...`` is a token, ``Basic authentication`` is prose."""
    return not _indirection(secret) and any(c.isdigit() for c in secret) and any(c.isalpha() for c in secret)


@dataclass(frozen=True)
class CredentialShape:
    description: str
    """What the value is, in a violation: ``holds <description> in plaintext``."""
    pattern: re.Pattern[str]
    """Its ``secret`` group is the part masked."""
    plausible: Callable[[str], bool] = lambda secret: not _indirection(secret)
    """Whether the ``secret`` group is a value rather than a placeholder or prose."""


SHAPES: tuple[CredentialShape, ...] = (
    CredentialShape(
        "a URL with a password",
        re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/:@?#\"'<>]*:(?P<secret>[^\s/@?#\"'<>]+)@"),
    ),
    CredentialShape(
        "a Slack webhook URL",
        re.compile(r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<secret>[\w/-]{8,})"),
    ),
    CredentialShape(
        "a Discord webhook URL", re.compile(r"discord(?:app)?\.com/api/webhooks/(?P<secret>[\w/-]{8,})")
    ),
    CredentialShape(
        "a Microsoft Teams webhook URL",
        re.compile(
            r"(?:\.webhook\.office\.com|outlook\.office(?:365)?\.com)/(?P<secret>webhook\w*/[\w@/.-]+)"
        ),
    ),
    CredentialShape(
        "a PagerDuty integration URL",
        re.compile(r"events\.pagerduty\.com/(?:integration|x-ere)/(?P<secret>[A-Za-z0-9]{20,})"),
    ),
    CredentialShape(
        "a private key",
        re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?P<secret>[\s\S]*?)(?=-----END|$)"),
        plausible=lambda secret: bool(secret.strip()),
    ),
    CredentialShape(
        "an AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)(?P<secret>[A-Z0-9]{16})(?![A-Z0-9])")
    ),
    CredentialShape(
        "an AWS secret access key",
        re.compile(
            r"(?i)aws_?secret_?access_?key[\"'\s]*[:=]\s*[\"']?(?P<secret>[A-Za-z0-9/+]{40})(?![\w/+])"
        ),
    ),
    CredentialShape(
        "a Slack token", re.compile(r"(?<![\w-])(?:xox[abeoprs]|xapp)-(?P<secret>[A-Za-z0-9-]{10,})")
    ),
    CredentialShape("a GitHub token", re.compile(r"(?<![\w-])gh[pousr]_(?P<secret>[A-Za-z0-9]{30,})")),
    CredentialShape("a GitHub token", re.compile(r"(?<![\w-])github_pat_(?P<secret>\w{22,})")),
    CredentialShape(
        "a Grafana token",
        re.compile(r"(?<![\w-])(?:glsa|glc)_(?P<secret>[A-Za-z0-9+/=_-]{20,})"),
    ),
    CredentialShape(
        "a Datadog API or application key",
        re.compile(
            r"(?i)\b(?:dd[_-]?)?(?:api|app(?:lication)?)[_-]?key[\"'\s]*[:=]\s*[\"']?"
            r"(?P<secret>[a-f0-9]{40}|[a-f0-9]{32})(?![a-f0-9])"
        ),
    ),
    CredentialShape(
        "a bearer or basic authorization header",
        re.compile(r"(?i)\b(?:Bearer|Basic|Token)\s+(?P<secret>[A-Za-z0-9._~+/-]{8,}=*)"),
        plausible=_token_like,
    ),
    CredentialShape(
        "a credential in a URL query or connection string",
        re.compile(
            r"(?i)(?:^|[?&;\s])(?:api[_-]?key|access[_-]?token|auth[_-]?token|private[_-]?token|token|sig|"
            r"signature|password|passwd|pwd|client[_-]?secret|dd-api-key|dd-application-key)="
            r"(?P<secret>[^\s&;#\"'<>]{6,})"
        ),
    ),
)


def _secret_spans(text: str) -> list[tuple[int, int, CredentialShape]]:
    """The secret part of every credential in ``text``, in order. Where two shapes overlap, the one
    listed first in :data:`SHAPES` (the more specific: ``xoxb-`` over "token ...") wins."""
    spans: list[tuple[int, int, CredentialShape]] = []
    for shape in SHAPES:
        for match in shape.pattern.finditer(text):
            start, end = match.span("secret")
            overlaps = any(start < taken_end and taken_start < end for taken_start, taken_end, _ in spans)
            if start < end and not overlaps and shape.plausible(match["secret"]):
                spans.append((start, end, shape))
    return sorted(spans, key=lambda span: span[0])


def shapes_in(text: str) -> list[str]:
    """What credentials ``text`` holds (``a Slack token``...), each once, in order."""
    return list(dict.fromkeys(shape.description for _, _, shape in _secret_spans(text)))


def mask_shapes(text: str) -> str:
    """``text`` with the secret part of every credential shape replaced by :data:`MASK`."""
    out, position = [], 0
    for start, end, _ in _secret_spans(text):
        out += [text[position:start], MASK]
        position = end
    out.append(text[position:])
    return "".join(out)


def searchable(secrets: Collection[str]) -> list[str]:
    """The secret values worth looking for, longest first, also as they appear inside JSON text."""
    found: set[str] = set()
    for secret in secrets:
        if len(secret) >= MINIMUM_SECRET_LENGTH and secret not in PLAN_MARKERS:
            found.add(secret)
            found.add(json.dumps(secret)[1:-1])
            found.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    return sorted(found, key=len, reverse=True)


def mask_text(text: str, secrets_to_find: Sequence[str] = ()) -> str:
    """Every credential shape and every secret value (as :func:`searchable` lists them) masked."""
    for secret in secrets_to_find:
        if secret in text:
            text = text.replace(secret, MASK)
    return mask_shapes(text)


# -- credentials by the key that holds them -------------------------------------------------------

SECRET_WORDS = {
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "token",
    "apikey",
    "credential",
    "credentials",
    "authorization",
}
SECRET_PAIRS = {
    ("api", "key"),
    ("app", "key"),
    ("application", "key"),
    ("access", "key"),
    ("private", "key"),
    ("license", "key"),
    ("routing", "key"),
    ("service", "key"),
    ("integration", "key"),
    ("webhook", "url"),
    # A key ending in "secret" alone usually names a Kubernetes Secret (configSecret, envFromSecret).
    ("client", "secret"),
    ("shared", "secret"),
    ("signing", "secret"),
    ("hmac", "secret"),
    ("jwt", "secret"),
    ("api", "secret"),
    ("app", "secret"),
    ("webhook", "secret"),
}
WEBHOOK_WORDS = {"webhook", "webhooks", "slack", "discord", "teams", "msteams"}
REFERENCE_LAST_WORDS = {"name", "names", "ref", "file", "files", "path", "dir", "mount", "enabled"}
REFERENCE_WORDS = {"existing", "from"}
SECURE_JSON_DATA = "securejsondata"
"""Context of everything under Grafana's ``secureJsonData``: all of it is secret, whatever the keys."""
HEADER_VALUE = re.compile(r"^httpHeaderValue\d*$")
"""Grafana's custom header values (``Authorization: Bearer ...``): Grafana reads them from
``secureJsonData`` only, so one in ``jsonData`` is a credential shown in plaintext and never sent."""
INDIRECTION = re.compile(
    r"^\s*(\$__(file|env|vault)\{|\$\{[A-Za-z_][A-Za-z0-9_]*\}\s*$|\$[A-Za-z_][A-Za-z0-9_]*\s*$)"
)


KEYED_TYPE_PREFIXES = (
    "kubernetes:helm.sh/",
    "grafana:oss/dataSource",
    "grafana:index/dataSource",
    "pulumi:providers:",
)
"""Resources whose inputs are settings people write (chart values, Grafana datasources, provider
settings), where a key names its value. Elsewhere keys are a provider's schema and say nothing."""


def keys_name_credentials(resource_type: str) -> bool:
    return resource_type.startswith(KEYED_TYPE_PREFIXES)


def words(key: str) -> list[str]:
    """``basicAuthPassword`` -> basic auth password; ``slack_api_url`` -> slack api url."""
    return [w.lower() for w in re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", key)]


def looks_secret(key: str, context: frozenset[str] = frozenset()) -> bool:
    if HEADER_VALUE.match(key):
        return True
    parts = words(key)
    if not parts or REFERENCE_WORDS & set(parts) or parts[-1] in REFERENCE_LAST_WORDS:
        return False
    if SECURE_JSON_DATA in context or parts[-1] in SECRET_WORDS:
        return True
    if tuple(parts[-2:]) in SECRET_PAIRS:
        return True
    return parts[-1] == "url" and bool(WEBHOOK_WORDS & (set(parts) | context))


def child_context(context: frozenset[str], key: str) -> frozenset[str]:
    """The context of the values under ``key``: the webhook words and ``secureJsonData`` above them."""
    parts = words(key)
    added = set(parts) & WEBHOOK_WORDS
    if "".join(parts) in (SECURE_JSON_DATA, f"{SECURE_JSON_DATA}encoded"):
        added.add(SECURE_JSON_DATA)
    return context | added if added else context


def value_key(mapping: dict[object, object], key: str) -> str:
    """The key a value is judged by: in an environment entry ``{name: API_TOKEN, value: ...}``,
    the ``value`` is named by ``name``."""
    name = mapping.get("name")
    return name if key == "value" and isinstance(name, str) else key


def key_credential(key: str | None, value: str, context: frozenset[str]) -> str | None:
    """Why the plaintext ``value`` under ``key`` is a credential by its key, or None."""
    if key is None or value.strip() in PLAN_MARKERS or INDIRECTION.match(value):
        return None
    if HEADER_VALUE.match(key) and SECURE_JSON_DATA not in context:
        return f"{key} is an HTTP header value (a credential such as Authorization): Grafana reads it from secureJsonData only"
    if looks_secret(key, context):
        return f"{key} looks like a credential and is not a secret"
    return None


def credential_in(
    key: str | None, value: str, context: frozenset[str], secrets_to_find: Sequence[str] = ()
) -> str | None:
    """Why the plaintext string ``value`` (under ``key``) is a credential, or None.

    By its key first, then by its shape, then by holding the value of a secret input
    (``secrets_to_find``, as :func:`searchable` lists them).
    """
    reason = key_credential(key, value, context)
    if reason is not None:
        return reason
    shapes = shapes_in(value)
    if shapes:
        listed = ", ".join(shapes[:-1]) + f" and {shapes[-1]}" if len(shapes) > 1 else shapes[0]
        return f"holds {listed} in plaintext"
    if any(secret in value for secret in secrets_to_find):
        return "holds, in plaintext, the value of a secret input of this stack"
    return None
