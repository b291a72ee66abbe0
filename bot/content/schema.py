"""The shape of content/: what programme staff may write, validated by `almas content check`.

Every fact that changes (a date, a fee, a phone number, a requirement) carries `source` (where
it was read) and `checked` (when). Anything not confirmed must not be stated as fact: write
"te confirmamos con una asesora" instead.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

CITIES = ("Santa Marta", "Barranquilla")
COURSE_TOPICS = (
    "tic", "programacion", "ofimatica", "marketing_digital", "idiomas", "belleza", "cocina",
    "atencion_cliente", "emprendimiento",
)  # fmt: skip
EDUCATION_LEVELS = ("bachillerato", "tecnico", "universitario", "posgrado")
WEEKDAYS = ("lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo")
_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
# What she dials: a short code ("123", "#702", "192 opción 4") or a full number.
_DIAL = re.compile(r"^(#\d{3,4}|\d{2,3}( opción \d{1,2})?|\d[\d ]{5,16}\d)$")
_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")

Slug = Field(pattern=_SLUG.pattern)
Text = Field(min_length=1)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(Strict):
    """A fact that changes: where it was read and when."""

    source: str = Text
    checked: date

    @field_validator("checked")
    @classmethod
    def _not_in_the_future(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("`checked` cannot be in the future")
        return value


class Course(Sourced):
    id: str = Slug
    name: str = Text
    provider: str = Text
    topic: Literal[COURSE_TOPICS]  # type: ignore[valid-type]
    modality: Literal["presencial", "virtual"]
    city: Literal[CITIES] | None = None  # type: ignore[valid-type]  # None: virtual, anywhere
    address: str | None = None
    start_date: date
    enrol_until: date
    duration: str = Text
    schedule: str = Text
    cost_cop: int | None = Field(default=None, ge=0)  # None: not confirmed yet
    min_age: int | None = Field(default=None, ge=0, le=99)
    requirements: tuple[str, ...] = ()
    how_to_enrol: str = Text
    link: HttpUrl | None = None
    phone: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Course:
        if self.modality == "presencial" and (self.city is None or not self.address):
            raise ValueError(f"{self.id}: an in-person course needs a city and an address")
        if self.enrol_until > self.start_date:
            raise ValueError(f"{self.id}: enrol_until is after start_date")
        return self


class Scholarship(Sourced):
    id: str = Slug
    name: str = Text
    provider: str = Text
    summary: str = Text
    opens: date
    closes: date
    eligibility: tuple[str, ...] = Field(min_length=1)
    how_to_apply: str = Text
    link: HttpUrl | None = None
    phone: str | None = None

    @model_validator(mode="after")
    def _dates(self) -> Scholarship:
        if self.closes < self.opens:
            raise ValueError(f"{self.id}: closes before it opens")
        return self


class Step(Strict):
    title: str = Text
    text: str = Text


class CredentialPath(Sourced):
    """Steps for one situation: school or higher education, apostilled or not."""

    id: str = Slug
    levels: tuple[Literal[EDUCATION_LEVELS], ...] = Field(min_length=1)  # type: ignore[valid-type]
    apostilled: bool
    steps: tuple[Step, ...] = Field(min_length=1)


class Partner(Sourced):
    name: str = Text
    kind: str = Text
    description: str = Text


class Amount(Sourced):
    label: str = Text
    amount_cop: int = Field(gt=0)


class Credit(Strict):
    summary: str = Text
    fng: Sourced | None = None
    fng_text: str = Text
    requirements: tuple[str, ...] = Field(min_length=1)
    requirements_source: str = Text
    requirements_checked: date
    partners: tuple[Partner, ...] = Field(min_length=1)
    amounts: tuple[Amount, ...] = ()
    gota_a_gota_warning: str = Text


class SupportLine(Sourced):
    id: str = Slug
    name: str = Text
    dial: str = Text  # what she dials: "123", "155", "192 opción 4", "#702"
    region: str = Text  # "nacional", "Atlántico", "Santa Marta"
    cases: tuple[
        Literal[
            "emergency", "violence", "sexual_violence", "children", "mental_health", "suicide",
            "trafficking", "extortion",
        ],
        ...,
    ] = Field(min_length=1)
    hours: str = Text
    # False until the programme has verified the number: never given to a participant.
    verified: bool = True

    @field_validator("dial")
    @classmethod
    def _dialable(cls, value: str) -> str:
        # A woman in danger dials exactly this: no letters, no stray punctuation.
        if not _DIAL.match(value):
            raise ValueError(f"not a number she can dial: {value!r}")
        return value


class WhatsAppTemplate(Sourced):
    """An approved WhatsApp template (Twilio Content API): the only thing that can be sent
    outside the 24-hour window. `text` is what she will read, for case workers to see."""

    id: str = Slug
    content_sid: str = Field(pattern=r"^HX[0-9a-f]{32}$")
    text: str = Text
    variables: dict[str, str] = Field(default_factory=dict)


class Office(Sourced):
    city: Literal[CITIES]  # type: ignore[valid-type]
    address: str | None = None  # None: not confirmed yet; the bot offers a case worker
    hours: str = Text


class Programme(Strict):
    # Case workers' hours (America/Bogota): weekday -> "08:00-17:00"; missing days: closed.
    office_hours: dict[Literal[WEEKDAYS], str]  # type: ignore[valid-type]
    office_hours_source: str = Text
    office_hours_checked: date
    offices: tuple[Office, ...] = Field(min_length=1)

    @field_validator("office_hours")
    @classmethod
    def _hours_format(cls, value: dict[str, str]) -> dict[str, str]:
        for day, hours in value.items():
            if not _HOURS.match(hours):
                raise ValueError(f"{day}: hours must look like 08:00-17:00, got {hours!r}")
        return value


class Privacy(Sourced):
    """The privacy notice (Ley 1581 de 2012, Decreto 1377 de 2013) and the full policy.

    Changing `notice_version` asks every participant for consent again."""

    notice_version: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$")
    controller: str = Text  # the "responsable del tratamiento"
    contact: str = Text  # where she exercises her rights besides the chat
    policy: str = Text  # the full policy, served at /privacidad


class WhatsAppInteractive(Sourced):
    """Quick-reply buttons or a list picker (Twilio Content API) for a set of options the bot
    shows: used on WhatsApp when `enabled` and the options are exactly `payloads`; otherwise
    the options go as numbered text. Enable only once the content SID is approved."""

    id: str = Slug
    content_sid: str = Field(pattern=r"^HX[0-9a-f]{32}$")
    kind: Literal["quick_reply", "list_picker"]
    payloads: tuple[str, ...] = Field(min_length=1)
    enabled: bool = False


CONSOLE_LANGUAGES = ("es", "en", "it")


class Labels(Strict):
    """A name in each of the console's languages (webhooks/console_languages.py)."""

    es: str = Text
    en: str = Text
    it: str = Text


class OutcomeKind(Strict):
    """A programme result a case worker records for a participant (content/outcomes.yml):
    stored in SQL by `id`, shown by its name in the console's language."""

    id: str = Field(pattern=_SLUG.pattern, max_length=64)
    labels: Labels

    def label(self, language: str) -> str:
        return str(getattr(self.labels, language if language in CONSOLE_LANGUAGES else "es"))
