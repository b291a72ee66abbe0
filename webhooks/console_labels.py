"""Names the console shows for the engine's keys — a ticket's topic, channel and priority, an
outcome's kind — in the console's language (es/en/it).

Topics and danger kinds are translated through the console's catalogs
(webhooks/translations/, context "topic" so they never clash with other strings); outcome kinds
are named in content/outcomes.yml, which programme staff edit. A key without a name is shown
as it is, never hidden.
"""

from __future__ import annotations

from flask_babel import gettext, pgettext

from bot.conversation.crisis import kinds
from bot.runtime import Runtime
from webhooks.console_languages import select_locale

TOPIC_CONTEXT = "topic"
# The programme's topics (the NLU's ask_<topic> intents, flows/actions/handoff.py), and the
# others a ticket can carry. Spanish source strings, translated in the catalogs.
TOPICS = {
    "courses": "Cursos y formación",
    "credential_validation": "Validar un título",
    "scholarships": "Becas",
    "credit": "Microcréditos",
    "entrepreneurship": "Emprendimiento",
    "employment": "Empleo",
    "psych_support": "Apoyo emocional",
    "migration_status": "PPT y papeles",
    "enrollment": "Qué es ALMAS",
    "general": "Consulta general",
    "restored": "Recuperada del historial",
}
# "emergency:<kind>" (certain danger) and "possible_danger:<kind>" (an unanswered check).
DANGER_TOPICS = {"emergency": "Emergencia", "possible_danger": "Posible peligro"}
DANGER_KINDS = {
    kinds.PARTNER_VIOLENCE: "violencia de pareja",
    kinds.SEXUAL_VIOLENCE: "violencia sexual",
    kinds.CHILD_HARMED: "un niño o niña en peligro",
    kinds.CHILD_MISSING: "un niño o niña desaparecido",
    kinds.SUICIDE_SELFHARM: "suicidio o autolesión",
    kinds.TRAFFICKING_DOCUMENTS: "trata o documentos retenidos",
    kinds.EXTORTION_LENDERS: "extorsión o amenazas de prestamistas",
    kinds.STALKING: "acoso o persecución",
    kinds.ARMED_GROUPS: "grupos armados",
    kinds.UNKNOWN: "peligro sin precisar",
}
CHANNELS = {"whatsapp": "WhatsApp", "sms": "SMS"}  # names, the same in every language


def topic_name(topic: str) -> str:
    if topic in TOPICS:
        return pgettext(TOPIC_CONTEXT, TOPICS[topic])
    prefix, _, kind = topic.partition(":")
    if prefix in DANGER_TOPICS:
        name = pgettext(TOPIC_CONTEXT, DANGER_TOPICS[prefix])
        if kind:
            name += ": " + (pgettext(TOPIC_CONTEXT, DANGER_KINDS[kind]) if kind in DANGER_KINDS
                            else kind)  # fmt: skip
        return name
    return topic


def channel_name(channel: str) -> str:
    return CHANNELS.get(channel, channel)


def priority_name(priority: str) -> str:
    return gettext(priority)  # "urgent" / "normal": in the catalogs since the console began


def outcome_name(runtime: Runtime, kind: str) -> str:
    language = select_locale()
    for outcome in runtime.content.snapshot().outcomes:
        if outcome.id == kind:
            return outcome.label(language)
    return kind


REMINDER_CONTEXT = "reminder"
# What the reminder job decided about a subscription (bot/reminders/job.py); None: not yet.
REMINDER_DECISIONS = {
    None: "pendiente",
    "queued": "enviado",
    "no_consent": "no enviado: sin consentimiento",
    "opted_out": "no enviado: pidió no recibir mensajes",
    "no_address": "no enviado: sin número para escribirle",
    "expired": "no enviado: la convocatoria ya cerró",
}


def reminder_decision_name(decision: str | None) -> str:
    if decision in REMINDER_DECISIONS:
        return pgettext(REMINDER_CONTEXT, REMINDER_DECISIONS[decision])
    return str(decision)
