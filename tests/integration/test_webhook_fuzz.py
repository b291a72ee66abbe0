"""Fuzzing POST /twilio/messages with hypothesis: the real app, the real Redis (db 9).

Issue requirement: fuzzing the webhook (≥ 10,000 generated requests, signed and unsigned)
never yields a 5xx and never loses an accepted message. Every request goes through `send`,
which counts it and checks the status; after each example the inbox in Redis must hold exactly
the messages that were answered 200, each once, in the right participant's mailbox, in order.

Each test draws its examples inside the test (an inner @given function) so the Flask client and
the runtime are built once per test; Redis is emptied under the test's prefix between examples.
"""

from __future__ import annotations

import json
import re
import string
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlencode

import pytest
import redis
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import HMAC_SHA256, RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder, TestResponse
from werkzeug.wrappers import Request

from bot.channels.twilio.signature import SIGNATURE_HEADER
from bot.core.identity import participant_id
from bot.core.keys import INBOX, all_shards, any_shard
from bot.runtime import Runtime
from tests.support.environment import AUTH_TOKEN, delete_prefix
from tests.support.twilio_payloads import ACCOUNT, SMS_HOLA, WHATSAPP_HOLA
from webhooks.app import create_app

PATH = "/twilio/messages"
# What the webhook may answer: accepted, bad form, bad/missing signature, wrong method, too
# large (a length cap on Body; Werkzeug's form limits), unsupported media type. Never a 5xx.
ALLOWED_STATUSES = frozenset({200, 400, 403, 405, 413, 415})
SID_FIELDS = ("MessageSid", "SmsMessageSid", "SmsSid")
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
SMALL_COUNT = re.compile(r"\s*[0-9]{1,3}\s*")

# Requests each test must send; together at least the 10,000 the issue asks for.
SHARES = {"valid": 3300, "malformed": 2900, "forged": 2000, "transport": 1900}
SENT: Counter[str] = Counter()

FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

Form = list[tuple[str, str]]
Verdict = Literal["accept", "reject", "either"]


# --- forms ---------------------------------------------------------------------------------


def first(form: MultiDict[str, str], key: str) -> str:
    return form.get(key) or ""


def sid_of(form: MultiDict[str, str]) -> str:
    """Twilio's id of the message: MessageSid, or its legacy name SmsMessageSid."""
    return (form.get("MessageSid") or form.get("SmsMessageSid") or "").strip()


def sender_of(form: MultiDict[str, str]) -> str:
    return first(form, "From").strip()


def expected_media(form: MultiDict[str, str]) -> list[dict[str, str]] | None:
    """Media i for i < NumMedia whose MediaUrl i is there; None when NumMedia is odd."""
    raw = first(form, "NumMedia")
    if raw and not SMALL_COUNT.fullmatch(raw):
        return None
    count = min(int(raw or 0), 10)
    return [
        {"url": form[f"MediaUrl{i}"], "content_type": first(form, f"MediaContentType{i}")}
        for i in range(count)
        if form.get(f"MediaUrl{i}")
    ]


def verdict(form: MultiDict[str, str]) -> Verdict:
    """What a correct webhook does with this signed form, from the spec, not from the parser.

    "reject": no MessageSid, no From, a From that is plainly not a phone number, or a NumMedia
    with letters or a dot. "accept": a Twilio-shaped form (E.164 From, small NumMedia).
    "either": odd but not plainly wrong (unicode digits, 16 digits, whitespace-only NumMedia).
    """
    sender = sender_of(form)
    if not sid_of(form) or not sender:
        return "reject"
    number = sender.removeprefix("whatsapp:")
    count = first(form, "NumMedia")
    if (
        not number.startswith("+")
        or len(number) < 8
        or any(c.isascii() and not c.isdigit() for c in number[1:])
        or any(c.isascii() and (c.isalpha() or c == ".") for c in count)
    ):
        return "reject"
    if E164.fullmatch(number) and (not count or SMALL_COUNT.fullmatch(count)):
        return "accept"
    return "either"


