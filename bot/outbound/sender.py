"""The outbox sender: sends each participant's replies through Twilio, in order, once.

An entry leaves her outbox only after Twilio accepted it (returned a SID); then it is never
sent again. Retryable failures wait with exponential backoff and jitter (the entries behind it
wait too, to keep her order); after `outbox_max_attempts` the entry is dead-lettered, visible in
`almas deadletters`. A permanent refusal is recorded in the transcript with Twilio's code.
Failed and dead-lettered entries are kept for a supervisor's retry (bot/handoff/redelivery.py).

Never twice: every send carries
`StatusCallback=<PUBLIC_BASE_URL>/twilio/status?outbox_id=<id>`. Before every attempt, in ONE
step with the check that she is still this sender's (lease and head,
`MailboxQueue.mark_attempt`), the entry is marked *attempting*: a sender that lost her lease
(paused, clock skew — lease expiry is Redis's clock) never calls Twilio, and a sender that dies
between Twilio's answer and the commit leaves the mark behind. A clean refusal clears the mark;
Twilio's answer with a SID commits the entry (if she was lost meanwhile, the SID is noted as a
callback so her new holder commits it without sending). Whenever a mark exists, before any
further attempt `_reconcile` asks whether Twilio has it: (a) a status callback for its outbox
id came (noted in Redis by the status webhook), or (b) Twilio's message list shows a message to
her, from our sender, with the same Body (or any body for a template), created after the first
ambiguous attempt and not owned by another entry. Found: committed as sent with that SID, not
sent again. Not found: sent again.

Residual risk (why "never twice" is "almost never"): Twilio's list is eventually consistent,
so the lookup waits `outbox_reconcile_wait_seconds` after the ambiguous attempt, but a message
that appears in the list later than that, or a request that reaches Twilio later still (held
by a proxy), is sent twice. The lookup reads her newest 50 messages; Twilio's Smart Encoding
(Messaging Services) may change a Body so it no longer matches; a template matches any message
to her created in that window. A 5xx answer is taken at its word (not created). An entry whose
LAST allowed attempt was ambiguous is dead-lettered as "failed"; if Twilio did send it, its
first status callback corrects the row (a supervisor then cannot retry it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.channels.twilio.errors import UNSUBSCRIBED
from bot.channels.twilio.send import SendFailed, SendResult, TwilioGateway
from bot.channels.twilio.status import StatusReport
from bot.core import metrics
from bot.core.identity import mask_address
from bot.core.messages import OutboundMessage
from bot.outbound import delivery, proactive
from bot.queue.backoff import backoff_seconds
from bot.queue.consumer import MailboxConsumer
from bot.queue.mailbox import DEAD, LOST, NOTED_NOW, Lease
from bot.store import contact
from bot.store.participants import is_opted_out
from bot.store.transcript import record_outbound

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

# What handle() returns when her lease is lost: stop working on her now (her new holder goes on).
STOP = 0.0


class OutboxSender(MailboxConsumer):
    def __init__(self, runtime: Runtime, gateway: TwilioGateway | None = None) -> None:
        self.rt = runtime
        self.queue = runtime.outbox
        self.settings = runtime.settings
        self.gateway = gateway or TwilioGateway(self.settings)

    def handle(self, lease: Lease, head: str) -> float | None:
        """Send her oldest entry. None: go on; a number: wait that long before retrying."""
        message = OutboundMessage.from_json(head)
        if self.rt.outbox.is_done(lease.participant, message.id):
            self.rt.outbox.commit(lease, head, message.id)
            return None
        settled, retry_after = self._reconcile(lease, head, message)
        if settled:
            return retry_after
        if message.proactive and is_opted_out(self.rt.sessions, message.participant):
            # Checked here, at the last moment, so no path around her opt-out exists.
            self.rt.outbox.commit(lease, head, message.id)
            self._record(message, "suppressed")
            log.info("%s not sent: she opted out", message.id)
            return None
        if (held := self._proactive_hold(lease, head, message)) is not None:
            return held
        return self._send(lease, head, message)

    # -- sending once ----------------------------------------------------------------------
    def _send(self, lease: Lease, head: str, message: OutboundMessage) -> float | None:
        started = time.time()
        # The attempt is noted BEFORE Twilio is called, in the same step that checks she is
        # still ours: a sender that lost her lease (paused, clock skew) never calls Twilio for
        # her, and whoever holds her after a crash here reconciles before sending again.
        noted = self.rt.outbox.mark_attempt(
            lease, head, delivery.uncertain_key(self.rt, message), repr(started),
            delivery.MARKER_SECONDS,
        )  # fmt: skip
        if noted == LOST:
            log.warning("%s not sent: another sender holds her now", message.id)
            return STOP
        try:
            result = self.gateway.send(message)
        except SendFailed as exc:
            if not exc.ambiguous and noted == NOTED_NOW:
                delivery.clear_uncertain(self.rt, message)  # Twilio surely has nothing
            return self.failed(lease, head, message, exc)
        if not self._sent(lease, head, message, result):
            return STOP
        log.info("sent %s to %s as %s", message.id, mask_address(message.to), result.sid)
        return None

    def _sent(self, lease: Lease, head: str, message: OutboundMessage, result: SendResult) -> bool:
        """Twilio has it: take it out, so nothing can send it a second time. False when she is
        not ours any more: then the attempt's marker stays and what Twilio said is noted, so
        her new holder commits it without sending (bot/outbound/delivery.py)."""
        if not self.rt.outbox.commit(lease, head, message.id):
            delivery.note_callback(
                self.rt,
                StatusReport(
                    message_sid=result.sid, status=result.status or "queued", error_code=None,
                    outbox_id=message.id, to=message.to,
                ),
            )  # fmt: skip
            log.warning("%s reached Twilio as %s after her lease was lost", message.id, result.sid)
            return False
        metrics.send_result(metrics.SENT)
        early = delivery.sent(self.rt, message, result.sid)
        self._record(message, result.status, twilio_sid=result.sid)
        if early is not None and message.record:
            self._apply_early_callbacks(message)
        return True

    def _apply_early_callbacks(self, message: OutboundMessage) -> None:
        """Status callbacks that arrived before the transcript row existed."""
        try:
            delivery.apply_noted_callbacks(self.rt, message)
        except Exception:
            log.exception("could not apply early status callbacks of %s", message.id)

    def _owned_elsewhere(self, message: OutboundMessage) -> Callable[[str], bool]:
        return lambda sid: delivery.sid_taken_by_other(self.rt, sid, message.id)

    def _reconcile(
        self, lease: Lease, head: str, message: OutboundMessage
    ) -> tuple[bool, float | None]:
        """An earlier attempt may have reached Twilio: find out before sending (see the module
        docstring). (True, delay): settled here, return delay; (False, _): send it now."""
        since = delivery.uncertain_since(self.rt, message)
        if since is None:
            return False, None
        note = delivery.callbacks_for(self.rt, message.id)
        if note is not None:  # (a) Twilio reported on it, so it has it
            found: SendResult | None = SendResult(sid=note.sid, status=note.furthest)
        else:
            wait = delivery.settle_remaining(self.rt, since)
            if wait > 0:
                return True, wait
            try:
                found = self.gateway.find_sent(message, since, self._owned_elsewhere(message))
            except SendFailed as exc:
                return True, self.failed(lease, head, message, exc)
        if found is None:
            delivery.clear_uncertain(self.rt, message)
            log.warning("%s: Twilio has no trace of the uncertain send; sending again", message.id)
            return False, None
        if not self._sent(lease, head, message, found):
            return True, STOP
        log.warning("%s had reached Twilio as %s: not sent again", message.id, found.sid)
        return True, None

    def now(self) -> datetime:
        """The clock of the proactive-hours gate (tests set a fake one)."""
        return datetime.now(UTC)

    def _proactive_hold(self, lease: Lease, head: str, message: OutboundMessage) -> float | None:
        """Ley 2300 de 2023 for proactive messages, at the last moment (bot/outbound/proactive.py):
        None to send now; else how long her mailbox waits (0 when the entry was moved aside to her
        proactive mailbox, so her replies behind it go at once)."""
        if not message.proactive or not self.settings.proactive_limits:
            return None
        wait = proactive.hold(self.rt, lease, head, message, self.now())
        if wait is not None:
            log.info("%s held: proactive, not allowed now (Ley 2300)", message.id)
        return wait

    def failed(
        self, lease: Lease, head: str, message: OutboundMessage, exc: SendFailed
    ) -> float | None:
        if not exc.retryable:
            self.rt.outbox.commit(lease, head, message.id)
            self._record_failure(message, exc.code)
            if exc.code == UNSUBSCRIBED:  # she replied STOP to the carrier / Twilio
                contact.set_opted_out(self.rt, message.participant, message.channel, True)
            delivery.keep_for_retry(self.rt, message)
            log.error("Twilio refused %s for good (code %s): %s", message.id, exc.code, exc)
            return None
        attempts = self.rt.outbox.fail(
            lease, head, message.id, str(exc), self.settings.outbox_max_attempts
        )
        self.count_failure(attempts)
        if attempts == DEAD:
            self._record_failure(message, exc.code)
            delivery.keep_for_retry(self.rt, message)
            log.error(
                "gave up on %s after %s attempts: %s",
                message.id,
                self.settings.outbox_max_attempts,
                exc,
            )
            return None
        metrics.send_result(metrics.AMBIGUOUS if exc.ambiguous else metrics.RETRY, exc.code)
        log.warning("send of %s failed (attempt %s), will retry: %s", message.id, attempts, exc)
        delay = backoff_seconds(max(attempts, 1))
        if delivery.uncertain_since(self.rt, message) is not None:
            # Ask Twilio's list only once it had time to show the message.
            delay = max(delay, self.settings.outbox_reconcile_wait_seconds)
        return delay

    def _record_failure(self, message: OutboundMessage, code: int | None) -> None:
        metrics.send_result(metrics.FAILED, code)
        self._record(message, "failed", error_code=code)

    def _record(
        self,
        message: OutboundMessage,
        status: str,
        twilio_sid: str | None = None,
        error_code: int | None = None,
    ) -> None:
        """Write the transcript row. The send already happened, so a database failure here is
        logged, never retried (a retry would send the message twice)."""
        if not message.record:
            return  # before her consent, or not to a participant at all
        if self.rt.redis.exists(self.rt.keys.erased(message.participant)):
            return  # she erased her data after this reply was queued: delivered, not stored
        try:
            record_outbound(
                self.rt.sessions,
                message.participant,
                message.channel,
                message.body,
                message.id,
                status=status,
                twilio_sid=twilio_sid,
                error_code=error_code,
            )
        except Exception:
            log.exception("could not store the transcript row of %s", message.id)
