"""The outbox sender: sends each participant's replies through Twilio, in order, once.

An entry leaves her outbox only after Twilio accepted it (returned a SID); then it is never
sent again. Retryable failures wait with exponential backoff and jitter (the entries behind it
wait too, to keep her order); after `outbox_max_attempts` the entry is dead-lettered, visible in
`almas deadletters`. A permanent refusal is recorded in the transcript with Twilio's code.
"""

from __future__ import annotations

import logging

from bot.backoff import backoff_seconds
from bot.consumer import MailboxConsumer
from bot.identity import mask_address
from bot.mailbox import DEAD, Lease
from bot.messages import OutboundMessage
from bot.runtime import Runtime
from bot.storage import is_opted_out, record_outbound, set_opted_out
from bot.twilio_gateway import SendFailed, TwilioGateway

log = logging.getLogger(__name__)

UNSUBSCRIBED = 21610  # Twilio: the recipient replied STOP


class OutboxSender(MailboxConsumer):
    def __init__(self, runtime: Runtime, gateway: TwilioGateway | None = None) -> None:
        self.rt = runtime
        self.queue = runtime.outbox
        self.settings = runtime.settings
        self.gateway = gateway or TwilioGateway(self.settings)

    def handle(self, lease: Lease, head: str) -> float | None:
        """Send her oldest entry. None: go on; a number: wait that long before retrying."""
        message = OutboundMessage.from_json(head)
        if self.rt.outbox.is_done(message.id):
            self.rt.outbox.commit(lease, head, message.id)
            return None
        if message.proactive and is_opted_out(self.rt.sessions, message.participant):
            # Checked here, at the last moment, so no path around her opt-out exists.
            self.rt.outbox.commit(lease, head, message.id)
            self._record(message, "suppressed")
            log.info("%s not sent: she opted out", message.id)
            return None
        try:
            result = self.gateway.send(message)
        except SendFailed as exc:
            return self.failed(lease, head, message, exc)
        # Twilio has it: take it out first, so nothing can send it a second time.
        self.rt.outbox.commit(lease, head, message.id)
        self._record(message, result.status, twilio_sid=result.sid)
        log.info("sent %s to %s as %s", message.id, mask_address(message.to), result.sid)
        return None

    def failed(
        self, lease: Lease, head: str, message: OutboundMessage, exc: SendFailed
    ) -> float | None:
        if not exc.retryable:
            self.rt.outbox.commit(lease, head, message.id)
            self._record_failure(message, exc.code)
            if exc.code == UNSUBSCRIBED:  # she replied STOP to the carrier / Twilio
                set_opted_out(self.rt.sessions, message.participant, message.channel, True)
            log.error("Twilio refused %s for good (code %s): %s", message.id, exc.code, exc)
            return None
        attempts = self.rt.outbox.fail(
            lease, head, message.id, str(exc), self.settings.outbox_max_attempts
        )
        if attempts == DEAD:
            self._record_failure(message, exc.code)
            log.error(
                "gave up on %s after %s attempts: %s",
                message.id,
                self.settings.outbox_max_attempts,
                exc,
            )
            return None
        log.warning("send of %s failed (attempt %s), will retry: %s", message.id, attempts, exc)
        return backoff_seconds(max(attempts, 1))

    def _record_failure(self, message: OutboundMessage, code: int | None) -> None:
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