def sign(url: str, form: MultiDict[str, str], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


def server_form(data: MultiDict[str, str] | bytes, content_type: str | None) -> MultiDict[str, str]:
    """The form the server decodes from what the test client sends: what an honest client signs
    (multipart, for one, cannot carry every field name)."""
    environ = EnvironBuilder(path=PATH, method="POST", data=data, content_type=content_type)
    return MultiDict(Request(environ.get_environ()).form)


@dataclass(frozen=True)
class Message:
    """A message as Twilio sends it (SMS or WhatsApp); the sid is given when it is sent."""

    channel: Literal["sms", "whatsapp"]
    number: str
    body: str
    media: tuple[tuple[str, str], ...] = ()  # (content type, url)
    profile_name: str = ""
    button_payload: str = ""

    @property
    def sender(self) -> str:
        return ("whatsapp:" if self.channel == "whatsapp" else "") + self.number

    def form(self, sid: str) -> Form:
        base = SMS_HOLA if self.channel == "sms" else WHATSAPP_HOLA
        replaced = {*SID_FIELDS, "From", "Body", "NumMedia", "ProfileName", "WaId"}
        fields = [(k, v) for k, v in base.items() if k not in replaced]
        fields += [(name, sid) for name in SID_FIELDS]
        fields += [("From", self.sender), ("Body", self.body), ("NumMedia", str(len(self.media)))]
        if self.channel == "whatsapp":
            fields += [("ProfileName", self.profile_name), ("WaId", self.number[1:])]
            if self.button_payload:
                fields += [("ButtonText", self.body), ("ButtonPayload", self.button_payload)]
        for i, (content_type, url) in enumerate(self.media):
            fields += [(f"MediaContentType{i}", content_type), (f"MediaUrl{i}", url)]
        return fields


Mutation = tuple[str, ...]  # ("drop", key) | ("set", key, value) | ("append", key, value)


@dataclass(frozen=True)
class Malformed:
    """A Twilio message with fields dropped, replaced, repeated or added."""

    message: Message
    mutations: tuple[Mutation, ...]
    reuse_previous_sid: bool = False

    def form(self, sid: str) -> Form:
        fields = self.message.form(sid)
        for mutation in self.mutations:
            fields = mutate(fields, mutation)
        return fields


def mutate(fields: Form, mutation: Mutation) -> Form:
    kind, key, *value = mutation
    if kind == "drop":
        keys = SID_FIELDS if key == "sids" else (key,)
        return [(k, v) for k, v in fields if k not in keys]
    if kind == "set":
        kept = [(k, v) for k, v in fields if k != key]
        return [(key, value[0]), *kept]
    return [*fields, (key, value[0])]  # "append": a second value for the field, or a new field


# --- strategies ----------------------------------------------------------------------------

DIGITS = string.digits
HEX = "0123456789abcdef"
KNOWN_NUMBERS = ("+573005550101", "+573005550202", "+584121234567", "+15550001111")
EMOJI = ("🙏🏽", "👩‍👧‍👦", "🇻🇪", "🇨🇴", "❤️", "😂", "👍🏾", "🧕🏽", "🎓", "💬")
PHRASES = (
    "¡Hola!",
    "¿Cómo estás?",
    "quiero información de cursos",
    "convalidar mi título de bachiller",
    "becas",
    "microcrédito",
    "1",
    "2",
    "SALIR",
    "menú",
)
MEDIA_TYPES = ("image/jpeg", "image/png", "audio/ogg", "video/mp4", "application/pdf")
NOT_NUMBERS = ("abc", "1.5", "1e3", "two", "0x1", "NaN", "inf", "1,0", "--1", "½")
NOT_PHONES = (
    "573005550101",  # no "+"
    "+5730",  # too short
    "+57 300 555 0101",
    "+57-300-555-0101",
    "+57300555010a",
    "whatsapp:",
    "whatsapp:573005550101",
    "sms:+573005550101",
    "tel:+573005550101",
    "+",
    "++573005550101",
)
PARSER_FIELDS = (
    *SID_FIELDS,
    "From",
    "To",
    "Body",
    "NumMedia",
    "AccountSid",
    "MessagingServiceSid",
    "ProfileName",
    "WaId",
    "MessageType",
    "ButtonPayload",
)


def repeat_to(chunk: str, length: int) -> str:
    return (chunk * (length // len(chunk) + 1))[:length]


def bodies() -> st.SearchStrategy[str]:
    """Any unicode text (no surrogates): empty, emoji, control characters, up to 5000 chars."""
    return st.one_of(
        st.just(""),
        st.text(max_size=300),
        st.text(st.characters(categories=("Cc", "Cf", "Zs", "Zl", "Zp", "Mn")), max_size=60),
        st.lists(st.sampled_from(EMOJI + PHRASES), max_size=30).map(" ".join),
        st.builds(
            repeat_to,
            st.text(min_size=1, max_size=40),
            st.one_of(st.integers(161, 5000), st.sampled_from((1600, 1601, 4096, 4097, 5000))),
        ),
    )


def phone_numbers() -> st.SearchStrategy[str]:
    generated = st.builds(
        lambda lead, rest: f"+{lead}{rest}",
        st.integers(1, 9),
        st.text(DIGITS, min_size=7, max_size=13),
    )
    return st.one_of(st.sampled_from(KNOWN_NUMBERS), generated)


def media_lists() -> st.SearchStrategy[tuple[tuple[str, str], ...]]:
    url = st.text(HEX, min_size=32, max_size=32).map(
        lambda tag: (
            f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/MM{tag}/Media/ME{tag}"
        )
    )
    return st.lists(st.tuples(st.sampled_from(MEDIA_TYPES), url), max_size=3).map(tuple)


def messages() -> st.SearchStrategy[Message]:
    return st.builds(
        Message,
        channel=st.sampled_from(("sms", "whatsapp")),
        number=phone_numbers(),
        body=bodies(),
        media=st.one_of(st.just(()), media_lists()),
        profile_name=st.one_of(st.just("María José"), st.text(max_size=30)),
        button_payload=st.one_of(st.just(""), st.sampled_from(("/ask_courses", "/greet"))),
    )


def odd_senders() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NOT_PHONES),
        st.text(max_size=30),
        phone_numbers().map(lambda n: f"  {n}\t"),  # padded: still her number
        phone_numbers().map(lambda n: "+" + n[1:].translate(str.maketrans(DIGITS, "٠١٢٣٤٥٦٧٨٩"))),
        st.text(DIGITS, min_size=16, max_size=20).map(lambda d: "+" + d),
        phone_numbers().map(lambda n: "whatsapp:" + n + "x"),
    )


def odd_counts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NOT_NUMBERS),
        st.text(max_size=12),
        st.integers(-5, 20).map(str),
        st.sampled_from((" 2 ", "   ", "", "+1", "1_0", "99999", "9" * 5000)),
    )


