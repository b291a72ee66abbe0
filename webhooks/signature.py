"""Twilio request signatures (X-Twilio-Signature), checked against the public URL.

Behind a proxy the URL Flask sees is not the one Twilio signed, so the URL is rebuilt from
PUBLIC_BASE_URL + the path and query of the request.
"""

from __future__ import annotations

from flask import Request
from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"


class SignatureMissing(Exception):
    """The request has no X-Twilio-Signature header: not from Twilio."""


class SignatureInvalid(Exception):
    """The signature does not match: forged, wrong auth token, or wrong PUBLIC_BASE_URL."""


def public_url(request: Request, public_base_url: str) -> str:
    query = request.query_string.decode("latin-1")
    return public_base_url.rstrip("/") + request.path + (f"?{query}" if query else "")


def verify_twilio_request(request: Request, auth_token: str, public_base_url: str) -> None:
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature:
        raise SignatureMissing
    validator = RequestValidator(auth_token)
    if not validator.validate(public_url(request, public_base_url), request.form, signature):
        raise SignatureInvalid
