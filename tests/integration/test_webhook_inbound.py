"""POST /twilio/messages: signature, parsing, de-duplication and the durable enqueue."""

from __future__ import annotations

import logging

import pytest

from bot.core.identity import participant_id
from bot.core.messages import InboundMessage
from bot.runtime import Runtime
from tests.support.environment import AUTH_TOKEN
from tests.support.twilio_payloads import (
    SMS_HOLA,
    SMS_VIA_MESSAGING_SERVICE,
    WHATSAPP_BUTTON_REPLY,
    WHATSAPP_HOLA,
    WHATSAPP_VOICE_NOTE,
    sign,
)

PATH = "/twilio/messages"


def post_signed(client, runtime: Runtime, form: dict[str, str], query: str = ""):  # type: ignore[no-untyped-def]
    url = runtime.settings.public_base_url + PATH + (f"?{query}" if query else "")
    headers = {"X-Twilio-Signature": sign(url, form, AUTH_TOKEN)}
    return client.post(PATH + (f"?{query}" if query else ""), data=form, headers=headers)


def queued(runtime: Runtime, form: dict[str, str]) -> list[InboundMessage]:
    pid = participant_id(runtime.settings.participant_id_key, form["From"])
    return [InboundMessage.from_json(raw) for raw in runtime.inbox.pending(pid)]


ACCEPTED = [
    # (name, payload, channel, address, text, media types)
    ("sms", SMS_HOLA, "sms", "+573005550101", "hola", ()),
    (
        "sms via messaging service, accents and emoji",
        SMS_VIA_MESSAGING_SERVICE,
        "sms",
        "+573005550101",
        "¡Hola! ¿Cómo estás? Quiero info de cursos 🙏🏽 mañana",
        (),
    ),
    ("whatsapp text", WHATSAPP_HOLA, "whatsapp", "whatsapp:+573005550202", "hola", ()),
    (
        "whatsapp voice note (media only, no body)",
        WHATSAPP_VOICE_NOTE,
        "whatsapp",
        "whatsapp:+573005550202",
        "",
        ("audio/ogg",),
    ),
    (
        "whatsapp quick reply",
        WHATSAPP_BUTTON_REPLY,
        "whatsapp",
        "whatsapp:+573005550202",
        "Becas",
        (),
    ),
]


@pytest.mark.parametrize(
    ("payload", "channel", "address", "text", "media"),
    [case[1:] for case in ACCEPTED],
    ids=[case[0] for case in ACCEPTED],
)
def test_signed_message_is_queued_as_sent_and_answered_with_empty_twiml(
    client, runtime: Runtime, payload, channel, address, text, media
) -> None:
    response = post_signed(client, runtime, payload)

    assert response.status_code == 200
    assert response.content_type.startswith("text/xml")
    assert response.get_data(as_text=True).endswith("<Response></Response>")
    [message] = queued(runtime, payload)
    assert message.message_sid == payload["MessageSid"]
    assert message.channel == channel
    assert message.address == address
    assert message.text == text
    assert tuple(m.content_type for m in message.media) == media
    assert message.to == payload["To"]


def test_whatsapp_fields_are_kept(client, runtime: Runtime) -> None:
    post_signed(client, runtime, WHATSAPP_BUTTON_REPLY)
    [message] = queued(runtime, WHATSAPP_BUTTON_REPLY)
    assert message.wa_id == "573005550202"
    assert message.profile_name == "María José"
    assert message.button_payload == "/ask_scholarships"


def test_signature_over_the_public_url_with_query_string_is_accepted(
    client, runtime: Runtime
) -> None:
    response = post_signed(client, runtime, SMS_HOLA, query="source=sms&x=1")
    assert response.status_code == 200
    assert len(queued(runtime, SMS_HOLA)) == 1


REJECTED = [
    ("missing signature", None, 403, "missing X-Twilio-Signature", "header missing"),
    ("forged signature", "bm90IGEgc2lnbmF0dXJl", 403, "invalid X-Twilio-Signature", "invalid"),
]


