"""Every Redis key name the project uses, in one place.

All keys start with a prefix (settings.redis_prefix) so tests and several deployments can share
one Redis without touching each other's data.

Cluster-ready: every participant belongs to one of SHARDS shards, and every key of hers — and
every queue structure of her shard (ready, active, leases, attempts, dead letters, the handoff
line) — carries her shard's hash tag "{sNN}", so each Lua script and each MULTI touches one hash
slot and runs unchanged on Redis Cluster and on a single node. Keys that are about no one in
particular (de-duplication of callbacks, locks, the wake-up lists) have no tag and are never
used together with another key in one atomic step. Scripts get every key they touch in KEYS.
"""

from __future__ import annotations

import hashlib
import re
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass

# Fixed: changing it moves every participant to another shard (drain the queues first).
SHARDS = 16
_TICKET_ID = re.compile(r"^t(\d{2})_[0-9a-z_]+$")
# A shard's hash tag in a key ("{s07}"), as Keys._s writes it.
_SHARD_TAG = re.compile(r"\{s\d\d\}")


def any_shard(key: str) -> str:
    """The SCAN pattern of this key in every shard (braces are plain in a pattern)."""
    return _SHARD_TAG.sub("{s??}", key, count=1)


def untagged(key: str) -> str:
    """The key without its shard's hash tag, for reading it as a kind of key."""
    return _SHARD_TAG.sub("", key, count=1).replace("::", ":", 1)


def shard_of(owner: str) -> int:
    """The shard of a participant, or of one of her mailboxes ("<participant>:proactive")."""
    return zlib.crc32(owner.split(":", 1)[0].encode()) % SHARDS


def _digest(participant: str, item_id: str) -> str:
    """An id that is hers alone without naming her: a marker of a message already handled
    must not say, after erasure or before consent, that she wrote."""
    return hashlib.sha256(f"{participant}\x00{item_id}".encode()).hexdigest()[:32]


def all_shards() -> range:
    return range(SHARDS)


def new_ticket_id(participant: str) -> str:
    """A ticket id that names its shard (her shard), so its keys sit with hers."""
    return f"t{shard_of(participant):02d}_{uuid.uuid4().hex[:16]}"


def ticket_shard(ticket_id: str) -> int:
    match = _TICKET_ID.match(ticket_id)
    return int(match.group(1)) % SHARDS if match else shard_of(ticket_id)


def per_participant(method: Callable[[Keys, str], str]) -> Callable[[Keys, str], str]:
    """Mark a key that holds something of one participant and nothing else: erasure deletes
    every key so marked (Keys.participant_keys)."""
    method.per_participant = True  # type: ignore[attr-defined]
    return method


# Keys that name a participant but are not erased by deleting them, and why. A key method that
# takes a participant must be marked @per_participant or listed here
# (tests/integration/test_keys.py).
NOT_ERASED_AS_KEYS = {
    "mailbox": "her queued messages, drained in order by the queue (a list shared with the lease)",
    "sender_rate": "a count for one minute, no content; expires within two minutes",
    "proactive_mailbox": "not a key: her proactive mailbox id (its list: proactive_held)",
    "erased": "erasure's own mark (no data, expires): replies still queued are not stored",
    # No data of hers in these: ids of messages already handled, and a time.
    "seen_message": "a Twilio MessageSid already accepted (de-duplication); expires",
    "done": "an item id whose results were committed (redelivery guard); expires",
    "outbox_uncertain": "the time a send was attempted (reconciliation guard); expires",
}
# The two queues of mailboxes (bot/queue/mailbox.py).
INBOX = "inbox"
OUTBOX = "outbox"


