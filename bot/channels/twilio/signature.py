"""Twilio request signatures (X-Twilio-Signature): base64 HMAC-SHA1 of the URL Twilio requested
plus every POST parameter, sorted (twilio's RequestValidator, constant-time compare).

A missing signature and a wrong one are different errors: the first is not Twilio at all, the
second usually a wrong auth token or a PUBLIC_BASE_URL that is not the URL Twilio called.
"""

from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"


class SignatureMissing(Exception):
    """The request has no X-Twilio-Signature header: not from Twilio."""


class SignatureInvalid(Exception):
    """The signature does not match: forged, wrong auth token, or wrong PUBLIC_BASE_URL."""


def verify(url: str, form: Mapping[str, str], signature: str, auth_token: str) -> None:
    """Raise SignatureMissing or SignatureInvalid unless Twilio signed `form` sent to `url`."""
    if not signature:
        raise SignatureMissing
    if not RequestValidator(auth_token).validate(url, form, signature):
        raise SignatureInvalid


def sign(url: str, form: Mapping[str, str], auth_token: str) -> str:
    """The signature Twilio would send (the simulator signs its requests like Twilio)."""
    return RequestValidator(auth_token).compute_signature(url, form)
