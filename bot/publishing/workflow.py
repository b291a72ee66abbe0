"""Who may do what with content, and the states a version goes through. Pure: no I/O.

A version is a draft until it is published. An editor publishes texts, courses, scholarships,
credential steps and credit; support lines and the privacy notice (what a woman in danger and
the law rely on) need a supervisor, who confirms a second time; the programme's hours and
offices, WhatsApp templates and outcome kinds are a supervisor's too. An editor's change to a
supervisor's kind goes to review, where a supervisor publishes it (or sends it back).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.handoff.accounts import EDITOR, SUPERVISOR

DRAFT = "draft"
REVIEW = "review"  # waiting for a supervisor
SCHEDULED = "scheduled"  # publishes by itself at `publish_at`
PUBLISHED = "published"  # live, or was until a later one replaced it (see the item)
SUPERSEDED = "superseded"  # was live; a later version replaced it
DISCARDED = "discarded"  # a draft nobody will publish
STATUSES = (DRAFT, REVIEW, SCHEDULED, PUBLISHED, SUPERSEDED, DISCARDED)
OPEN = (DRAFT, REVIEW, SCHEDULED)  # a version someone may still publish

# Kinds as staff see them, each the items of one or more sections of content/.
TEXTS = "texts"
COURSES = "courses"
SCHOLARSHIPS = "scholarships"
CREDENTIALS = "credential_paths"
CREDIT = "credit"
SUPPORT_LINES = "support_lines"
PRIVACY = "privacy"
PROGRAMME = "programme"
WHATSAPP = "whatsapp"
OUTCOMES = "outcomes"
KINDS = (
    COURSES, SCHOLARSHIPS, CREDENTIALS, CREDIT, TEXTS, SUPPORT_LINES, PRIVACY, PROGRAMME,
    WHATSAPP, OUTCOMES,
)  # fmt: skip
EDITOR_PUBLISHES = (TEXTS, COURSES, SCHOLARSHIPS, CREDENTIALS, CREDIT)
SECOND_CONFIRMATION = (SUPPORT_LINES, PRIVACY)
# Kinds whose items staff may add in the console (the others are fixed by the dialogue).
ADDABLE = {COURSES: "courses", SCHOLARSHIPS: "scholarships", SUPPORT_LINES: "support_lines"}


def kind_of(file: str, section: str) -> str:
    """The kind of an item of `section` in content file `file`."""
    if file == "privacy.yml":
        return PRIVACY  # the notice, the policy and the consent texts
    if section in ("responses", "system"):
        return TEXTS
    if section in ("whatsapp_templates", "whatsapp_interactive"):
        return WHATSAPP
    return section


class NotAllowed(PermissionError):
    """This role may not do this to this kind; the message says who may."""


@dataclass(frozen=True)
class Decision:
    publish: bool  # True: it goes live (or is scheduled); False: it goes to review
    needs_confirmation: bool


def may_edit(role: str) -> bool:
    return role in (EDITOR, SUPERVISOR)


def on_publish(kind: str, role: str, confirmed: bool) -> Decision:
    """What "publish" does for `role` on `kind`: publish, or send to review. Raises
    NotAllowed when a second confirmation is missing or the role may not edit at all."""
    if not may_edit(role):
        raise NotAllowed(f"the {role} role does not edit content")
    needs_confirmation = kind in SECOND_CONFIRMATION
    if role == SUPERVISOR:
        if needs_confirmation and not confirmed:
            raise NotAllowed("confirm a second time: this is what a woman in danger relies on")
        return Decision(publish=True, needs_confirmation=needs_confirmation)
    if kind in EDITOR_PUBLISHES:
        return Decision(publish=True, needs_confirmation=False)
    return Decision(publish=False, needs_confirmation=needs_confirmation)


def may_unpublish(kind: str, role: str) -> bool:
    return role == SUPERVISOR or (role == EDITOR and kind in EDITOR_PUBLISHES)


def may_review(role: str) -> bool:
    return role == SUPERVISOR
