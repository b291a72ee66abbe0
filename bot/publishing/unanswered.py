"""What she asked and the assistant could not answer (issue 14, item 5): her messages the
dialogue answered with "not understood" (a fallback, or the hand-over after a second one),
grouped by similar wording with counts, for content staff to review. An editor labels a group
with the intent it should have been (exported to nlu/data/ by `almas nlu import-reviewed` for
the next training), marks it as a new topic for the programme, or dismisses it.

Owns: masking her text for the page and the export, the grouping (pure), the review's SQL
reads and writes (rows of `reviewed_messages`, which are hers: erasure and the retention purge
take them with her messages), the domain's intents as the labels allowed, and the NLU file.

Only messages after consent, by construction: a row carries `fallback` only when the worker
stored what the dialogue understood of it, which it does only for a turn the dialogue gate
answered (bot/conversation/worker.py `understood`), and that gate comes after the consent gate
(bot/conversation/gates.py GATES): before she accepts the notice the dialogue never sees her
words. Before consent nothing of hers is stored (bot/privacy/consent.py) but what a person's
ticket needs, and those turns are a person's, never the dialogue's, so never a `fallback`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from bot.core.logs import mask_phone_numbers
from bot.core.settings import PROJECT_ROOT
from bot.core.text import fold, plain
from bot.handoff.accounts import CONTENT_ROLES
from bot.store.models import IN, Message, ReviewedMessage, as_utc

DOMAIN_PATH = PROJECT_ROOT / "flows" / "domain.yml"
REVIEWED_NLU_PATH = PROJECT_ROOT / "nlu" / "data" / "reviewed.yml"

INTENT = "intent"
NEW_TOPIC = "new_topic"
DISMISSED = "dismissed"
DECISIONS = (INTENT, NEW_TOPIC, DISMISSED)

SIMILAR = 0.5  # Jaccard of word sets from which two wordings are one group
SAMPLES = 3  # other wordings shown with a group's representative
MAX_MESSAGES = 5000  # the newest unanswered messages of the period that are grouped
MAX_TOPIC_LENGTH = 120  # reviewed_messages.topic

# Words that say nothing about what she asked: articles, prepositions, pronouns, greetings and
# chat filler, folded (no accents, lower case). Question words go too: "¿dónde…?" and "¿cómo…?"
# about the same thing are the same question for the review.
FILLER = frozenset("""
a al algo ante asi bueno buen buenas buenos como con cual cuando de del desde disculpa
disculpe donde e eh el ella ellas ellos en entonces es esa ese eso esta estas este esto estoy
favor gracias ha hay hola la las le les lo los mas me mi mis mm muy ni noches o ok oka okey
para pero porfa porfavor por pues q que quien se ser si sin sobre soy su sus tal tardes te
tengo ti tu tus u un una uno unos unas usted ustedes y ya yo dias dia k x xq pq xfa plis pls
""".split())  # fmt: skip

# A phone number as she types it: spaces, dots, dashes or brackets between the digits ("300 123
# 4567", "(0414) 123.45.67", "+57 300 1234567"). bot.core.logs.mask_phone_numbers masks the
# compact shapes (E.164, bare Colombian and Venezuelan mobiles) first; what is left with at
# least MIN_PHONE_DIGITS digits is masked the same way, but amounts ("1.500.000").
_SPACED_NUMBER = re.compile(r"\+?\(?\d[\d \t().\-]{5,}\d")
_AMOUNT = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
MIN_PHONE_DIGITS = 7
# A masked number (bot.core.logs, bot.core.identity: "+…67"), one word for the grouping.
_MASKED = re.compile(r"(?:whatsapp:)?\+…\d{0,2}")
PHONE_WORD = "<tel>"
_WORDS = re.compile(rf"{re.escape(PHONE_WORD)}|[^\W_]+")
_SPACES = re.compile(r"\s+")


class ReviewError(ValueError):
    """The review's form was not valid; the message says why (in Spanish, the console's source
    language: the web layer translates it)."""


class UnknownIntent(ReviewError):
    pass


class BadTopic(ReviewError):
    pass


class NothingToReview(ReviewError):
    """None of the messages is waiting for review (reviewed meanwhile, erased, or not hers)."""


def may_review(role: str) -> bool:
    """Content staff (editors and supervisors) review what the assistant did not understand."""
    return role in CONTENT_ROLES


# -- masking and grouping (pure) -------------------------------------------------------------
def mask_her_text(text: str) -> str:
    """Her words with every phone-shaped number masked ("+…67"), as the page and the NLU
    export show them."""

    def hide(match: re.Match[str]) -> str:
        run = match.group(0)
        digits = re.sub(r"\D", "", run)
        if len(digits) < MIN_PHONE_DIGITS or _is_amount(run, match.string[: match.start()]):
            return run
        return "+…" + digits[-2:]

    return _SPACED_NUMBER.sub(hide, mask_phone_numbers(text))


def _is_amount(run: str, before: str) -> bool:
    """Money ("1.500.000", "$ 2.350.500") stays; an id number written the same way
    ("1.045.678.901", "52.345.678") does not: amounts end in thousands or follow a "$"."""
    return bool(_AMOUNT.fullmatch(run)) and (
        run[-3:] == "000" or before.rstrip().endswith("$")
    )


def words_of(text: str) -> list[str]:
    """Her message as words: masked numbers as one word (PHONE_WORD), lower case, no accents,
    no punctuation or emoji."""
    marked = _MASKED.sub(f" {PHONE_WORD} ", mask_her_text(text))
    return _WORDS.findall(plain(marked))


def signature(text: str) -> tuple[str, ...]:
    """The words that say what she asked (filler dropped); all of them when every word is
    filler ("hola", "buenas tardes"), so such messages still group among themselves."""
    words = words_of(text)
    return tuple(w for w in words if w not in FILLER) or tuple(words)


def normalise(text: str) -> str:
    """The key under which the same wording always lands in the same group."""
    return " ".join(signature(text))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class Unanswered:
    """One of her messages the assistant did not understand (the text as stored: unmasked)."""

    id: int
    participant_id: str
    text: str
    at: datetime


@dataclass(frozen=True)
class Group:
    """Messages of similar wording. `id`: a hash of the representative's normalised text, the
    same on every reload while that wording stays the group's most frequent. Every text here
    is masked."""

    id: str
    text: str  # the representative: the newest message of the most frequent wording
    count: int
    women: int
    samples: tuple[str, ...]  # other wordings, newest first
    message_ids: tuple[int, ...]
    first_seen: datetime
    last_seen: datetime


def _group_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def group_messages(messages: Iterable[Unanswered], samples: int = SAMPLES) -> list[Group]:
    """Group by similar wording, most frequent first. Messages of the same normalised text are
    always together; each wording, most frequent first, joins the group whose founding wording
    is most alike (Jaccard of their words at least SIMILAR; the older group on a tie), or
    founds one. Blank messages are left out."""
    buckets: dict[str, list[Unanswered]] = {}
    for message in messages:
        if not message.text.strip():
            continue  # nothing she wrote to review (a sticker, a document)
        buckets.setdefault(normalise(message.text), []).append(message)
    for bucket in buckets.values():
        bucket.sort(key=lambda m: (m.at, m.id), reverse=True)
    ordered = sorted(buckets.items(), key=lambda kv: (-len(kv[1]), -kv[1][0].at.timestamp(), kv[0]))
    founders: list[tuple[str, frozenset[str]]] = []
    members: dict[str, list[list[Unanswered]]] = {}
    for key, bucket in ordered:
        words = frozenset(key.split())
        best, best_score = None, SIMILAR
        for founder, founding_words in founders:
            score = jaccard(words, founding_words)
            if score >= best_score and (best is None or score > best_score):
                best, best_score = founder, score
        if best is None:
            founders.append((key, words))
            members[key] = [bucket]
        else:
            members[best].append(bucket)
    groups = [_group(key, members[key], samples) for key, _ in founders]
    return sorted(groups, key=lambda g: (-g.count, -g.last_seen.timestamp(), g.id))


def _group(key: str, buckets: list[list[Unanswered]], samples: int) -> Group:
    every = sorted((m for b in buckets for m in b), key=lambda m: (m.at, m.id), reverse=True)
    text = mask_her_text(buckets[0][0].text)
    seen = {fold(text)}
    others: list[str] = []
    for message in every:
        masked = mask_her_text(message.text)
        if len(others) < samples and fold(masked) not in seen:
            seen.add(fold(masked))
            others.append(masked)
    return Group(
        id=_group_id(key),
        text=text,
        count=len(every),
        women=len({m.participant_id for m in every}),
        samples=tuple(others),
        message_ids=tuple(sorted(m.id for m in every)),
        first_seen=every[-1].at,
        last_seen=every[0].at,
    )


# -- the review in SQL -----------------------------------------------------------------------
def _not_understood() -> ColumnElement[bool]:
    """Her messages the dialogue answered with "not understood" and nobody reviewed yet."""
    reviewed = exists().where(ReviewedMessage.message_id == Message.id)
    return (Message.direction == IN) & Message.fallback.is_(True) & ~reviewed


def unanswered_groups(
    sessions: sessionmaker[Session],
    since: datetime,
    until: datetime | None = None,
    limit: int = 50,
    samples: int = SAMPLES,
) -> list[Group]:
    """The groups of the period's unreviewed messages that were not understood (the newest
    MAX_MESSAGES of them), most frequent first."""
    query = select(Message.id, Message.participant_id, Message.text, Message.created_at).where(
        _not_understood(), Message.created_at >= since
    )
    if until is not None:
        query = query.where(Message.created_at < until)
    query = query.order_by(Message.created_at.desc(), Message.id.desc()).limit(MAX_MESSAGES)
    with sessions() as session:
        rows = session.execute(query).all()
    messages = [Unanswered(i, p, t or "", as_utc(at)) for i, p, t, at in rows]
    return group_messages(messages, samples)[:limit]


def _decide(
    sessions: sessionmaker[Session],
    message_ids: Iterable[int],
    editor: str,
    decision: str,
    intent: str | None = None,
    topic: str | None = None,
) -> int:
    """Record the decision on those of the messages still waiting; how many."""
    ids = sorted({int(i) for i in message_ids})[:MAX_MESSAGES]
    if not ids:
        raise NothingToReview("no hay mensajes que revisar")
    with sessions() as session:
        rows = session.execute(
            select(Message.id, Message.participant_id).where(Message.id.in_(ids), _not_understood())
        ).all()
        if not rows:
            raise NothingToReview("estos mensajes ya fueron revisados o ya no están")
        session.add_all(
            ReviewedMessage(
                message_id=message_id,
                participant_id=participant,
                decision=decision,
                intent=intent,
                topic=topic,
                decided_by=editor,
            )
            for message_id, participant in rows
        )
        try:
            session.commit()
        except IntegrityError as exc:  # someone else reviewed one of them meanwhile
            session.rollback()
            raise NothingToReview("otra persona revisó estos mensajes mientras tanto") from exc
    return len(rows)


def label_group(
    sessions: sessionmaker[Session],
    message_ids: Iterable[int],
    intent: str,
    editor: str,
    intents: Collection[str],
) -> int:
    """These messages should have been `intent` (one of the domain's `intents`): they become
    training examples for it (`almas nlu import-reviewed`). How many were labelled."""
    intent = intent.strip()
    if intent not in intents:
        raise UnknownIntent(f"intención desconocida: {intent!r}")
    return _decide(sessions, message_ids, editor, INTENT, intent=intent)


def clean_topic(topic: str, known: Iterable[str] = ()) -> str:
    """The topic as typed, single-spaced; spelled like a known topic that is the same words
    (whatever the accents and capitals), so one topic is counted once."""
    topic = _SPACES.sub(" ", topic).strip()
    if not topic:
        raise BadTopic("escribe el tema nuevo")
    if len(topic) > MAX_TOPIC_LENGTH:
        raise BadTopic(f"el tema es demasiado largo (más de {MAX_TOPIC_LENGTH} caracteres)")
    return next((k for k in known if fold(k) == fold(topic)), topic)


def mark_new_topic(
    sessions: sessionmaker[Session], message_ids: Iterable[int], topic: str, editor: str
) -> int:
    """These messages are about something the programme does not cover yet."""
    with sessions() as session:
        known = session.scalars(
            select(ReviewedMessage.topic).where(ReviewedMessage.decision == NEW_TOPIC).distinct()
        ).all()
    topic = clean_topic(topic, [k for k in known if k])
    return _decide(sessions, message_ids, editor, NEW_TOPIC, topic=topic)


def dismiss(sessions: sessionmaker[Session], message_ids: Iterable[int], editor: str) -> int:
    """Nothing to learn from these messages (noise, a word of thanks…): off the page."""
    return _decide(sessions, message_ids, editor, DISMISSED)


@dataclass(frozen=True)
class NewTopic:
    topic: str
    messages: int
    women: int
    last_seen: datetime


def new_topics(sessions: sessionmaker[Session], since: datetime | None = None) -> list[NewTopic]:
    """The topics editors found that the programme does not cover, most asked first (by when
    she wrote: `since` filters on her messages' time)."""
    query = (
        select(
            ReviewedMessage.topic,
            func.count(Message.id),
            func.count(func.distinct(Message.participant_id)),
            func.max(Message.created_at),
        )
        .join(Message, Message.id == ReviewedMessage.message_id)
        .where(ReviewedMessage.decision == NEW_TOPIC)
        .group_by(ReviewedMessage.topic)
    )
    if since is not None:
        query = query.where(Message.created_at >= since)
    with sessions() as session:
        rows = session.execute(query).all()
    topics = [NewTopic(str(t), int(n), int(w), as_utc(at)) for t, n, w, at in rows if t]
    return sorted(topics, key=lambda t: (-t.messages, fold(t.topic), t.topic))


# -- the NLU examples ------------------------------------------------------------------------
def domain_intents(domain_path: Path = DOMAIN_PATH) -> frozenset[str]:
    """The intents the dialogue knows (flows/domain.yml): the labels an editor may choose."""
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8"))
    return frozenset(str(i) for i in domain.get("intents") or ())


def example_text(text: str) -> str:
    """Her message as one line of Rasa's training data: masked, single-spaced, nothing that
    YAML refuses or that Rasa would read as an entity annotation ("[text](entity)")."""
    masked = mask_her_text(text).replace("[", "(").replace("]", ")")
    masked = masked.replace("{", "(").replace("}", ")")
    printable = "".join(
        c for c in _SPACES.sub(" ", masked) if c.isprintable() and unicodedata.category(c) != "Co"
    )
    return printable.strip()


def reviewed_examples(
    sessions: sessionmaker[Session], intents: Collection[str] | None = None
) -> list[tuple[str, str]]:
    """(intent, example text) for every message labelled with an intent, masked, de-duplicated
    and sorted; only intents still in `intents` when it is given."""
    with sessions() as session:
        rows = session.execute(
            select(ReviewedMessage.intent, Message.text)
            .join(Message, Message.id == ReviewedMessage.message_id)
            .where(ReviewedMessage.decision == INTENT, ReviewedMessage.intent.is_not(None))
        ).all()
    examples = {
        (str(intent), example)
        for intent, text in rows
        if (intents is None or intent in intents) and (example := example_text(text or ""))
    }
    return sorted(examples, key=lambda e: (e[0], e[1].casefold(), e[1]))


NLU_HEADER = """\
# Examples from the console's review of messages the assistant did not understand
# (/console/unanswered): an editor labelled each with the intent it should have been. Phone
# numbers are masked. Written by `almas nlu import-reviewed`, which rewrites the whole file
# from the database: do not edit it by hand (a woman's erasure takes her examples out the next
# time it runs).
"""


def nlu_yaml(examples: Sequence[tuple[str, str]]) -> str:
    """Rasa 3 NLU training data: the examples under their intent, intents sorted."""
    lines = [NLU_HEADER.rstrip("\n"), 'version: "3.1"', "nlu:"]
    by_intent: dict[str, list[str]] = {}
    for intent, text in examples:
        by_intent.setdefault(intent, []).append(text)
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in by_intent[intent]]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Export:
    path: Path
    examples: int
    intents: int
    written: bool  # False: no examples, so no file
    removed: bool = False  # an old file was removed (its examples were erased or purged)


def write_reviewed(sessions: sessionmaker[Session], out: Path, intents: Collection[str]) -> Export:
    """Rewrite `out` with every reviewed example of an intent the domain still has. With none,
    no file: an old one is removed (its examples were erased or purged)."""
    examples = reviewed_examples(sessions, intents)
    if not examples:
        removed = out.is_file()
        out.unlink(missing_ok=True)
        return Export(out, 0, 0, written=False, removed=removed)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(nlu_yaml(examples), encoding="utf-8")
    tmp.replace(out)
    return Export(out, len(examples), len({i for i, _ in examples}), written=True)
