"""Her consent and opt-out as every message's gates read them: SQL is the record, a Redis copy
serves the reads (one key, read in the worker's single pipeline instead of an SQL query).

Kept in step with SQL by writing through: every change goes to SQL first, then the copy is
rewritten from what SQL now holds (SET, overwrite). A reader that misses fills the copy from
SQL with SET NX, so a fill that read SQL before a concurrent change can never overwrite the
writer's newer copy. Someone we know nothing about (before consent, after erasure) has no copy
at all: nothing is kept about her but the "we asked" flag (bot/conversation/gates.py), and
her reads go to SQL until she accepts. The copy expires after a day: anything changed behind
this module's back (a manual SQL edit) heals by then.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.store import participants

if TYPE_CHECKING:
    from bot.runtime import Runtime

CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class ContactState:
    consent_version: str | None  # the notice version she accepted; None: none (or erased)
    opted_out: bool


NOTHING = ContactState(consent_version=None, opted_out=False)


def encode(state: ContactState) -> str:
    return json.dumps({"v": state.consent_version, "out": state.opted_out})


def decode(raw: str | None) -> ContactState | None:
    """The cached state, or None when there is no (usable) copy."""
    if not raw:
        return None
    try:
        data = json.loads(raw)
        return ContactState(consent_version=data["v"], opted_out=bool(data["out"]))
    except (ValueError, KeyError, TypeError):
        return None


def from_sql(rt: Runtime, participant: str) -> ContactState:
    version, opted_out = participants.consent_and_opt_out(rt.sessions, participant)
    return ContactState(consent_version=version, opted_out=opted_out)


def read(rt: Runtime, participant: str, cached: str | None = None) -> ContactState:
    """Her state from the copy already fetched (`cached`), else from SQL, filling the copy."""
    state = decode(cached)
    if state is None:
        state = from_sql(rt, participant)
        if state != NOTHING:
            key = rt.keys.contact_state(participant)
            rt.redis.set(key, encode(state), nx=True, ex=CACHE_SECONDS)
    return state


def _refresh(rt: Runtime, participant: str) -> ContactState:
    state = from_sql(rt, participant)
    if state == NOTHING:
        rt.redis.delete(rt.keys.contact_state(participant))
    else:
        rt.redis.set(rt.keys.contact_state(participant), encode(state), ex=CACHE_SECONDS)
    return state


def record_consent(rt: Runtime, participant: str, channel: str, version: str) -> None:
    participants.record_consent(rt.sessions, participant, channel, version)
    rt.redis.delete(rt.keys.erased(participant))  # a new start after an erasure: stored again
    _refresh(rt, participant)


def set_opted_out(rt: Runtime, participant: str, channel: str, opted_out: bool) -> None:
    participants.set_opted_out(rt.sessions, participant, channel, opted_out)
    _refresh(rt, participant)


def forget(rt: Runtime, participant: str) -> None:
    """After erasure: she is nobody we know (no copy; her next message reads SQL)."""
    rt.redis.delete(rt.keys.contact_state(participant))
