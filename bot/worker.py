"""The conversation worker: takes her messages in order, asks Rasa, puts replies in the outbox.

At-least-once: a message leaves her mailbox only in the same atomic step that puts its replies
in the outbox. If the worker dies first, its lease expires and another worker redoes the
message. A message that fails `max_attempts` times is dead-lettered and she is told we had a
problem (never silence). While Rasa is unreachable, messages wait without using up attempts.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from bot import optout
from bot.backoff import backoff_seconds
from bot.consumer import MailboxConsumer
from bot.conversation import MENU_PAYLOAD, decide, fold, parse_choice
from bot.handoff import NORMAL, URGENT, Ticket
from bot.i18n import TIMEZONE
from bot.mailbox import DEAD, Lease
from bot.messages import BotReply, InboundMessage, OutboundMessage, render_reply
from bot.office_hours import is_open, next_opening, opening_in_words, wait_estimate_minutes
from bot.rasa_client import RasaClient, RasaError, RasaUnavailable
from bot.relay import nudge_before_window_closes
from bot.runtime import Runtime
from bot.storage import (
    IN,
    is_opted_out,
    recent_claim_waits,
    record_inbound,
    record_rating,
    set_opted_out,
    transcript,
)
from bot.support_lines import lines_text

log = logging.getLogger(__name__)

MENU_OPTIONS_TTL = 7 * 24 * 3600
RASA_OUTAGE_RETRY_SECONDS = 2.0
# While handed off, these leave the line and bring the menu back ("salir" only does that here).
LEAVE_WORDS = {"menu", "salir", "0", "inicio", "volver", "volver al menu", "salir de la fila"}
REMIND_EVERY = 600  # seconds between "you are still in line" notes
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
            self.rt.inbox.fail(lease, head, _head_id(head), f"unreadable: {exc}", 1, dead_now=True)
            log.error("dead-lettered an unreadable inbox item: %s", exc)
            return None
        sid = message.message_sid
        if self.rt.inbox.is_done(sid):
            self.rt.inbox.commit(lease, head, sid)
            return None
        try:
            outbound = self.answer(lease.participant, message)
        except RasaUnavailable as exc:
            # An outage is not the message's fault: it waits, using up no attempts.
            log.warning("Rasa unavailable; message %s waits: %s", sid, exc)
            return RASA_OUTAGE_RETRY_SECONDS
        except Exception as exc:
            attempts = self.rt.inbox.fail(
                lease, head, sid, f"{type(exc).__name__}: {exc}", self.settings.max_attempts
            )
            log.exception("message %s failed (attempt %s)", sid, attempts)
            if attempts == DEAD:
                self.record(lease.participant, message)
                self.tell_her_we_failed(lease.participant, message)
                return None
            return backoff_seconds(max(attempts, 1))
        committed = self.rt.inbox.commit(
            lease, head, sid, [o.to_json() for o in outbound], output_queue=self.rt.outbox
        )
        if committed:
            self.record(lease.participant, message)
        else:
            log.warning(
                "lost the lease on a participant while answering %s; another worker has it", sid
            )
            return 0.0
        return None

    def answer(self, participant: str, message: InboundMessage) -> list[OutboundMessage]:
        """Her replies: danger first, then a person if she is handed off, else the dialogue."""
        options_key = self.rt.keys.menu_options(participant)
        last_options = json.loads(self.rt.redis.get(options_key) or "[]")
        decision = decide(message, last_options, self.rt.content.system_text("media_received"))
        ticket = None if decision.crisis else self.rt.handoff.open_ticket(participant)
        if decision.crisis is not None:
            replies = [
                BotReply(text=lines_text(self.rt.content, decision.crisis.line_cases)),
                self.rt.content.render("utter_emergency_follow_up"),
                BotReply(
                    text="", handoff=URGENT, handoff_topic=f"emergency:{decision.crisis.case}"
                ),
            ]
        elif (choice := self.opt_out_keyword(participant, message)) is not None:
            replies = choice
        elif ticket is not None:
            replies = self.handed_off(participant, message, ticket)
        elif self.take_rating(participant, message) is not None:
            replies = [BotReply(text=self.rt.content.system_text("rating_thanks"))]
        elif decision.rasa_text is not None:
            replies = self.rasa.send(participant, decision.rasa_text)
            if not replies:
                # Every turn of the dialogue says something: silence means a part failed (an
                # action or a text). Retry; past max attempts tell her, keep it for a person.
                raise RasaError("Rasa answered nothing")
        else:
            replies = list(decision.replies)
        replies = self.act_on_handoff_signals(participant, message, replies)
        self.remember_options(options_key, replies)
        return [self.outbound(participant, message, reply) for reply in replies]

    def handed_off(
        self, participant: str, message: InboundMessage, ticket: Ticket
    ) -> list[BotReply]:
        """Her message goes to the case worker (it is in the transcript), not to Rasa."""
        if fold(message.text) in LEAVE_WORDS:
            self.rt.handoff.abandon(participant)
            left = BotReply(text=self.rt.content.system_text("handoff_left"))
            return [left, *self.rasa.send(participant, MENU_PAYLOAD)]
        position = self.rt.handoff.position(ticket.id)
        reminded = self.rt.keys.handoff_reminded(participant)
        if position is not None and self.rt.redis.set(reminded, "1", nx=True, ex=REMIND_EVERY):
            text = self.rt.content.system_text("handoff_still_waiting", position=position)
            return [BotReply(text=text)]
        return []

    def opt_out_keyword(self, participant: str, message: InboundMessage) -> list[BotReply] | None:
        """BAJA / STOP… and ALTA / START… as the whole message; confirmed once."""
        was_out = is_opted_out(self.rt.sessions, participant)
        wish = optout.keyword(message.text, was_out)
        if wish is None:
            return None
        if (wish == optout.OUT) == was_out:
            return []  # already so: confirmed before, not again
        set_opted_out(self.rt.sessions, participant, message.channel, wish == optout.OUT)
        name = "opt_out_confirmed" if wish == optout.OUT else "opt_in_confirmed"
        return [BotReply(text=self.rt.content.system_text(name))]

    def take_rating(self, participant: str, message: InboundMessage) -> int | None:
        """Her answer to "¿cómo te fue? 1 a 5", if we asked and she answered with a number."""
        key = self.rt.keys.rating_pending(participant)
        ticket_id = self.rt.redis.get(key)
        if not ticket_id:
            return None
        rating = parse_choice(message.text)
        if rating is None or not 1 <= rating <= 5:
            self.rt.redis.delete(key)  # she moved on: the dialogue takes her message
            return None
        record_rating(self.rt.sessions, ticket_id, participant, rating)
        self.rt.redis.delete(key)
        return rating

    def act_on_handoff_signals(
        self, participant: str, message: InboundMessage, replies: list[BotReply]
    ) -> list[BotReply]:
        """Open the ticket a reply asks for; tell her her place in line (normal requests)."""
        visible = [r for r in replies if r.text or r.buttons or r.image]
        for signal in (r for r in replies if r.handoff):
            priority = URGENT if signal.handoff == URGENT else NORMAL
            ticket = self.rt.handoff.open(
                participant,
                message.channel,
                signal.handoff_topic or "general",
                self.summary(participant, message),
                priority,
                message.address,
            )
            self.rt.redis.set(self.rt.keys.handoff_reminded(participant), "1", ex=REMIND_EVERY)
            if priority == NORMAL:
                visible.append(BotReply(text=self.place_in_line(ticket)))
        return visible

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

    def record(self, participant: str, message: InboundMessage) -> None:
        """Her message into the transcript, after her answer is safe in the outbox (so the
        database is not on the path to her reply). Idempotent by MessageSid."""
        try:
            record_inbound(
                self.rt.sessions,
                participant,
                message.channel,
                message.text,
                message.message_sid,
                num_media=len(message.media),
            )
        except Exception:
            log.exception("could not store %s in the transcript", message.message_sid)

    def remember_options(self, key: str, replies: list[BotReply]) -> None:
        """Numbers she types next refer to the options of this turn, or to nothing."""
        with_buttons = [r for r in replies if r.buttons]
        if with_buttons:
            payloads = [b.payload for b in with_buttons[-1].buttons]
            self.rt.redis.set(key, json.dumps(payloads), ex=MENU_OPTIONS_TTL)
        else:
            self.rt.redis.delete(key)

    @staticmethod
    def outbound(participant: str, message: InboundMessage, reply: BotReply) -> OutboundMessage:
        return OutboundMessage(
            participant=participant,
            channel=message.channel,
            to=message.address,
            body=render_reply(reply),
            reply_to=message.message_sid,
            media_url=reply.image,
        )

    def tell_her_we_failed(self, participant: str, message: InboundMessage) -> None:
        apology = BotReply(text=self.rt.content.system_text("processing_failed"))
        self.rt.outbox.enqueue(
            participant, [self.outbound(participant, message, apology).to_json()]
        )


def _head_id(head: str) -> str:
    try:
        return str(json.loads(head).get("message_sid") or "unreadable")
    except ValueError:
        return "unreadable"
