"""GET /simulator (development only): chat as a WhatsApp or SMS participant, no Twilio needed.

The page's messages go through the real path: this blueprint signs a Twilio-shaped request and
POSTs it to the public webhook URL; the worker, Rasa and the outbox answer as for real; the
outbox sends to this blueprint's Twilio-compatible endpoint (TWILIO_API_URL points here in
development), which keeps the replies in Redis for the page to show.
"""

from __future__ import annotations

import json
import re
import time
import uuid

import requests
from flask import Blueprint, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from bot.channels.twilio.signature import sign
from bot.core.addresses import SMS, WHATSAPP, address_for
from webhooks.extensions import runtime

bp = Blueprint("simulator", __name__, url_prefix="/simulator")

SIMULATOR_API_PATH = "/simulator/twilio"
KEEP_SECONDS = 24 * 3600
_NUMBER = re.compile(r"^\+\d{8,15}$")


def twilio_form(channel: str, number: str, text: str, to: str, account_sid: str) -> dict[str, str]:
    """A form shaped like Twilio's incoming-message webhook for this channel."""
    message_sid = "SM" + uuid.uuid4().hex
    common = {
        "ToCountry": "CO",
        "SmsMessageSid": message_sid,
        "NumMedia": "0",
        "SmsSid": message_sid,
        "SmsStatus": "received",
        "Body": text,
        "NumSegments": "1",
        "MessageSid": message_sid,
        "AccountSid": account_sid,
        "ApiVersion": "2010-04-01",
    }
    if channel == WHATSAPP:
        return {
            **common,
            "From": address_for(WHATSAPP, number),
            "To": address_for(WHATSAPP, to),
            "ProfileName": "Simulador",
            "WaId": number.lstrip("+"),
            "MessageType": "text",
        }
    return {**common, "From": number, "To": to, "FromCountry": "CO", "FromCity": "SANTA MARTA"}


@bp.get("/")
def page() -> ResponseReturnValue:
    return render_template("simulator.html")


@bp.post("/send")
def send() -> ResponseReturnValue:
    settings = runtime().settings
    data = request.get_json(silent=True) or {}
    channel = data.get("channel")
    number = str(data.get("number", "")).strip()
    text = str(data.get("text", ""))
    if channel not in (WHATSAPP, SMS):
        return jsonify(error="channel must be 'whatsapp' or 'sms'"), 400
    if not _NUMBER.match(number):
        return jsonify(error="number must look like +15550001234"), 400
    if not text.strip():
        return jsonify(error="write a message"), 400
    to = settings.twilio_whatsapp_from if channel == WHATSAPP else settings.twilio_sms_from
    form = twilio_form(channel, number, text, to, settings.twilio_account_sid)
    url = settings.public_base_url + "/twilio/messages"
    signature = sign(url, form, settings.twilio_auth_token)
    response = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)
    return jsonify(webhook_status=response.status_code, message_sid=form["MessageSid"])


@bp.get("/messages")
def messages() -> ResponseReturnValue:
    rt = runtime()
    address = request.args.get("address", "")
    raw = rt.redis.lrange(rt.keys.simulator_outbox(address), 0, -1)
    return jsonify(messages=[json.loads(r) for r in raw])


@bp.post("/twilio/2010-04-01/Accounts/<account_sid>/Messages.json")
def fake_twilio_send(account_sid: str) -> ResponseReturnValue:
    """Twilio-compatible `Messages.json`: accepts a send and keeps it for the page."""
    rt = runtime()
    if account_sid != rt.settings.twilio_account_sid:
        abort(404)
    to = request.form.get("To", "")
    sid = "SM" + uuid.uuid4().hex
    record = {
        "sid": sid,
        "to": to,
        "from": request.form.get("From") or request.form.get("MessagingServiceSid", ""),
        "body": request.form.get("Body", ""),
        "at": time.time(),
    }
    key = rt.keys.simulator_outbox(to)
    pipe = rt.redis.pipeline(transaction=True)
    pipe.rpush(key, json.dumps(record, ensure_ascii=False))
    pipe.expire(key, KEEP_SECONDS)
    pipe.execute()
    return jsonify(
        sid=sid,
        account_sid=account_sid,
        to=to,
        body=record["body"],
        status="queued",
        error_code=None,
        error_message=None,
        num_segments="1",
        direction="outbound-api",
        api_version="2010-04-01",
    ), 201
