"""The console in a real browser (Playwright driving Debian's headless Chromium) against the
real stack: log in, take the next conversation, reply, resolve — and she gets both messages."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from bot.content.store import ContentStore
from bot.handoff.accounts import add
from bot.store.engine import make_engine, make_sessionmaker
from tests.support.browser import launch, require_chromium
from tests.support.conversation import Participant
from tests.support.stack import Stack
from tests.support.twilio_endpoint import TwilioEndpoint

pytestmark = pytest.mark.stack


def test_log_in_claim_reply_and_resolve_in_the_browser(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    require_chromium()
    engine = make_engine(stack.env["DATABASE_URL"])
    add(make_sessionmaker(engine), "luz.browser@almas.example.org", "Luz", "clave-del-navegador")
    engine.dispose()
    maria = Participant(stack=stack, twilio=twilio, number="+573005559001", channel="whatsapp")
    maria.says("necesito hablar con una asesora por favor")
    assert "en la fila" in maria.wait_for_replies(1)[0].body

    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page()
        page.goto(stack.web_url + "/console/login")
        page.fill("input[name=email]", "luz.browser@almas.example.org")
        page.fill("input[name=password]", "clave-del-navegador")
        page.click("#login")
        page.click("#claim-next")
        assert "necesito hablar con una asesora" in page.inner_text("#transcript")
        page.fill("#reply-text", "Hola, soy Luz, asesora de ALMAS. ¿En qué te ayudo?")
        page.click("#send-reply")
        page.click("#resolve")
        assert "resuelta" in page.content()
        browser.close()

    replies = maria.wait_for_replies(3)
    assert replies[1].body == "Hola, soy Luz, asesora de ALMAS. ¿En qué te ayudo?"
    assert replies[2].body == ContentStore().system_text("rating_question")
