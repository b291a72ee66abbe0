"""Replies to media (issue 6 req. 4): a voice note gets a kind reply and a person offered; a
photo or PDF is acknowledged, and attached to her open ticket for the case worker."""

from __future__ import annotations

import uuid

import pytest

from bot.identity import participant_id
from bot.media import DOCUMENT, OTHER, VOICE, kind
from bot.messages import BotReply, Media, parse_twilio_form
from bot.runtime import Runtime
from bot.storage import record_consent
from bot.worker import ConversationWorker
from tests.support.twilio_payloads import WHATSAPP_VOICE_NOTE
from tests.test_worker import ScriptedRasa, outbox_bodies, work


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
