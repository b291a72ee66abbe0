"""The content editor in a real browser (Playwright driving Debian's headless Chromium) against
the real stack (issue 14): an editor changes a course's enrolment deadline, sees the SMS
preview's segments and publishes it; an editor proposes a new name for a support line and a
supervisor approves it, confirming a second time — and then the assistant, through the real
Rasa, action server and workers, says the new deadline and the new line.

Screenshots go to the test's tmp directory (printed). What the test published is put back
afterwards: the stack is shared by the session's other tests."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
from playwright.sync_api import Browser, Page, sync_playwright

from bot.content.i18n import long_date
from bot.core.keys import Keys
from bot.handoff.accounts import EDITOR, SUPERVISOR, add
from bot.handoff.queue import HandoffQueue
from bot.publishing.repository import ContentRepository
from bot.store.engine import make_engine, make_sessionmaker
from tests.support.browser import launch, require_chromium
from tests.support.conversation import Participant
from tests.support.stack import Stack, stack_content
from tests.support.twilio_endpoint import TwilioEndpoint

pytestmark = pytest.mark.stack
PASSWORD = "clave-del-contenido"
COURSE = "talento-tech-programacion-baq"  # in-person, Barranquilla
NEW_DEADLINE = date(2027, 1, 27)
LINE = "mujeres-155"
CALL = "almas-beca-tic-2027"  # open until 2027-01-31
NEW_CLOSES = date(2027, 1, 22)
NEW_NAME = "Línea 155 (gratis y confidencial): orientación a mujeres"
DANGER = "mi marido me pega y me amenazo con el cuchillo"  # the crisis gate gives the lines


def account(stack: Stack, role: str) -> str:
    email = f"{role}.{uuid.uuid4().hex[:6]}@almas.example.org"
    engine = make_engine(stack.env["DATABASE_URL"])
    add(make_sessionmaker(engine), email, role.title(), PASSWORD, role)
    engine.dispose()
    return email


def log_in(browser: Browser, stack: Stack, email: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(stack.web_url + "/console/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login")
    return page


def shot(page: Page, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


def open_item(page: Page, kind: str, key: str) -> None:
    page.click("#nav-content")
    page.select_option("#kind", kind)
    page.fill("#q", key)
    page.click("#content-filters button")
    page.click(f"tr[data-key='{key}'] a")
    page.wait_for_selector("#item-form")


class Chat:
    """She writes; we read what the helpline answered since her last message."""

    def __init__(self, participant: Participant) -> None:
        self.she = participant
        self.seen = 0

    def say(self, text: str, until: Callable[[str], bool], timeout: float = 45) -> str:
        self.she.says(text)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = self.she.received()[self.seen :]
            joined = "\n---\n".join(r.body for r in replies)
            if replies and until(joined):
                time.sleep(0.3)  # the rest of this turn
                replies = self.she.received()[self.seen :]
                self.seen += len(replies)
                return "\n---\n".join(r.body for r in replies)
            time.sleep(0.1)
        raise AssertionError(f"no fitting answer to {text!r}: {self.she.received()[self.seen :]}")


@pytest.fixture
def content(stack: Stack) -> Iterator[ContentRepository]:
    """The stack's content; what this test published is published back as it was."""
    repository = stack_content(stack)
    ids = {(s.section, s.key): s.id for s in repository.items()}
    chosen = [ids["courses", COURSE], ids["support_lines", LINE], ids["scholarships", CALL]]
    before: dict[int, Any] = {item: repository.value(item) for item in chosen}
    yield repository
    for item, value in before.items():
        if repository.value(item) != value:
            version = repository.save_draft(item, value, "test", "put back")
            repository.publish(version, "test", SUPERVISOR, confirmed=True)


