"""What the bot's 20 most common answers cost on SMS, in segments, as written and transliterated
to GSM-7 (bot.outbound.sms). Prints a Markdown table. Pure: reads content/ only, sends nothing.

There is no usage data yet, so the 20 are chosen by the path every conversation walks: first
contact (privacy notice, greeting, menus), not being understood, the topic answers, the first
question of each guided flow, the hand-off to a case worker, the goodbye. Texts come from
content/ through the project's loader and are rendered as sent: buttons as numbered options
(render_reply), topic answers paged with "MÁS" (bot.outbound.paging) — every page counted, as if she
read the whole answer —, placeholders filled with example values.

Columns: "as written" is what one SMS per body costs today; "transliterated" the same bodies
after transliterate_for_gsm (emoji kept), and without emoji too; "shape_sms" what the outbox
would send with transliteration and a 3-segment budget (numbered single-segment parts).

Run: .venv/bin/python -m bench.sms_costs
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime

from bot.content.i18n import TIMEZONE
from bot.content.store import ContentError, ContentStore
from bot.core.messages import BotReply, Button, render_reply
from bot.handoff.office_hours import opening_in_words
from bot.outbound.paging import DEFAULT_BUDGET, paginate
from bot.outbound.sms import GSM7, UCS2, encoding, shape_sms, sms_cost, transliterate_for_gsm

EXAMPLE = {  # placeholder values, as the engine would fill them
    "retention_days": 180,
    "policy_url": "https://almas.example.org/privacidad",
    "position": 2,
    "opening": opening_in_words(datetime(2026, 11, 30, 8, 0, tzinfo=TIMEZONE)),
}
FALLBACK_TOPICS = ("ask_courses", "ask_scholarships", "ask_credit")  # 3 closest + "asesora"


def _response(store: ContentStore, name: str) -> list[str]:
    variants = store.snapshot().responses.get(name)
    if not variants:
        raise ContentError(f"no text for response {name}")
    return [render_reply(store.render_variant(variants[0]))]  # first variant: deterministic


def _paged(store: ContentStore, name: str) -> list[str]:
    """A topic answer as flows/actions/topics.py sends it: paged, "MÁS" on all but the last."""
    text = _response(store, name)[0]
    return paginate(text, store.system_text("more_offer"))


def _system(store: ContentStore, *names: str) -> list[str]:
    """System texts joined by a space into one body, as the worker composes them."""
    return [" ".join(store.system_text(name, **EXAMPLE) for name in names)]


def _fallback_options(store: ContentStore) -> list[str]:
    """flows/actions/fallback.py: the closest topics as numbered options, plus a person."""
    topics = [*FALLBACK_TOPICS, "request_human"]
    buttons = tuple(Button(store.system_text(f"topic_{t}"), f"/{t}") for t in topics)
    return [render_reply(BotReply(text=store.system_text("fallback_options"), buttons=buttons))]


Answer = tuple[str, Callable[[ContentStore], list[str]]]
ANSWERS: list[Answer] = [
    # first contact: the privacy notice (two messages), then greeting and menu after ACEPTO
    ("consent_notice", lambda s: _system(s, "consent_notice")),
    ("consent_rights", lambda s: _system(s, "consent_rights")),
    ("utter_greet", lambda s: _response(s, "utter_greet")),
    ("utter_main_menu", lambda s: _response(s, "utter_main_menu")),
    ("utter_more_topics", lambda s: _response(s, "utter_more_topics")),
    # not understood
    ("fallback_options", _fallback_options),
    ("utter_default", lambda s: _response(s, "utter_default")),
    ("utter_default_again", lambda s: _response(s, "utter_default_again")),
    # topic answers
    *(
        (name, lambda s, name=name: _paged(s, name))
        for name in (
            "utter_entrepreneurship",
            "utter_employment",
            "utter_psych_support",
            "utter_migration_status",
            "utter_enrollment",
        )
    ),
    # the first question of each guided flow
    ("utter_ask_city", lambda s: _response(s, "utter_ask_city")),
    ("utter_ask_education_level", lambda s: _response(s, "utter_ask_education_level")),
    ("utter_credit_precheck_offer", lambda s: _response(s, "utter_credit_precheck_offer")),
    # hand-off to a case worker
    (
        "handoff_queued + wait_unknown",
        lambda s: _system(s, "handoff_queued", "handoff_wait_unknown"),
    ),
    ("handoff_queued + closed", lambda s: _system(s, "handoff_queued", "handoff_closed")),
    ("rating_question", lambda s: _system(s, "rating_question")),
    # closing
    ("utter_goodbye", lambda s: _response(s, "utter_goodbye")),
]


def _encodings(bodies: list[str]) -> str:
    found = {encoding(b) for b in bodies}
    return UCS2 if UCS2 in found else GSM7


def main() -> int:
    store = ContentStore()
    header = (
        "| # | answer | chars | as written | segments | transliterated | segments "
        "| translit., no emoji | shape_sms SMS |"
    )
    print(header)
    print("|---:|---|---:|---|---:|---|---:|---:|---:|")
    totals = [0, 0, 0, 0, 0]
    missing = []
    for index, (name, build) in enumerate(ANSWERS, start=1):
        try:
            bodies = build(store)
        except ContentError as exc:
            missing.append(f"{name} ({exc})")
            continue
        translit = [transliterate_for_gsm(b) for b in bodies]
        no_emoji = [transliterate_for_gsm(b, drop_emoji=True) for b in bodies]
        shaped = [
            part
            for b in bodies
            for part in shape_sms(b, transliterate=True, budget_segments=DEFAULT_BUDGET)
        ]
        row = [
            sum(len(b) for b in bodies),
            sms_cost(bodies),
            sms_cost(translit),
            sms_cost(no_emoji),
            len(shaped),
        ]
        totals = [t + r for t, r in zip(totals, row, strict=True)]
        label = name + (f" ({len(bodies)} pages)" if len(bodies) > 1 else "")
        print(
            f"| {index} | {label} | {row[0]} | {_encodings(bodies)} | {row[1]} "
            f"| {_encodings(translit)} | {row[2]} | {row[3]} | {row[4]} |"
        )
    chars, written, translit_total, no_emoji_total, shaped_total = totals
    print(
        f"| | **total** | {chars} | | **{written}** | | **{translit_total}** "
        f"| **{no_emoji_total}** | **{shaped_total}** |"
    )
    if written:
        print(
            f"| | **ratio to as written** | | | 1.00 | | {translit_total / written:.2f} "
            f"| {no_emoji_total / written:.2f} | {shaped_total / written:.2f} |"
        )
    print()
    print(
        f"{len(ANSWERS) - len(missing)} answers (no usage data yet: chosen by the path every "
        "conversation walks; see the module docstring). Topic answers are paged with MÁS for "
        f"{DEFAULT_BUDGET} segments and every page is counted; shape_sms uses transliteration, "
        f"emoji kept, budget {DEFAULT_BUDGET}."
    )
    for item in missing:
        print(f"missing from content/, left out: {item}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
