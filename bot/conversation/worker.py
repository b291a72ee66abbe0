"""The conversation worker: takes her messages in order, asks Rasa, puts replies in the outbox.

At-least-once: a message leaves her mailbox only in the same atomic step that puts its replies
in the outbox. If the worker dies first, its lease expires and another worker redoes the
message. A message that fails `max_attempts` times is dead-lettered and she is told we had a
problem (never silence). While Rasa is unreachable, messages wait without using up attempts.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.content.i18n import TIMEZONE
from bot.conversation import gates
from bot.conversation.choices import decide
from bot.conversation.crisis import kinds
from bot.conversation.crisis.assess import NO_DANGER, assess
from bot.conversation.rasa_client import RasaClient, RasaUnavailable
from bot.conversation.state import load_state
from bot.conversation.understanding import (
    answered_with_not_understood,
    is_fallback,
    not_understood_texts,
)
from bot.core import metrics
from bot.core.messages import (
    CRISIS_CHECK_SIGNAL,
    ERASE_REQUEST_SIGNAL,
    OPT_OUT_SIGNAL,
    BotReply,
    InboundMessage,
    OutboundMessage,
    render_reply,
)
from bot.handoff.alerts import alert_urgent
from bot.handoff.office_hours import is_open, next_opening, opening_in_words, wait_estimate_minutes
from bot.handoff.queue import NORMAL, URGENT, Ticket
from bot.handoff.relay import nudge_before_window_closes
from bot.outbound import shaping
from bot.privacy.consent import needs_consent
from bot.privacy.senders import remember_user_id
from bot.queue.backoff import backoff_seconds
from bot.queue.consumer import MailboxConsumer
from bot.queue.mailbox import DEAD, Lease
from bot.reminders.job import remember_address
from bot.store import contact
from bot.store.handoff import recent_claim_waits
from bot.store.models import IN
from bot.store.participants import (
    consent_version,
)
from bot.store.transcript import Understood, record_inbound, record_understanding, transcript

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    """What one of her messages produced: the replies, and whether the turn may be stored."""

    outbound: list[OutboundMessage]
    keep: bool
    # A person has (or now gets) her case: the transcript is that person's only view of her
    # words, so it is written before the message leaves her inbox.
    for_a_person: bool = False
    # The dialogue gate answered (Rasa read her words): what it understood is stored with her
    # message, and whether it answered "not understood" (bot/conversation/understanding.py).
    dialogue: bool = False
    not_understood: bool = False


MENU_OPTIONS_TTL = 7 * 24 * 3600
RASA_OUTAGE_RETRY_SECONDS = 2.0
SUMMARY_CHARACTERS = 300


class ConversationWorker(MailboxConsumer):
    def __init__(self, runtime: Runtime, rasa: RasaClient | None = None) -> None:
        self.rt = runtime
        self.queue = runtime.inbox
        self.settings = runtime.settings
        self.now = lambda: datetime.now(TIMEZONE)  # tests set the clock (office hours)
        self.rasa = rasa or RasaClient(
            self.settings.rasa_url, timeout=self.settings.rasa_timeout_seconds
        )

    def on_idle(self) -> None:
        # Waiting WhatsApp tickets get a template nudge before their 24-hour window closes.
        nudge_before_window_closes(self.rt)

    # -- one message -------------------------------------------------------------------------
    def handle(self, lease: Lease, head: str) -> float | None:
        """Process the head message. None: go on with the next one; a number: retry after it."""
        try:
            message = InboundMessage.from_json(head)
        except (ValueError, TypeError) as exc:
            reason = f"unreadable: {exc}"
            dead = self.rt.inbox.fail(lease, head, _head_id(head), reason, 1, dead_now=True)
            self.count_failure(dead)
            log.error("dead-lettered an unreadable inbox item: %s", exc)
            return None
        sid = message.message_sid
        if self.rt.inbox.is_done(lease.participant, sid):
            self.rt.inbox.commit(lease, head, sid)
            return None
        try:
            turn = self.answer(lease.participant, message)
            if turn.keep and turn.for_a_person:
                # Before the commit, and never swallowed: a failure here retries the message.
                self.store(lease.participant, message)
        except RasaUnavailable as exc:
            # An outage is not the message's fault: it waits, using up no attempts.
            log.warning("Rasa unavailable; message %s waits: %s", sid, exc)
            metrics.retried(self.queue.name)
            return RASA_OUTAGE_RETRY_SECONDS
        except Exception as exc:
            keep = self.may_keep(lease.participant)
            attempts = self.rt.inbox.fail(
                lease, head, sid, f"{type(exc).__name__}: {exc}", self.settings.max_attempts,
                # If this was her last chance she is told we failed, in the same step.
                dead_outputs=[o.to_json() for o in self.apology(lease.participant, message, keep)],
                output_queue=self.rt.outbox,
            )  # fmt: skip
            log.exception("message %s failed (attempt %s)", sid, attempts)
            self.count_failure(attempts)
            if attempts == DEAD and keep:
                self.record(lease.participant, message)  # her words stay for a person
            return None if attempts == DEAD else backoff_seconds(max(attempts, 1))
        committed = self.rt.inbox.commit(
            lease, head, sid, [o.to_json() for o in turn.outbound], output_queue=self.rt.outbox
        )
        if not committed:
            log.warning(
                "lost the lease on a participant while answering %s; another worker has it", sid
            )
            return 0.0
        metrics.turn_answered()
        if turn.keep:
            # Read back from Rasa only now that her answer is safe in the outbox.
            understood = self.understood(lease.participant, message, turn)
            if not turn.for_a_person:
                self.record(lease.participant, message, understood)
            elif understood is not None:  # stored before the commit: add what was understood
                self.add_understanding(message, understood)
            # Where a pending scholarship reminder can reach her (Redis, until the deadline).
            remember_address(self.rt, lease.participant, message.address)
        return None

    def answer(self, participant: str, message: InboundMessage) -> Turn:
        """Her replies: the first gate that answers (bot/conversation/gates.py, in order), then
        what the replies ask for (opt-out, erasure, a person). `keep`: whether this turn may be
        stored."""
        state = load_state(self.rt, participant)
        turn = gates.TurnInput(
            rt=self.rt,
            rasa=self.rasa,
            participant=participant,
            message=message,
            state=state,
            decision=decide(message, state.menu_options, self.settings.rasa_max_chars),
            # Danger is read on all she wrote (Rasa gets at most rasa_max_chars of it).
            danger=assess(message.text) if message.text.strip() else NO_DANGER,
            notice_version=self.notice_version(),
            now=self.now(),
        )
        answer = gates.first_answer(turn)
        dialogue = answer.dialogue
        not_understood = dialogue and answered_with_not_understood(
            answer.replies, not_understood_texts(self.rt.content.snapshot())
        )
        replies = self.act_on_signals(turn, answer.replies)
        asks_for_a_person = any(r.handoff for r in replies)
        keep = answer.keep or asks_for_a_person
        for_a_person = state.ticket is not None or asks_for_a_person
        urgent = any(r.handoff == URGENT for r in replies)
        replies = self.act_on_handoff_signals(participant, message, replies)
        if urgent and self.rt.redis.exists(
            self.rt.keys.seen_message(participant, self.early_id(message))
        ):
            replies = []  # her lines went ahead on an earlier attempt (send_early)
        self.remember_options(self.rt.keys.menu_options(participant), replies)
        outbound = [
            o for reply in replies for o in self.outbound(participant, message, reply, keep)
        ]
        return Turn(
            outbound=outbound,
            keep=keep,
            for_a_person=for_a_person,
            dialogue=dialogue,
            not_understood=not_understood,
        )

    def notice_version(self) -> str:
        privacy = self.rt.content.snapshot().privacy
        if privacy is None:
            raise RuntimeError("content/ has no privacy notice: cannot ask for consent")
        return privacy.notice_version

    def may_keep(self, participant: str) -> bool:
        consented = not needs_consent(
            consent_version(self.rt.sessions, participant), self.notice_version()
        )
        return consented or self.rt.handoff.open_ticket(participant) is not None

    def act_on_signals(self, turn: gates.TurnInput, replies: list[BotReply]) -> list[BotReply]:
        """What the dialogue asked for besides words: opt-out, an erasure request, a check
        when the NLU heard an emergency the crisis gate did not."""
        participant, message = turn.participant, turn.message
        out: list[BotReply] = []
        for reply in replies:
            if reply.signal == CRISIS_CHECK_SIGNAL:
                kind = reply.handoff_topic if reply.handoff_topic in kinds.KINDS else kinds.UNKNOWN
                return gates.ask_if_in_danger(turn, kind, message.text)  # the check alone
            if reply.signal == OPT_OUT_SIGNAL:
                if not turn.state.opted_out:
                    contact.set_opted_out(self.rt, participant, message.channel, True)
                    out.append(BotReply(text=self.rt.content.system_text("opt_out_confirmed")))
            elif reply.signal == ERASE_REQUEST_SIGNAL:
                out.extend(gates.ask_to_confirm_erasure(self.rt, participant))
            else:
                out.append(reply)
        return out

    def act_on_handoff_signals(
        self, participant: str, message: InboundMessage, replies: list[BotReply]
    ) -> list[BotReply]:
        """Open the ticket a reply asks for; tell her her place in line (normal requests)."""
        visible = [r for r in replies if r.text or r.buttons or r.image]
        for signal in (r for r in replies if r.handoff):
            priority = URGENT if signal.handoff == URGENT else NORMAL
            try:
                ticket = self.rt.handoff.open(
                    participant,
                    message.channel,
                    signal.handoff_topic or "general",
                    self.summary(participant, message),
                    priority,
                    message.address,
                )
            except Exception:
                if priority == URGENT:
                    # Her lines never wait for the ticket store: they leave now (once per
                    # message), and the message is retried until her ticket opens.
                    self.send_early(participant, message, visible)
                raise
            reminded = self.rt.keys.handoff_reminded(participant)
            self.rt.redis.set(reminded, "1", ex=gates.REMIND_EVERY)
            # A document sent with the words that asked for a person goes to her too.
            self.rt.handoff.attach(ticket.id, [asdict(m) for m in message.media])
            if priority == NORMAL:
                visible.append(BotReply(text=self.place_in_line(ticket)))
            else:
                alert_urgent(self.rt, ticket, message.message_sid)
        return visible

    def send_early(
        self, participant: str, message: InboundMessage, replies: list[BotReply]
    ) -> None:
        entries = [o for r in replies for o in self.outbound(participant, message, r, True)]
        self.rt.outbox.enqueue(
            participant,
            [o.to_json() for o in entries],
            dedupe_id=self.early_id(message),
            dedupe_seconds=self.settings.dedupe_hours * 3600,
        )
        log.error("urgent ticket for %s not opened yet; her lines went ahead", message.message_sid)

    @staticmethod
    def early_id(message: InboundMessage) -> str:
        return f"{message.message_sid}:early"

    def place_in_line(self, ticket: Ticket) -> str:
        store = self.rt.content
        position = self.rt.handoff.position(ticket.id) or 1
        text = store.system_text("handoff_queued", position=position)
        programme = store.snapshot().programme
        hours = programme.office_hours if programme else {}
        now = self.now()
        if is_open(hours, now):
            minutes = wait_estimate_minutes(position, recent_claim_waits(self.rt.sessions))
            if minutes is None:
                return text + " " + store.system_text("handoff_wait_unknown")
            return text + " " + store.system_text("handoff_wait", minutes=minutes)
        opening = next_opening(hours, now)
        when = opening_in_words(opening) if opening else store.system_text("asap")
        return text + " " + store.system_text("handoff_closed", opening=when)

    def summary(self, participant: str, message: InboundMessage) -> str:
        """Her last few messages, for the case worker's first look."""
        earlier = [m.text for m in transcript(self.rt.sessions, participant) if m.direction == IN]
        return " / ".join([*earlier[-3:], message.text])[-SUMMARY_CHARACTERS:]

    def store(
        self, participant: str, message: InboundMessage, understood: Understood | None = None
    ) -> None:
        """Her message into the transcript. Idempotent by MessageSid (a redelivered message
        is not stored twice)."""
        record_inbound(
            self.rt.sessions,
            participant,
            message.channel,
            message.text,
            message.message_sid,
            num_media=len(message.media),
            understood=understood,
        )
        remember_user_id(self.rt, participant, message)

    def record(
        self, participant: str, message: InboundMessage, understood: Understood | None = None
    ) -> None:
        """Her message into the transcript after her answer is safe in the outbox (so the
        database is not on the path to her reply) when no person needs it yet: a failure is
        logged, and her answer still goes."""
        try:
            self.store(participant, message, understood)
        except Exception:
            log.exception("could not store %s in the transcript", message.message_sid)

    def understood(
        self, participant: str, message: InboundMessage, turn: Turn
    ) -> Understood | None:
        """What the NLU made of her message, for the topics report: only for a turn the
        dialogue answered (so only after consent), read from her Rasa tracker after the commit.
        A failure costs the report this message's topic, never her answer."""
        if not turn.dialogue:
            return None
        try:
            intent = self.rasa.latest_intent(participant)
        except Exception as exc:
            log.warning(
                "could not read what Rasa understood of %s; stored without it: %s",
                message.message_sid, exc,
            )  # fmt: skip
            return None
        if intent is None:
            return None
        fallback = is_fallback(intent.name, turn.not_understood)
        return Understood(intent.name, intent.confidence, fallback)

    def add_understanding(self, message: InboundMessage, understood: Understood) -> None:
        try:
            record_understanding(self.rt.sessions, message.message_sid, understood)
        except Exception:
            log.exception("could not store what was understood of %s", message.message_sid)

    def remember_options(self, key: str, replies: list[BotReply]) -> None:
        """Numbers she types next refer to the options of this turn, or to nothing."""
        with_buttons = [r for r in replies if r.buttons]
        if with_buttons:
            payloads = [b.payload for b in with_buttons[-1].buttons]
            self.rt.redis.set(key, json.dumps(payloads), ex=MENU_OPTIONS_TTL)
        else:
            self.rt.redis.delete(key)

    def outbound(
        self, participant: str, message: InboundMessage, reply: BotReply, keep: bool = True
    ) -> list[OutboundMessage]:
        """The outbox entries of one reply, shaped for her channel (bot/outbound/shaping.py)."""
        out = OutboundMessage(
            participant=participant,
            channel=message.channel,
            to=message.address,
            body=render_reply(reply),
            reply_to=message.message_sid,
            media_url=reply.image,
            record=keep,
        )
        items = self.rt.content.snapshot().whatsapp_interactive
        interactive = shaping.interactive_for(reply, message.channel, items)
        if interactive is not None:
            return [shaping.with_interactive(out, interactive, reply.text)]
        return shaping.for_channel(
            out, self.settings.sms_transliterate, self.settings.sms_budget_segments
        )

    def apology(
        self, participant: str, message: InboundMessage, keep: bool
    ) -> list[OutboundMessage]:
        """What she is told when her message failed for good (never silence)."""
        apology = BotReply(text=self.rt.content.system_text("processing_failed"))
        return self.outbound(participant, message, apology, keep)


def _head_id(head: str) -> str:
    try:
        return str(json.loads(head).get("message_sid") or "unreadable")
    except ValueError:
        return "unreadable"
