"""Refusing requests Twilio did not sign (the rule: bot/channels/twilio/signature.py).

Behind a proxy the URL Flask sees is not the one Twilio signed, so the URL is rebuilt from
PUBLIC_BASE_URL + the path and query of the request.
"""

from __future__ import annotations

import logging

from flask import Request, Response

from bot.channels.twilio.signature import (
    SIGNATURE_HEADER,
    SignatureInvalid,
    SignatureMissing,
    verify,
)
from bot.core.settings import Settings

log = logging.getLogger(__name__)


def public_url(request: Request, public_base_url: str) -> str:
    query = request.query_string.decode("latin-1")
    return public_base_url.rstrip("/") + request.path + (f"?{query}" if query else "")


def verify_twilio_request(request: Request, auth_token: str, public_base_url: str) -> None:
    signature = request.headers.get(SIGNATURE_HEADER, "")
    verify(public_url(request, public_base_url), request.form, signature, auth_token)


def plain(text: str, status: int) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


def refuse_unsigned(request: Request, settings: Settings) -> Response | None:
    """None when Twilio signed the request; else the 403 to answer, missing and invalid
    signatures told apart (an invalid one usually means a wrong PUBLIC_BASE_URL)."""
    try:
        verify_twilio_request(request, settings.twilio_auth_token, settings.public_base_url)
    except SignatureMissing:
        log.warning("rejected %s: X-Twilio-Signature header missing", request.path)
        return plain("missing X-Twilio-Signature", 403)
    except SignatureInvalid:
        log.warning("rejected %s: X-Twilio-Signature invalid (check PUBLIC_BASE_URL)", request.path)
        return plain("invalid X-Twilio-Signature", 403)
    return None
