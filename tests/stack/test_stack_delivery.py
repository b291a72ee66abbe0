"""Status callbacks through the real web process: the local Twilio endpoint posts signed
callbacks to each reply's StatusCallback, and the stored status follows (never backwards)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.store.models import Message
from bot.store.participants import is_opted_out
from tests.support.conversation import Participant, _sessions
from tests.support.stack import Stack, wait_until
from tests.support.twilio_endpoint import TwilioEndpoint

pytestmark = pytest.mark.stack


def stored(stack: Stack, twilio_sid: str) -> tuple[str, int | None] | None:
    """(status, error code) of our message with this Twilio SID, in the stack's database."""
    with _sessions(stack.env["DATABASE_URL"])() as session:
        row = session.execute(
            select(Message.status, Message.error_code).where(Message.twilio_sid == twilio_sid)
        ).first()
    return None if row is None else (row[0], row[1])


def test_whatsapp_callbacks_out_of_order_end_at_read(stack: Stack, twilio: TwilioEndpoint) -> None:
    maria = Participant(stack=stack, twilio=twilio, number="+573005553001", channel="whatsapp")
    # "read" overtakes "delivered": the later "delivered" must not move it back.
    twilio.plan_callbacks(maria.address, ("sent", None), ("read", None), ("delivered", None))
    maria.says("gracias")
    [reply] = maria.wait_for_replies(1, timeout=60)
    assert reply.status_callback.startswith(stack.web_url + "/twilio/status?outbox_id=out_")
    assert wait_until(
        lambda: len([p for p in twilio.posted if p[1]["To"] == maria.address]) == 3, 15
    )
    assert all(answer == 200 for _, form, answer in twilio.posted if form["To"] == maria.address)
    assert stored(stack, reply.sid) == ("read", None)


def test_sms_failed_with_21610_is_stored_with_its_code_and_opts_her_out(
    stack: Stack, twilio: TwilioEndpoint
) -> None:
    ana = Participant(stack=stack, twilio=twilio, number="+573005553002", channel="sms")
    twilio.plan_callbacks(ana.address, ("failed", 21610))
    ana.says("gracias")
    [reply] = ana.wait_for_replies(1, timeout=60)
    assert wait_until(lambda: stored(stack, reply.sid) == ("failed", 21610), 15)
    assert is_opted_out(_sessions(stack.env["DATABASE_URL"]), ana.id)
