"""POST /twilio/status: Twilio's status callbacks, signed, over verbatim payloads; the stored
status only moves forward whatever the order of arrival; 21610 opts her out."""

from __future__ import annotations

import logging
import uuid

import pytest

from bot.channels.twilio.status import VALID_STATUSES
from bot.outbound.delivery import callbacks_for
from bot.runtime import Runtime
from bot.store.models import STATUS_ORDER
from bot.store.participants import is_opted_out
from bot.store.transcript import outbound_message, record_outbound
from tests.support.environment import AUTH_TOKEN
from tests.support.twilio_payloads import (
    SMS_STATUS_DELIVERED,
    SMS_STATUS_FAILED_UNSUBSCRIBED,
    SMS_STATUS_SENT,
    SMS_STATUS_UNDELIVERED,
    SMS_STATUS_VIA_MESSAGING_SERVICE,
    WHATSAPP_STATUS_DELIVERED,
    WHATSAPP_STATUS_FAILED_OUTSIDE_WINDOW,
    WHATSAPP_STATUS_READ,
    WHATSAPP_STATUS_SENT,
    sign,
    with_status,
)

PATH = "/twilio/status"


def our_message(runtime: Runtime, form: dict[str, str]) -> tuple[str, str]:
    """A sent message of ours (queued, with a Twilio SID of its own); (outbox id, SID)."""
    outbox_id = "out_" + uuid.uuid4().hex
    sid = "SM" + uuid.uuid4().hex
    channel = "whatsapp" if form["To"].startswith("whatsapp:") else "sms"
    pid = "p_" + uuid.uuid4().hex[:12]
    record_outbound(runtime.sessions, pid, channel, "hola", outbox_id, "queued", twilio_sid=sid)
    return outbox_id, sid


def post_status(client, runtime: Runtime, form: dict[str, str], outbox_id: str = "", **headers):  # type: ignore[no-untyped-def]
    query = f"?outbox_id={outbox_id}" if outbox_id else ""
    url = runtime.settings.public_base_url + PATH + query
    signed = {"X-Twilio-Signature": sign(url, form, AUTH_TOKEN), **headers}
    return client.post(PATH + query, data=form, headers=signed)


def as_ours(form: dict[str, str], sid: str) -> dict[str, str]:
    return {**form, "MessageSid": sid, "SmsSid": sid}


CALLBACKS = [
    # (name, verbatim payload, stored status, stored error code)
    ("sms sent", SMS_STATUS_SENT, "sent", None),
    ("sms delivered", SMS_STATUS_DELIVERED, "delivered", None),
    ("sms undelivered 30003", SMS_STATUS_UNDELIVERED, "undelivered", 30003),
    ("sms via messaging service", SMS_STATUS_VIA_MESSAGING_SERVICE, "sent", None),
    ("sms failed 21610", SMS_STATUS_FAILED_UNSUBSCRIBED, "failed", 21610),
    ("whatsapp sent", WHATSAPP_STATUS_SENT, "sent", None),
    ("whatsapp delivered", WHATSAPP_STATUS_DELIVERED, "delivered", None),
    ("whatsapp read", WHATSAPP_STATUS_READ, "read", None),
    ("whatsapp failed 63016", WHATSAPP_STATUS_FAILED_OUTSIDE_WINDOW, "failed", 63016),
]


@pytest.mark.parametrize(
    ("form", "status", "error_code"),
    [case[1:] for case in CALLBACKS],
    ids=[case[0] for case in CALLBACKS],
)
def test_signed_status_callback_stores_the_status_and_twilios_error_code(
    client, runtime: Runtime, form, status, error_code
) -> None:
    outbox_id, sid = our_message(runtime, form)
    response = post_status(client, runtime, as_ours(form, sid), outbox_id)
    assert response.status_code == 200, response.get_data(as_text=True)
    row = outbound_message(runtime.sessions, outbox_id)
    assert (row.status, row.error_code) == (status, error_code)


def test_a_callback_without_our_outbox_id_finds_the_message_by_its_sid(
    client, runtime: Runtime
) -> None:
    outbox_id, sid = our_message(runtime, SMS_STATUS_DELIVERED)
    assert post_status(client, runtime, as_ours(SMS_STATUS_DELIVERED, sid)).status_code == 200
    assert outbound_message(runtime.sessions, outbox_id).status == "delivered"


