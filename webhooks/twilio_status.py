"""POST /twilio/status?outbox_id=…: Twilio's status callbacks for the messages we send.

Signed like /twilio/messages (403 missing / 403 invalid). A thin layer over bot/delivery.py:
parse (400 with the reason, e.g. an unknown MessageStatus lists the valid ones), apply, 200.
An unknown message is answered 200 too (Twilio would retry otherwise) and logged. Fast: one
Redis write and one SQL update, nothing else.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from bot.delivery import InvalidStatusCallback, apply_status, parse_status_callback
from webhooks.extensions import runtime
from webhooks.signature import SignatureInvalid, SignatureMissing, verify_twilio_request

log = logging.getLogger(__name__)

bp = Blueprint("twilio_status", __name__, url_prefix="/twilio")


def _plain(text: str, status: int) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


@bp.post("/status")
def receive_status() -> Response:
    rt = runtime()
    settings = rt.settings
    try:
        verify_twilio_request(request, settings.twilio_auth_token, settings.public_base_url)
    except SignatureMissing:
        log.warning("rejected %s: X-Twilio-Signature header missing", request.path)
        return _plain("missing X-Twilio-Signature", 403)
    except SignatureInvalid:
        log.warning("rejected %s: X-Twilio-Signature invalid (check PUBLIC_BASE_URL)", request.path)
        return _plain("invalid X-Twilio-Signature", 403)
    try:
        report = parse_status_callback(request.form, request.args)
    except InvalidStatusCallback as exc:
        log.warning("rejected a signed status callback: %s", exc)
        return _plain(f"bad request: {exc}", 400)
    apply_status(rt, report)
    return _plain("ok", 200)
