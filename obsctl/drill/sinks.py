"""The lab's own servers, all on 127.0.0.1: the scrape target and the capture sinks.

One HTTP server per lab serves the scenario's series (``/metrics``), one status page per scrape job
(``/targets/<job>/metrics``: empty when up, HTTP 503 when down), and records every notification
Alertmanager posts (``/notify/<receiver>/<integration>/<index>``). Each email integration gets an
SMTP sink of its own (aiosmtpd), so a message is attributed to its receiver by the port it reached.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from obsctl.drill.lab_config import Endpoint

LOOPBACK = "127.0.0.1"
MAX_BODY = 4 * 1024 * 1024
"""A notification larger than this is cut: nothing Alertmanager sends comes close."""


_HANDED_OUT: set[int] = set()
_HANDED_OUT_LOCK = threading.Lock()


def free_port() -> int:
    """A port nothing listens on now. Bound and released: a process started right after takes it.

    The kernel may offer a released port again; a port is never handed out twice in one run.
    """
    with _HANDED_OUT_LOCK:
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                probe.bind((LOOPBACK, 0))
                port = int(probe.getsockname()[1])
            if port not in _HANDED_OUT:
                _HANDED_OUT.add(port)
                return port


@dataclass(frozen=True)
class Capture:
    """One notification as it arrived."""

    endpoint: Endpoint
    received: float
    """``time.monotonic()`` on arrival."""
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def email(self) -> Message:
        return message_from_bytes(self.body)


class Captures:
    """Thread-safe list of everything the sinks received."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Capture] = []

    def add(self, capture: Capture) -> None:
        with self._lock:
            self._items.append(capture)

    def all(self) -> list[Capture]:
        with self._lock:
            return list(self._items)


_OK_BODIES = {
    # What each service answers on success; Alertmanager reads some of these.
    "pagerduty": (202, b'{"status":"success","message":"Event processed","dedup_key":"drill"}'),
    "opsgenie": (202, b'{"result":"Request will be processed","took":0.1,"requestId":"drill"}'),
    "slack": (200, b'{"ok":true}'),
    "telegram": (200, b'{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"}}}'),
}


class _Handler(BaseHTTPRequestHandler):
    server: LabHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # the lab stays quiet
        return

    def do_GET(self) -> None:
        lab = self.server
        if self.path == "/metrics":
            self._reply(200, lab.metrics().encode(), "text/plain; version=0.0.4")
        elif self.path.startswith("/targets/") and self.path.endswith("/metrics"):
            job = self.path.removeprefix("/targets/").removesuffix("/metrics")
            up = lab.targets.get(job) == "up"
            self._reply(200 if up else 503, b"" if up else b"down for the drill\n", "text/plain")
        else:
            self._reply(404, b"not found\n", "text/plain")

    def do_POST(self) -> None:
        lab = self.server
        length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
        body = self.rfile.read(length)
        endpoint = lab.endpoints.get(self.path.split("?", 1)[0])
        if endpoint is None:
            self._reply(404, b"no integration sends here\n", "text/plain")
            return
        lab.captures.add(Capture(endpoint, time.monotonic(), body, dict(self.headers.items())))
        status, reply = _OK_BODIES.get(endpoint.integration, (200, b"{}"))
        self._reply(status, reply, "application/json")

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class LabHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        metrics: Callable[[], str],
        targets: dict[str, str],
        endpoints: dict[str, Endpoint],
        captures: Captures,
    ) -> None:
        super().__init__((LOOPBACK, 0), _Handler)
        self.metrics = metrics
        self.targets = targets
        self.endpoints = endpoints
        self.captures = captures
        self._thread = threading.Thread(target=self.serve_forever, name="drill-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self.shutdown()
        self.server_close()


class _SMTPHandler:
    def __init__(self, endpoint: Endpoint, captures: Captures) -> None:
        self.endpoint = endpoint
        self.captures = captures

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        headers = {"mail-from": str(envelope.mail_from), "rcpt-to": ", ".join(envelope.rcpt_tos)}
        self.captures.add(Capture(self.endpoint, time.monotonic(), bytes(content)[:MAX_BODY], headers))
        return "250 Message accepted for delivery"


class SMTPSinks:
    """One SMTP server per email integration, in the order of ``endpoints``."""

    def __init__(self, endpoints: Sequence[Endpoint], captures: Captures) -> None:
        self.endpoints = list(endpoints)
        self.captures = captures
        self.controllers: list[Controller] = []
        self.ports: list[int] = []

    def start(self) -> None:
        for endpoint in self.endpoints:
            for attempt in range(5):
                port = free_port()
                controller = Controller(
                    _SMTPHandler(endpoint, self.captures), hostname=LOOPBACK, port=port, ready_timeout=10
                )
                try:
                    controller.start()
                except (OSError, RuntimeError):
                    if attempt == 4:
                        raise
                    continue
                self.controllers.append(controller)
                self.ports.append(port)
                break

    def stop(self) -> None:
        for controller in self.controllers:
            with contextlib.suppress(AssertionError, RuntimeError):  # never started, or stopped
                controller.stop()
        self.controllers.clear()
