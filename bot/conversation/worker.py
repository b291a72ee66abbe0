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

from bot.content.i18n import TIMEZONE, long_date
from bot.conversation import media
from bot.conversation.choices import MENU_PAYLOAD, decide, parse_choice
from bot.conversation.rasa_client import RasaClient, RasaError, RasaUnavailable
from bot.conversation.support_lines import lines_text
from bot.core.messages import (
    ERASE_REQUEST_SIGNAL,
    OPT_OUT_SIGNAL,
    BotReply,
    InboundMessage,
    OutboundMessage,
    render_reply,
)
from bot.core.text import fold
from bot.handoff.alerts import alert_urgent
from bot.handoff.office_hours import is_open, next_opening, opening_in_words, wait_estimate_minutes
from bot.handoff.queue import NORMAL, URGENT, Ticket
from bot.handoff.relay import nudge_before_window_closes
from bot.outbound import shaping
from bot.privacy import data_rights, optout
from bot.privacy.consent import ACCEPT, DECLINE, answer_to_notice, needs_consent
from bot.privacy.erasure import erase_everything
from bot.queue.backoff import backoff_seconds
from bot.queue.consumer import MailboxConsumer
from bot.queue.mailbox import DEAD, Lease
from bot.reminders.job import remember_address
from bot.store.handoff import recent_claim_waits, record_rating
from bot.store.models import IN
from bot.store.participants import (
    consent_and_opt_out,
    consent_version,
    is_opted_out,
    record_consent,
    set_opted_out,
    stored_about,
)
from bot.store.transcript import record_inbound, transcript

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

CONSENT_ASK_SECONDS = 7 * 24 * 3600  # the "we asked" flag: then she is a new contact again
ERASE_CONFIRM_SECONDS = 600
THROTTLE_NOTICE_SECONDS = 600
PRIVACY_PATH = "/privacidad"


