"""POST /twilio/messages: Twilio's incoming-message webhook, SMS and WhatsApp.

Verify the signature, parse, de-duplicate by MessageSid and put the message in her mailbox,
then answer 200 with empty TwiML at once: replies go out later through the outbox.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from flask import Blueprint, Response, request

from bot.channels.twilio.inbound import InvalidInbound, parse_twilio_form
from bot.conversation.ratelimit import count_message
from bot.core import metrics
from bot.core.addresses import channel_of
from bot.core.identity import mask_address
from bot.privacy.senders import participant_of
from webhooks.extensions import runtime
from webhooks.signature import plain, refuse_unsigned

log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
TWIML_TYPE = "text/xml; charset=utf-8"

bp = Blueprint("twilio_inbound", __name__, url_prefix="/twilio")


@bp.post("/messages")
def receive_message() -> Response:
    started = time.perf_counter()
    response = _receive()  # an exception (Redis down) is a 500: Twilio retries, not observed
    seconds = time.perf_counter() - started
    channel = channel_of((request.form.get("From") or "").strip())
    metrics.webhook_acknowledged(channel, response.status_code == 200, seconds)
    return response


def _receive() -> Response:
    rt = runtime()
    settings = rt.settings
    if (refusal := refuse_unsigned(request, settings)) is not None:
        return refusal

    try:
        message = parse_twilio_form(request.form)
    except InvalidInbound as exc:
        log.warning("rejected a signed request: %s", exc)
        return plain(f"bad request: {exc}", 400)

    if len(message.text) > settings.max_body_chars:
        # Twilio never sends more than 4,096 characters: this is not a real message.
        log.warning("rejected a signed request: Body of %s characters", len(message.text))
        return plain(f"Body longer than {settings.max_body_chars} characters", 413)

    participant = participant_of(rt, message)
    # Twilio's redelivery of a message already accepted does not count against her.
    redelivery = rt.redis.exists(rt.keys.seen_message(participant, message.message_sid))
    if (
        not redelivery
        and count_message(rt.redis, rt.keys, participant) > settings.rate_limit_per_minute
    ):
        message = replace(message, over_rate_limit=True)
    accepted = rt.inbox.enqueue(
        participant,
        [message.to_json()],
        dedupe_id=message.message_sid,
        dedupe_seconds=settings.dedupe_hours * 3600,
    )
    if accepted:
        log.info("queued %s from %s", message.message_sid, mask_address(message.address))
    else:
        log.info("duplicate %s ignored", message.message_sid)
    return Response(EMPTY_TWIML, status=200, content_type=TWIML_TYPE)
