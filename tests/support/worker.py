"""Driving the conversation worker in tests: a scripted Rasa, her messages into the inbox, the
worker drained, the replies read back."""

from __future__ import annotations

from bot.channels.twilio.inbound import parse_twilio_form
from bot.conversation.rasa_client import TRACKER_TIMEOUT_SECONDS, Intent, RasaClient
from bot.conversation.worker import ConversationWorker
from bot.core.identity import participant_id
from bot.core.keys import all_shards, any_shard
from bot.core.messages import BotReply, OutboundMessage
from bot.runtime import Runtime
from bot.store.participants import record_consent
from tests.support.twilio_payloads import SMS_HOLA, with_sid


class ScriptedRasa(RasaClient):
    """Answers from a script: a list of replies, or an exception to raise. What its NLU
    understood of the latest message (`latest_intent`) is `understood`: an Intent, None, or an
    exception to raise."""

    def __init__(self, *script: list[BotReply] | Exception) -> None:
        super().__init__("http://rasa.invalid")
        self.script = list(script)
        self.received: list[tuple[str, str]] = []
        self.understood: Intent | Exception | None = None
        self.asked_what_was_understood: list[str] = []

    def latest_intent(self, sender: str, timeout: float = TRACKER_TIMEOUT_SECONDS) -> Intent | None:
        self.asked_what_was_understood.append(sender)
        if isinstance(self.understood, Exception):
            raise self.understood
        return self.understood

    def send(self, sender: str, text: str) -> list[BotReply]:
        self.received.append((sender, text))
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(step, Exception):
            raise step
        return step


def she_writes(
    runtime: Runtime, text: str, sid: str, consented: bool = True, sender: str = ""
) -> str:
    """She writes; by default she accepted the privacy notice before
    (tests/integration/test_privacy.py covers the first contact)."""
    fields = {"Body": text, **({"From": sender} if sender else {})}
    message = parse_twilio_form(with_sid(SMS_HOLA, sid, **fields))
    pid = participant_id(runtime.settings.participant_id_key, message.address)
    if consented:
        version = runtime.content.snapshot().privacy.notice_version  # type: ignore[union-attr]
        record_consent(runtime.sessions, pid, message.channel, version)
    runtime.inbox.enqueue(pid, [message.to_json()], dedupe_id=sid, dedupe_seconds=60)
    return pid


def work(worker: ConversationWorker, rounds: int = 20) -> None:
    for _ in range(rounds):
        lease = worker.rt.inbox.claim(5)
        if lease is None:
            return
        worker.work_on(lease)
        make_due(worker.rt, "inbox")  # retries now


def make_due(runtime: Runtime, queue: str) -> None:
    """Make every participant waiting in `queue` (a retry delay, a held message) due now, in
    every shard."""
    for shard in all_shards():
        ready = runtime.keys.ready(queue, shard)
        for member in runtime.redis.zrange(ready, 0, -1):
            runtime.redis.zadd(ready, {member: 0})


def staff_mailboxes(runtime: Runtime) -> list[str]:
    """The outbox mailboxes of staff (supervisor alerts), in any shard."""
    pattern = any_shard(runtime.keys.mailbox("outbox", "staff_")) + "*"
    return sorted(runtime.redis.scan_iter(pattern))


def outbox_bodies(runtime: Runtime, pid: str) -> list[str]:
    return [OutboundMessage.from_json(raw).body for raw in runtime.outbox.pending(pid)]