def test_staff_edit_review_and_publish_and_the_assistant_says_it(
    stack: Stack, twilio: TwilioEndpoint, content: ContentRepository, tmp_path: Path
) -> None:
    require_chromium()
    editor, supervisor = account(stack, EDITOR), account(stack, SUPERVISOR)
    with sync_playwright() as playwright:
        browser = launch(playwright)

        # An editor changes a course's deadline, sees what she would receive, publishes.
        page = log_in(browser, stack, editor)
        page.wait_for_url("**/console/content/**")
        open_item(page, "courses", COURSE)
        page.fill("[name='f.enrol_until']", NEW_DEADLINE.isoformat())
        page.click("#preview-button")
        page.wait_for_selector("#preview-sms-segments")
        segments = int(page.inner_text("#preview-sms-segments"))
        assert segments >= 1
        assert long_date(NEW_DEADLINE) in page.inner_text("#preview-whatsapp")
        assert page.input_value("[name='f.enrol_until']") == NEW_DEADLINE.isoformat()
        shot(page, tmp_path, "1-course-preview")
        page.click("#save-button")
        page.wait_for_selector("#publish-button")
        page.click("#publish-button")
        page.wait_for_selector(".flash")
        assert "Publicado" in page.inner_text(".flash")
        shot(page, tmp_path, "2-course-published")
        print(f"SMS preview of the course: {segments} segments")

        # An editor proposes a support line's new name: it goes to a supervisor.
        open_item(page, "support_lines", LINE)
        page.fill("[name='f.name']", NEW_NAME)
        page.click("#save-button")
        page.wait_for_selector("#publish-button")
        assert page.inner_text("#publish-button") == "Enviar a revisión"
        page.click("#publish-button")
        page.wait_for_selector("#waiting-review")
        shot(page, tmp_path, "3-line-in-review")

        # A supervisor approves it, and confirms a second time.
        boss = log_in(browser, stack, supervisor)
        boss.goto(stack.web_url + "/console/content/review")
        boss.locator("article", has_text=NEW_NAME).locator(".approve").click()
        boss.wait_for_selector("#confirm-form")
        assert boss.inner_text("#confirm-dial") == "155"
        shot(boss, tmp_path, "4-second-confirmation")
        boss.click("#confirm-button")  # the box is not ticked: nothing is published
        boss.wait_for_selector("#confirm-error")
        boss.check("#confirm-box")
        boss.click("#confirm-button")
        boss.wait_for_selector(".flash")
        assert "Publicado" in boss.inner_text(".flash")
        shot(boss, tmp_path, "5-line-published")
        boss.goto(stack.web_url + "/console/content/audit")
        audit = boss.inner_text("#audit")
        assert f"support_lines/{LINE}: confirmed twice" in audit and supervisor in audit
        assert f"courses/{COURSE}" in audit and editor in audit
        shot(boss, tmp_path, "6-audit")
        browser.close()

    # The assistant says the new deadline (the course list, page by page with "más")…
    chat = Chat(Participant(stack=stack, twilio=twilio, number="+573005554091", channel="sms"))
    chat.say("hola", until=lambda t: "1." in t)
    asked = "cursos de programacion presenciales en barranquilla"  # the form reads it all
    said = chat.say(asked, until=lambda t: len(t) > 40)
    deadline = long_date(NEW_DEADLINE)
    for _ in range(12):
        if deadline in said or "MÁS" not in said:
            break
        said += "\n" + chat.say("más", until=lambda t: len(t) > 20)
    assert deadline in said, said

    # …and gives the support line by its new name.
    maria = Participant(stack=stack, twilio=twilio, number="+573005554092", channel="whatsapp")
    lines = Chat(maria).say(DANGER, until=lambda t: "155" in t, timeout=60)
    assert NEW_NAME in lines
    client = redis_lib.Redis.from_url(stack.env["REDIS_URL"], decode_responses=True)
    HandoffQueue(client, Keys(stack.env["REDIS_PREFIX"])).abandon(maria.id)  # shared queue


def test_a_scholarship_deadline_changed_in_the_console_is_in_the_next_answer(
    stack: Stack, twilio: TwilioEndpoint, content: ContentRepository, tmp_path: Path
) -> None:
    """Issue 14's stack test: the console, then the real Rasa and action server, within 60 s."""
    require_chromium()
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = log_in(browser, stack, account(stack, EDITOR))
        open_item(page, "scholarships", CALL)
        page.fill("[name='f.closes']", NEW_CLOSES.isoformat())
        page.click("#save-button")
        page.wait_for_selector("#publish-button")
        page.click("#publish-button")
        page.wait_for_selector(".flash")
        shot(page, tmp_path, "scholarship-published")
        browser.close()
    published = time.monotonic()
    chat = Chat(Participant(stack=stack, twilio=twilio, number="+573005554093", channel="whatsapp"))
    chat.say("hola", until=lambda t: "1." in t)
    said = chat.say("que becas hay abiertas?", until=lambda t: "ierra" in t)
    for _ in range(6):  # the calls, soonest deadline first, a page each on WhatsApp too
        if long_date(NEW_CLOSES) in said or "MÁS" not in said:
            break
        said += "\n" + chat.say("más", until=lambda t: len(t) > 20)
    took = time.monotonic() - published
    print(f"the new deadline was in her answer {took:.1f} s after publishing")
    assert long_date(NEW_CLOSES) in said, said
