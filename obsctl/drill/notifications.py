"""A captured request, read back as the notification a person would see: a title and a text.

Each integration puts the rendered title and text in its own place (Slack attachments, the
PagerDuty event's summary and details, the e-mail's subject and body...). What is not known here is
read as a whole: the title is then empty and the text is the request body.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

from obsctl.drill.sinks import Capture

NO_VALUE = "<no value>"


@dataclass(frozen=True)
class Notification:
    receiver: str
    integration: str
    index: int
    received: float
    title: str
    text: str
    body: str
    """Everything that arrived, decoded, for checks that look anywhere (runbook link, severity)."""
    status: str
    """``firing`` or ``resolved`` where the payload says so, else ``firing``."""
    routing_key: str | None = None

    def mentions(self, alert: str) -> bool:
        return re.search(rf"(?<![A-Za-z0-9_:]){re.escape(alert)}(?![A-Za-z0-9_:])", self.body) is not None

    def first_lines(self, count: int = 3) -> list[str]:
        lines = [line.strip() for line in self.text.splitlines() if line.strip()]
        return lines[:count]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _strip_html(markup: str) -> str:
    without_style = re.sub(r"(?is)<(style|script)[^>]*>.*?</\1>", " ", markup)
    return html.unescape(re.sub(r"<[^>]+>", " ", without_style))


def _email(capture: Capture) -> tuple[str, str, str]:
    message = capture.email()
    title = str(message.get("Subject", ""))
    parts: list[str] = []
    for part in message.walk() if message.is_multipart() else [message]:
        if part.get_content_maintype() != "text":
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        decoded = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
        parts.append(_strip_html(decoded) if part.get_content_subtype() == "html" else decoded)
    text = "\n".join(" ".join(p.split()) if "<" not in p else p for p in parts)
    headers = "\n".join(f"{k}: {v}" for k, v in message.items())
    return title, text, f"{headers}\n{text}"


def _from_json(integration: str, payload: Any) -> tuple[str, str, str, str | None]:
    """(title, text, status, routing key) for the JSON integrations Alertmanager speaks."""
    if not isinstance(payload, dict):
        return "", _text(payload), "firing", None
    if integration == "slack":
        attachment = (payload.get("attachments") or [{}])[0]
        fields = " ".join(
            _text(f.get("value")) for f in attachment.get("fields") or [] if isinstance(f, dict)
        )
        text = "\n".join(
            t for t in (_text(attachment.get("pretext")), _text(attachment.get("text")), fields) if t
        )
        title = _text(attachment.get("title")) or _text(payload.get("text"))
        status = "resolved" if "RESOLVED" in title.upper() else "firing"
        return title, text, status, None
    if integration == "pagerduty":
        if "payload" in payload:  # Events API v2
            event = payload.get("payload") or {}
            status = "resolved" if payload.get("event_action") == "resolve" else "firing"
            return (
                _text(event.get("summary")),
                _text(event.get("custom_details")),
                status,
                _text(payload.get("routing_key")) or None,
            )
        status = "resolved" if payload.get("event_type") == "resolve" else "firing"
        return (
            _text(payload.get("description")),
            _text(payload.get("details")),
            status,
            _text(payload.get("service_key")) or None,
        )
    if integration == "webhook":
        alerts = payload.get("alerts") or []
        names = sorted(
            {_text((a.get("labels") or {}).get("alertname")) for a in alerts if isinstance(a, dict)}
        )
        text = "\n".join(
            _text(
                (a.get("annotations") or {}).get("description") or (a.get("annotations") or {}).get("summary")
            )
            for a in alerts
            if isinstance(a, dict)
        )
        return ", ".join(names), text, _text(payload.get("status")) or "firing", None
    if integration in ("msteams", "msteamsv2", "discord"):
        embed = (payload.get("embeds") or [{}])[0] if integration == "discord" else payload
        return _text(embed.get("title")), _text(embed.get("text") or embed.get("description")), "firing", None
    if integration == "opsgenie":
        return _text(payload.get("message")), _text(payload.get("description")), "firing", None
    return "", _text(payload), "firing", None


def read_notification(capture: Capture) -> Notification:
    endpoint = capture.endpoint
    routing_key = None
    if endpoint.integration == "email":
        title, text, body = _email(capture)
        status = "resolved" if "RESOLVED" in title.upper() else "firing"
    else:
        payload = capture.json()
        body = capture.body.decode("utf-8", errors="replace")
        title, text, status, routing_key = _from_json(endpoint.integration, payload)
        if payload is not None:
            body = json.dumps(payload, ensure_ascii=False)
    return Notification(
        receiver=endpoint.receiver,
        integration=endpoint.integration,
        index=endpoint.index,
        received=capture.received,
        title=title.strip(),
        text=text.strip(),
        body=body,
        status=status,
        routing_key=routing_key,
    )
