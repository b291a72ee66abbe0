"""POST /twilio/status?outbox_id=…: Twilio's status callbacks for the messages we send.

Signed like /twilio/messages (403 missing / 403 invalid). A thin layer over
bot/outbound/delivery.py: parse (400 with the reason, e.g. an unknown MessageStatus lists the
valid ones), apply, 200.
An unknown message is answered 200 too (Twilio would retry otherwise) and logged. Fast: one
Redis write and one SQL update, nothing else.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from bot.channels.twilio.status import InvalidStatusCallback, parse_status_callback
from bot.outbound.delivery import apply_status
from webhooks.extensions import runtime
from webhooks.signature import plain, refuse_unsigned

log = logging.getLogger(__name__)

bp = Blueprint("twilio_status", __name__, url_prefix="/twilio")


@bp.post("/status")
def receive_status() -> Response:
    rt = runtime()
    settings = rt.settings
    if (refusal := refuse_unsigned(request, settings)) is not None:
        return refusal
    try:
        report = parse_status_callback(request.form, request.args)
    except InvalidStatusCallback as exc:
        log.warning("rejected a signed status callback: %s", exc)
        return plain(f"bad request: {exc}", 400)
    apply_status(rt, report)
    return plain("ok", 200)
