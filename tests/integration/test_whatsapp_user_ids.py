"""Issue 16, item 4: WhatsApp senders named by a business-scoped user id instead of a number
("whatsapp:CO.1349…"): accepted, keyed by that id, answered at the same address, never parsed
as a number nor sent by SMS; one message with the id and her number makes them one woman."""

from __future__ import annotations

import pytest

from bot.channels.twilio.inbound import InvalidInbound, parse_twilio_form
from bot.conversation.worker import ConversationWorker
from bot.core.addresses import is_sender, phone_of
from bot.core.identity import mask_address, participant_id
from bot.core.messages import BotReply, InboundMessage, OutboundMessage
from bot.privacy.erasure import erase_everything
from bot.runtime import Runtime
from bot.store.participants import participant_of_alias, record_consent
from tests.support.environment import AUTH_TOKEN
from tests.support.twilio_payloads import (
    WA_PARTICIPANT,
    WA_USER_ID,
    WHATSAPP_FROM_USER_ID,
    WHATSAPP_USER_ID_WITH_NUMBER,
    sign,
    with_sid,
)
from tests.support.worker import ScriptedRasa, work

PATH = "/twilio/messages"
USER_ADDRESS = "whatsapp:" + WA_USER_ID


@pytest.mark.parametrize(
    ("address", "accepted"),
    [
        ("whatsapp:CO.13491208655302741918", True),
        ("whatsapp:US.ENT.11815799212886844830", True),  # a parent user id
        ("whatsapp:+573005550202", True),
        ("CO.13491208655302741918", False),  # a user id has no SMS
        ("whatsapp:co.1349", False),
        ("whatsapp:CO.", False),
        ("whatsapp:CO.1349-1208", False),
        ("whatsapp:" + "CO." + "1" * 129, False),
    ],
)
def test_a_whatsapp_user_id_is_a_sender_on_whatsapp_only(address: str, accepted: bool) -> None:
    assert is_sender(address) is accepted
    form = {**WHATSAPP_FROM_USER_ID, "From": address}
    if accepted:
        assert parse_twilio_form(form).address == address
    else:
        with pytest.raises(InvalidInbound, match="From"):
            parse_twilio_form(form)


def test_a_user_id_is_never_read_as_a_number() -> None:
    message = parse_twilio_form(WHATSAPP_FROM_USER_ID)
    assert message.user_id == WA_USER_ID and message.number == ""
    assert phone_of(USER_ADDRESS) == ""
    both = parse_twilio_form(WHATSAPP_USER_ID_WITH_NUMBER)
    assert both.user_id == WA_USER_ID and both.number == WA_PARTICIPANT
    assert mask_address(USER_ADDRESS) == "whatsapp:CO.…18"


def post_signed(client, runtime: Runtime, form: dict[str, str]):  # type: ignore[no-untyped-def]
    url = runtime.settings.public_base_url + PATH
    return client.post(PATH, data=form, headers={"X-Twilio-Signature": sign(url, form, AUTH_TOKEN)})


def consent(runtime: Runtime, pid: str) -> None:
    version = runtime.content.snapshot().privacy.notice_version  # type: ignore[union-attr]
    record_consent(runtime.sessions, pid, "whatsapp", version)


def replies_to(runtime: Runtime, pid: str) -> list[OutboundMessage]:
    return [OutboundMessage.from_json(raw) for raw in runtime.outbox.pending(pid)]


def test_she_is_keyed_by_her_user_id_and_answered_at_it(client, runtime: Runtime) -> None:
    alias = participant_id(runtime.settings.participant_id_key, USER_ADDRESS)
    consent(runtime, alias)
    assert post_signed(client, runtime, WHATSAPP_FROM_USER_ID).status_code == 200
    assert len(runtime.inbox.pending(alias)) == 1
    work(ConversationWorker(runtime, ScriptedRasa([BotReply("Estos son los cursos")])))
    [reply] = replies_to(runtime, alias)
    assert reply.to == USER_ADDRESS and reply.channel == "whatsapp"  # never SMS


def test_one_message_with_both_makes_her_user_id_and_her_number_one_woman(
    client, runtime: Runtime
) -> None:
    key = runtime.settings.participant_id_key
    her = participant_id(key, WA_PARTICIPANT)
    alias = participant_id(key, USER_ADDRESS)
    consent(runtime, her)
    assert post_signed(client, runtime, WHATSAPP_USER_ID_WITH_NUMBER).status_code == 200
    assert len(runtime.inbox.pending(her)) == 1  # keyed by her number, as on SMS
    work(ConversationWorker(runtime, ScriptedRasa([BotReply("hola")])))
    assert participant_of_alias(runtime.sessions, alias) == her
    assert replies_to(runtime, her)[0].to == USER_ADDRESS  # the address she wrote from

    later = with_sid(WHATSAPP_FROM_USER_ID, "SMd9a4e6f8b0c2d3e5f7a9b1c3d5e7f9a1", Body="gracias")
    assert post_signed(client, runtime, later).status_code == 200
    pending = [InboundMessage.from_json(raw) for raw in runtime.inbox.pending(her)]
    assert [m.text for m in pending] == ["gracias"]
    assert runtime.inbox.pending(alias) == []

    erase_everything(runtime, her)
    assert participant_of_alias(runtime.sessions, alias) is None  # erased with her


def test_no_link_is_stored_before_she_accepts_the_notice(client, runtime: Runtime) -> None:
    alias = participant_id(runtime.settings.participant_id_key, USER_ADDRESS)
    form = with_sid(WHATSAPP_USER_ID_WITH_NUMBER, "SMe0b5f7a9c1d3e4f6a8b0c2d4e6f8a0b2")
    assert post_signed(client, runtime, form).status_code == 200
    work(ConversationWorker(runtime, ScriptedRasa([BotReply("hola")])))
    assert participant_of_alias(runtime.sessions, alias) is None
