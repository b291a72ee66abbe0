"""Twilio's error codes this project acts on, each named once (twilio.com/docs/api/errors).

Retryable codes are retried by the outbox with backoff; the codes in PERMANENT_FOR_THE_NUMBER
mean the same message can never reach her (a supervisor's retry is refused, with the reason).
"""

from __future__ import annotations

TOO_MANY_REQUESTS = 20429  # too many concurrent requests: retry later
INVALID_TO = 21211  # the To number is not valid
NOT_MOBILE = 21614  # the To number is not a mobile number
UNSUBSCRIBED = 21610  # she replied STOP: never send to her again until she opts in
BODY_TOO_LONG = 21617  # Body over 1,600 characters
UNREACHABLE = 30003
UNKNOWN_DESTINATION = 30005  # the number does not exist
LANDLINE_OR_UNREACHABLE_CARRIER = 30006
CARRIER_FILTERED = 30007
OUTSIDE_WHATSAPP_WINDOW = 63016  # free text after 24 h: only an approved template may go
WHATSAPP_RATE_LIMIT = 63018

RETRYABLE_CODES = frozenset({TOO_MANY_REQUESTS, WHATSAPP_RATE_LIMIT})

# Codes where the same message can never work, or must not be sent, with the reason in words
# a supervisor reads in the console.
PERMANENT_FOR_THE_NUMBER = {
    UNSUBSCRIBED: "she replied STOP: she must not get it",
    INVALID_TO: "the number is not valid",
    NOT_MOBILE: "the number is not a mobile number",
    UNKNOWN_DESTINATION: "the number does not exist",
    LANDLINE_OR_UNREACHABLE_CARRIER: "the number is a landline or its carrier cannot receive it",
}