def extra_keys() -> st.SearchStrategy[str]:
    return st.text(min_size=1, max_size=20).filter(
        lambda k: k not in PARSER_FIELDS and not k.startswith(("MediaUrl", "MediaContentType"))
    )


def mutations() -> st.SearchStrategy[Mutation]:
    droppable = ("From", "sids", "MessageSid", "Body", "To", "NumMedia", "MediaUrl0", "MediaUrl1")
    return st.one_of(
        st.tuples(st.just("drop"), st.sampled_from(droppable)),
        st.tuples(st.just("set"), st.just("From"), odd_senders()),
        st.tuples(st.just("set"), st.just("NumMedia"), odd_counts()),
        st.tuples(st.just("set"), st.just("MessageSid"), st.text(max_size=40)),
        st.tuples(
            st.just("set"), st.sampled_from(("MediaUrl0", "MediaUrl2")), st.text(max_size=40)
        ),
        st.tuples(st.just("set"), st.just("Body"), bodies()),
        st.tuples(
            st.just("append"),
            st.sampled_from(("From", "Body", "MessageSid", "NumMedia")),
            st.text(max_size=30),
        ),
        st.tuples(st.just("append"), extra_keys(), st.text(max_size=100)),
    )


def malformed_messages() -> st.SearchStrategy[Malformed]:
    return st.builds(
        Malformed,
        message=messages(),
        mutations=st.lists(mutations(), min_size=1, max_size=3).map(tuple),
        reuse_previous_sid=st.booleans(),
    )


