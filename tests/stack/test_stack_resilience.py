"""Losing a process never loses her message: a killed worker, a stopped Rasa.

These run after the other stack tests (they stop and restart parts of the stack)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from bot.core.identity import participant_id
from bot.core.keys import INBOX, Keys
from bot.queue.mailbox import MailboxQueue
from tests.support.conversation import Participant
from tests.support.stack import Stack, wait_until
from tests.support.twilio_endpoint import TwilioEndpoint

pytestmark = pytest.mark.stack


def inbox_of(stack: Stack, redis_client) -> MailboxQueue:  # type: ignore[no-untyped-def]
    return MailboxQueue(redis_client, Keys(stack.env["REDIS_PREFIX"]), INBOX)


def test_message_held_by_a_killed_worker_is_answered_by_another_worker(
    stack: Stack, twilio: TwilioEndpoint, redis_client
) -> None:
    number = "+573005552001"
    maria = Participant(stack=stack, twilio=twilio, number=number, channel="sms")
    pid = participant_id(stack.env["PARTICIPANT_ID_KEY"], number)
    inbox = inbox_of(stack, redis_client)
    rasa = stack.processes["rasa"]
    os.killpg(rasa.pid, signal.SIGSTOP)  # freeze Rasa so the worker is caught mid-message
    try:
        maria.says("gracias")
        assert wait_until(lambda: inbox.holder_pid(pid) is not None, 15)
        holder = inbox.holder_pid(pid)
        victim = stack.name_of(holder)
        assert victim is not None and victim.startswith("worker-")
        stack.stop(victim, sig=signal.SIGKILL)
    finally:
        os.killpg(rasa.pid, signal.SIGCONT)
    try:
        replies = maria.wait_for_replies(1, timeout=60)
        time.sleep(3)  # a second answer would come now if the message were handled twice
        assert len(replies) == 1
        assert len(maria.received()) == 1
        assert inbox.pending(pid) == []
    finally:
        stack.start_worker(victim)


def test_with_rasa_stopped_a_message_waits_and_is_answered_once_rasa_is_back(
    stack: Stack, twilio: TwilioEndpoint, redis_client
) -> None:
    number = "+573005552002"
    maria = Participant(stack=stack, twilio=twilio, number=number, channel="whatsapp")
    pid = participant_id(stack.env["PARTICIPANT_ID_KEY"], number)
    inbox = inbox_of(stack, redis_client)
    stack.stop("rasa")
    try:
        maria.says("gracias")
        time.sleep(6)  # several retries while Rasa is down
        assert maria.received() == []
        assert len(inbox.pending(pid)) == 1  # still safe in her mailbox
        assert inbox.deadletters() == []
    finally:
        stack.start_rasa()
    replies = maria.wait_for_replies(1, timeout=60)
    time.sleep(3)
    assert len(replies) == 1
    assert len(maria.received()) == 1
    assert inbox.pending(pid) == []
