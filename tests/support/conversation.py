"""A tester that reads like a conversation: she writes (a signed Twilio webhook), the helpline
answers (what reached the local Twilio endpoint)."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy.orm import Session, sessionmaker

from bot.content.store import ContentStore
from bot.core.identity import participant_id
from bot.core.settings import content_dir
from bot.store.engine import make_engine, make_sessionmaker
from bot.store.participants import record_consent
from tests.support.environment import ACCOUNT_SID, AUTH_TOKEN, SMS_SENDER, WHATSAPP_SENDER
from tests.support.stack import Stack
from tests.support.twilio_endpoint import Sent, TwilioEndpoint
from tests.support.twilio_payloads import sign


@functools.cache
def _sessions(database_url: str) -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(database_url))


@dataclass
class Participant:
    stack: Stack
    twilio: TwilioEndpoint
    number: str
    channel: str = "whatsapp"
    # Most tests are about what comes after the privacy notice: she accepted it before
    # (straight into the stack's database). tests/stack/test_stack_privacy.py starts without.
    consented: bool = True

    def __post_init__(self) -> None:
        if self.consented:
            key = self.stack.env["PARTICIPANT_ID_KEY"]
            content = ContentStore(Path(self.stack.env.get("CONTENT_DIR") or content_dir()))
            version = content.snapshot().privacy.notice_version  # type: ignore[union-attr]
            record_consent(
                _sessions(self.stack.env["DATABASE_URL"]),
                participant_id(key, self.address),
                self.channel,
                version,
            )

    @property
    def id(self) -> str:
        """Her pseudonymous id, as the helpline computes it."""
        return participant_id(self.stack.env["PARTICIPANT_ID_KEY"], self.address)

    @property
    def address(self) -> str:
        return f"whatsapp:{self.number}" if self.channel == "whatsapp" else self.number

    def form(self, text: str, message_sid: str | None = None) -> dict[str, str]:
        sid = message_sid or "SM" + uuid.uuid4().hex
        form = {
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "SmsSid": sid,
            "SmsStatus": "received",
            "Body": text,
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "From": self.address,
        }
        if self.channel == "whatsapp":
            form.update(
                To=WHATSAPP_SENDER,
                ProfileName="Participante",
                WaId=self.number.lstrip("+"),
                MessageType="text",
            )
        else:
            form.update(To=SMS_SENDER, FromCountry="CO", ToCountry="US")
        return form

    def post(self, form: dict[str, str]) -> requests.Response:
        url = self.stack.web_url + "/twilio/messages"
        headers = {"X-Twilio-Signature": sign(url, form, AUTH_TOKEN)}
        return requests.post(url, data=form, headers=headers, timeout=10)

    def says(self, text: str, message_sid: str | None = None) -> str:
        """She sends `text`; returns its MessageSid once the webhook accepted it."""
        form = self.form(text, message_sid)
        response = self.post(form)
        assert response.status_code == 200, response.text
        return form["MessageSid"]

    def received(self) -> list[Sent]:
        return self.twilio.to(self.address)

    def wait_for_replies(self, count: int, timeout: float = 30.0) -> list[Sent]:
        return self.twilio.wait_for(self.address, count, timeout)
