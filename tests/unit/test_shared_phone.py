"""Safety on a shared phone: nothing the assistant sends on its own — reminders, the nudge
for a waiting reply, the rating question, any WhatsApp template — mentions violence or the
crisis. Someone else reading her phone must learn nothing from a message she did not ask for."""

from __future__ import annotations

import pytest

from bot.content.store import ContentStore
from bot.core.text import fold
from bot.handoff.relay import NUDGE_TEMPLATE
from bot.reminders.job import TEMPLATE_ID as REMINDER_TEMPLATE

# Words that would tell a reader of her phone what she is going through.
TELLING = (
    "violencia", "violento", "peligro", "emergencia", "crisis", "riesgo", "seguridad",
    "abuso", "agresion", "golpe", "maltrato", "amenaza", "denuncia", "victima", "ayuda urgente",
    "123", "155", "141", "#702", "linea", "psicolog", "trata", "extorsion",
)  # fmt: skip

STORE = ContentStore()
# The texts that leave without her writing first (bot/handoff/relay.py, bot/reminders/job.py).
PROACTIVE_SYSTEM_TEXTS = ("reminder_text", "rating_question")


def proactive_texts() -> dict[str, str]:
    snapshot = STORE.snapshot()
    texts = {name: snapshot.system[name] for name in PROACTIVE_SYSTEM_TEXTS}
    texts |= {f"template {t.id}": t.text for t in snapshot.whatsapp_templates}
    return texts


def test_the_proactive_templates_are_the_ones_the_code_sends() -> None:
    ids = {t.id for t in STORE.snapshot().whatsapp_templates}
    assert {NUDGE_TEMPLATE, REMINDER_TEMPLATE} <= ids


@pytest.mark.parametrize(("name", "text"), sorted(proactive_texts().items()))
def test_nothing_sent_on_its_own_tells_a_reader_what_she_goes_through(
    name: str, text: str
) -> None:
    folded = fold(text)
    assert [word for word in TELLING if word in folded] == [], name