def any_messages() -> st.SearchStrategy[Message | Malformed]:
    return st.one_of(messages(), malformed_messages())


# --- the harness ---------------------------------------------------------------------------


@dataclass
class Accepted:
    participant: str
    sender: str
    text: str
    media: list[dict[str, str]] | None  # None: NumMedia was odd, media not compared


@dataclass
class Harness:
    """Sends requests to the real app and keeps the model: which messages must be queued."""

    client: FlaskClient
    runtime: Runtime
    redis: redis.Redis
    share: str
    sent: int = 0
    # (participant, MessageSid): de-duplication is per participant (bot/core/keys.py).
    accepted: dict[tuple[str, str], Accepted] = field(default_factory=dict)
    order: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @property
    def public_url(self) -> str:
        return self.runtime.settings.public_base_url + PATH

    def too_long(self, body: str) -> bool:
        """Over the configured Body cap (413); without a cap, any message fits."""
        cap = getattr(self.runtime.settings, "max_body_chars", None)
        return cap is not None and len(body) > cap

    def start_example(self) -> None:
        delete_prefix(self.redis, self.runtime.settings.redis_prefix)
        self.accepted.clear()
        self.order.clear()

    def send(
        self,
        *,
        method: str = "POST",
        data: MultiDict[str, str] | bytes,
        content_type: str | None = None,
        signature: str | None = None,
        query: str = "",
    ) -> TestResponse:
        response = self.client.open(
            PATH + (f"?{query}" if query else ""),
            method=method,
            data=data,
            content_type=content_type,
            headers={} if signature is None else {SIGNATURE_HEADER: signature},
        )
        self.sent += 1
        SENT[self.share] += 1
        assert response.status_code < 500, (
            f"{response.status_code} for {method} {content_type!r} query={query!r} "
            f"signature={signature!r} data={data!r}: {response.get_data()!r}"
        )
        assert response.status_code in ALLOWED_STATUSES, response.status_code
        if method == "POST" and response.status_code == 200:
            assert response.content_type.startswith("text/xml")
            assert response.get_data(as_text=True).endswith("<Response></Response>")
        return response

    def send_signed(self, form: Form, query: str = "") -> int:
        url = self.public_url + (f"?{query}" if query else "")
        fields = MultiDict(form)
        return self.send(data=fields, signature=sign(url, fields), query=query).status_code

    def record_accepted(self, form: MultiDict[str, str]) -> None:
        """A 200: the message must be queued now, unless its MessageSid was queued before for
        her (Twilio never gives two messages one SID; the same SID from another sender is not
        a retry of hers)."""
        sid = sid_of(form)
        sender = sender_of(form)
        who = participant_id(self.runtime.settings.participant_id_key, sender)
        if (who, sid) in self.accepted:
            return
        self.accepted[(who, sid)] = Accepted(
            participant=who, sender=sender, text=first(form, "Body"), media=expected_media(form)
        )
        self.order[who].append(sid)

    def assert_inbox_holds_exactly_the_accepted_messages(self) -> None:
        keys = self.runtime.keys
        pattern = any_shard(keys.mailbox(INBOX, "")) + "*"  # every shard's mailboxes
        queued: dict[str, list[dict[str, object]]] = {}
        for key in self.redis.scan_iter(match=pattern, count=1000):
            items = self.redis.lrange(key, 0, -1)
            who = key.rsplit(":", 1)[1]
            queued[who] = [json.loads(raw) for raw in items]
        queued_sids = {
            who: [item["message_sid"] for item in items] for who, items in queued.items()
        }
        assert queued_sids == dict(self.order), "queued messages differ from those answered 200"
        for who, items in queued.items():
            for item in items:
                expected = self.accepted[(who, str(item["message_sid"]))]
                assert item["address"] == expected.sender
                assert item["text"] == expected.text
                if expected.media is not None:
                    assert item["media"] == expected.media
        # A worker finds a participant through the ready set: one missing there is lost.
        ready = {p for s in all_shards() for p in self.redis.zrange(keys.ready(INBOX, s), 0, -1)}
        assert set(queued) <= ready


