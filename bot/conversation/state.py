"""Her state as the gates read it, loaded once per message.

One Redis round trip reads every key the gates need (a second one only when she has an open
ticket, for the ticket itself); her consent and opt-out come from the Redis copy of SQL
(bot/store/contact.py), so the database is asked only when that copy is missing. Before, each
gate read its own key: ~6 Redis calls and an SQL query before Rasa was asked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.conversation.crisis.check import PendingCheck
from bot.handoff.queue import Ticket
from bot.store import contact

if TYPE_CHECKING:
    from bot.runtime import Runtime


@dataclass(frozen=True)
class ParticipantState:
    menu_options: list[str]  # payloads of the numbered options she was last shown
    consent_version: str | None  # the notice version she accepted
    opted_out: bool
    consent_asked: str | None  # the notice version we showed her and she has not answered
    erase_pending: bool  # we asked her to confirm BORRAR MIS DATOS
    rating_pending: str | None  # the ticket we asked her to rate
    ticket: Ticket | None  # her open ticket: she is waiting for, or talking to, a person
    crisis_check: PendingCheck | None  # we asked whether she is in danger now


def load_state(rt: Runtime, participant: str) -> ParticipantState:
    keys = rt.keys
    pipe = rt.redis.pipeline(transaction=False)
    pipe.get(keys.menu_options(participant))
    pipe.get(keys.contact_state(participant))
    pipe.get(keys.consent_asked(participant))
    pipe.get(keys.erase_pending(participant))
    pipe.get(keys.rating_pending(participant))
    pipe.get(keys.handoff_open(participant))
    pipe.get(keys.crisis_check(participant))
    options, cached_contact, asked, erase, rating, ticket_id, check = pipe.execute()
    her = contact.read(rt, participant, cached_contact)
    return ParticipantState(
        menu_options=json.loads(options or "[]"),
        consent_version=her.consent_version,
        opted_out=her.opted_out,
        consent_asked=asked,
        erase_pending=bool(erase),
        rating_pending=rating,
        ticket=rt.handoff.get(ticket_id) if ticket_id else None,
        crisis_check=PendingCheck.from_json(check),
    )
