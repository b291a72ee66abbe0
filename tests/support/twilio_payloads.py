"""Incoming-message webhooks exactly as Twilio sends them (field names and order from real
requests), and signing them as Twilio does with twilio's RequestValidator."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

ACCOUNT = "AC" + "1" * 32
SMS_PARTICIPANT = "+573005550101"
WA_PARTICIPANT = "+573005550202"

SMS_HOLA = {
    "ToCountry": "US",
    "ToState": "",
    "SmsMessageSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
    "NumMedia": "0",
    "ToCity": "",
    "FromZip": "",
    "SmsSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
    "FromState": "MAG",
    "SmsStatus": "received",
    "FromCity": "SANTA MARTA",
    "Body": "hola",
    "FromCountry": "CO",
    "To": "+15550000002",
    "ToZip": "",
    "NumSegments": "1",
    "MessageSid": "SM1f0e8ae6ade43cb3c0ce4525424e404f",
    "AccountSid": ACCOUNT,
    "From": SMS_PARTICIPANT,
    "ApiVersion": "2010-04-01",
}

SMS_VIA_MESSAGING_SERVICE = {
    **SMS_HOLA,
    "SmsMessageSid": "SM2b4f6c8d0e1f2a3b4c5d6e7f8a9b0c1d",
    "SmsSid": "SM2b4f6c8d0e1f2a3b4c5d6e7f8a9b0c1d",
    "MessageSid": "SM2b4f6c8d0e1f2a3b4c5d6e7f8a9b0c1d",
    "MessagingServiceSid": "MG" + "2" * 32,
    "Body": "¡Hola! ¿Cómo estás? Quiero info de cursos 🙏🏽 mañana",
}

WHATSAPP_HOLA = {
    "SmsMessageSid": "SMa3d91b6a9c2e4f5d8b7c6a5f4e3d2c1b",
    "NumMedia": "0",
    "ProfileName": "María José",
    "MessageType": "text",
    "SmsSid": "SMa3d91b6a9c2e4f5d8b7c6a5f4e3d2c1b",
    "WaId": WA_PARTICIPANT.lstrip("+"),
    "SmsStatus": "received",
    "Body": "hola",
    "To": "whatsapp:+15550000001",
    "NumSegments": "1",
    "ReferralNumMedia": "0",
    "MessageSid": "SMa3d91b6a9c2e4f5d8b7c6a5f4e3d2c1b",
    "AccountSid": ACCOUNT,
    "From": "whatsapp:" + WA_PARTICIPANT,
    "ApiVersion": "2010-04-01",
}

WHATSAPP_VOICE_NOTE = {
    "MediaContentType0": "audio/ogg",
    "SmsMessageSid": "MM5c4b3a29180f7e6d5c4b3a2918070f6e",
    "NumMedia": "1",
    "ProfileName": "María José",
    "MessageType": "audio",
    "SmsSid": "MM5c4b3a29180f7e6d5c4b3a2918070f6e",
    "WaId": WA_PARTICIPANT.lstrip("+"),
    "SmsStatus": "received",
    "Body": "",
    "To": "whatsapp:+15550000001",
    "NumSegments": "1",
    "ReferralNumMedia": "0",
    "MessageSid": "MM5c4b3a29180f7e6d5c4b3a2918070f6e",
    "AccountSid": ACCOUNT,
    "From": "whatsapp:" + WA_PARTICIPANT,
    "MediaUrl0": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/"
    "MM5c4b3a29180f7e6d5c4b3a2918070f6e/Media/ME0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "ApiVersion": "2010-04-01",
}

WHATSAPP_BUTTON_REPLY = {
    **WHATSAPP_HOLA,
    "SmsMessageSid": "SM7e6d5c4b3a2918070f6e5d4c3b2a1908",
    "SmsSid": "SM7e6d5c4b3a2918070f6e5d4c3b2a1908",
    "MessageSid": "SM7e6d5c4b3a2918070f6e5d4c3b2a1908",
    "MessageType": "button",
    "Body": "Becas",
    "ButtonText": "Becas",
    "ButtonPayload": "/ask_scholarships",
}

WHATSAPP_LIST_PICK = {
    **WHATSAPP_HOLA,
    "SmsMessageSid": "SM1a2b3c4d5e6f708192a3b4c5d6e7f809",
    "SmsSid": "SM1a2b3c4d5e6f708192a3b4c5d6e7f809",
    "MessageSid": "SM1a2b3c4d5e6f708192a3b4c5d6e7f809",
    "MessageType": "interactive",
    "Body": "Microcrédito",
    "ListId": "/ask_credit",
    "ListTitle": "Microcrédito",
}

# A location she shared (El Rodadero, Santa Marta): no Body, no media.
WHATSAPP_LOCATION = {
    **WHATSAPP_HOLA,
    "SmsMessageSid": "SM2b3c4d5e6f708192a3b4c5d6e7f8091a",
    "SmsSid": "SM2b3c4d5e6f708192a3b4c5d6e7f8091a",
    "MessageSid": "SM2b3c4d5e6f708192a3b4c5d6e7f8091a",
    "MessageType": "location",
    "Body": "",
    "Latitude": "11.1981",
    "Longitude": "-74.2297",
    "Address": "El Rodadero, Santa Marta",
    "Label": "Mi casa",
}

WHATSAPP_STICKER = {
    **WHATSAPP_HOLA,
    "SmsMessageSid": "MM3c4d5e6f708192a3b4c5d6e7f8091a2b",
    "SmsSid": "MM3c4d5e6f708192a3b4c5d6e7f8091a2b",
    "MessageSid": "MM3c4d5e6f708192a3b4c5d6e7f8091a2b",
    "MessageType": "sticker",
    "Body": "",
    "NumMedia": "1",
    "MediaContentType0": "image/webp",
    "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/" + ACCOUNT
    + "/Messages/MM3c4d5e6f708192a3b4c5d6e7f8091a2b/Media/ME3c4d5e6f708192a3b4c5d6e7f8091a2b",
}

WHATSAPP_CONTACT = {
    **WHATSAPP_HOLA,
    "SmsMessageSid": "MM4d5e6f708192a3b4c5d6e7f8091a2b3c",
    "SmsSid": "MM4d5e6f708192a3b4c5d6e7f8091a2b3c",
    "MessageSid": "MM4d5e6f708192a3b4c5d6e7f8091a2b3c",
    "MessageType": "contacts",
    "Body": "",
    "NumMedia": "1",
    "MediaContentType0": "text/vcard",
    "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/" + ACCOUNT
    + "/Messages/MM4d5e6f708192a3b4c5d6e7f8091a2b3c/Media/ME4d5e6f708192a3b4c5d6e7f8091a2b3c",
}


def sign(url: str, form: dict[str, str], auth_token: str) -> str:
    return RequestValidator(auth_token).compute_signature(url, form)


def with_sid(form: dict[str, str], sid: str, **changes: str) -> dict[str, str]:
    """The same payload as another message (a new MessageSid in all three SID fields)."""
    return {**form, "MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid, **changes}


# --- status callbacks (POST to the StatusCallback URL), as Twilio sends them -----------------
OUTBOUND_SMS_SID = "SM5d1c3b7a9e2f4c6d8b0a1e3f5c7d9b2a"
OUTBOUND_WA_SID = "SM8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b"

SMS_STATUS_SENT = {
    "SmsSid": OUTBOUND_SMS_SID,
    "SmsStatus": "sent",
    "MessageStatus": "sent",
    "To": SMS_PARTICIPANT,
    "MessageSid": OUTBOUND_SMS_SID,
    "AccountSid": ACCOUNT,
    "From": "+15550000002",
    "ApiVersion": "2010-04-01",
}
SMS_STATUS_DELIVERED = {**SMS_STATUS_SENT, "SmsStatus": "delivered", "MessageStatus": "delivered"}
SMS_STATUS_UNDELIVERED = {
    "ErrorCode": "30003",
    "SmsSid": OUTBOUND_SMS_SID,
    "SmsStatus": "undelivered",
    "MessageStatus": "undelivered",
    "To": SMS_PARTICIPANT,
    "MessageSid": OUTBOUND_SMS_SID,
    "AccountSid": ACCOUNT,
    "From": "+15550000002",
    "ApiVersion": "2010-04-01",
}
SMS_STATUS_VIA_MESSAGING_SERVICE = {
    "SmsSid": OUTBOUND_SMS_SID,
    "SmsStatus": "sent",
    "MessageStatus": "sent",
    "To": SMS_PARTICIPANT,
    "MessagingServiceSid": "MG" + "2" * 32,
    "MessageSid": OUTBOUND_SMS_SID,
    "AccountSid": ACCOUNT,
    "From": "+15550000002",
    "ApiVersion": "2010-04-01",
}
SMS_STATUS_FAILED_UNSUBSCRIBED = {
    "ErrorCode": "21610",
    "SmsSid": OUTBOUND_SMS_SID,
    "SmsStatus": "failed",
    "MessageStatus": "failed",
    "To": SMS_PARTICIPANT,
    "MessageSid": OUTBOUND_SMS_SID,
    "AccountSid": ACCOUNT,
    "From": "+15550000002",
    "ApiVersion": "2010-04-01",
}

WHATSAPP_STATUS_SENT = {
    "ChannelPrefix": "whatsapp",
    "ApiVersion": "2010-04-01",
    "MessageStatus": "sent",
    "SmsSid": OUTBOUND_WA_SID,
    "SmsStatus": "sent",
    "ChannelInstallSid": "XE" + "4" * 32,
    "To": "whatsapp:" + WA_PARTICIPANT,
    "From": "whatsapp:+15550000001",
    "MessageSid": OUTBOUND_WA_SID,
    "StructuredMessage": "false",
    "AccountSid": ACCOUNT,
    "ChannelToAddress": WA_PARTICIPANT,
}
WHATSAPP_STATUS_DELIVERED = {
    **WHATSAPP_STATUS_SENT,
    "MessageStatus": "delivered",
    "SmsStatus": "delivered",
}
WHATSAPP_STATUS_READ = {**WHATSAPP_STATUS_SENT, "MessageStatus": "read", "SmsStatus": "read"}
WHATSAPP_STATUS_FAILED_OUTSIDE_WINDOW = {
    **WHATSAPP_STATUS_SENT,
    "MessageStatus": "failed",
    "SmsStatus": "failed",
    "ErrorCode": "63016",
}


def with_status(form: dict[str, str], status: str) -> dict[str, str]:
    """The same callback with another MessageStatus (and SmsStatus, as Twilio sets both)."""
    return {**form, "MessageStatus": status, "SmsStatus": status}

# A WhatsApp user who adopted a username and hides her number: Twilio names her by her
# business-scoped user id (no WaId with a number). Same fields as WHATSAPP_HOLA otherwise.
WA_USER_ID = "CO.13491208655302741918"
WHATSAPP_FROM_USER_ID = {
    "SmsMessageSid": "SMb7e2c4d6f8a0b1c3d5e7f9a1b3c5d7e9",
    "NumMedia": "0",
    "ProfileName": "Mari",
    "MessageType": "text",
    "SmsSid": "SMb7e2c4d6f8a0b1c3d5e7f9a1b3c5d7e9",
    "SmsStatus": "received",
    "Body": "hola, quiero saber de cursos",
    "To": "whatsapp:+15550000001",
    "NumSegments": "1",
    "ReferralNumMedia": "0",
    "MessageSid": "SMb7e2c4d6f8a0b1c3d5e7f9a1b3c5d7e9",
    "AccountSid": ACCOUNT,
    "From": "whatsapp:" + WA_USER_ID,
    "ApiVersion": "2010-04-01",
}
# While Meta still shares her number (its contact book), the user id comes with WaId.
WHATSAPP_USER_ID_WITH_NUMBER = {
    **WHATSAPP_FROM_USER_ID,
    "SmsMessageSid": "SMc8f3d5e7a9b1c2d4e6f8a0b2c4d6e8f0",
    "SmsSid": "SMc8f3d5e7a9b1c2d4e6f8a0b2c4d6e8f0",
    "MessageSid": "SMc8f3d5e7a9b1c2d4e6f8a0b2c4d6e8f0",
    "WaId": WA_PARTICIPANT.lstrip("+"),
    "Body": "hola",
}
