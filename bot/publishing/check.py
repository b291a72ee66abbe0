"""Is this content safe to publish? `almas content check` and every publish in the console ask
it. Pure: returns the problems found.

Errors: the schema (dates, links, required source/checked — enforced by loading), texts that
don't fit 3 SMS segments without offering "MÁS", paged texts with a page that cannot fit,
broken {placeholders}, responses the dialogue needs but content lacks, no outcome kinds for
case workers to record (content/outcomes.yml; each needs a name in es, en and it). Warnings:
facts not checked for a long time, nothing open to offer, WhatsApp button titles over 20
characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from string import Formatter

import yaml

from bot.content.store import ContentError, ContentStore
from bot.core.messages import render_reply
from bot.core.settings import PROJECT_ROOT
from bot.outbound.paging import DEFAULT_BUDGET, fits, paginate
from bot.outbound.sms import segments

STALE_AFTER = timedelta(days=180)
WHATSAPP_BUTTON_TITLE_MAX = 20
MORE_WORDS = ("MÁS", "MAS")
# The cases the crisis gate always gives a line for: a verified one must exist for each.
CRISIS_CASES = ("emergency", "violence", "suicide")


@dataclass(frozen=True)
class Problem:
    level: str  # "error" or "warning"
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.level.upper():7} {self.where}: {self.message}"


def _placeholders_ok(text: str) -> bool:
    try:
        list(Formatter().parse(text))
    except ValueError:
        return False
    return True


def placeholders(value: object) -> set[str]:
    """The {placeholders} in a text, or in every text of a response's variants."""
    if isinstance(value, str):
        try:
            return {name for _, name, _, _ in Formatter().parse(value) if name}
        except ValueError:
            return set()
    if isinstance(value, list):
        return set().union(*(placeholders(v.get("text", "")) for v in value if isinstance(v, dict)))
    return set()


def placeholders_kept(key: str, before: object, after: object) -> list[Problem]:
    """The assistant fills exactly the placeholders a text had: one removed loses a fact (the
    retention days, her lines), one added cannot be filled and breaks the reply."""
    old, new = placeholders(before), placeholders(after)
    problems = [Problem("error", key, f"keep {{{name}}}: the assistant fills it") for name in
                sorted(old - new)]  # fmt: skip
    problems += [
        Problem("error", key, f"{{{name}}} is not something the assistant can fill")
        for name in sorted(new - old)
    ]
    return problems


def domain_responses(domain_path: Path) -> set[str]:
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8"))
    return set(domain.get("responses") or {})


def paged_responses(topics_path: Path) -> set[str]:
    """The responses the action server pages with MÁS (flows/topics.yml)."""
    topics = yaml.safe_load(topics_path.read_text(encoding="utf-8"))
    return set(topics["topic_responses"].values()) | {topics["no_info_response"]}


@lru_cache(maxsize=4)
def _needs(root: Path) -> tuple[frozenset[str], frozenset[str]]:
    paged = paged_responses(root / "flows" / "topics.yml")
    return frozenset(domain_responses(root / "flows" / "domain.yml") | paged), frozenset(paged)


def dialogue_needs(root: Path = PROJECT_ROOT) -> tuple[set[str], set[str]]:
    """(responses the dialogue uses, those it pages with MÁS), from flows/ (read once: the
    dialogue changes with a deploy, not at run time)."""
    needed, paged = _needs(root)
    return set(needed), set(paged)


def check(store: ContentStore, today: date, needed: set[str], paged: set[str]) -> list[Problem]:
    """`needed`: responses the dialogue uses; `paged`: those sent through paging."""
    problems: list[Problem] = []
    try:
        snapshot = store.snapshot()
    except ContentError as exc:
        return [Problem("error", "content", str(exc))]

    for name in sorted(needed - set(snapshot.responses)):
        problems.append(Problem("error", name, "the dialogue uses it but content has no text"))

    more_offer = snapshot.system.get("more_offer", "MÁS")
    for name, variants in sorted(snapshot.responses.items()):
        for i, variant in enumerate(variants):
            where = f"{name}[{i}]"
            text = str(variant["text"])
            if not _placeholders_ok(text):
                problems.append(Problem("error", where, "broken {placeholder} (stray brace?)"))
            if name in paged:
                pages = paginate(text, more_offer)
                if not all(fits(page) for page in pages):
                    problems.append(Problem("error", where, "a sentence is too long for one page"))
            else:
                rendered = render_reply(store.render_variant(variant))
                if not fits(rendered) and not any(w in rendered for w in MORE_WORDS):
                    problems.append(
                        Problem(
                            "error",
                            where,
                            f"{segments(rendered)} SMS segments (max {DEFAULT_BUDGET}); "
                            "shorten it or offer MÁS",
                        )
                    )
            for button in variant.get("buttons") or ():
                if len(str(button["title"])) > WHATSAPP_BUTTON_TITLE_MAX:
                    problems.append(
                        Problem("warning", where, f"button title over 20 chars: {button['title']}")
                    )
            checked = variant.get("checked")
            if isinstance(checked, date) and today - checked > STALE_AFTER:
                problems.append(Problem("warning", where, f"not checked since {checked}"))

    for name, text in sorted(snapshot.system.items()):
        if not _placeholders_ok(text):
            problems.append(Problem("error", f"system.{name}", "broken {placeholder}"))
        if not fits(text):
            problems.append(Problem("error", f"system.{name}", "too long for 3 SMS segments"))

    facts = [
        *(("course", c.id, c.checked) for c in snapshot.courses),
        *(("scholarship", s.id, s.checked) for s in snapshot.scholarships),
        *(("credential path", p.id, p.checked) for p in snapshot.credential_paths),
        *(("support line", s.id, s.checked) for s in snapshot.support_lines),
    ]
    for kind, ident, checked in facts:
        if today - checked > STALE_AFTER:
            problems.append(Problem("warning", f"{kind} {ident}", f"not checked since {checked}"))
    for path in snapshot.credential_paths:
        for n, step in enumerate(path.steps, start=1):
            if not all(fits(p) for p in paginate(step.text, more_offer)):
                problems.append(Problem("error", f"{path.id} step {n}", "a sentence is too long"))
    if not any(c.enrol_until >= today for c in snapshot.courses):
        problems.append(Problem("warning", "courses", "no course is open for enrolment"))
    if not any(s.opens <= today <= s.closes for s in snapshot.scholarships):
        problems.append(Problem("warning", "scholarships", "no call is open"))
    if not snapshot.support_lines:
        problems.append(Problem("error", "support_lines", "no emergency lines"))
    verified = {case for line in snapshot.support_lines if line.verified for case in line.cases}
    for case in sorted(set(CRISIS_CASES) - verified):
        message = f"no verified line for {case}: the crisis gate needs one"
        problems.append(Problem("error", "support_lines", message))
    if not snapshot.outcomes:
        problems.append(
            Problem("error", "outcomes", "no outcome kinds: case workers cannot record results")
        )
    return problems
