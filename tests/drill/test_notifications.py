"""Captured requests read back as a title and a text, per integration."""

from __future__ import annotations

import json

from obsctl.drill.lab_config import Endpoint
from obsctl.drill.notifications import read_notification
from obsctl.drill.sinks import Capture


def capture(integration: str, body: object) -> Capture:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Capture(Endpoint("r", integration, 0), 0.0, raw)


def test_slack_title_and_text_come_from_the_attachment() -> None:
    note = read_notification(
        capture(
            "slack", {"attachments": [{"title": "[FIRING:1] A (critical)", "text": "line one\nhttps://rb"}]}
        )
    )
    assert (note.title, note.first_lines(), note.status) == (
        "[FIRING:1] A (critical)",
        ["line one", "https://rb"],
        "firing",
    )
    assert note.mentions("A") and not note.mentions("AB")


def test_pagerduty_events_v2_carry_the_routing_key_and_the_action() -> None:
    note = read_notification(
        capture(
            "pagerduty",
            {
                "routing_key": "k",
                "event_action": "resolve",
                "payload": {"summary": "S", "custom_details": {"a": 1}},
            },
        )
    )
    assert (note.title, note.routing_key, note.status) == ("S", "k", "resolved")
    assert '"a": 1' in note.text


def test_email_subject_and_html_body_are_read_as_text() -> None:
    message = (
        b"Subject: [FIRING:1] Disk (critical)\r\nContent-Type: multipart/alternative; boundary=x\r\n\r\n"
        b"--x\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<html><b>Runbook</b>: https://rb &amp; more</html>\r\n"
        b"--x--\r\n"
    )
    note = read_notification(capture("email", message))
    assert note.title == "[FIRING:1] Disk (critical)"
    assert "Runbook : https://rb & more" in note.text


def test_webhook_titles_list_the_alert_names() -> None:
    note = read_notification(
        capture(
            "webhook",
            {
                "status": "resolved",
                "alerts": [{"labels": {"alertname": "B"}, "annotations": {"summary": "s"}}],
            },
        )
    )
    assert (note.title, note.text, note.status) == ("B", "s", "resolved")
