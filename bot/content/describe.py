"""How the assistant words a fact for her: a course, a scholarship call, a step of a credential
path, the microcredit information, a support line. Pure (the content store gives the system
texts): the actions (flows/actions/) say exactly this, and the console's preview
(bot/publishing/preview.py) shows exactly this.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from bot.content.i18n import cop, deadline, long_date
from bot.content.schema import Course, CredentialPath, Credit, Scholarship, SupportLine
from bot.content.store import ContentStore


def bullet_list(items: Iterable[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def describe_course(course: Course, store: ContentStore) -> str:
    """One course as the course listing shows it (`*name*` bold on WhatsApp)."""
    place = course.city if course.modality == "presencial" else store.system_text("virtual")
    if course.cost_cop is None:
        cost = store.system_text("cost_unconfirmed")
    elif course.cost_cop == 0:
        cost = store.system_text("free")
    else:
        cost = cop(course.cost_cop)
    lines = [
        f"*{course.name}* ({course.provider})",
        f"{place} · {course.modality}" if course.modality == "presencial" else str(place),
        store.system_text(
            "course_when", start=long_date(course.start_date), duration=course.duration
        ),
        f"{course.schedule} · {cost}",
        store.system_text("course_enrol_until", date=long_date(course.enrol_until)),
    ]
    if course.requirements:
        lines.append(store.system_text("requirements") + " " + "; ".join(course.requirements))
    if course.address and course.modality == "presencial":
        lines.append(course.address)
    lines.append(course.how_to_enrol)
    if course.link:
        lines.append(str(course.link))
    if course.phone:
        lines.append(course.phone)
    return "\n".join(lines)


def describe_scholarship(call: Scholarship, on: date, store: ContentStore) -> str:
    """One open call, its deadline right under the name (on SMS it must be on the first page)."""
    lines = [
        f"*{call.name}* ({call.provider})",
        deadline(call.closes, on).capitalize() + ".",
        call.summary,
        store.system_text("eligibility") + "\n" + bullet_list(call.eligibility),
        call.how_to_apply,
    ]
    if call.link:
        lines.append(str(call.link))
    return "\n".join(lines)


def describe_step(path: CredentialPath, index: int, store: ContentStore) -> str:
    """Step `index` (from 0) of a credential path, with where she is and how to move on."""
    step = path.steps[index]
    position = store.system_text("step_position", n=index + 1, total=len(path.steps))
    if index + 1 < len(path.steps):
        navigation = store.system_text("step_navigation")
    else:
        navigation = store.system_text("step_last")
    return f"{position}: *{step.title}*\n{step.text}\n\n{navigation}"


def describe_credit(credit: Credit, store: ContentStore) -> str:
    """The microcredit answer (paged on SMS)."""
    partners = bullet_list([f"{p.name}: {p.description}" for p in credit.partners])
    amounts = [f"{a.label}: {cop(a.amount_cop)}" for a in credit.amounts]
    parts = [
        credit.summary,
        credit.fng_text,
        store.system_text("credit_requirements") + "\n" + bullet_list(credit.requirements),
        store.system_text("credit_partners") + "\n" + partners,
        *([bullet_list(amounts)] if amounts else []),
        "⚠️ " + credit.gota_a_gota_warning,
    ]
    return "\n\n".join(parts)


def describe_line(line: SupportLine) -> str:
    """One support line as the crisis gate and the emergency answer list it."""
    return f"📞 *{line.dial}* — {line.name} ({line.region})"
