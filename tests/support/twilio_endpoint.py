"""A local Twilio-compatible REST endpoint for tests: records sends, can inject failures.

Answers `POST /2010-04-01/Accounts/{sid}/Messages.json` like Twilio (201 + JSON with a `sid`),
or with the next planned fault: an HTTP error with Twilio's error JSON, or a delay (timeout).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/Messages\.json$")


@dataclass(frozen=True)
class Sent:
    sid: str
    account_sid: str
    to: str
    from_: str
    messaging_service_sid: str
    body: str
    status_callback: str
    at: float
    content_sid: str = ""


@dataclass
class Fault:
    status: int
    code: int
    message: str = "injected fault"
    delay: float = 0.0


@dataclass
class TwilioEndpoint:
    account_sid: str
    auth_token: str
    sent: list[Sent] = field(default_factory=list)
    requests: int = 0
    faults: deque[Fault] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> TwilioEndpoint:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def _reply(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                match = _MESSAGES.match(self.path.split("?")[0])
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if not match:
                    self._reply(404, {"code": 20404, "message": "not found", "status": 404})
                    return
                expected = (
                    "Basic "
                    + base64.b64encode(
                        f"{endpoint.account_sid}:{endpoint.auth_token}".encode()
                    ).decode()
                )
                if self.headers.get("Authorization") != expected:
                    self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
                    return
                with endpoint.lock:
                    endpoint.requests += 1
                    fault = endpoint.faults.popleft() if endpoint.faults else None
                if fault is not None:
                    time.sleep(fault.delay)
                    self._reply(
                        fault.status,
                        {"code": fault.code, "message": fault.message, "status": fault.status},
                    )
                    return
                sent = Sent(
                    sid="SM" + uuid.uuid4().hex,
                    account_sid=match.group("sid"),
                    to=form.get("To", ""),
                    from_=form.get("From", ""),
                    messaging_service_sid=form.get("MessagingServiceSid", ""),
                    body=form.get("Body", ""),
                    status_callback=form.get("StatusCallback", ""),
                    at=time.time(),
                    content_sid=form.get("ContentSid", ""),
                )
                with endpoint.lock:
                    endpoint.sent.append(sent)
                status = "accepted" if sent.messaging_service_sid else "queued"
                self._reply(
                    201,
                    {
                        "sid": sent.sid,
                        "account_sid": sent.account_sid,
                        "to": sent.to,
                        "from": sent.from_ or None,
                        "messaging_service_sid": sent.messaging_service_sid or None,
                        "body": sent.body,
                        "status": status,
                        "error_code": None,
                        "error_message": None,
                        "num_segments": "1",
                        "direction": "outbound-api",
                        "api_version": "2010-04-01",
                    },
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def to(self, address: str) -> list[Sent]:
        with self.lock:
            return [s for s in self.sent if s.to == address]

    def wait_for(self, address: str, count: int = 1, timeout: float = 30.0) -> list[Sent]:
        """Wait until `count` messages went to `address`; return them (maybe fewer on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return self.to(address)

    def inject(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)