@dataclass(frozen=True)
class Keys:
    prefix: str = "almas"

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def _s(self, shard: int, *parts: str) -> str:
        """A key in one shard's hash slot."""
        return self._k(f"{{s{shard:02d}}}", *parts)

    def _p(self, participant: str, *parts: str) -> str:
        """A key in her shard's hash slot."""
        return self._s(shard_of(participant), *parts)

    # --- ingress de-duplication -------------------------------------------------------------
    def seen_message(self, participant: str, message_sid: str) -> str:
        """Set when a Twilio MessageSid was accepted from her; expires after the de-duplication
        window. Hers, in her slot, so her enqueue sets it atomically: the same SID from another
        sender is not a retry of hers (Twilio never gives two messages one SID)."""
        return self._p(participant, "seen", _digest(participant, message_sid))

    # --- mailbox queues (one per concern: "inbox" for inbound turns, "outbox" for sends) ----
    def mailbox(self, queue: str, participant: str) -> str:
        """A participant's own FIFO list of pending items: kept in order, drained by one worker."""
        return self._p(participant, queue, "mailbox", participant)

    def ready(self, queue: str, shard: int) -> str:
        """Sorted set of a shard's participants with pending items, scored by when they may
        be taken."""
        return self._s(shard, queue, "ready")

    def active(self, queue: str, shard: int) -> str:
        """Sorted set of a shard's participants being worked on, scored by lease expiry (ms)."""
        return self._s(shard, queue, "active")

    def lease_tokens(self, queue: str, shard: int) -> str:
        """Hash participant -> fencing token of the worker that holds her."""
        return self._s(shard, queue, "leases")

    def wakeup(self, queue: str) -> str:
        """List used only to wake blocked workers at once when new work arrives; its items
        name the shard that has it (a hint, never the only way work is found)."""
        return self._k(queue, "wakeup")

    def attempts(self, queue: str, shard: int) -> str:
        """Hash item id -> how many times processing it has failed."""
        return self._s(shard, queue, "attempts")

    def deadletters(self, queue: str, shard: int) -> str:
        """List of items that failed too often, with the reason, for a person to look at."""
        return self._s(shard, queue, "deadletters")

    def done(self, queue: str, participant: str, item_id: str) -> str:
        """Set when an item's results were committed, so a redelivery does nothing twice."""
        return self._p(participant, queue, "done", _digest(participant, item_id))

    # --- delivery fidelity (bot/outbound/delivery.py) ---
    def outbox_uncertain(self, participant: str, outbox_id: str) -> str:
        """When (epoch s) a send of this entry first ended ambiguously (timeout, dropped
        connection): Twilio may have it, so it is looked for before any resend (expires)."""
        return self._p(participant, "outbox", "uncertain", outbox_id)

    def outbox_callbacks(self, outbox_id: str) -> str:
        """Hash of what Twilio's status callbacks said about this entry: "sid" and one field
        per status seen (value: its ErrorCode or ""). Expires."""
        return self._k("outbox", "callbacks", outbox_id)

    def outbox_sid_owner(self, twilio_sid: str) -> str:
        """The outbox id a Twilio MessageSid belongs to, so a reconciliation never takes
        another entry's message for its own (expires)."""
        return self._k("outbox", "sid", twilio_sid)

    @per_participant
    def outbox_failed(self, participant: str) -> str:
        """Hash outbox id -> the entry (JSON) of her messages that failed, kept for a
        supervisor's retry (expires; erased with her data)."""
        return self._p(participant, "outbox", "failed", participant)

    # --- handoff to case workers -------------------------------------------------------------
    def handoff_queue(self, shard: int) -> str:
        """Sorted set of a shard's waiting tickets, scored priority·10^13 + enqueued ms (lowest
        first); the line is the merge of every shard's (bot/handoff/queue.py)."""
        return self._s(shard, "handoff", "queue")

    def handoff_leases(self, shard: int) -> str:
        """Sorted set of a shard's claimed tickets, scored by lease expiry (ms)."""
        return self._s(shard, "handoff", "leases")

    def handoff_ticket(self, ticket_id: str) -> str:
        """Hash with one ticket: participant, channel, topic, summary, status, times."""
        return self._s(ticket_shard(ticket_id), "handoff", "ticket", ticket_id)

    def content_version(self) -> str:
        """A counter raised on every publish: each process reloads content when it moves."""
        return self._k("content", "version")

    def alerted(self, message_sid: str) -> str:
        """Set once supervisors were alerted of the urgent ticket this message opened."""
        return self._k("alerted", message_sid)

    @per_participant
    def handoff_open(self, participant: str) -> str:
        """Her open ticket's id: one open ticket per participant."""
        return self._p(participant, "handoff", "open", participant)

    @per_participant
    def handoff_reminded(self, participant: str) -> str:
        """Set while she was recently told she is still in line (not to repeat it each time)."""
        return self._p(participant, "handoff", "reminded", participant)

    def handoff_nudged(self, ticket_id: str) -> str:
        """Set once the 'a reply is waiting for you' template went out for this ticket."""
        return self._s(ticket_shard(ticket_id), "handoff", "nudged", ticket_id)

    def handoff_attachments(self, ticket_id: str) -> str:
        """List of the media she sent while the ticket was open (photos, PDFs, voice notes)."""
        return self._s(ticket_shard(ticket_id), "handoff", "attachments", ticket_id)

    @per_participant
    def rating_pending(self, participant: str) -> str:
        """The ticket she was just asked to rate (1-5), while we wait for her answer."""
        return self._p(participant, "handoff", "rating", participant)

    # --- dialogue helpers ------------------------------------------------------------------
    @per_participant
    def crisis_check(self, participant: str) -> str:
        """The possible danger we asked her about (kind, her words, her address) while we wait
        for her SÍ or NO (bot/conversation/crisis/check.py; expires)."""
        return self._p(participant, "crisis", "check", participant)

    def crisis_checks_due(self, shard: int) -> str:
        """Sorted set of a shard's participants asked the check, scored by when an unanswered
        check goes to a person (epoch s). Erasure removes her from it (bot/privacy/erasure.py)."""
        return self._s(shard, "crisis", "checks_due")

    @per_participant
    def menu_options(self, participant: str) -> str:
        """Payloads of the numbered options she was last shown, so "2" means option 2."""
        return self._p(participant, "menu", participant)

    # --- consent, data rights, abuse -------------------------------------------------------
    def erased(self, participant: str) -> str:
        """Set by erasure for a week: replies to her still queued then may be delivered, but
        are never written back to the transcript (which would re-create her row). Cleared when
        she accepts the notice again."""
        return self._p(participant, "participant", participant, "erased")

    @per_participant
    def contact_state(self, participant: str) -> str:
        """Her consent version and opt-out, a copy of SQL for the worker's gates
        (bot/store/contact.py; expires)."""
        return self._p(participant, "participant", participant, "contact")

    @per_participant
    def consent_asked(self, participant: str) -> str:
        """The notice version she was shown and has not answered yet (expires): all that is
        kept about someone who has not accepted."""
        return self._p(participant, "consent", "asked", participant)

    @per_participant
    def erase_pending(self, participant: str) -> str:
        """Set while we wait for her to confirm BORRAR MIS DATOS (expires)."""
        return self._p(participant, "erase", "pending", participant)

    def sender_rate(self, participant: str, minute: int) -> str:
        """How many messages she sent in this minute (expires)."""
        return self._p(participant, "rate", participant, str(minute))

    @per_participant
    def throttle_noticed(self, participant: str) -> str:
        """Set once she was asked to slow down, so the notice is not repeated (expires)."""
        return self._p(participant, "rate", "noticed", participant)

    def content_schedule_lock(self) -> str:
        """Held while scheduled content changes are applied, so one process does it."""
        return self._k("content", "schedule", "lock")

    def purge_lock(self) -> str:
        """Held while the retention purge runs, so one process at a time does it."""
        return self._k("purge", "lock")

    # --- proactive messages (Ley 2300 de 2023; bot/outbound/proactive.py, bot/reminders/job.py) ---
    def proactive_mailbox(self, participant: str) -> str:
        """Her second outbox mailbox id (not a key: a member of the outbox's sets), for
        proactive messages only, so one held until allowed hours never delays her replies."""
        return participant + ":proactive"

    @per_participant
    def proactive_last(self, participant: str) -> str:
        """JSON {at, id} of the last proactive message that took her daily slot (expires)."""
        return self._p(participant, "proactive", "last", participant)

    @per_participant
    def reminder_address(self, participant: str) -> str:
        """Where to reach her ("whatsapp:+…" or "+…") while a reminder of hers is pending:
        the only copy of her number outside a conversation; expires after her last deadline."""
        return self._p(participant, "reminder", "address", participant)

    @per_participant
    def proactive_held(self, participant: str) -> str:
        """The list of her proactive messages held until allowed hours (her proactive mailbox
        in the outbox)."""
        return self.mailbox(OUTBOX, self.proactive_mailbox(participant))

    def reminders_lock(self) -> str:
        """Held while the reminder job runs, so one process at a time does it."""
        return self._k("reminder", "lock")

    # --- Rasa's own store (its RedisTrackerStore, same Redis) --------------------------------
    def rasa_tracker_prefix(self) -> str:
        """The key prefix of Rasa's tracker store: ours, alphanumeric only (Rasa requires it)."""
        return (re.sub(r"[^A-Za-z0-9]", "", self.prefix) or "almas") + "rasa"

    @per_participant
    def rasa_tracker(self, sender: str) -> str:
        """Rasa 3.6 stores a conversation at "<key_prefix>:tracker:<sender_id>"."""
        return f"{self.rasa_tracker_prefix()}:tracker:{sender}"

    # --- simulator (development only) -------------------------------------------------------
    def simulator_outbox(self, address: str) -> str:
        """Messages the simulator's fake Twilio endpoint received for one participant."""
        return self._k("simulator", "sent", address)

    def participant_keys(self, participant: str) -> list[str]:
        """Every key marked @per_participant, for her: what erasure deletes."""
        return [
            getattr(self, name)(participant)
            for name, method in vars(Keys).items()
            if getattr(method, "per_participant", False)
        ]
