"""One registry of what is hers: every Redis key and SQL table that holds something of one
participant is registered (bot/core/keys.py, bot/store/models.py), and erasure is derived
from the registry — so a new key or table cannot be forgotten by erasure."""

from __future__ import annotations

import inspect

import pytest

from bot.core.keys import NOT_ERASED_AS_KEYS, Keys, per_participant
from bot.privacy.erasure import erase_everything
from bot.runtime import Runtime
from bot.store.models import (
    HER_ROWS,
    HER_TICKETS_ROWS,
    NOT_ABOUT_A_PARTICIPANT,
    Base,
    Participant,
)

PARTICIPANT_ARGUMENTS = {"participant", "sender"}


def unregistered(keys_class: type) -> list[str]:
    """Key methods that name a participant and are neither erased nor excused."""
    found = []
    for name, method in vars(keys_class).items():
        if not inspect.isfunction(method) or name.startswith("_") or name == "participant_keys":
            continue
        if PARTICIPANT_ARGUMENTS & set(inspect.signature(method).parameters):
            if not getattr(method, "per_participant", False) and name not in NOT_ERASED_AS_KEYS:
                found.append(name)
    return found


def test_every_key_that_names_a_participant_is_erased_or_excused_with_a_reason() -> None:
    assert unregistered(Keys) == []
    assert all(reason.strip() for reason in NOT_ERASED_AS_KEYS.values())


def test_the_registry_check_catches_a_new_unregistered_key() -> None:
    class MoreKeys(Keys):
        def her_new_thing(self, participant: str) -> str:
            return self._k("new", participant)

        @per_participant
        def her_registered_thing(self, participant: str) -> str:
            return self._k("registered", participant)

    assert unregistered(MoreKeys) == ["her_new_thing"]


def test_erasure_deletes_every_registered_key_of_hers_and_nobody_elses(runtime: Runtime) -> None:
    keys = runtime.keys
    hers, other = "p_her", "p_other"
    for key in keys.participant_keys(hers) + keys.participant_keys(other):
        runtime.redis.set(key, "x")
    assert len(keys.participant_keys(hers)) >= 12
    erase_everything(runtime, hers)
    assert [k for k in keys.participant_keys(hers) if runtime.redis.exists(k)] == []
    assert all(runtime.redis.exists(k) for k in keys.participant_keys(other))


@pytest.mark.parametrize("model", [m.class_ for m in Base.registry.mappers], ids=str)
def test_every_table_is_registered_as_hers_or_not(model: type) -> None:
    columns = set(model.__table__.columns.keys())  # type: ignore[attr-defined]
    if model is Participant:
        return  # her own row: erased by id
    if "participant_id" in columns:
        assert model in HER_ROWS
    elif "ticket_id" in columns:
        assert model in HER_TICKETS_ROWS
    else:
        assert model in NOT_ABOUT_A_PARTICIPANT
    registered = [m for group in (HER_ROWS, HER_TICKETS_ROWS, NOT_ABOUT_A_PARTICIPANT)
                  for m in group]  # fmt: skip
    assert registered.count(model) == 1