@dataclass(frozen=True)
class Turn:
    """What one of her messages produced: the replies, and whether the turn may be stored."""

    outbound: list[OutboundMessage]
    keep: bool


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
            turn = self.answer(lease.participant, message)
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
                keep = self.may_keep(lease.participant)
                if keep:
                    self.record(lease.participant, message)
                self.tell_her_we_failed(lease.participant, message, keep)
                return None
            return backoff_seconds(max(attempts, 1))
        committed = self.rt.inbox.commit(
            lease, head, sid, [o.to_json() for o in turn.outbound], output_queue=self.rt.outbox
        )
        if committed and turn.keep:
            self.record(lease.participant, message)
            # Where a pending scholarship reminder can reach her (Redis, until the deadline).
            remember_address(self.rt, lease.participant, message.address)
        else:
            log.warning(
                "lost the lease on a participant while answering %s; another worker has it", sid
            )
            return 0.0
        return None

    def answer(self, participant: str, message: InboundMessage) -> Turn:
        """Her replies: danger first; her opt-out and data rights; a person if she is handed
        off; consent; then the dialogue. `keep`: whether this turn may be stored."""
        options_key = self.rt.keys.menu_options(participant)
        last_options = json.loads(self.rt.redis.get(options_key) or "[]")
        decision = decide(
            message,
            last_options,
            self.rt.content.system_text("media_received"),
            self.settings.rasa_max_chars,
        )
        store = self.rt.content
        accepted, opted_out = consent_and_opt_out(self.rt.sessions, participant)
        current = self.notice_version()
        consented = not needs_consent(accepted, current)
        keep = consented
        ticket = None if decision.crisis else self.rt.handoff.open_ticket(participant)
        if decision.crisis is not None:
            # Urgency (Ley 1581 art. 10): kept for the case worker even before consent.
            keep = True
            replies = [
                BotReply(text=lines_text(self.rt.content, decision.crisis.line_cases)),
                self.rt.content.render("utter_emergency_follow_up"),
                BotReply(
                    text="", handoff=URGENT, handoff_topic=f"emergency:{decision.crisis.case}"
                ),
            ]
        elif (choice := self.opt_out_keyword(participant, message, opted_out)) is not None:
            replies = choice
        elif (rights := self.data_rights(participant, message)) is not None:
            replies, keep = rights
        elif ticket is not None:
            keep = True  # she is talking to a person, who needs the conversation
            replies = self.handed_off(participant, message, ticket)
            if message.media:
                self.rt.handoff.attach(ticket.id, [asdict(m) for m in message.media])
                if message.is_media_only:
                    replies = media.replies(media.kind(message.media) or "", store, True)
        elif not consented:
            replies, keep = self.consent_gate(participant, message, accepted, current)
        elif message.over_rate_limit:
            replies = self.slow_down(participant)
        elif self.take_rating(participant, message) is not None:
            replies = [BotReply(text=self.rt.content.system_text("rating_thanks"))]
        elif decision.rasa_text is not None:
            replies = self.rasa.send(participant, decision.rasa_text)
            if not replies:
                # Every turn of the dialogue says something: silence means a part failed (an
                # action or a text). Retry; past max attempts tell her, keep it for a person.
                raise RasaError("Rasa answered nothing")
        else:  # a photo, a PDF, a voice note without text
            replies = media.replies(media.kind(message.media) or "", store, attached=False)
        replies = self.act_on_signals(participant, message, replies)
        if any(r.handoff for r in replies):
            keep = True
        replies = self.act_on_handoff_signals(participant, message, replies)
        self.remember_options(options_key, replies)
        outbound = [
            o for reply in replies for o in self.outbound(participant, message, reply, keep)
        ]
        return Turn(outbound=outbound, keep=keep)

    # -- consent, data rights, abuse ---------------------------------------------------------
    def notice_version(self) -> str:
        privacy = self.rt.content.snapshot().privacy
        if privacy is None:
            raise RuntimeError("content/ has no privacy notice: cannot ask for consent")
        return privacy.notice_version

    def consent_gate(
        self, participant: str, message: InboundMessage, accepted: str | None, current: str
    ) -> tuple[list[BotReply], bool]:
        """Nothing but the notice until she accepts it; nothing stored unless she does."""
        store = self.rt.content
        asked_key = self.rt.keys.consent_asked(participant)
        asked = self.rt.redis.get(asked_key) == current
        wish = answer_to_notice(message.text, asked)
        if wish == ACCEPT:
            record_consent(self.rt.sessions, participant, message.channel, current)
            self.rt.redis.delete(asked_key)
            thanks = BotReply(text=store.system_text("consent_thanks"))
            return [thanks, *self.rasa.send(participant, MENU_PAYLOAD)], True
        if wish == DECLINE:
            self.rt.redis.delete(asked_key)
            lines = lines_text(store, ("emergency", "violence"))
            return [
                BotReply(text=store.system_text("consent_declined") + "\n" + lines),
                BotReply(text=store.system_text("consent_declined_info")),
            ], False
        self.rt.redis.set(asked_key, current, ex=CONSENT_ASK_SECONDS)
        if asked:
            return [BotReply(text=store.system_text("consent_reminder"))], False
        name = "consent_notice_updated" if accepted else "consent_notice"
        days = self.settings.transcript_retention_days
        policy_url = self.settings.public_base_url + PRIVACY_PATH
        return [
            BotReply(text=store.system_text(name, retention_days=days)),
            BotReply(text=store.system_text("consent_rights", policy_url=policy_url)),
        ], False

    def data_rights(
        self, participant: str, message: InboundMessage
    ) -> tuple[list[BotReply], bool] | None:
        """MIS DATOS, BORRAR MIS DATOS and its confirmation; None when it is none of them."""
        store = self.rt.content
        pending_key = self.rt.keys.erase_pending(participant)
        if self.rt.redis.get(pending_key):
            self.rt.redis.delete(pending_key)
            if data_rights.confirms_erasure(message.text):
                erase_everything(self.rt, participant)
                return [BotReply(text=store.system_text("erase_done"))], False
            if data_rights.keeps_her_data(message.text):
                return [BotReply(text=store.system_text("erase_cancelled"))], False
            if data_rights.command(message.text) is None:
                return None  # she moved on: her message is handled as usual
        wish = data_rights.command(message.text)
        if wish == data_rights.SHOW:
            return [BotReply(text=text) for text in self.what_we_keep(participant)], False
        if wish == data_rights.ERASE:
            return self.ask_to_confirm_erasure(participant), False
        return None

    def ask_to_confirm_erasure(self, participant: str) -> list[BotReply]:
        self.rt.redis.set(self.rt.keys.erase_pending(participant), "1", ex=ERASE_CONFIRM_SECONDS)
        return [BotReply(text=self.rt.content.system_text("erase_confirm"))]

    def what_we_keep(self, participant: str) -> list[str]:
        store = self.rt.content
        about = stored_about(self.rt.sessions, participant)
        if not about.exists:
            return [store.system_text("my_data_nothing")]
        consented_on = about.consented_at.astimezone(TIMEZONE) if about.consented_at else None
        since = about.first_message_at.astimezone(TIMEZONE) if about.first_message_at else None
        notices = "my_data_notices_off" if about.opted_out else "my_data_notices_on"
        return [
            store.system_text(
                "my_data_summary",
                version=about.consent_version or "—",
                consented_on=long_date(consented_on.date()) if consented_on else "—",
                messages=about.messages,
                since=long_date(since.date()) if since else "—",
                retention_days=self.settings.transcript_retention_days,
            ),
            store.system_text("my_data_counts", reminders=about.reminders, handoffs=about.handoffs)
            + " "
            + store.system_text("my_data_more", notices=store.system_text(notices)),
        ]

    def slow_down(self, participant: str) -> list[BotReply]:
        """Over the rate limit: kept in her transcript, not sent to Rasa; told once."""
        noticed = self.rt.keys.throttle_noticed(participant)
        if self.rt.redis.set(noticed, "1", nx=True, ex=THROTTLE_NOTICE_SECONDS):
            return [BotReply(text=self.rt.content.system_text("throttled"))]
        return []

    def may_keep(self, participant: str) -> bool:
        consented = not needs_consent(
            consent_version(self.rt.sessions, participant), self.notice_version()
        )
        return consented or self.rt.handoff.open_ticket(participant) is not None

    def act_on_signals(
        self, participant: str, message: InboundMessage, replies: list[BotReply]
    ) -> list[BotReply]:
        """What the dialogue asked for besides words: opt-out, an erasure request."""
        out: list[BotReply] = []
        for reply in replies:
            if reply.signal == OPT_OUT_SIGNAL:
                if not is_opted_out(self.rt.sessions, participant):
                    set_opted_out(self.rt.sessions, participant, message.channel, True)
                    out.append(BotReply(text=self.rt.content.system_text("opt_out_confirmed")))
            elif reply.signal == ERASE_REQUEST_SIGNAL:
                out.extend(self.ask_to_confirm_erasure(participant))
            else:
                out.append(reply)
        return out

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

    def opt_out_keyword(
        self, participant: str, message: InboundMessage, was_out: bool
    ) -> list[BotReply] | None:
        """BAJA / STOP… and ALTA / START… as the whole message; confirmed once."""
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
            # A document sent with the words that asked for a person goes to her too.
            self.rt.handoff.attach(ticket.id, [asdict(m) for m in message.media])
            if priority == NORMAL:
                visible.append(BotReply(text=self.place_in_line(ticket)))
            else:
                alert_urgent(self.rt, ticket)
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

    def tell_her_we_failed(self, participant: str, message: InboundMessage, keep: bool) -> None:
        apology = BotReply(text=self.rt.content.system_text("processing_failed"))
        entries = self.outbound(participant, message, apology, keep)
        self.rt.outbox.enqueue(participant, [o.to_json() for o in entries])


def _head_id(head: str) -> str:
    try:
        return str(json.loads(head).get("message_sid") or "unreadable")
    except ValueError:
        return "unreadable"
