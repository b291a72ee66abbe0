"""The chaos run's load: participants who write like the helpline's, in Spanish, each her own
short conversation, sent as signed Twilio webhooks at a steady rate, alternating between the
two webs.

Every participant starts as a new contact: a greeting (she gets the privacy notice), then
ACEPTO (as tests/stack/test_stack_privacy.py does), then questions about courses,
scholarships, diplomas, credit, work, numbered menu answers, thanks, sometimes "quiero hablar
con una persona". About 5 % end with BORRAR MIS DATOS and its confirmation BORRAR.

Her messages are interleaved with everyone else's (round by round, in a shuffled order), so a
few tens of seconds usually pass between two of hers — and about one in ten also sends two in
a row, before the first is answered. Like Twilio, the run sends her next message only once the
previous one was accepted (or given up on): her order is the order the webhook accepted them.
A refused or failed request is retried with the same MessageSid (Twilio's redelivery), a few
times over about 20 s.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from tests.support.conversation import Participant
from tests.support.environment import AUTH_TOKEN
from tests.support.stack import Stack
from tests.support.twilio_endpoint import TwilioEndpoint
from tests.support.twilio_payloads import sign

GREETINGS = (
    "hola",
    "Hola buenas tardes",
    "buenos días",
    "holaa buenas noches",
    "Hola, me pasaron este número para pedir información",
    "buenas, una pregunta",
)
ACCEPTS = ("ACEPTO", "acepto", "si acepto", "ok acepto")
TOPICS = (
    "que cursos hay en santa marta?",
    "quiero info de los cursos virtuales",
    "hay becas para estudiar?",
    "como hago para convalidar mi titulo de bachiller",
    "necesito un prestamo para mi emprendimiento",
    "donde consigo trabajo en barranquilla",
    "cuales son los requisitos para inscribirme",
    "gracias",
    "ok muchas gracias por la info",
    "menu",
)
# Answers to the main menu (1 courses, 2 diploma, 3 scholarships, 4 credit).
MENU_ANSWERS = ("1", "2", "3", "4", "la 3", "opción 1")
PERSON = "quiero hablar con una persona"
ERASE, CONFIRM_ERASE = "BORRAR MIS DATOS", "BORRAR"

# Retries of one webhook (Twilio redelivering): waits between attempts, seconds.
RETRY_WAITS = (0.5, 1.0, 2.0, 3.0, 5.0, 5.0, 5.0)
REQUEST_TIMEOUT = 10.0


@dataclass
class Woman:
    index: int
    her: Participant  # her form, address and pseudonymous id (tests/support/conversation.py)
    script: list[str]
    eraser: bool
    hooks: list[Webhook] = field(default_factory=list)
    next_k: int = 0  # the index of her next message allowed to go

    @property
    def pid(self) -> str:
        return self.her.id

    @property
    def address(self) -> str:
        return self.her.address


@dataclass
class Webhook:
    woman: Woman
    k: int
    text: str
    sid: str
    attempts: list[tuple[float, str]] = field(default_factory=list)  # (time, "200"/"500"/error)
    accepted_at: float | None = None  # when the accepted attempt was sent
    done_at: float | None = None

    @property
    def accepted(self) -> bool:
        return self.accepted_at is not None


def script_for(rng: random.Random, messages: int, eraser: bool) -> list[str]:
    """Her messages: greeting, ACEPTO, then questions; an eraser's last is BORRAR MIS DATOS,
    followed by the confirmation."""
    script = [rng.choice(GREETINGS), rng.choice(ACCEPTS)]
    while len(script) < messages:
        after_menu = len(script) == 2  # ACEPTO is answered with the main menu
        roll = rng.random()
        if (after_menu and roll < 0.5) or (not after_menu and roll < 0.2):
            script.append(rng.choice(MENU_ANSWERS))
        elif not eraser and not after_menu and roll < 0.3:
            script.append(PERSON)
        else:
            script.append(rng.choice(TOPICS))
    script = script[:messages]
    if eraser:
        if len(script) >= 3:
            script[-1] = ERASE
        else:
            script.append(ERASE)
        script.append(CONFIRM_ERASE)
    return script


def make_women(
    stack: Stack,
    twilio: TwilioEndpoint,
    rng: random.Random,
    participants: int,
    messages: int,
    erasers: float,
) -> list[Woman]:
    n_erasers = round(participants * erasers)
    eraser_indexes = set(rng.sample(range(participants), n_erasers))
    numbers: set[str] = set()
    while len(numbers) < participants:
        numbers.add(f"+57300{rng.randrange(10**7):07d}")
    shuffled = sorted(numbers)  # a set's order changes from run to run: the seed must not
    rng.shuffle(shuffled)
    women = []
    for index, number in enumerate(shuffled):
        channel = rng.choice(("sms", "whatsapp"))
        her = Participant(
            stack=stack, twilio=twilio, number=number, channel=channel, consented=False
        )
        eraser = index in eraser_indexes
        woman = Woman(index, her, script_for(rng, messages, eraser), eraser)
        woman.hooks = [
            Webhook(woman, k, text, "SM" + uuid.UUID(int=rng.getrandbits(128)).hex)
            for k, text in enumerate(woman.script)
        ]
        women.append(woman)
    return women


def schedule(rng: random.Random, women: list[Woman], double_texters: float = 0.1) -> list[Webhook]:
    """Round by round (each woman's k-th message in round k), shuffled within a round; one in
    ten women sends two in a row once; an eraser confirms right after asking."""
    order: list[Webhook] = []
    rounds = max(len(w.hooks) for w in women)
    for k in range(rounds):
        batch = [w.hooks[k] for w in women if k < len(w.hooks)]
        rng.shuffle(batch)
        order += batch
    for woman in women:
        pairs = []
        if woman.eraser:
            pairs.append(len(woman.hooks) - 2)
        if len(woman.hooks) >= 4 and rng.random() < double_texters:
            pairs.append(rng.randrange(1, len(woman.hooks) - 2))
        for k in pairs:
            follower = woman.hooks[k + 1]
            order.remove(follower)
            order.insert(order.index(woman.hooks[k]) + 1, follower)
    return order


class Load:
    """Sends the schedule at `rate` per second (open loop), her messages in her order."""

    def __init__(
        self, public_url: str, web_urls: list[str], women: list[Woman], order: list[Webhook]
    ) -> None:
        self.public_url = public_url.rstrip("/") + "/twilio/messages"
        self.web_urls = [u.rstrip("/") + "/twilio/messages" for u in web_urls]
        self.women = women
        self.order = order
        self.turn = threading.Condition()
        self.local = threading.local()
        self.started = 0.0
        self.finished = 0.0

    def session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def run(self, rate: float, progress: Callable[[int, int], None] | None = None) -> None:
        self.started = time.time()
        with ThreadPoolExecutor(max_workers=64, thread_name_prefix="webhook") as pool:
            for i, hook in enumerate(self.order):
                delay = self.started + i / rate - time.time()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(self._send_in_turn, hook, i)
                if progress is not None:
                    progress(i + 1, len(self.order))
        self.finished = time.time()

    def _send_in_turn(self, hook: Webhook, i: int) -> None:
        woman = hook.woman
        with self.turn:
            self.turn.wait_for(lambda: woman.next_k >= hook.k)
        try:
            self._deliver(hook, i)
        finally:
            with self.turn:
                woman.next_k = hook.k + 1
                self.turn.notify_all()

    def _deliver(self, hook: Webhook, i: int) -> None:
        form = hook.woman.her.form(hook.text, hook.sid)
        headers = {"X-Twilio-Signature": sign(self.public_url, form, AUTH_TOKEN)}
        for attempt in range(len(RETRY_WAITS) + 1):
            url = self.web_urls[(i + attempt) % len(self.web_urls)]
            began = time.time()
            try:
                status = str(
                    self.session()
                    .post(url, data=form, headers=headers, timeout=REQUEST_TIMEOUT)
                    .status_code
                )
            except requests.RequestException as exc:
                status = type(exc).__name__
            hook.attempts.append((began, status))
            if status == "200":
                hook.accepted_at = began
                break
            if attempt < len(RETRY_WAITS):
                time.sleep(RETRY_WAITS[attempt])
        hook.done_at = time.time()
