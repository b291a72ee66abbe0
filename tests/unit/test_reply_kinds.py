"""Issue 16, item 3: every WhatsApp reply kind, from verbatim Twilio payloads, goes to the
option it names (no NLU guess), a location becomes her city, and contacts and stickers get a
reply of their own kind."""

from __future__ import annotations

import pytest

from bot.channels.twilio.inbound import parse_twilio_form
from bot.content.store import ContentStore
from bot.conversation import media
from bot.conversation.choices import decide
from bot.conversation.location import city_near
from tests.support.twilio_payloads import (
    WHATSAPP_BUTTON_REPLY,
    WHATSAPP_CONTACT,
    WHATSAPP_LIST_PICK,
    WHATSAPP_LOCATION,
    WHATSAPP_STICKER,
)

MENU = ["/ask_courses", "/ask_credential_validation", "/ask_scholarships", "/ask_credit"]


@pytest.mark.parametrize(
    ("name", "form", "last_options", "to_rasa"),
    [
        ("quick reply", WHATSAPP_BUTTON_REPLY, [], "/ask_scholarships"),
        ("list pick", WHATSAPP_LIST_PICK, MENU, "/ask_credit"),
        # A Content API id that names one of the options she was shown (not an intent).
        ("option id", {**WHATSAPP_LIST_PICK, "ListId": "beca-sena-2027", "Body": "Beca SENA"},
         ["beca-sena-2027", "beca-icetex"], "beca-sena-2027"),
        # An id we no longer know (an old message): its title, read like a typed choice.
        ("unknown id, title", {**WHATSAPP_BUTTON_REPLY, "ButtonPayload": "old-7", "Body": "",
                               "ButtonText": "Menu"}, [], "/show_menu"),
        ("location in Santa Marta", WHATSAPP_LOCATION, [], '/inform{"city": "Santa Marta"}'),
        ("location in Soledad", {**WHATSAPP_LOCATION, "Latitude": "10.9184",
                                 "Longitude": "-74.7646"}, [], '/inform{"city": "Barranquilla"}'),
        ("location in Bogotá", {**WHATSAPP_LOCATION, "Latitude": "4.7110",
                                "Longitude": "-74.0721"}, [], '/inform{"city": "virtual"}'),
        ("not a location", {**WHATSAPP_LOCATION, "Latitude": "abc", "Body": "hola"}, [], "hola"),
    ],
)  # fmt: skip
def test_each_reply_kind_goes_to_the_option_it_names(
    name: str, form: dict[str, str], last_options: list[str], to_rasa: str
) -> None:
    assert decide(parse_twilio_form(form), last_options).rasa_text == to_rasa


def test_a_location_is_read_back_to_her_as_a_city() -> None:
    decision = decide(parse_twilio_form(WHATSAPP_LOCATION), [])
    text = ContentStore().system_text(decision.note or "", **decision.note_variables)
    assert "Santa Marta" in text
    far = {**WHATSAPP_LOCATION, "Latitude": "4.7110", "Longitude": "-74.0721"}
    assert decide(parse_twilio_form(far), []).note == "location_virtual"


@pytest.mark.parametrize(
    ("latitude", "longitude", "city"),
    [("11.2408", "-74.1990", "Santa Marta"), ("11.0062", "-74.2486", "Santa Marta"),  # Ciénaga
     ("10.9685", "-74.7813", "Barranquilla"), ("10.3910", "-75.4794", "virtual"),  # Cartagena
     ("91", "0", None), ("nan", "0", None), ("", "", None)],
)  # fmt: skip
def test_the_nearer_city_or_virtual_when_far_from_both(
    latitude: str, longitude: str, city: str | None
) -> None:
    assert city_near(latitude, longitude) == city


@pytest.mark.parametrize(
    ("form", "kind", "text"),
    [(WHATSAPP_STICKER, media.STICKER, "sticker_received"),
     (WHATSAPP_CONTACT, media.CONTACT, "contact_received")],
)  # fmt: skip
def test_stickers_and_contacts_get_a_reply_of_their_kind(
    form: dict[str, str], kind: str, text: str
) -> None:
    message = parse_twilio_form(form)
    assert decide(message, []).rasa_text is None  # nothing for the NLU to guess
    assert media.kind(message.media, message.message_type) == kind
    content = ContentStore()
    [reply] = media.replies(kind, content, attached=False)
    assert reply.text == content.system_text(text)