@pytest.fixture
def harness_for(runtime: Runtime, redis_client: redis.Redis) -> Callable[[str], Harness]:
    client = create_app(runtime.settings, runtime).test_client()
    return lambda share: Harness(client=client, runtime=runtime, redis=redis_client, share=share)


def run_examples(harness: Harness, test: Callable[[], None]) -> None:
    test()
    assert harness.sent >= SHARES[harness.share], f"only {harness.sent} requests sent"


def new_sids(count: int) -> Iterator[str]:
    return (f"SM{i:032x}" for i in range(count))


# --- signed, well-formed messages ----------------------------------------------------------

RETRIES = st.lists(st.sampled_from(("identical", "other body", "other sender")), max_size=2)
QUERIES = st.one_of(
    st.just(""),
    st.dictionaries(
        st.text(string.ascii_letters, min_size=1, max_size=8), st.text(max_size=10)
    ).map(urlencode),
)


def test_signed_twilio_messages_are_answered_200_and_queued_once_in_order_intact(
    harness_for: Callable[[str], Harness],
) -> None:
    """SMS and WhatsApp, any text and media, with Twilio's retries and reused MessageSids."""
    harness = harness_for("valid")

    @settings(FUZZ, max_examples=700)
    @given(
        batch=st.lists(st.tuples(messages(), RETRIES, QUERIES), min_size=2, max_size=4),
        other_body=bodies(),
        other_number=phone_numbers(),
    )
    def fuzz(
        batch: list[tuple[Message, list[str], str]], other_body: str, other_number: str
    ) -> None:
        harness.start_example()
        for sid, (message, retries, query) in zip(new_sids(len(batch)), batch, strict=True):
            resends = {
                "identical": message,
                "other body": Message(message.channel, message.number, other_body + "!"),
                "other sender": Message(message.channel, other_number, message.body),
            }
            for attempt in (message, *(resends[kind] for kind in retries)):
                form = attempt.form(sid)
                status = harness.send_signed(form, query)
                assert status == (413 if harness.too_long(attempt.body) else 200), status
                if status == 200:
                    harness.record_accepted(MultiDict(form))
        harness.assert_inbox_holds_exactly_the_accepted_messages()

    run_examples(harness, fuzz)


# --- signed, malformed forms ---------------------------------------------------------------


def test_signed_malformed_forms_get_400_or_are_queued_intact_never_5xx(
    harness_for: Callable[[str], Harness],
) -> None:
    """Missing, blank or odd From/MessageSid/NumMedia/MediaUrl, repeated and extra fields."""
    harness = harness_for("malformed")

    @settings(FUZZ, max_examples=1300)
    @given(batch=st.lists(malformed_messages(), min_size=2, max_size=3))
    def fuzz(batch: list[Malformed]) -> None:
        harness.start_example()
        previous = ""
        for sid, draft in zip(new_sids(len(batch)), batch, strict=True):
            form = draft.form(previous if draft.reuse_previous_sid and previous else sid)
            previous = sid
            fields = MultiDict(form)
            expected = verdict(fields)
            status = harness.send_signed(form)
            if expected == "reject":
                assert status in (400, 413), f"{status} for a form that is not a message"
            elif expected == "accept":
                too_long = harness.too_long(first(fields, "Body"))
                assert status == (413 if too_long else 200), f"{status} for a Twilio message"
            else:
                assert status in (200, 400, 413)
            if status == 200:
                harness.record_accepted(fields)
        harness.assert_inbox_holds_exactly_the_accepted_messages()

    run_examples(harness, fuzz)


# --- unsigned and wrongly signed -----------------------------------------------------------

