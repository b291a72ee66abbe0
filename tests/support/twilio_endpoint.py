"""A local Twilio-compatible REST endpoint for tests: records sends, can inject failures.

Answers `POST /2010-04-01/Accounts/{sid}/Messages.json` like Twilio (201 + JSON with a `sid`),
or with the next planned fault: an HTTP error with Twilio's error JSON, a delay (timeout), or
"accepted but answered late" (the message IS created, the answer comes after the client gave
up: the ambiguous case), or — with `random_faults` — one drawn at random for each create at
given rates (the chaos run, bench/chaos.py). `GET …/Messages.json` lists what was sent,
newest first, filtered by To / From / DateSent / DateSent> / DateSent< and PageSize, in
Twilio's JSON shape (so `client.messages.list` works). Optionally posts signed status
callbacks to each message's StatusCallback (`callbacks`, or per address with
`plan_callbacks`).
"""

from __future__ import annotations

import base64
import json
import random
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests
from twilio.request_validator import RequestValidator

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
    # True: the message is created (recorded, listed) and answered 201 only after `delay`.
    accept: bool = False

    @classmethod
    def late_answer(cls, delay: float) -> Fault:
        """Accept the message, answer after `delay` (longer than the client's timeout)."""
        return cls(201, 0, "accepted, answered late", delay=delay, accept=True)

    @classmethod
    def timeout(cls, delay: float) -> Fault:
        """Create nothing; answer 503 only after `delay` (the client has given up by then)."""
        return cls(503, 20503, "injected: no answer in time", delay=delay)

    @property
    def kind(self) -> str:
        """A short name for reports: "late answer", "timeout" or "HTTP <status>"."""
        if self.accept:
            return "late answer"
        return "timeout" if self.delay > 0 else f"HTTP {self.status}"


@dataclass(frozen=True)
class RandomFaults:
    """Faults drawn at random for each create that has no planned fault (`inject` goes first).

    Each rate is the chance (0–1; together at most 1) that a request meets that fault: an HTTP
    500 (Twilio's 20500) or 429 (20429), both retryable; a timeout (nothing created, no answer
    for `delay` seconds); a late answer (created at once, answered after `delay`). `delay` must
    be longer than the client's timeout for the last two to be ambiguous to it.
    """

    server_error: float = 0.0
    too_many_requests: float = 0.0
    timeout: float = 0.0
    late_answer: float = 0.0
    delay: float = 8.0

    def one_of_each(self) -> tuple[Fault, ...]:
        """The four faults, in the order of the rates (to plan each once, with `inject`)."""
        return (
            Fault(500, 20500, "injected: internal server error"),
            Fault(429, 20429, "injected: too many requests"),
            Fault.timeout(self.delay),
            Fault.late_answer(self.delay),
        )

    def draw(self, rng: random.Random) -> Fault | None:
        roll = rng.random()
        rates = (self.server_error, self.too_many_requests, self.timeout, self.late_answer)
        for rate, fault in zip(rates, self.one_of_each(), strict=True):
            if roll < rate:
                return fault
            roll -= rate
        return None


# A status callback to post: (MessageStatus, ErrorCode or None).
Callback = tuple[str, int | None]
DELIVERED: tuple[Callback, ...] = (("sent", None), ("delivered", None))


def rfc2822(moment: float) -> str:
    """Twilio's date format: "Thu, 30 Jul 2015 20:12:31 +0000"."""
    return format_datetime(datetime.fromtimestamp(int(moment), UTC)).replace("-0000", "+0000")


