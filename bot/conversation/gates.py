"""The gates one message passes, in order. The first gate that answers decides the turn.

Each gate is a function of the same shape: (the turn: her message, her state, what the pure
reading of her words decided) → an Answer (replies, and whether the turn may be stored) or
None to let the next gate look. What is pure — reading a keyword, a choice, danger, an answer
to the notice — lives in functions without I/O (bot/conversation/choices.py, crisis.py,
bot/privacy/consent.py, data_rights.py, optout.py) and is tested without servers; a gate
applies that reading to her state and does the few writes it implies.

Order, and why:
1. crisis — danger before anything else, even before consent (Ley 1581 art. 10: urgency):
   certain danger gets the lines and a person; possible danger a gentle check;
2. crisis check — her SÍ / NO to that check;
3. opt-out keywords — BAJA / ALTA / NO ME ESCRIBAS are honoured whatever else is going on;
4. data rights — MIS DATOS, BORRAR MIS DATOS and its confirmation;
5. handoff — while a person has her case, her words go to that person, not to Rasa;
6. consent — nothing but the notice until she accepts it;
7. rate limit — over the per-minute limit: kept, not sent to Rasa, told once;
8. rating — her 1-5 answer to "how did it go?";
9. dialogue — Rasa;
10. media — a photo, a PDF, a voice note without words.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.content.i18n import TIMEZONE, long_date
from bot.conversation import media, two_questions
from bot.conversation.choices import MENU_PAYLOAD, Decision, decide, parse_choice
from bot.conversation.crisis import check, kinds
from bot.conversation.crisis.assess import CERTAIN, POSSIBLE, Danger
from bot.conversation.rasa_client import RasaClient, RasaError, RasaUnavailable
from bot.conversation.state import ParticipantState
from bot.conversation.support_lines import lines_text
from bot.core.keys import shard_of
from bot.core.messages import CRISIS_CHECK_SIGNAL, BotReply, Button, InboundMessage
from bot.core.text import fold
from bot.handoff.queue import URGENT
from bot.privacy import data_rights, optout
from bot.privacy.consent import ACCEPT, DECLINE, answer_to_notice, needs_consent
from bot.privacy.erasure import erase_everything
from bot.store import contact
from bot.store.handoff import record_rating
from bot.store.participants import stored_about

if TYPE_CHECKING:
    from bot.runtime import Runtime

CONSENT_ASK_SECONDS = 7 * 24 * 3600  # the "we asked" flag: then she is a new contact again
ERASE_CONFIRM_SECONDS = 600
THROTTLE_NOTICE_SECONDS = 600
REMIND_EVERY = 600  # seconds between "you are still in line" notes
PRIVACY_PATH = "/privacidad"
# While handed off, these leave the line and bring the menu back ("salir" only does that here).
LEAVE_WORDS = {"menu", "salir", "0", "inicio", "volver", "volver al menu", "salir de la fila"}


@dataclass(frozen=True)
class TurnInput:
    """Everything a gate may look at for one of her messages."""

    rt: Runtime
    rasa: RasaClient
    participant: str
    message: InboundMessage
    state: ParticipantState
    decision: Decision
    danger: Danger
    notice_version: str
    now: datetime

    @property
    def consented(self) -> bool:
        return not needs_consent(self.state.consent_version, self.notice_version)


@dataclass(frozen=True)
class Answer:
    replies: list[BotReply]
    keep: bool  # whether her message and these replies may be stored
    # Rasa read her words (the dialogue gate): what it understood is stored with her message.
    dialogue: bool = False


Gate = Callable[[TurnInput], Answer | None]


def crisis(turn: TurnInput) -> Answer | None:
    """Certain danger: the lines for her case first, then a person at the head of the queue.
    Possible danger: a short, warm check with the emergency line. Never a menu."""
    danger = turn.danger
    if turn.state.crisis_check is not None and check.answer(turn.message.text) is not None:
        return None  # her SÍ or NO to the check (the next gate): not a new alarm
    if danger.level == CERTAIN:
        return Answer(danger_replies(turn.rt, danger.kind), keep=True)
    if danger.level == POSSIBLE:
        # Kept only with her consent; the check's own record (her words, for the NO answer)
        # lives in Redis until she answers, and is erased with her data.
        return Answer(ask_if_in_danger(turn, danger.kind, turn.message.text), turn.consented)
    return None


def crisis_check_answer(turn: TurnInput) -> Answer | None:
    """Her answer to the check: SÍ → a person at once; NO → what she had asked, answered;
    anything else → the next gates take her new message."""
    pending = turn.state.crisis_check
    if pending is None:
        return None
    rt = turn.rt
    forget_check(rt, turn.participant)
    reply = check.answer(turn.message.text)
    if reply == check.YES:
        return Answer(danger_replies(rt, pending.kind), keep=True)
    if reply == check.NO:
        safe = BotReply(text=rt.content.system_text("crisis_check_safe"))
        original = dataclasses.replace(turn.message, text=pending.text)
        again = dataclasses.replace(
            turn,
            message=original,
            decision=decide(original, turn.state.menu_options, rt.settings.rasa_max_chars),
            state=dataclasses.replace(turn.state, crisis_check=None),
        )
        answered = first_answer(again, after=crisis_check_answer)
        # She has just said she is safe: the dialogue must not ask her again about the same
        # words (the NLU may hear an emergency in them).
        rest = [r for r in answered.replies if r.signal != CRISIS_CHECK_SIGNAL]
        return Answer([safe, *rest], keep=answered.keep)
    return None


def opt_out_keyword(turn: TurnInput) -> Answer | None:
    """BAJA / STOP… and ALTA / START… as the whole message; confirmed once."""
    was_out = turn.state.opted_out
    wish = optout.keyword(turn.message.text, was_out)
    if wish is None:
        return None
    if (wish == optout.OUT) == was_out:
        return Answer([], keep=turn.consented)  # already so: confirmed before, not again
    contact.set_opted_out(turn.rt, turn.participant, turn.message.channel, wish == optout.OUT)
    name = "opt_out_confirmed" if wish == optout.OUT else "opt_in_confirmed"
    return Answer([BotReply(text=turn.rt.content.system_text(name))], keep=turn.consented)


def data_rights_request(turn: TurnInput) -> Answer | None:
    """MIS DATOS, BORRAR MIS DATOS and its confirmation. Never stored."""
    rt, text = turn.rt, turn.message.text
    if turn.state.erase_pending:
        rt.redis.delete(rt.keys.erase_pending(turn.participant))
        if data_rights.confirms_erasure(text):
            erase_everything(rt, turn.participant)
            return Answer([BotReply(text=rt.content.system_text("erase_done"))], keep=False)
        if data_rights.keeps_her_data(text):
            return Answer([BotReply(text=rt.content.system_text("erase_cancelled"))], keep=False)
    wish = data_rights.command(text)
    if wish == data_rights.SHOW:
        return Answer([BotReply(text=t) for t in what_we_keep(turn)], keep=False)
    if wish == data_rights.ERASE:
        return Answer(ask_to_confirm_erasure(rt, turn.participant), keep=False)
    return None  # none of them (or she moved on from the confirmation): the next gate


def handed_off(turn: TurnInput) -> Answer | None:
    """Her words go to the case worker (through the transcript), not to Rasa."""
    ticket = turn.state.ticket
    if ticket is None:
        return None
    rt, message = turn.rt, turn.message
    if not ticket.address:  # rebuilt from SQL after Redis lost it (bot/handoff/recovery.py)
        rt.handoff.readdress(ticket.id, message.address, message.channel)
    if message.media:
        rt.handoff.attach(ticket.id, [asdict(m) for m in message.media])
        if message.is_media_only:
            replies = media.replies(
                media.kind(message.media, message.message_type) or "", rt.content, True
            )
            return Answer(replies, keep=True)
    if fold(message.text) in LEAVE_WORDS:
        rt.handoff.abandon(turn.participant)
        left = BotReply(text=rt.content.system_text("handoff_left"))
        return Answer([left, *turn.rasa.send(turn.participant, MENU_PAYLOAD)], keep=True)
    position = rt.handoff.position(ticket.id)
    reminded = rt.keys.handoff_reminded(turn.participant)
    if position is not None and rt.redis.set(reminded, "1", nx=True, ex=REMIND_EVERY):
        text = rt.content.system_text("handoff_still_waiting", position=position)
        return Answer([BotReply(text=text)], keep=True)
    return Answer([], keep=True)  # a person has it; she needs no answer from the bot


def consent(turn: TurnInput) -> Answer | None:
    """Nothing but the notice until she accepts it; nothing stored unless she does."""
    if turn.consented:
        return None
    rt, participant, current = turn.rt, turn.participant, turn.notice_version
    content = rt.content
    asked_key = rt.keys.consent_asked(participant)
    asked = turn.state.consent_asked == current
    wish = answer_to_notice(turn.message.text, asked)
    if wish == ACCEPT:
        contact.record_consent(rt, participant, turn.message.channel, current)
        rt.redis.delete(asked_key)
        thanks = BotReply(text=content.system_text("consent_thanks"))
        return Answer([thanks, *turn.rasa.send(participant, MENU_PAYLOAD)], keep=True)
    if wish == DECLINE:
        rt.redis.delete(asked_key)
        lines = lines_text(content, ("emergency", "violence"))
        return Answer(
            [
                BotReply(text=content.system_text("consent_declined") + "\n" + lines),
                BotReply(text=content.system_text("consent_declined_info")),
            ],
            keep=False,
        )
    rt.redis.set(asked_key, current, ex=CONSENT_ASK_SECONDS)
    if asked:
        return Answer([BotReply(text=content.system_text("consent_reminder"))], keep=False)
    name = "consent_notice_updated" if turn.state.consent_version else "consent_notice"
    days = rt.settings.transcript_retention_days
    policy_url = rt.settings.public_base_url + PRIVACY_PATH
    return Answer(
        [
            BotReply(text=content.system_text(name, retention_days=days)),
            BotReply(text=content.system_text("consent_rights", policy_url=policy_url)),
        ],
        keep=False,
    )


def rate_limit(turn: TurnInput) -> Answer | None:
    """Over the per-minute limit (the webhook flagged it): kept, not sent to Rasa, told once."""
    if not turn.message.over_rate_limit:
        return None
    rt = turn.rt
    noticed = rt.keys.throttle_noticed(turn.participant)
    if rt.redis.set(noticed, "1", nx=True, ex=THROTTLE_NOTICE_SECONDS):
        return Answer([BotReply(text=rt.content.system_text("throttled"))], keep=True)
    return Answer([], keep=True)


def rating(turn: TurnInput) -> Answer | None:
    """Her answer to "¿cómo te fue? 1 a 5", if we asked and she answered with a number."""
    ticket_id = turn.state.rating_pending
    if not ticket_id:
        return None
    rt = turn.rt
    rt.redis.delete(rt.keys.rating_pending(turn.participant))  # asked once, whatever she says
    value = parse_choice(turn.message.text)
    if value is None or not 1 <= value <= 5:
        return None  # she moved on: the dialogue takes her message
    record_rating(rt.sessions, ticket_id, turn.participant, value)
    return Answer([BotReply(text=rt.content.system_text("rating_thanks"))], keep=True)


def dialogue(turn: TurnInput) -> Answer | None:
    """Rasa answers what she wrote (or the option she chose)."""
    if turn.decision.rasa_text is None:
        return None
    replies = turn.rasa.send(turn.participant, turn.decision.rasa_text)
    if replies and turn.decision.note:  # what she sent, read back (her location as a city)
        note = turn.rt.content.system_text(turn.decision.note, **turn.decision.note_variables)
        replies = [BotReply(text=note), *replies]
    if not replies:
        # Every turn of the dialogue says something: silence means a part failed (an action
        # or a text). Retry; past max attempts she is told, and it is kept for a person.
        raise RasaError("Rasa answered nothing")
    return Answer([*replies, *second_question(turn, replies)], keep=True, dialogue=True)


def second_question(turn: TurnInput, replies: list[BotReply]) -> list[BotReply]:
    """Rasa answered one of her two questions: offer the other as her next option (a button
    she can pick with its number), or, when this turn already has options, say it comes
    next. Nothing when her message is one question or the NLU is unsure of the other."""
    parts = two_questions.question_parts(turn.decision.rasa_text or "")
    if not parts:
        return []
    store = turn.rt.content
    # The topics she can be offered: those content gives a title (topic_ask_*).
    system = store.snapshot().system
    topics = [name.removeprefix("topic_") for name in system if name.startswith("topic_ask_")]
    try:
        whole = turn.rasa.parse(turn.decision.rasa_text or "")
        answered = two_questions.Parse(whole.name, whole.confidence)
        parsed = [two_questions.Parse(p.name, p.confidence) for p in map(turn.rasa.parse, parts)]
    except (RasaError, RasaUnavailable):
        return []  # the answer she has is worth more than the offer
    other = two_questions.other_topic(answered, parsed, topics)
    if other is None:
        return []
    title = store.system_text(f"topic_{other}")
    if any(r.buttons for r in replies):  # her numbers already name this turn's options
        return [BotReply(text=store.system_text("second_question_later", topic=title))]
    return [
        BotReply(
            text=store.system_text("second_question_offer", topic=title),
            buttons=(Button(title=title, payload=f"/{other}"),),
        )
    ]


def media_only(turn: TurnInput) -> Answer:
    """A photo, a PDF, a voice note without words: acknowledged kindly (the last gate)."""
    kind = media.kind(turn.message.media, turn.message.message_type) or ""
    return Answer(media.replies(kind, turn.rt.content, attached=False), keep=True)


GATES: tuple[Gate, ...] = (
    crisis,
    crisis_check_answer,
    opt_out_keyword,
    data_rights_request,
    handed_off,
    consent,
    rate_limit,
    rating,
    dialogue,
    media_only,
)


def first_answer(turn: TurnInput, after: Gate | None = None) -> Answer:
    """The first gate's answer (`after`: only the gates after that one)."""
    gates = GATES[GATES.index(after) + 1 :] if after is not None else GATES
    for gate in gates:
        answer = gate(turn)
        if answer is not None:
            return answer
    raise AssertionError("the last gate always answers")  # pragma: no cover


