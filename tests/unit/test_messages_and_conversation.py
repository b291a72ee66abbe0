"""Pure logic: parsing Twilio forms, menus and numbered choices, rendering replies."""

from __future__ import annotations

import pytest

from bot.channels.twilio.inbound import InvalidInbound, parse_twilio_form
from bot.conversation.choices import MENU_PAYLOAD, decide, parse_choice
from bot.core.identity import mask_address, participant_id
from bot.core.messages import BotReply, Button, InboundMessage, render_reply, replies_from_rasa
from tests.support.twilio_payloads import SMS_HOLA, WHATSAPP_HOLA, WHATSAPP_VOICE_NOTE, with_sid

OPTIONS = ["/ask_courses", "/ask_credential_validation", "/ask_scholarships"]


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("1", 1), ("2.", 2), ("uno", 1), ("Dos", 2), ("la 1", 1), ("la tres porfa", 3),
        ("opción 2", 2), ("opcion1", 1), ("#3", 3), ("  3  ", 3), ("quiero la 2", 2),
        ("hola", None), ("quiero 2 cursos", None), ("", None), ("nueve", 9),
    ],
)  # fmt: skip
def test_parse_choice(text: str, choice: int | None) -> None:
    assert parse_choice(text) == choice


def message(text: str, **changes: str) -> InboundMessage:
    return parse_twilio_form({**SMS_HOLA, "Body": text, **changes})


@pytest.mark.parametrize(
    ("text", "rasa_text"),
    [
        ("2", "/ask_credential_validation"),
        ("la 3", "/ask_scholarships"),
        ("4", "4"),  # not an option she was shown: Rasa decides
        ("menu", MENU_PAYLOAD),
        ("Menú", MENU_PAYLOAD),
        ("0", MENU_PAYLOAD),
        ("INICIO", MENU_PAYLOAD),
        ("hola q cursos hay", "hola q cursos hay"),
    ],
)
def test_decide_what_goes_to_rasa(text: str, rasa_text: str) -> None:
    assert decide(message(text), OPTIONS).rasa_text == rasa_text


def test_numbers_without_a_menu_go_to_rasa_as_written() -> None:
    assert decide(message("1"), []).rasa_text == "1"


def test_media_only_is_not_sent_to_rasa() -> None:
    inbound = parse_twilio_form(WHATSAPP_VOICE_NOTE)
    assert decide(inbound, OPTIONS).rasa_text is None


def test_whatsapp_button_payload_goes_to_rasa() -> None:
    inbound = parse_twilio_form(
        {**WHATSAPP_HOLA, "ButtonPayload": "/ask_credit", "Body": "Créditos"}
    )
    assert decide(inbound, []).rasa_text == "/ask_credit"


def test_inbound_round_trips_through_json_with_every_character() -> None:
    text = "¡Hola! ¿Cómo estás? ñandú 🙏🏽 “comillas”"
    inbound = parse_twilio_form(with_sid(WHATSAPP_VOICE_NOTE, "MM1", Body=text))
    assert InboundMessage.from_json(inbound.to_json()) == inbound


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"From": "+57 300"}, "E.164"),
        ({"From": "whatsapp:573005550101"}, "E.164"),
        ({"NumMedia": "dos"}, "NumMedia"),
    ],
)
def test_unusable_forms_are_rejected_with_the_field(changes, error) -> None:
    with pytest.raises(InvalidInbound, match=error):
        parse_twilio_form({**SMS_HOLA, **changes})


def test_buttons_become_numbered_options() -> None:
    reply = BotReply(text="¿Qué quieres?", buttons=(Button("Cursos", "/a"), Button("Becas", "/b")))
    assert render_reply(reply) == "¿Qué quieres?\n\n1. Cursos\n2. Becas"


def test_rasa_output_becomes_replies() -> None:
    payload = [
        {"recipient_id": "p", "text": "Hola"},
        {"recipient_id": "p", "text": "Elige", "buttons": [{"title": "A", "payload": "/a"}]},
        {"recipient_id": "p"},
    ]
    assert replies_from_rasa(payload) == [
        BotReply(text="Hola"),
        BotReply(text="Elige", buttons=(Button("A", "/a"),)),
    ]


def test_participant_id_is_keyed_stable_and_channel_independent() -> None:
    sms = participant_id("k1", "+573005550101")
    assert sms == participant_id("k1", "whatsapp:+573005550101")
    assert sms != participant_id("k2", "+573005550101")
    assert "573005550101" not in sms


def test_masked_address_keeps_only_the_last_two_digits() -> None:
    assert mask_address("whatsapp:+573005550101") == "whatsapp:+…01"
    assert mask_address("+573005550101") == "+…01"