@pytest.mark.parametrize(
    ("signature", "reason"),
    [(None, "missing X-Twilio-Signature"), ("bm90IGEgc2lnbmF0dXJl", "invalid X-Twilio-Signature")],
    ids=["missing", "invalid"],
)
def test_unsigned_or_badly_signed_callback_is_refused_and_changes_nothing(
    client, runtime: Runtime, caplog, signature, reason
) -> None:
    outbox_id, sid = our_message(runtime, SMS_STATUS_DELIVERED)
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    with caplog.at_level(logging.WARNING):
        response = client.post(
            f"{PATH}?outbox_id={outbox_id}",
            data=as_ours(SMS_STATUS_DELIVERED, sid),
            headers=headers,
        )
    assert response.status_code == 403
    assert reason in response.get_data(as_text=True)
    assert outbound_message(runtime.sessions, outbox_id).status == "queued"


def test_signature_covers_the_outbox_id_in_the_query(client, runtime: Runtime) -> None:
    outbox_id, sid = our_message(runtime, SMS_STATUS_DELIVERED)
    form = as_ours(SMS_STATUS_DELIVERED, sid)
    url = runtime.settings.public_base_url + PATH + "?outbox_id=out_someone_else"
    response = client.post(
        f"{PATH}?outbox_id={outbox_id}",
        data=form,
        headers={"X-Twilio-Signature": sign(url, form, AUTH_TOKEN)},
    )
    assert response.status_code == 403


def test_unknown_status_is_a_400_that_lists_the_valid_ones(client, runtime: Runtime) -> None:
    outbox_id, sid = our_message(runtime, SMS_STATUS_SENT)
    form = with_status(as_ours(SMS_STATUS_SENT, sid), "teleported")
    response = post_status(client, runtime, form, outbox_id)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "teleported" in text
    assert all(status in text for status in VALID_STATUSES)


def test_every_valid_status_has_a_place_in_the_order() -> None:
    assert set(VALID_STATUSES) <= set(STATUS_ORDER)


def test_21610_in_a_callback_opts_her_out(client, runtime: Runtime) -> None:
    outbox_id, sid = our_message(runtime, SMS_STATUS_FAILED_UNSUBSCRIBED)
    participant = outbound_message(runtime.sessions, outbox_id).participant_id
    assert not is_opted_out(runtime.sessions, participant)
    post_status(client, runtime, as_ours(SMS_STATUS_FAILED_UNSUBSCRIBED, sid), outbox_id)
    assert is_opted_out(runtime.sessions, participant)


ORDERS = [
    # (name, statuses in order of arrival, final stored status)
    ("in order, sms", ("sent", "delivered"), "delivered"),
    ("delivered before sent", ("delivered", "sent"), "delivered"),
    ("read before delivered and sent", ("read", "delivered", "sent"), "read"),
    ("sending after sent", ("sent", "sending"), "sent"),
    ("queued after read", ("read", "queued"), "read"),
    ("the same status twice", ("delivered", "delivered"), "delivered"),
    ("undelivered after delivered", ("delivered", "undelivered"), "delivered"),
]


@pytest.mark.parametrize(
    ("arrivals", "final"), [case[1:] for case in ORDERS], ids=[case[0] for case in ORDERS]
)
def test_status_never_moves_backwards_whatever_the_order_of_arrival(
    client, runtime: Runtime, arrivals, final
) -> None:
    outbox_id, sid = our_message(runtime, WHATSAPP_STATUS_SENT)
    for status in arrivals:
        form = with_status(as_ours(WHATSAPP_STATUS_SENT, sid), status)
        assert post_status(client, runtime, form, outbox_id).status_code == 200
    assert outbound_message(runtime.sessions, outbox_id).status == final


def test_unknown_message_is_acknowledged_and_logged_but_noted_for_the_outbox(
    client, runtime: Runtime, caplog
) -> None:
    """200, or Twilio retries; the note lets the outbox apply it once it writes the row."""
    outbox_id = "out_" + uuid.uuid4().hex
    with caplog.at_level(logging.INFO, logger="bot.outbound.delivery"):
        response = post_status(client, runtime, SMS_STATUS_DELIVERED, outbox_id)
    assert response.status_code == 200
    assert "no such message" in caplog.text
    note = callbacks_for(runtime, outbox_id)
    assert note is not None and note.sid == SMS_STATUS_DELIVERED["MessageSid"]
    assert note.furthest == "delivered"


def test_a_callback_for_another_twilio_message_does_not_overwrite_ours(
    client, runtime: Runtime
) -> None:
    outbox_id, sid = our_message(runtime, SMS_STATUS_SENT)
    other = as_ours(SMS_STATUS_UNDELIVERED, "SM" + uuid.uuid4().hex)
    post_status(client, runtime, other, outbox_id)
    row = outbound_message(runtime.sessions, outbox_id)
    assert (row.status, row.twilio_sid) == ("queued", sid)