@pytest.mark.parametrize(
    ("signature", "status", "body", "logged"),
    [case[1:] for case in REJECTED],
    ids=[case[0] for case in REJECTED],
)
def test_unsigned_or_forged_requests_are_refused_and_nothing_is_queued(
    client, runtime: Runtime, caplog, signature, status, body, logged
) -> None:
    headers = {"X-Twilio-Signature": signature} if signature else {}
    with caplog.at_level(logging.WARNING):
        response = client.post(PATH, data=SMS_HOLA, headers=headers)
    assert response.status_code == status
    assert body in response.get_data(as_text=True)
    assert logged in caplog.text
    assert queued(runtime, SMS_HOLA) == []
    assert runtime.inbox.stats()["ready"] == 0


def test_signature_for_another_url_is_refused(client, runtime: Runtime) -> None:
    """Signed for the internal URL while PUBLIC_BASE_URL says the public one: refused."""
    headers = {"X-Twilio-Signature": sign("http://localhost" + PATH, SMS_HOLA, AUTH_TOKEN)}
    assert client.post(PATH, data=SMS_HOLA, headers=headers).status_code == 403


def test_a_changed_body_breaks_the_signature(client, runtime: Runtime) -> None:
    url = runtime.settings.public_base_url + PATH
    headers = {"X-Twilio-Signature": sign(url, SMS_HOLA, AUTH_TOKEN)}
    tampered = {**SMS_HOLA, "Body": "hola, soy otra persona"}
    assert client.post(PATH, data=tampered, headers=headers).status_code == 403
    assert queued(runtime, SMS_HOLA) == []


@pytest.mark.parametrize(
    ("missing", "reason"),
    [("From", "From is missing"), ("MessageSid", "MessageSid is missing")],
)
def test_signed_request_without_a_required_field_is_a_400_with_the_reason(
    client, runtime: Runtime, missing: str, reason: str
) -> None:
    form = {k: v for k, v in SMS_HOLA.items() if k != missing}
    if missing == "MessageSid":
        form = {k: v for k, v in form.items() if k not in ("SmsMessageSid", "SmsSid")}
    response = post_signed(client, runtime, form)
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)
    assert runtime.inbox.stats()["ready"] == 0


def test_duplicate_message_sid_is_accepted_but_queued_once(client, runtime: Runtime) -> None:
    first = post_signed(client, runtime, WHATSAPP_HOLA)
    again = post_signed(client, runtime, WHATSAPP_HOLA)
    assert first.status_code == again.status_code == 200
    assert len(queued(runtime, WHATSAPP_HOLA)) == 1


def test_duplicate_window_lasts_at_least_48_hours(client, runtime: Runtime) -> None:
    post_signed(client, runtime, SMS_HOLA)
    her = participant_id(runtime.settings.participant_id_key, SMS_HOLA["From"])
    ttl = runtime.redis.ttl(runtime.keys.seen_message(her, SMS_HOLA["MessageSid"]))
    assert ttl >= 48 * 3600 - 5


def test_phone_number_is_not_logged(client, runtime: Runtime, caplog) -> None:
    with caplog.at_level(logging.DEBUG):
        post_signed(client, runtime, SMS_HOLA)
    assert "5550101" not in caplog.text


def test_a_body_longer_than_the_cap_is_refused_with_a_reason(client, runtime: Runtime) -> None:
    form = {**SMS_HOLA, "MessageSid": "SMtoolong", "Body": "a" * 4097}
    response = post_signed(client, runtime, form)
    assert response.status_code == 413 and b"4096" in response.data
    assert queued(runtime, form) == []


def test_over_the_rate_limit_messages_are_still_accepted_and_flagged(
    client, runtime: Runtime
) -> None:
    limit = runtime.settings.rate_limit_per_minute
    forms = [{**SMS_HOLA, "MessageSid": f"SMrate{i:03d}"} for i in range(limit + 2)]
    for form in forms:
        assert post_signed(client, runtime, form).status_code == 200
    flags = [m.over_rate_limit for m in queued(runtime, forms[0])]
    # Nothing is lost: every message is queued; those past the limit are flagged.
    assert len(flags) == limit + 2 and flags.count(True) >= 2