OTHER_URLS = (
    "http://almas.example.org" + PATH,
    "https://almas.example.org" + PATH + "/",
    "https://almas.example.org/twilio/status",
    "http://localhost" + PATH,
    "http://127.0.0.1:5000" + PATH,
    "https://almas.example.org.evil.example" + PATH,
    "https://almas.example.org" + PATH + "?a=1",
)
FORGERIES = st.one_of(
    st.just(("missing", "")),
    st.just(("empty", "")),
    st.tuples(st.just("garbage"), st.text(st.characters(min_codepoint=32, max_codepoint=255))),
    st.tuples(st.just("flipped"), st.integers(0, 27).map(str)),
    st.tuples(st.just("other url"), st.sampled_from(OTHER_URLS)),
    st.just(("other token", "")),
    st.just(("sha256", "")),
    st.just(("tampered", "")),
    st.just(("query not signed", "")),
)


def forged_signature(harness: Harness, form: Form, kind: str, detail: str) -> str | None:
    fields = MultiDict(form)
    if kind == "missing":
        return None
    if kind == "empty":
        return ""
    if kind == "garbage":
        return detail
    if kind == "flipped":
        good = sign(harness.public_url, fields)
        i = int(detail)
        return good[:i] + ("A" if good[i] != "A" else "B") + good[i + 1 :]
    if kind == "other url":
        return sign(detail, fields)
    if kind == "other token":
        return sign(harness.public_url, fields, token=AUTH_TOKEN + "x")
    if kind == "sha256":
        return RequestValidator(AUTH_TOKEN).compute_signature(
            harness.public_url, fields, HMAC_SHA256
        )
    if kind == "tampered":  # signed with another Body than the one sent
        other = [(k, v) for k, v in form if k != "Body"] + [("Body", first(fields, "Body") + ".")]
        return sign(harness.public_url, MultiDict(other))
    return sign(harness.public_url, fields)  # "query not signed": sent with ?source=sms


def test_unsigned_or_wrongly_signed_requests_are_refused_with_403_and_queue_nothing(
    harness_for: Callable[[str], Harness],
) -> None:
    """Missing, empty, garbage, altered, other-URL, other-token, SHA-256 and tampered-form."""
    harness = harness_for("forged")

    @settings(FUZZ, max_examples=900)
    @given(draft=any_messages(), forgeries=st.lists(FORGERIES, min_size=2, max_size=3))
    def fuzz(draft: Message | Malformed, forgeries: list[tuple[str, str]]) -> None:
        harness.start_example()
        form = draft.form("SM" + "f" * 32)
        for kind, detail in forgeries:
            if kind == "garbage" and detail == sign(harness.public_url, MultiDict(form)):
                continue  # cannot happen, but a forgery that is the signature is no forgery
            signature = forged_signature(harness, form, kind, detail)
            query = "source=sms" if kind == "query not signed" else ""
            response = harness.send(data=MultiDict(form), signature=signature, query=query)
            status = response.status_code
            assert status in (403, 413), f"{status} for a {kind} signature"
        harness.assert_inbox_holds_exactly_the_accepted_messages()

    run_examples(harness, fuzz)


# --- methods, content types and raw bodies -------------------------------------------------

