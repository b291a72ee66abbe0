"""Replies to media (issue 6 req. 4): a voice note gets a kind reply and a person offered; a
photo or PDF is acknowledged, and attached to her open ticket for the case worker."""

from __future__ import annotations

import base64
import dataclasses
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.channels.twilio.inbound import parse_twilio_form
from bot.conversation.media import DOCUMENT, OTHER, VOICE, kind
from bot.conversation.worker import ConversationWorker
from bot.core.identity import participant_id
from bot.core.messages import BotReply, Media
from bot.runtime import Runtime
from bot.store.participants import record_consent
from tests.support.casework import console_account as account
from tests.support.casework import csrf, login
from tests.support.twilio_payloads import WHATSAPP_VOICE_NOTE
from tests.support.worker import ScriptedRasa, outbox_bodies, work
from webhooks.app import create_app


def she_sends_media(runtime: Runtime, number: str, content_type: str, body: str = "") -> str:
    sid = "MM" + uuid.uuid4().hex
    form = {
        **WHATSAPP_VOICE_NOTE,
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "From": "whatsapp:" + number,
        "MediaContentType0": content_type,
        "MessageType": "image" if content_type.startswith("image") else "document",
        "Body": body,
    }
    message = parse_twilio_form(form)
    pid = participant_id(runtime.settings.participant_id_key, message.address)
    version = runtime.content.snapshot().privacy.notice_version  # type: ignore[union-attr]
    record_consent(runtime.sessions, pid, message.channel, version)
    runtime.inbox.enqueue(pid, [message.to_json()], dedupe_id=sid, dedupe_seconds=60)
    return pid


@pytest.fixture
def number() -> str:
    return "+1555" + str(uuid.uuid4().int)[:7]


@pytest.mark.parametrize(
    ("types", "expected"),
    [(("audio/ogg",), VOICE), (("image/jpeg",), DOCUMENT), (("application/pdf",), DOCUMENT),
     (("audio/ogg", "image/png"), DOCUMENT), (("video/mp4",), OTHER), ((), None)],
)  # fmt: skip
def test_kind_of_media(types: tuple[str, ...], expected: str | None) -> None:
    assert kind(tuple(Media(url="https://x", content_type=t) for t in types)) == expected


def test_a_voice_note_gets_a_kind_reply_and_the_offer_of_a_person(
    runtime: Runtime, number: str
) -> None:
    rasa = ScriptedRasa([BotReply("x")])
    pid = she_sends_media(runtime, number, "audio/ogg")
    work(ConversationWorker(runtime, rasa))
    [reply] = outbox_bodies(runtime, pid)
    assert reply.startswith(runtime.content.system_text("voice_note_received"))
    assert reply.endswith("1. " + runtime.content.system_text("topic_request_human"))
    assert rasa.received == []


def test_a_document_goes_to_her_case_worker_when_a_ticket_is_open(
    runtime: Runtime, number: str
) -> None:
    rasa = ScriptedRasa([BotReply("te paso", handoff="normal", handoff_topic="credentials")])
    worker = ConversationWorker(runtime, rasa)
    pid = she_sends_media(runtime, number, "application/pdf", body="asesora")
    work(worker)
    ticket = runtime.handoff.open_ticket(pid)
    assert ticket is not None
    she_sends_media(runtime, number, "image/jpeg")
    work(worker)
    assert outbox_bodies(runtime, pid)[-1] == runtime.content.system_text("media_attached")
    attached = runtime.handoff.attachments(ticket.id)
    assert [a["content_type"] for a in attached] == ["application/pdf", "image/jpeg"]
    assert attached[0]["url"].startswith("https://api.twilio.com/")


def test_a_document_without_a_ticket_offers_a_person(runtime: Runtime, number: str) -> None:
    pid = she_sends_media(runtime, number, "image/png")
    work(ConversationWorker(runtime, ScriptedRasa([BotReply("x")])))
    [reply] = outbox_bodies(runtime, pid)
    assert reply.startswith(runtime.content.system_text("document_received"))


class _MediaHandler(BaseHTTPRequestHandler):
    """Serves one "Twilio media" file, only with the account's credentials."""

    expected_auth = ""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != self.expected_auth:
            self.send_response(401)
            self.end_headers()
            return
        body = b"%PDF-1.4 diploma"
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def media_server(runtime: Runtime):  # type: ignore[no-untyped-def]
    settings = runtime.settings
    token = base64.b64encode(
        f"{settings.twilio_account_sid}:{settings.twilio_auth_token}".encode()
    ).decode()
    _MediaHandler.expected_auth = "Basic " + token
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MediaHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    runtime.settings = dataclasses.replace(settings, twilio_api_url=base)
    yield base
    server.shutdown()
    server.server_close()


def test_the_case_worker_opens_her_document_through_the_console_and_others_cannot(
    runtime: Runtime, media_server: str
) -> None:
    app = create_app(runtime.settings, runtime)
    app.config["SESSION_COOKIE_SECURE"] = False
    ticket = runtime.handoff.open("p_" + uuid.uuid4().hex, "whatsapp", "credentials", "título")
    url = f"{media_server}/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
    elsewhere = "http://169.254.169.254/latest"
    runtime.handoff.attach(
        ticket.id,
        [{"url": url, "content_type": "application/pdf"}, {"url": elsewhere, "content_type": "x"}],
    )
    ana, bea = app.test_client(), app.test_client()
    login(ana, account(runtime))
    login(bea, account(runtime))
    ana.post("/console/claim", data={"csrf": csrf(ana, "/console/")})
    page = ana.get(f"/console/tickets/{ticket.id}").get_data(as_text=True)
    assert "application/pdf" in page
    opened = ana.get(f"/console/tickets/{ticket.id}/attachments/0")
    assert opened.status_code == 200 and opened.data == b"%PDF-1.4 diploma"
    assert opened.headers["Content-Type"] == "application/pdf"
    # Only Twilio's host is ever fetched (no request elsewhere through the console).
    assert ana.get(f"/console/tickets/{ticket.id}/attachments/1").status_code == 502
    assert ana.get(f"/console/tickets/{ticket.id}/attachments/7").status_code == 404
    assert bea.get(f"/console/tickets/{ticket.id}/attachments/0").status_code == 403
