"""Scholarship-deadline reminders (issue 6, req. 5): run every few minutes by the scheduler.

She writes RECORDARME after seeing the open calls; the action server stores a subscription per call
(bot/reminders/subscriptions.py). From `REMINDER_DAYS_BEFORE` days before a call closes (dates from
content/scholarships.yml, which staff edit: read at each run), the job decides, once per
subscription, and records the decision on its row (`reminded_at`, `reminder_outcome`):

* `queued`: a proactive message went to her proactive mailbox (bot/outbound/proactive.py), where the
  outbox lets it out only in the allowed hours and as her only proactive message of the day;
* `no_consent`: she has not accepted the current privacy notice (content/privacy.yml);
* `opted_out`: she wrote BAJA (the outbox would suppress it anyway);
* `no_address`: we have no way to reach her (see below);
* `expired`: the call closed before the job could decide.

A subscription made on the reminder day itself waits for the next day (she was just told the
deadline); one made on the closing day expires. Decided once: a woman who opts out and back
in, or accepts a new notice, is not reminded of a call decided about before — the job never
guesses in her favour of more messages.

**How she is reached.** The database never holds her number (participant ids are keyed
hashes). The worker, which has her reply address while it answers her, calls
`remember_address` after each turn it keeps: only if she has an undecided subscription, the
address is put in Redis (`Keys.reminder_address`) with an expiry at the end of her last
subscribed closing day, and refreshed on every later message (so a reminder goes to the
channel she used last). No number is kept for anyone else, nor longer than needed; erasure
deletes it (bot/privacy/erasure.py, via `proactive.redis_keys`). An encrypted column would
keep it in SQL backups and need key management for no gain.

**WhatsApp or text.** Free text on WhatsApp is refused outside 24 h from her last message
(63016), so the message is built for when it will actually leave: if her window is still open
an hour after the earliest allowed send (`earliest_send`), plain text (`system.reminder_text`);
otherwise the approved template `scholarship_reminder` with the call and the date as
ContentVariables. SMS: always text, shaped like every SMS (bot/outbound/shaping.py). The date is
written out ("martes 15 de diciembre de 2026"), not "faltan 3 días", which would be wrong if
the message is held until the next allowed day.

**Idempotent.** Runs take a Redis lock (a second scheduler does nothing) and enqueue with a
de-duplication id per subscription before recording the decision: a crash between the two is
redone by the next run, and the de-duplication keeps her from getting it twice.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.content.i18n import TIMEZONE, long_date, today_in_bogota
from bot.content.schema import Scholarship, WhatsAppTemplate
from bot.core.addresses import WHATSAPP, channel_of
from bot.core.locks import release
from bot.core.messages import OutboundMessage
from bot.handoff.relay import whatsapp_window_open
from bot.outbound import proactive
from bot.outbound.proactive_hours import is_allowed
from bot.outbound.shaping import for_channel
from bot.store.models import REMINDER_OUTBOX_PREFIX
from bot.store.reminders import (
    PendingReminder,
    decide_reminder,
    pending_reminders,
    reminder_outcomes,
)
from bot.store.transcript import last_inbound_at

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

TEMPLATE_ID = "scholarship_reminder"
QUEUED = "queued"
NO_CONSENT = "no_consent"
OPTED_OUT = "opted_out"
NO_ADDRESS = "no_address"
EXPIRED = "expired"

LOCK_SECONDS = 600
# Time for the outbox to send it (and retry) after it may go: free text only if her WhatsApp
# window is still open this long after the earliest allowed send.
WINDOW_MARGIN = timedelta(hours=1)
# An SMS reminder is never split into parts (Twilio joins the segments of one message).
UNSPLIT_SEGMENTS = 10


def send_due_reminders(rt: Runtime, now: datetime | None = None) -> Counter[str] | None:
    """Decide every due subscription; returns how many per outcome (None: another process
    holds the lock). Outside the allowed hours it does nothing: what it would queue could not
    leave anyway, and deciding later uses fresher facts (consent, window, address)."""
    now = now or datetime.now(UTC)
    outcomes: Counter[str] = Counter()
    if rt.settings.proactive_limits and not is_allowed(now):
        return outcomes
    lock = rt.redis.lock(rt.keys.reminders_lock(), timeout=LOCK_SECONDS, blocking=False)
    if not lock.acquire():
        return None
    try:
        today = today_in_bogota(now)
        calls = {c.id: c for c in rt.content.snapshot().scholarships}
        due = [c.id for c in calls.values() if today >= reminder_day(c, rt)]
        for subscription in pending_reminders(rt.sessions, due):
            try:
                outcome = decide(rt, subscription, calls[subscription.scholarship_id], now)
            except Exception:
                # One broken row (or content) must not stop the others; retried next run.
                log.exception("reminder for subscription %s failed", subscription.id)
                continue
            if outcome is not None:
                outcomes[outcome] += 1
    finally:
        release(lock)
    if outcomes:
        log.info("scholarship reminders: %s", dict(outcomes))
    return outcomes


def reminder_day(call: Scholarship, rt: Runtime) -> date:
    return call.closes - timedelta(days=rt.settings.reminder_days_before)


def decide(
    rt: Runtime, subscription: PendingReminder, call: Scholarship, now: datetime
) -> str | None:
    """Her reminder for this call: queued, or why not; None when it is not time yet."""
    today = today_in_bogota(now)
    if today > call.closes:
        outcome = EXPIRED
    elif today_in_bogota(subscription.created_at) >= today:
        return None  # subscribed today: she just read the deadline
    elif subscription.consent_version != notice_version(rt):
        outcome = NO_CONSENT
    elif subscription.opted_out:
        outcome = OPTED_OUT
    elif not (address := rt.redis.get(rt.keys.reminder_address(subscription.participant_id))):
        outcome = NO_ADDRESS
    else:
        messages = reminder_messages(rt, subscription.participant_id, address, call, now)
        proactive.enqueue(
            rt,
            subscription.participant_id,
            messages,
            dedupe_id=_dedupe_id(subscription),
            dedupe_seconds=(rt.settings.reminder_days_before + 2) * 86400,
        )
        outcome = QUEUED
    if decide_reminder(rt.sessions, subscription.id, outcome, now):
        log.info("reminder %s for subscription %s", outcome, subscription.id)
    return outcome


def _dedupe_id(subscription: PendingReminder) -> str:
    # Row ids can be reused after an erasure (SQLite): the creation time makes it unique. No
    # personal data in the key.
    return f"reminder:{subscription.id}:{int(subscription.created_at.timestamp() * 1e6)}"


def notice_version(rt: Runtime) -> str | None:
    privacy = rt.content.snapshot().privacy
    return privacy.notice_version if privacy else None


def reminder_messages(
    rt: Runtime, participant: str, address: str, call: Scholarship, now: datetime
) -> list[OutboundMessage]:
    """Her reminder as outbox entries (proactive): template or text, see the module doc."""
    channel = channel_of(address)
    values = {"call": call.name, "deadline": long_date(call.closes)}
    message = OutboundMessage(
        participant=participant,
        channel=channel,
        to=address,
        body=rt.content.system_text("reminder_text", **values),
        proactive=True,
        id=REMINDER_OUTBOX_PREFIX + uuid.uuid4().hex,
    )
    if channel == WHATSAPP and not _window_open_when_sent(rt, participant, now):
        template = _template(rt)
        filled = {number: values[field] for number, field in template.variables.items()}
        body = template.text
        for number, value in filled.items():
            body = body.replace("{{" + number + "}}", value)
        message.body = body
        message.content_sid = template.content_sid
        message.content_variables = json.dumps(filled, ensure_ascii=False)
        return [message]
    parts = for_channel(message, rt.settings.sms_transliterate, rt.settings.sms_budget_segments)
    if len(parts) > 1:
        # One reminder, one proactive message: a second part would be held until tomorrow.
        parts = for_channel(message, rt.settings.sms_transliterate, UNSPLIT_SEGMENTS)
    return parts


def _window_open_when_sent(rt: Runtime, participant: str, now: datetime) -> bool:
    send_at = proactive.wait_until(rt, participant, now) if rt.settings.proactive_limits else now
    last = last_inbound_at(rt.sessions, participant)
    return whatsapp_window_open(last, send_at + WINDOW_MARGIN)


def _template(rt: Runtime) -> WhatsAppTemplate:
    for template in rt.content.snapshot().whatsapp_templates:
        if template.id == TEMPLATE_ID:
            return template
    raise LookupError(f"content/ has no WhatsApp template {TEMPLATE_ID!r}")


def remember_address(
    rt: Runtime, participant: str, address: str, now: datetime | None = None
) -> bool:
    """Called by the worker after a turn it keeps: store where to reach her, only while she
    has a reminder pending, until the end of her last subscribed closing day (Bogotá).
    Never raises (her reply is already on its way): returns whether it stored the address."""
    try:
        now = now or datetime.now(UTC)
        pending = [s for s, outcome in reminder_outcomes(rt.sessions, participant).items()
                   if outcome is None]  # fmt: skip
        if not pending:
            return False
        calls = {c.id: c for c in rt.content.snapshot().scholarships}
        closes = [calls[s].closes for s in pending if s in calls]
        if not closes:
            return False
        until = datetime.combine(max(closes) + timedelta(days=1), time(0), TIMEZONE)
        seconds = int((until - now).total_seconds())
        if seconds <= 0:
            return False
        rt.redis.set(rt.keys.reminder_address(participant), address, ex=seconds)
        return True
    except Exception:
        log.exception("could not store the reminder address")
        return False