OTHER_METHODS = ("GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
NOT_FORM_TYPES = (
    None,
    "application/json",
    "text/plain; charset=utf-8",
    "application/xml",
    "application/octet-stream",
    "multipart/form-data",  # no boundary
    "text/html",
)
FORM_TYPE = "application/x-www-form-urlencoded"
FORM_TYPE_VARIANTS = (
    f"{FORM_TYPE}; charset=ISO-8859-1",
    f"{FORM_TYPE}; charset=bogus",
    FORM_TYPE.upper(),
    "multipart/form-data",  # the test client adds the boundary
)
GARBAGE_SIGNATURE = "bm90IGEgc2lnbmF0dXJl"


@dataclass(frozen=True)
class Odd:
    """A request Twilio would never send, and how it is signed: not at all, with garbage, over
    the form the client meant (`intended`) or over exactly what the server decodes."""

    kind: Literal["method", "encoding", "not a form", "raw bytes"]
    message: Message | Malformed
    method: str = "POST"
    content_type: str | None = None
    raw: bytes = b""
    signed: Literal["no", "garbage", "intended", "decoded"] = "no"


def formish_bytes() -> st.SearchStrategy[bytes]:
    """A real urlencoded form cut short, with random bytes after it."""
    return st.builds(
        lambda message, cut, junk: urlencode(message.form("SM" + "e" * 32)).encode()[:cut] + junk,
        messages(),
        st.integers(0, 400),
        st.binary(max_size=40),
    )


def odd_requests() -> st.SearchStrategy[Odd]:
    signed = st.sampled_from(("no", "garbage", "intended", "decoded"))
    not_form_types = st.one_of(
        st.sampled_from(NOT_FORM_TYPES),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40).filter(
            lambda t: "form" not in t.lower()
        ),
    )
    raw = st.one_of(st.binary(max_size=2000), formish_bytes())
    return st.one_of(
        st.builds(
            Odd,
            kind=st.just("method"),
            message=any_messages(),
            method=st.sampled_from(OTHER_METHODS),
            signed=signed,
        ),
        st.builds(
            Odd,
            kind=st.just("encoding"),
            message=any_messages(),
            content_type=st.sampled_from(FORM_TYPE_VARIANTS),
            signed=signed,
        ),
        st.builds(
            Odd,
            kind=st.just("not a form"),
            message=any_messages(),
            content_type=not_form_types,
            raw=raw,
            signed=signed,
        ),
        st.builds(Odd, kind=st.just("raw bytes"), message=any_messages(), raw=raw, signed=signed),
    )


def send_odd(harness: Harness, odd: Odd, sid: str) -> None:
    form = MultiDict(odd.message.form(sid))
    data: MultiDict[str, str] | bytes = form
    content_type = odd.content_type
    if odd.kind == "raw bytes":
        data, content_type = odd.raw, FORM_TYPE
    elif odd.kind == "not a form":
        data = odd.raw
    decoded = server_form(data, content_type)
    signature = {
        "no": None,
        "garbage": GARBAGE_SIGNATURE,
        "intended": sign(harness.public_url, form),
        "decoded": sign(harness.public_url, decoded),
    }[odd.signed]
    response = harness.send(
        method=odd.method, data=data, content_type=content_type, signature=signature
    )
    status = response.status_code
    if odd.kind == "method":
        # Flask answers OPTIONS itself (200, Allow: POST, OPTIONS) and reads no message.
        assert status == (200 if odd.method == "OPTIONS" else 405), status
        return
    honest = odd.signed == "decoded" or (odd.signed == "intended" and decoded == form)
    if not honest:
        assert status in (403, 413, 415), f"{status} for a {odd.signed} signature"
    elif verdict(decoded) == "reject":  # an empty form, for one: nothing to read
        assert status in (400, 413, 415), f"{status} for a form that is not a message"
    elif verdict(decoded) == "accept":
        too_long = harness.too_long(first(decoded, "Body"))
        assert status in ((413 if too_long else 200), 415), f"{status} for a Twilio message"
    if status == 200:
        harness.record_accepted(decoded)


def test_other_methods_content_types_and_raw_bodies_never_5xx_and_queue_only_when_200(
    harness_for: Callable[[str], Harness],
) -> None:
    """GET/PUT/…, JSON/XML/binary bodies, random bytes as a form, multipart, odd charsets."""
    harness = harness_for("transport")

    @settings(FUZZ, max_examples=900)
    @given(batch=st.lists(odd_requests(), min_size=2, max_size=3))
    def fuzz(batch: Sequence[Odd]) -> None:
        harness.start_example()
        for sid, odd in zip(new_sids(len(batch)), batch, strict=True):
            send_odd(harness, odd, sid)
        harness.assert_inbox_holds_exactly_the_accepted_messages()

    run_examples(harness, fuzz)


def test_the_fuzzing_sent_at_least_10000_requests() -> None:
    if any(SENT[name] < share for name, share in SHARES.items()):
        pytest.skip("counts only after every fuzz test of this module ran to the end")
    assert sum(SHARES.values()) >= 10_000
    assert sum(SENT.values()) >= 10_000, SENT
