"""One registry of what is hers: every Redis key and SQL table that holds something of one
participant is registered (bot/core/keys.py, bot/store/models.py), and erasure is derived
from the registry — so a new key or table cannot be forgotten by erasure."""

from __future__ import annotations

import inspect

import pytest
import redis
from redis.crc import key_slot

from bot.core.keys import (
    INBOX,
    NOT_ERASED_AS_KEYS,
    OUTBOX,
    Keys,
    all_shards,
    new_ticket_id,
    per_participant,
    shard_of,
)
from bot.privacy.erasure import erase_everything
from bot.runtime import Runtime
from bot.store.models import (
    HER_ROWS,
    HER_TICKETS_ROWS,
    NOT_ABOUT_A_PARTICIPANT,
    Base,
    Participant,
)

# Redis-facing: also on a local Redis Cluster (issue 13, item 12).
pytestmark = pytest.mark.cluster_too

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
    def store(key: str) -> redis.Redis:  # Rasa's trackers live in Rasa's Redis
        tracker = key.startswith(keys.rasa_tracker_prefix() + ":")
        return runtime.rasa_redis if tracker else runtime.redis  # type: ignore[return-value]

    for key in keys.participant_keys(hers) + keys.participant_keys(other):
        store(key).set(key, "x")
    assert len(keys.participant_keys(hers)) >= 12
    erase_everything(runtime, hers)
    assert [k for k in keys.participant_keys(hers) if store(k).exists(k)] == []
    assert all(store(k).exists(k) for k in keys.participant_keys(other))
    runtime.rasa_redis.delete(keys.rasa_tracker(other))


def test_all_of_her_keys_and_her_shards_queues_share_one_hash_slot() -> None:
    """Issue 13, item 10: every script and MULTI touches one slot, so Redis Cluster runs it."""
    keys = Keys("almas")
    for her in ("p_" + "a" * 32, "p_0123456789abcdef0123456789abcdef", "staff_ops"):
        shard = shard_of(her)
        ticket = new_ticket_id(her)
        hers = [k for k in keys.participant_keys(her) if k != keys.rasa_tracker(her)]
        hers += [
            keys.seen_message(her, "SM1"),
            keys.done(INBOX, her, "SM1"),
            keys.outbox_uncertain(her, "out_1"),
            keys.erased(her),
            keys.sender_rate(her, 1),
            keys.mailbox(INBOX, her),
            keys.mailbox(OUTBOX, her),
            keys.proactive_held(her),
            keys.handoff_ticket(ticket),
            keys.handoff_nudged(ticket),
            keys.handoff_attachments(ticket),
        ]
        hers += [
            method(queue, shard)
            for queue in (INBOX, OUTBOX)
            for method in (keys.ready, keys.active, keys.lease_tokens, keys.attempts,
                           keys.deadletters)
        ]  # fmt: skip
        hers += [keys.handoff_queue(shard), keys.handoff_leases(shard)]
        hers += [keys.crisis_checks_due(shard)]
        assert {key_slot(k.encode()) for k in hers} == {key_slot(hers[0].encode())}, her


def test_the_shards_spread_over_the_slots_of_a_three_master_cluster() -> None:
    slots = {key_slot(Keys("almas").ready(INBOX, s).encode()) for s in all_shards()}
    assert len(slots) == len(all_shards())
    # redis-cli --cluster create gives three masters 0-5460, 5461-10922, 10923-16383.
    masters = {0 if s <= 5460 else 1 if s <= 10922 else 2 for s in slots}
    assert masters == {0, 1, 2}


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