# -- what the gates share ---------------------------------------------------------------------
def danger_replies(rt: Runtime, kind: str) -> list[BotReply]:
    """Certain danger: the lines for her kind, a word of company, and the urgent handoff."""
    return [
        BotReply(text=lines_text(rt.content, kinds.LINE_CASES[kind])),
        rt.content.render("utter_emergency_follow_up"),
        BotReply(text="", handoff=URGENT, handoff_topic=f"emergency:{kind}"),
    ]


def ask_if_in_danger(turn: TurnInput, kind: str, text: str) -> list[BotReply]:
    """Possible danger: the check, and what is kept until she answers."""
    rt, participant = turn.rt, turn.participant
    asked_at = turn.now.timestamp()
    pending = check.PendingCheck(
        kind=kind,
        text=text,
        address=turn.message.address,
        channel=turn.message.channel,
        asked_at=asked_at,
    )
    pipe = rt.redis.pipeline(transaction=True)  # her key and her shard's set: one slot
    pipe.set(rt.keys.crisis_check(participant), pending.to_json(), ex=check.CHECK_KEEP_SECONDS)
    due = asked_at + check.CHECK_ANSWER_MINUTES * 60
    pipe.zadd(rt.keys.crisis_checks_due(shard_of(participant)), {participant: due})
    pipe.execute()
    return [BotReply(text=check.question(rt.content, kinds.LINE_CASES[kind]))]


