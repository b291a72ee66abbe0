"""The console's preview (bot/publishing/preview.py): what she would receive on WhatsApp (HTML
built from escaped text) and on SMS (as the outbox shapes it: segments, encoding, "MÁS" pages,
cost), worded by the bot's own code."""

from __future__ import annotations

from datetime import date

import pytest

from bot.content.describe import describe_course, describe_scholarship
from bot.content.store import ContentStore
from bot.outbound.paging import paginate
from bot.outbound.shaping import strip_whatsapp_markup
from bot.outbound.sms import GSM7, UCS2
from bot.publishing.check import dialogue_needs
from bot.publishing.preview import (
    NOT_A_MESSAGE,
    NOT_SHOWN,
    NOT_VALID,
    Options,
    preview,
    whatsapp_html,
)

STORE = ContentStore()
TODAY = date(2026, 12, 1)
AS_WRITTEN = Options(transliterate=False, price_per_segment=0.05, today=TODAY)


def test_whatsapp_markup_becomes_tags_and_html_in_content_is_escaped() -> None:
    html = whatsapp_html('*Becas* _abiertas_ ~ya no~ <script>alert("x")</script> & más')
    assert html == (
        "<b>Becas</b> <i>abiertas</i> <s>ya no</s> "
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; más"
    )
    assert whatsapp_html("*negrita con _cursiva_ dentro*") == (
        "<b>negrita con <i>cursiva</i> dentro</b>"
    )
    assert whatsapp_html("5 * 3 = 15, archivo_final_v2") == "5 * 3 = 15, archivo_final_v2"
    assert whatsapp_html("<b>no</b>") == "&lt;b&gt;no&lt;/b&gt;"


def test_an_accented_text_is_ucs2_and_counts_70_characters_a_segment() -> None:
    text = "Línea de atención " * 4 + "ñ"  # 73 characters, one of them outside GSM-7
    shown = preview("system", "x", text, STORE, AS_WRITTEN)
    message = shown.messages[0]
    assert message.sms_encoding == UCS2
    assert message.sms_segments == 2  # 73 > 70: two parts of 67
    plain = preview("system", "x", "Linea de atencion " * 4 + "n", STORE, AS_WRITTEN)
    assert plain.messages[0].sms_encoding == GSM7 and plain.messages[0].sms_segments == 1
    assert shown.cost() == pytest.approx(0.10)


def test_sms_is_shown_as_sent_transliterated_and_without_markup_or_emoji() -> None:
    shown = preview("system", "x", "*Atención* 🌻 días", STORE, Options(transliterate=True))
    part = shown.messages[0].pages[0].sms[0]
    assert (part.text, part.encoding, part.segments) == ("Atencion dias", GSM7, 1)
    assert shown.transliterate and shown.cost() is None  # no price per segment: no cost


def test_a_long_paged_answer_shows_its_more_pages() -> None:
    _, paged = dialogue_needs()
    name = sorted(paged)[0]
    text = " ".join(["Esta es una frase larga sobre el programa ALMAS y sus cursos."] * 20)
    options = Options(transliterate=False, paged=frozenset(paged))
    message = preview("responses", name, [{"text": text}], STORE, options).messages[0]
    more = STORE.system_text("more_offer")
    assert message.paged and len(message.pages) == len(paginate(text, more)) > 1
    assert all(page.sms[0].text.endswith(more) for page in message.pages[:-1])
    assert not message.pages[-1].sms[0].text.endswith(more)
    assert all(part.segments <= 3 for page in message.pages for part in page.sms)


def test_buttons_show_as_buttons_and_as_the_numbered_options_sent_without_them() -> None:
    variants = STORE.snapshot().responses["utter_ask_city"]
    message = preview("responses", "utter_ask_city", variants, STORE, AS_WRITTEN).messages[0]
    assert message.buttons == ("Santa Marta", "Barranquilla", "Cursos virtuales")
    assert message.numbered is not None and "1. Santa Marta\n2. Barranquilla" in message.numbered
    assert "1. Santa Marta" in message.pages[0].sms[0].text  # SMS always numbered
    assert "1. Santa Marta" not in message.pages[0].whatsapp


def test_a_course_and_a_scholarship_are_previewed_as_the_bot_describes_them() -> None:
    snapshot = STORE.snapshot()
    course = snapshot.courses[0]
    shown = preview("courses", course.id, course.model_dump(mode="json"), STORE, AS_WRITTEN)
    pages = [page.sms[0].text for page in shown.messages[0].pages]
    more = STORE.system_text("more_offer")
    as_sent = paginate(describe_course(course, STORE), more)  # paged first, then shaped
    assert pages == [strip_whatsapp_markup(page) for page in as_sent]
    call = snapshot.scholarships[0]
    shown = preview("scholarships", call.id, call.model_dump(mode="json"), STORE, AS_WRITTEN)
    first = shown.messages[0].pages[0].whatsapp
    assert f"<b>{call.name}</b>" in first
    assert describe_scholarship(call, TODAY, STORE).splitlines()[1] in first


def test_what_cannot_be_previewed_says_why() -> None:
    snapshot = STORE.snapshot()
    assert preview("courses", "x", {"id": "x"}, STORE, AS_WRITTEN).note == NOT_VALID
    programme = snapshot.programme.model_dump(mode="json")  # type: ignore[union-attr]
    assert preview("programme", "programme", programme, STORE, AS_WRITTEN).note == NOT_A_MESSAGE
    hidden = next(line for line in snapshot.support_lines if not line.verified)
    shown = preview("support_lines", hidden.id, hidden.model_dump(mode="json"), STORE, AS_WRITTEN)
    assert shown.note == NOT_SHOWN and hidden.dial in shown.messages[0].pages[0].sms[0].text
