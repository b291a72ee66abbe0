"""The whole path on real processes: signed webhook → Redis → worker → Rasa (+ action server,
NLG from content/) → outbox → twilio client → the local Twilio endpoint."""

from __future__ import annotations

import time

import pytest
import requests

from bot.content.store import ContentStore
from bot.core.identity import participant_id
from bot.core.messages import render_reply
from tests.support.conversation import Participant
from tests.support.environment import SMS_SENDER, WHATSAPP_SENDER
from tests.support.stack import Stack
from tests.support.twilio_endpoint import TwilioEndpoint

pytestmark = pytest.mark.stack

CONTENT = ContentStore()


def expected(response: str) -> str:
    return render_reply(CONTENT.render(response))


def her(stack: Stack, twilio: TwilioEndpoint, number: str, channel: str) -> Participant:
    return Participant(stack=stack, twilio=twilio, number=number, channel=channel)


@pytest.mark.parametrize(
    ("channel", "number", "address", "sender"),
    [
        ("whatsapp", "+573005551001", "whatsapp:+573005551001", WHATSAPP_SENDER),
        ("sms", "+573005551002", "+573005551002", SMS_SENDER),
    ],
)
def test_hola_gets_the_spanish_greeting_and_menu_on_the_same_channel(
    stack: Stack, twilio: TwilioEndpoint, channel: str, number: str, address: str, sender: str
) -> None:
    maria = her(stack, twilio, number, channel)
    maria.says("hola")
    replies = maria.wait_for_replies(2)
    assert [r.body for r in replies] == [expected("utter_greet"), expected("utter_main_menu")]
    assert all(r.to == address and r.from_ == sender for r in replies)


def test_a_numbered_option_from_the_menu_is_understood(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    maria = her(stack, twilio, "+573005551003", "sms")
    maria.says("buenas")
    maria.wait_for_replies(2)
    maria.says("la 3")
    replies = maria.wait_for_replies(3)
    assert replies[2].body.startswith(CONTENT.system_text("scholarships_header", count=3)[:15])


def test_duplicate_message_sid_gets_one_reply(stack: Stack, twilio: TwilioEndpoint) -> None:
    maria = her(stack, twilio, "+573005551004", "whatsapp")
    sid = maria.says("gracias")
    maria.says("gracias", message_sid=sid)
    maria.says("gracias", message_sid=sid)
    replies = maria.wait_for_replies(1)
    time.sleep(3)  # anything extra would have arrived by now
    assert [r.body for r in maria.received()] == [expected("utter_you_are_welcome")]
    assert len(replies) == 1


def test_text_reaches_rasa_exactly_as_she_wrote_it_and_never_her_number(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    number = "+573005551005"
    maria = her(stack, twilio, number, "whatsapp")
    maria.says("¡Hola! ¿Cómo estás?")
    maria.wait_for_replies(1)
    sender = participant_id(stack.env["PARTICIPANT_ID_KEY"], number)
    tracker = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker", timeout=10).json()
    texts = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
    assert texts == ["¡Hola! ¿Cómo estás?"]
    assert number.lstrip("+") not in str(tracker)


def test_voice_note_without_text_is_answered_kindly(stack: Stack, twilio: TwilioEndpoint) -> None:
    maria = her(stack, twilio, "+573005551006", "whatsapp")
    form = maria.form("")
    form.update(
        NumMedia="1",
        MessageType="audio",
        MediaContentType0="audio/ogg",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
    )
    assert maria.post(form).status_code == 200
    [reply] = maria.wait_for_replies(1)
    # Audio is not understood yet: a kind word and a person offered, as a numbered option.
    assert reply.body.startswith(CONTENT.system_text("voice_note_received"))
    assert reply.body.endswith("1. " + CONTENT.system_text("topic_request_human"))
    maria.says("1")
    replies = maria.wait_for_replies(2)
    assert "en la fila" in replies[1].body
    maria.says("menu")  # leave the line: the stack's queue is shared by the other tests
    assert CONTENT.system_text("handoff_left") in [r.body for r in maria.wait_for_replies(3)]


def test_simulator_goes_through_the_same_signed_path(stack: Stack, twilio: TwilioEndpoint) -> None:
    response = requests.post(
        stack.web_url + "/simulator/send",
        json={"channel": "sms", "number": "+573005551007", "text": "hola"},
        timeout=10,
    )
    assert response.json()["webhook_status"] == 200
    notice, rights = twilio.wait_for("+573005551007", 2)  # a new contact: consent first
    assert "180" in notice.body
    assert "ACEPTO" in rights.body
    requests.post(
        stack.web_url + "/simulator/send",
        json={"channel": "sms", "number": "+573005551007", "text": "ACEPTO"},
        timeout=10,
    )
    replies = twilio.wait_for("+573005551007", 4)
    assert replies[2].body == CONTENT.system_text("consent_thanks")
    assert replies[3].body == expected("utter_main_menu")  # the notice said hello already


def test_readyz_is_ready_with_everything_up(stack: Stack) -> None:
    response = requests.get(stack.web_url + "/readyz", timeout=10)
    assert response.status_code == 200
    assert response.json()["checked"] == [
        "action_server", "database", "rasa", "redis", "redis_durability"  # (production only)
    ]