def _date_filter(raw: str) -> datetime:
    """DateSent filters: YYYY-MM-DD or the client's YYYY-MM-DDThh:mm:ssZ."""
    text = raw.strip().replace("Z", "+00:00")
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class TwilioEndpoint:
    account_sid: str
    auth_token: str
    sent: list[Sent] = field(default_factory=list)
    requests: int = 0
    list_requests: int = 0
    faults: deque[Fault] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    # Status callbacks posted to every message's StatusCallback (none by default), and per
    # address (To) plans that take precedence.
    callbacks: tuple[Callback, ...] = ()
    callback_plans: dict[str, tuple[Callback, ...]] = field(default_factory=dict)
    callback_delay: float = 0.05
    posted: list[tuple[str, dict[str, str], int]] = field(default_factory=list)
    # Faults drawn at random when none is planned (off by default), their generator, and every
    # fault met by a create, planned or drawn: (time, fault).
    random_faults: RandomFaults | None = None
    rng: random.Random = field(default_factory=random.Random)
    faulted: list[tuple[float, Fault]] = field(default_factory=list)

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
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client timed out and hung up (a planned fault): nothing to say

            def _authorized(self) -> bool:
                expected = (
                    "Basic "
                    + base64.b64encode(
                        f"{endpoint.account_sid}:{endpoint.auth_token}".encode()
                    ).decode()
                )
                if self.headers.get("Authorization") != expected:
                    self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
                    return False
                return True

            def do_GET(self) -> None:
                path, _, query = self.path.partition("?")
                if not _MESSAGES.match(path):
                    self._reply(404, {"code": 20404, "message": "not found", "status": 404})
                    return
                if not self._authorized():
                    return
                with endpoint.lock:
                    endpoint.list_requests += 1
                params = {k: v[0] for k, v in parse_qs(query).items()}
                self._reply(200, endpoint.list_page(path, params))

            def do_POST(self) -> None:
                match = _MESSAGES.match(self.path.split("?")[0])
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if not match:
                    self._reply(404, {"code": 20404, "message": "not found", "status": 404})
                    return
                if not self._authorized():
                    return
                with endpoint.lock:
                    endpoint.requests += 1
                    fault = endpoint.next_fault()
                if fault is not None and not fault.accept:
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
                endpoint.schedule_callbacks(sent)
                if fault is not None:  # accepted: the answer comes after the client gave up
                    time.sleep(fault.delay)
                self._reply(201, endpoint.resource(sent))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def next_fault(self) -> Fault | None:
        """The fault this create meets: the next planned one, else one drawn at random (if
        `random_faults` is set). Called with the lock held."""
        if self.faults:
            fault: Fault | None = self.faults.popleft()
        elif self.random_faults is not None:
            fault = self.random_faults.draw(self.rng)
        else:
            fault = None
        if fault is not None:
            self.faulted.append((time.time(), fault))
        return fault

    def resource(self, sent: Sent) -> dict[str, object]:
        """A Message resource in Twilio's JSON shape."""
        return {
            "sid": sent.sid,
            "account_sid": sent.account_sid,
            "to": sent.to,
            "from": sent.from_ or None,
            "messaging_service_sid": sent.messaging_service_sid or None,
            "body": sent.body,
            "status": "accepted" if sent.messaging_service_sid else "queued",
            "error_code": None,
            "error_message": None,
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "date_created": rfc2822(sent.at),
            "date_updated": rfc2822(sent.at),
            "date_sent": rfc2822(sent.at),
            "uri": f"/2010-04-01/Accounts/{sent.account_sid}/Messages/{sent.sid}.json",
        }

    def list_page(self, path: str, params: dict[str, str]) -> dict[str, object]:
        """One page of the Messages list (newest first), with Twilio's filters."""
        with self.lock:
            found = list(reversed(self.sent))
        if params.get("To"):
            found = [s for s in found if s.to == params["To"]]
        if params.get("From"):
            found = [s for s in found if s.from_ == params["From"]]
        for name, keep in (
            ("DateSent>", lambda at, limit: at >= limit),
            ("DateSent<", lambda at, limit: at <= limit),
        ):
            if params.get(name):
                limit = _date_filter(params[name])
                found = [s for s in found if keep(datetime.fromtimestamp(int(s.at), UTC), limit)]
        if params.get("DateSent"):
            day = _date_filter(params["DateSent"]).date()
            found = [s for s in found if datetime.fromtimestamp(s.at, UTC).date() == day]
        size = int(params.get("PageSize") or 50)
        page = found[:size]
        return {
            "messages": [self.resource(s) for s in page],
            "end": max(0, len(page) - 1),
            "first_page_uri": path,
            "next_page_uri": None,
            "page": 0,
            "page_size": size,
            "previous_page_uri": None,
            "start": 0,
            "uri": path,
        }

    # -- status callbacks ----------------------------------------------------------------------
    def plan_callbacks(self, address: str, *steps: Callback) -> None:
        """Post these statuses (in this order) for every message to `address`."""
        with self.lock:
            self.callback_plans[address] = tuple(steps)

    def schedule_callbacks(self, sent: Sent) -> None:
        with self.lock:
            steps = self.callback_plans.get(sent.to, self.callbacks)
        if steps and sent.status_callback:
            threading.Thread(target=self._post_callbacks, args=(sent, steps), daemon=True).start()

    def status_form(self, sent: Sent, status: str, error_code: int | None) -> dict[str, str]:
        """A status callback exactly as Twilio posts it (SMS or WhatsApp)."""
        form = {
            "SmsSid": sent.sid,
            "SmsStatus": status,
            "MessageStatus": status,
            "To": sent.to,
            "MessageSid": sent.sid,
            "AccountSid": sent.account_sid,
            "From": sent.from_,
            "ApiVersion": "2010-04-01",
        }
        if sent.messaging_service_sid:
            form["MessagingServiceSid"] = sent.messaging_service_sid
        if sent.to.startswith("whatsapp:"):
            form["ChannelToAddress"] = sent.to.removeprefix("whatsapp:")
            form["ChannelPrefix"] = "whatsapp"
        if error_code is not None:
            form["ErrorCode"] = str(error_code)
        return form

    def _post_callbacks(self, sent: Sent, steps: Sequence[Callback]) -> None:
        validator = RequestValidator(self.auth_token)
        for status, error_code in steps:
            time.sleep(self.callback_delay)
            form = self.status_form(sent, status, error_code)
            signature = validator.compute_signature(sent.status_callback, form)
            try:
                answer = requests.post(
                    sent.status_callback,
                    data=form,
                    headers={"X-Twilio-Signature": signature},
                    timeout=5,
                ).status_code
            except requests.RequestException:
                answer = 0
            with self.lock:
                self.posted.append((urlsplit(sent.status_callback).query, form, answer))

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