def forget_check(rt: Runtime, participant: str) -> None:
    pipe = rt.redis.pipeline(transaction=True)
    pipe.delete(rt.keys.crisis_check(participant))
    pipe.zrem(rt.keys.crisis_checks_due(shard_of(participant)), participant)
    pipe.execute()


def ask_to_confirm_erasure(rt: Runtime, participant: str) -> list[BotReply]:
    rt.redis.set(rt.keys.erase_pending(participant), "1", ex=ERASE_CONFIRM_SECONDS)
    return [BotReply(text=rt.content.system_text("erase_confirm"))]


def what_we_keep(turn: TurnInput) -> list[str]:
    """MIS DATOS: what is stored about her, in her words' language."""
    content, rt = turn.rt.content, turn.rt
    about = stored_about(rt.sessions, turn.participant)
    if not about.exists:
        return [content.system_text("my_data_nothing")]
    consented_on = about.consented_at.astimezone(TIMEZONE) if about.consented_at else None
    since = about.first_message_at.astimezone(TIMEZONE) if about.first_message_at else None
    notices = "my_data_notices_off" if about.opted_out else "my_data_notices_on"
    return [
        content.system_text(
            "my_data_summary",
            version=about.consent_version or "—",
            consented_on=long_date(consented_on.date()) if consented_on else "—",
            messages=about.messages,
            since=long_date(since.date()) if since else "—",
            retention_days=rt.settings.transcript_retention_days,
        ),
        content.system_text("my_data_counts", reminders=about.reminders, handoffs=about.handoffs)
        + " "
        + content.system_text("my_data_more", notices=content.system_text(notices)),
    ]
