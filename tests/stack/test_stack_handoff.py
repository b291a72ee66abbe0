"""Handoff through the real stack: she asks for a person; a case worker claims and answers
through the API; the answer reaches her phone through the outbox; what she writes meanwhile
reaches the case worker and not Rasa; "menu" gives her back to the bot."""

from __future__ import annotations

import time

import pytest
import requests

from bot.content.store import ContentStore
from bot.core.identity import participant_id
from bot.handoff.accounts import add, issue_token
from bot.store.engine import make_engine, make_sessionmaker
from tests.support.conversation import Participant
from tests.support.stack import Stack, wait_until
from tests.support.twilio_endpoint import TwilioEndpoint

pytestmark = pytest.mark.stack
CONTENT = ContentStore()


def case_worker_headers(stack: Stack, email: str) -> dict[str, str]:
    engine = make_engine(stack.env["DATABASE_URL"])
    sessions = make_sessionmaker(engine)
    add(sessions, email, "Ana", "una-clave-muy-larga")
    token = issue_token(sessions, email)
    engine.dispose()
    return {"Authorization": f"Bearer {token}"}


def rasa_user_texts(stack: Stack, number: str) -> list[str]:
    sender = participant_id(stack.env["PARTICIPANT_ID_KEY"], number)
    tracker = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker", timeout=10).json()
    return [e.get("text") for e in tracker["events"] if e["event"] == "user"]


def test_relay_both_ways_through_the_real_stack(stack: Stack, twilio: TwilioEndpoint) -> None:
    number = "+573005557001"
    maria = Participant(stack=stack, twilio=twilio, number=number, channel="sms")
    api = stack.web_url + "/api/handoffs"
    headers = case_worker_headers(stack, "ana.relay@almas.example.org")

    maria.says("quiero hablar con una asesora")
    queued = maria.wait_for_replies(1)
    assert "en la fila" in queued[0].body
    time.sleep(1)  # out of office hours the answer is long: on SMS, numbered parts
    told = len(maria.received())

    claimed = requests.post(api + "/claim", headers=headers, timeout=10)
    assert claimed.status_code == 200
    ticket = claimed.json()["handoff"]
    assert ticket["channel"] == "sms" and ticket["address"].endswith("01")

    answer = "Hola, soy Ana de ALMAS. Cuéntame, ¿en qué te ayudo?"
    sent = requests.post(f"{api}/{ticket['id']}/reply", json={"text": answer},
                         headers=headers, timeout=10)  # fmt: skip
    assert sent.status_code == 202
    replies = maria.wait_for_replies(told + 1)
    assert replies[told].body == answer and replies[told].to == number

    maria.says("tengo un negocio de arepas y quiero un credito")

    def case_worker_sees(text: str) -> bool:
        url = f"{api}/{ticket['id']}/messages"
        rows = requests.get(url, headers=headers, timeout=10).json()["messages"]
        return any(m["text"] == text for m in rows)

    assert wait_until(
        lambda: case_worker_sees("tengo un negocio de arepas y quiero un credito"), 20
    )
    assert "tengo un negocio de arepas y quiero un credito" not in rasa_user_texts(stack, number)
    time.sleep(1)
    assert len(maria.received()) == told + 1  # no bot chatter while a person has her

    maria.says("menu")
    back = maria.wait_for_replies(told + 3)
    assert back[told + 1].body == CONTENT.system_text("handoff_left")
    assert "1." in back[told + 2].body  # the main menu again
    gone = requests.get(f"{api}/{ticket['id']}", headers=headers, timeout=10).json()
    assert gone["handoff"]["status"] == "abandoned"
