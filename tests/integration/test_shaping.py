"""Replies shaped for their channel (issue 6 reqs. 3 and 4): SMS transliterated and split into
numbered parts within the budget, WhatsApp never altered, options as Content API buttons when
content/ has them enabled, numbered text otherwise."""

from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path

import pytest
import yaml

from bot.content.store import ContentStore
from bot.conversation.worker import ConversationWorker
from bot.core.messages import BotReply, Button, OutboundMessage
from bot.outbound.shaping import for_channel, strip_whatsapp_markup
from bot.outbound.sms import GSM7, encoding, segments
from bot.runtime import Runtime
from tests.support.worker import ScriptedRasa, she_writes, work

LONG = " ".join(
    f"Paso {i}: llevá tu cédula, el PPT y el diploma apostillado a la oficina." for i in range(8)
)


def sms(body: str) -> OutboundMessage:
    return OutboundMessage(participant="p_x", channel="sms", to="+15550001111", body=body)


def test_whatsapp_markup_is_removed_on_sms_only() -> None:
    assert strip_whatsapp_markup("*Requisitos:* _cédula_ y ~nada~ más; 5 * 3") == (
        "Requisitos: cédula y nada más; 5 * 3"
    )
    whatsapp = dataclasses.replace(sms("*Hola* ¿cómo estás?"), channel="whatsapp")
    assert for_channel(whatsapp, transliterate=True, budget_segments=1) == [whatsapp]


def test_sms_is_transliterated_to_gsm7_and_keeps_its_id_when_it_fits() -> None:
    message = sms("¿Cómo estás? Aquí tienes la información.")
    [shaped] = for_channel(message, transliterate=True, budget_segments=3)
    assert shaped.body == "¿Como estas? Aqui tienes la informacion." and shaped.id == message.id
    assert encoding(shaped.body) == GSM7 and segments(shaped.body) == 1


def test_a_long_sms_becomes_numbered_parts_within_the_budget_each_its_own_entry() -> None:
    parts = for_channel(sms(LONG), transliterate=True, budget_segments=2)
    assert len(parts) > 1 and len({p.id for p in parts}) == len(parts)
    assert [p.body.split(" ", 1)[0] for p in parts] == [
        f"({i}/{len(parts)})" for i in range(1, len(parts) + 1)
    ]
    assert all(segments(p.body) <= 2 for p in parts)
    assert " ".join(p.body.split(" ", 1)[1] for p in parts).split() == (
        LONG.replace("á", "a").split()
    )


def test_a_template_is_never_split_or_changed() -> None:
    template = dataclasses.replace(sms(LONG), content_sid="HX" + "0" * 32)
    assert for_channel(template, transliterate=True, budget_segments=1) == [template]


@pytest.fixture
def interactive_runtime(runtime: Runtime, tmp_path: Path) -> Runtime:
    """content/ with the yes/no quick reply enabled (a copy: the real one ships disabled)."""
    source = Path(__file__).resolve().parents[2] / "content"
    for path in source.glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in data.get("whatsapp_interactive", []):
            item["enabled"] = item["id"] == "si-no"
        (tmp_path / path.name).write_text(yaml.safe_dump(data, allow_unicode=True))
    runtime.content = ContentStore(tmp_path)
    return runtime


YES_NO = BotReply(
    "¿Te aviso antes del cierre?", buttons=(Button("Sí", "/affirm"), Button("No", "/deny"))
)


def test_whatsapp_options_go_as_quick_replies_when_enabled_in_content(
    interactive_runtime: Runtime,
) -> None:
    number = "+1555" + str(uuid.uuid4().int)[:7]
    pid = she_writes(
        interactive_runtime, "becas", "SM" + uuid.uuid4().hex, sender="whatsapp:" + number
    )
    work(ConversationWorker(interactive_runtime, ScriptedRasa([YES_NO])))
    [raw] = interactive_runtime.outbox.pending(pid)
    message = OutboundMessage.from_json(raw)
    assert message.content_sid == "HX00000000000000000000000000000011"
    assert json.loads(message.content_variables) == {"1": "¿Te aviso antes del cierre?"}
    assert message.body.endswith("1. Sí\n2. No")  # the transcript keeps the numbered text


def test_without_enabled_content_options_are_numbered_text(runtime: Runtime) -> None:
    number = "+1555" + str(uuid.uuid4().int)[:7]
    pid = she_writes(runtime, "becas", "SM" + uuid.uuid4().hex, sender="whatsapp:" + number)
    work(ConversationWorker(runtime, ScriptedRasa([YES_NO])))
    [raw] = runtime.outbox.pending(pid)
    message = OutboundMessage.from_json(raw)
    assert message.content_sid == "" and message.body.endswith("1. Sí\n2. No")


def test_sms_options_are_always_numbered_text(interactive_runtime: Runtime) -> None:
    number = "+1555" + str(uuid.uuid4().int)[:7]
    pid = she_writes(interactive_runtime, "becas", "SM" + uuid.uuid4().hex, sender=number)
    work(ConversationWorker(interactive_runtime, ScriptedRasa([YES_NO])))
    [raw] = interactive_runtime.outbox.pending(pid)
    assert OutboundMessage.from_json(raw).content_sid == ""
