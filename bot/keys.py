"""Every Redis key name the project uses, in one place.

All keys start with a prefix (settings.redis_prefix) so tests and several deployments can share
one Redis without touching each other's data.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    prefix: str = "almas"

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    # --- ingress de-duplication -------------------------------------------------------------
    def seen_message(self, message_sid: str) -> str:
        """Set when a Twilio MessageSid was accepted; expires after the de-duplication window."""
        return self._k("seen", message_sid)

    # --- mailbox queues (one per concern: "inbox" for inbound turns, "outbox" for sends) ----
    def mailbox(self, queue: str, participant: str) -> str:
        """A participant's own FIFO list of pending items: kept in order, drained by one worker."""
        return self._k(queue, "mailbox", participant)

    def ready(self, queue: str) -> str:
        """Sorted set of participants with pending items, scored by when they may be taken."""
        return self._k(queue, "ready")

    def active(self, queue: str) -> str:
        """Sorted set of participants being worked on, scored by lease expiry (ms)."""
        return self._k(queue, "active")

    def lease_tokens(self, queue: str) -> str:
        """Hash participant -> fencing token of the worker that holds her."""
        return self._k(queue, "leases")

    def wakeup(self, queue: str) -> str:
        """List used only to wake blocked workers at once when new work arrives."""
        return self._k(queue, "wakeup")

    def attempts(self, queue: str) -> str:
        """Hash item id -> how many times processing it has failed."""
        return self._k(queue, "attempts")

    def deadletters(self, queue: str) -> str:
        """List of items that failed too often, with the reason, for a person to look at."""
        return self._k(queue, "deadletters")

    def done(self, queue: str, item_id: str) -> str:
        """Set when an item's results were committed, so a redelivery does nothing twice."""
        return self._k(queue, "done", item_id)

    # --- handoff to case workers -------------------------------------------------------------
    def handoff_queue(self) -> str:
        """Sorted set of waiting tickets, scored priority·10^13 + enqueued ms (lowest first)."""
        return self._k("handoff", "queue")

    def handoff_leases(self) -> str:
        """Sorted set of claimed tickets, scored by lease expiry (ms)."""
        return self._k("handoff", "leases")

    def handoff_ticket(self, ticket_id: str) -> str:
        """Hash with one ticket: participant, channel, topic, summary, status, times."""
        return self._k("handoff", "ticket", ticket_id)

    def handoff_open(self, participant: str) -> str:
        """Her open ticket's id: one open ticket per participant."""
        return self._k("handoff", "open", participant)

    def handoff_reminded(self, participant: str) -> str:
        """Set while she was recently told she is still in line (not to repeat it each time)."""
        return self._k("handoff", "reminded", participant)

    def handoff_nudged(self, ticket_id: str) -> str:
        """Set once the 'a reply is waiting for you' template went out for this ticket."""
        return self._k("handoff", "nudged", ticket_id)

    def rating_pending(self, participant: str) -> str:
        """The ticket she was just asked to rate (1-5), while we wait for her answer."""
        return self._k("handoff", "rating", participant)

    def handoff_ticket_prefix(self) -> str:
        return self._k("handoff", "ticket", "")

    # --- dialogue helpers ------------------------------------------------------------------
    def menu_options(self, participant: str) -> str:
        """Payloads of the numbered options she was last shown, so "2" means option 2."""
        return self._k("menu", participant)

    # --- simulator (development only) -------------------------------------------------------
    def simulator_outbox(self, address: str) -> str:
        """Messages the simulator's fake Twilio endpoint received for one participant."""
        return self._k("simulator", "sent", address)

    def all_keys_pattern(self) -> str:
        return self._k("*")
