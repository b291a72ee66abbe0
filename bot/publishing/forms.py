"""The console's form for a content item, generated from the content schema, and a submitted
form turned back into the item's value. Pure: no I/O.

Each field of an item (bot/content/schema.py) becomes an input: a text, a long text, a date, a
whole number, a yes/no, a choice (a `Literal`), several choices, a list of texts (one a line), a
link, a nested object, or a list of objects (response variants with their buttons, the steps of
a credential path, credit partners…); a shape too complex to generate (a free mapping, an
unknown section) is a YAML text area, validated like the rest.

Parsing keeps the item's YAML diff minimal: the keys stay in the order the value had them, a
key the value did not have is left out while it is empty (or says what the schema assumes
anyway), and a new key goes next to its neighbour in the schema. Form data are
`{input name: [values]}` (Flask's `request.form.to_dict(flat=False)`); every input name starts
with "f." so nothing else on the page is mistaken for content.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, HttpUrl, TypeAdapter, ValidationError
from pydantic_core import PydanticUndefined

from bot.content.documents import dump
from bot.content.store import SECTIONS, VARIANT_KEYS

# Input kinds.
TEXT = "text"
LONG_TEXT = "long_text"
DATE = "date"
INTEGER = "integer"
BOOLEAN = "boolean"
CHOICE = "choice"
CHOICES = "choices"  # several of a fixed set (checkboxes)
LINES = "lines"  # a list of texts, one a line
URL = "url"
OBJECT = "object"  # a nested group of fields
OBJECTS = "objects"  # a list of nested groups (rows; a blank one to add, a box to remove)
YAML = "yaml"  # a YAML text area: shapes too complex to generate

# How a form wraps the item's value.
ROOT_OBJECT = "object"  # a course, the credit section… (a mapping)
ROOT_VARIANTS = "variants"  # a response: its list of variants
ROOT_TEXT = "text"  # a system text: a string
ROOT_YAML = "yaml"  # anything else: the whole value as YAML

PREFIX = "f"
REMOVE = "_remove"
_MISSING: Any = object()

# What staff read next to each input (Spanish; the console translates them).
LABELS = {
    "id": "Identificador",
    "name": "Nombre",
    "provider": "Quién lo ofrece",
    "topic": "Tema",
    "modality": "Modalidad",
    "city": "Ciudad",
    "address": "Dirección",
    "start_date": "Empieza el",
    "enrol_until": "Inscripciones hasta",
    "duration": "Duración",
    "schedule": "Horario",
    "cost_cop": "Costo (pesos; vacío: por confirmar)",
    "min_age": "Edad mínima",
    "requirements": "Requisitos (uno por línea)",
    "how_to_enrol": "Cómo inscribirse",
    "link": "Enlace",
    "phone": "Teléfono",
    "source": "Fuente (dónde se leyó)",
    "checked": "Verificado el",
    "summary": "Resumen",
    "opens": "Abre el",
    "closes": "Cierra el",
    "eligibility": "Quién puede postularse (uno por línea)",
    "how_to_apply": "Cómo postularse",
    "levels": "Niveles",
    "apostilled": "Con apostilla",
    "steps": "Pasos",
    "title": "Título",
    "text": "Texto",
    "fng": "Fondo Nacional de Garantías: fuente",
    "fng_text": "Texto sobre el FNG",
    "requirements_source": "Fuente de los requisitos",
    "requirements_checked": "Requisitos verificados el",
    "partners": "Aliados",
    "kind": "Tipo",
    "description": "Descripción",
    "amounts": "Montos",
    "label": "Etiqueta",
    "amount_cop": "Monto (pesos)",
    "gota_a_gota_warning": "Advertencia sobre el gota a gota",
    "dial": "Número que marca",
    "region": "Región",
    "cases": "Casos",
    "hours": "Horario de atención",
    "verified": "Verificada por el programa",
    "content_sid": "SID de contenido (Twilio)",
    "variables": "Variables (YAML)",
    "office_hours": "Horario de las asesoras (vacío: cerrado)",
    "office_hours_source": "Fuente del horario",
    "office_hours_checked": "Horario verificado el",
    "offices": "Oficinas",
    "notice_version": "Versión del aviso (cambiarla pide el consentimiento otra vez)",
    "controller": "Responsable del tratamiento",
    "contact": "Contacto",
    "policy": "Política completa",
    "payloads": "Opciones (payloads, una por línea)",
    "enabled": "Activado",
    "labels": "Nombre",
    "es": "Español",
    "en": "Inglés",
    "it": "Italiano",
    "variants": "Variantes (se elige una al azar)",
    "buttons": "Botones",
    "payload": "Payload",
    "yaml": "YAML",
}
# Texts that take several lines.
LONG_TEXTS = {
    "how_to_enrol", "how_to_apply", "summary", "text", "description", "policy", "fng_text",
    "gota_a_gota_warning", "contact",
}  # fmt: skip
# Fields inherited from bot.content.schema.Sourced: last, as content/ writes them.
SOURCED = ("source", "checked")


@dataclass(frozen=True)
class Field:
    """One input of the form (or a group of them)."""

    name: str  # its key in the item's value
    kind: str
    required: bool = True
    choices: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()  # OBJECT, OBJECTS: the nested fields
    default: Any = _MISSING  # what the schema assumes when the key is absent
    omit_empty: bool = False  # an empty value is left out even if the key was there
    read_only: bool = False  # an existing item's id

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name.replace("_", " "))


@dataclass(frozen=True)
class Form:
    section: str
    root: str
    fields: tuple[Field, ...]


@dataclass
class Bound:
    """A field with what the page shows in it (for the template)."""

    field: Field
    name: str  # the input's name
    value: str = ""
    values: tuple[str, ...] = ()  # CHOICES: the ticked ones
    checked: bool = False  # BOOLEAN
    error: str = ""
    children: list[Bound] = field(default_factory=list)  # OBJECT
    rows: list[Row] = field(default_factory=list)  # OBJECTS


@dataclass
class Row:
    name: str  # prefix of the row's inputs
    fields: list[Bound]
    removed: bool = False
    blank: bool = False  # the empty row for adding one


# -- generating ---------------------------------------------------------------------------------
def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(get_args(annotation)) == 2:
            return args[0], True
    return annotation, False


def _field(name: str, annotation: Any, required: bool, default: Any, new: bool) -> Field:
    annotation, optional = _unwrap_optional(annotation)
    required = required and not optional
    origin, args = get_origin(annotation), get_args(annotation)
    common: dict[str, Any] = {"name": name, "required": required, "default": default}
    if annotation is str:
        kind = LONG_TEXT if name in LONG_TEXTS else TEXT
        return Field(kind=kind, read_only=name == "id" and not new, **common)
    if annotation is bool:
        return Field(kind=BOOLEAN, **common)
    if annotation is int:
        return Field(kind=INTEGER, **common)
    if annotation is date:
        return Field(kind=DATE, **common)
    if annotation is HttpUrl:
        return Field(kind=URL, **common)
    if origin is Literal:
        return Field(kind=CHOICE, choices=tuple(str(a) for a in args), **common)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        inner = args[0]
        if inner is str:
            return Field(kind=LINES, **common)
        if get_origin(inner) is Literal:
            return Field(kind=CHOICES, choices=tuple(str(a) for a in get_args(inner)), **common)
        if _is_model(inner):
            return Field(kind=OBJECTS, fields=model_fields(inner, new=True), **common)
    if _is_model(annotation):
        return Field(kind=OBJECT, fields=model_fields(annotation, new=True), **common)
    if origin is dict and args and get_origin(args[0]) is Literal and args[1] is str:
        keys = tuple(str(a) for a in get_args(args[0]))
        inner_fields = tuple(
            Field(name=k, kind=TEXT, required=False, omit_empty=True) for k in keys
        )
        return Field(kind=OBJECT, fields=inner_fields, **common)
    return Field(kind=YAML, **common)


def model_fields(model: type[BaseModel], new: bool = False) -> tuple[Field, ...]:
    """The fields of a schema model, its own first and `source`/`checked` last."""
    found = []
    for name, info in model.model_fields.items():
        default: Any = _MISSING
        if not info.is_required():
            if info.default_factory is not None:
                default = info.default_factory()  # type: ignore[call-arg]
            elif info.default is not PydanticUndefined:
                default = info.default
        found.append(_field(name, info.annotation, info.is_required(), default, new))
    own = [f for f in found if f.name not in SOURCED]
    return (*own, *(f for f in found if f.name in SOURCED))


def _variant_fields() -> tuple[Field, ...]:
    button = (Field("title", TEXT), Field("payload", TEXT))
    return (
        Field("text", LONG_TEXT),
        Field("buttons", OBJECTS, required=False, fields=button, default=[]),
        Field("source", TEXT, required=False),
        Field("checked", DATE, required=False),
    )


def item_model(section: str) -> type[BaseModel] | None:
    """The schema model of one item of `section` (a course, the credit section…)."""
    schema = SECTIONS.get(section)
    if schema is None:
        return None
    if get_origin(schema) is list:
        schema = get_args(schema)[0]
    return schema if _is_model(schema) else None


def form_for(section: str, new: bool = False) -> Form:
    """The form of an item of `section`; `new`: an item being added (its id may be typed)."""
    if section == "responses":
        variants = Field("variants", OBJECTS, fields=_variant_fields())
        return Form(section, ROOT_VARIANTS, (variants,))
    if section == "system":
        return Form(section, ROOT_TEXT, (Field("text", LONG_TEXT),))
    model = item_model(section)
    if model is None:
        return Form(section, ROOT_YAML, (Field("yaml", YAML),))
    return Form(section, ROOT_OBJECT, model_fields(model, new=new))


def _wrap(form: Form, value: Any) -> dict[str, Any]:
    if form.root == ROOT_OBJECT:
        return dict(value or {})
    return {form.fields[0].name: value}


def _unwrap(form: Form, wrapped: dict[str, Any]) -> Any:
    if form.root == ROOT_OBJECT:
        return wrapped
    return wrapped.get(form.fields[0].name)


# -- value -> form data -------------------------------------------------------------------------
def _name(prefix: str, name: str) -> str:
    return f"{prefix}.{name}"


def _scalar_text(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == DATE and isinstance(value, date):
        return value.isoformat()
    if kind == LINES:
        return "\n".join(str(v) for v in value)
    if kind == YAML:
        return dump(value)
    return str(value)


def _to_data(
    fields: tuple[Field, ...], obj: Mapping[str, Any], prefix: str, data: dict[str, list[str]]
) -> None:
    for f in fields:
        name = _name(prefix, f.name)
        present = f.name in obj
        value = obj.get(f.name)
        if f.kind == BOOLEAN:
            on = value if present else (f.default if f.default is not _MISSING else False)
            if on:
                data[name] = ["on"]
        elif f.kind == CHOICES:
            data[name] = [str(v) for v in value or ()]
        elif f.kind == OBJECT:
            _to_data(f.fields, value if isinstance(value, Mapping) else {}, name, data)
        elif f.kind == OBJECTS:
            for i, row in enumerate(value or ()):
                _to_data(f.fields, row if isinstance(row, Mapping) else {}, f"{name}.{i}", data)
        elif f.kind == YAML:
            if present or f.default is not _MISSING:
                data[name] = [_scalar_text(f.kind, value if present else f.default)]
            else:
                data[name] = [""]
        else:
            data[name] = [_scalar_text(f.kind, value)]


def to_data(form: Form, value: Any) -> dict[str, list[str]]:
    """The form's inputs filled with `value` (what the page shows for an item)."""
    data: dict[str, list[str]] = {}
    _to_data(form.fields, _wrap(form, value), PREFIX, data)
    return data


# -- form data -> value -------------------------------------------------------------------------
REQUIRED = "Obligatorio."
NOT_A_NUMBER = "Escribe un número entero."
NOT_A_DATE = "Escribe una fecha válida (AAAA-MM-DD)."
NOT_A_CHOICE = "Elige una opción de la lista."
NOT_YAML = "YAML no válido."
SOURCE_AND_CHECKED = "Con fuente, también la fecha de verificación (y al revés)."


def _first(data: Mapping[str, list[str]], name: str) -> str:
    values = data.get(name) or [""]
    return values[0]


def _row_indices(data: Mapping[str, list[str]], name: str) -> list[int]:
    pattern = re.compile(re.escape(name) + r"\.(\d+)\.")
    found = {int(m.group(1)) for key in data if (m := pattern.match(key))}
    return sorted(found)


def _row_is_blank(data: Mapping[str, list[str]], row: str) -> bool:
    start = row + "."
    return all(
        not any(v.strip() for v in values)
        for key, values in data.items()
        if key.startswith(start) and not key.endswith("." + REMOVE)
    )


_EMPTY: Any = object()


class _Parser:
    def __init__(self, data: Mapping[str, list[str]]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    def scalar(self, f: Field, name: str) -> Any:
        raw = _first(self.data, name).replace("\r\n", "\n").replace("\r", "\n")
        if f.kind == LONG_TEXT:
            return raw if raw.strip() else _EMPTY
        if f.kind == YAML:
            if not raw.strip():
                return _EMPTY
            try:
                return yaml.safe_load(raw)
            except yaml.YAMLError:
                self.errors[name] = NOT_YAML
                return _EMPTY
        raw = raw.strip()
        if f.kind == LINES:
            lines = [line.strip() for line in raw.split("\n") if line.strip()]
            return lines or _EMPTY
        if not raw:
            return _EMPTY
        if f.kind == INTEGER:
            digits = re.sub(r"[\s.,]", "", raw)
            if not re.fullmatch(r"-?\d+", digits):
                self.errors[name] = NOT_A_NUMBER
                return _EMPTY
            return int(digits)
        if f.kind == DATE:
            try:
                return date.fromisoformat(raw)
            except ValueError:
                self.errors[name] = NOT_A_DATE
                return _EMPTY
        if f.kind == CHOICE and raw not in f.choices:
            self.errors[name] = NOT_A_CHOICE
            return _EMPTY
        return raw

    def value(self, f: Field, name: str, before: Any) -> Any:
        if f.kind == BOOLEAN:
            return bool(_first(self.data, name))
        if f.kind == CHOICES:
            ticked = [v for v in self.data.get(name, []) if v]
            wrong = [v for v in ticked if v not in f.choices]
            if wrong:
                self.errors[name] = NOT_A_CHOICE
            ticked = [v for v in ticked if v in f.choices]
            order = [str(v) for v in before or ()] + list(f.choices)
            chosen = sorted(set(ticked), key=order.index)
            return chosen or _EMPTY
        if f.kind == OBJECT:
            if _row_is_blank(self.data, name):
                return _EMPTY
            inner = self.obj(f.fields, name, before if isinstance(before, Mapping) else None)
            return inner if inner else _EMPTY
        if f.kind == OBJECTS:
            rows = []
            old = list(before) if isinstance(before, list | tuple) else []
            for i in _row_indices(self.data, name):
                row = f"{name}.{i}"
                if _first(self.data, f"{row}.{REMOVE}") or _row_is_blank(self.data, row):
                    continue
                existing = old[i] if i < len(old) and isinstance(old[i], Mapping) else None
                rows.append(self.obj(f.fields, row, existing))
            return rows or _EMPTY
        return self.scalar(f, name)

    def obj(
        self, fields: tuple[Field, ...], prefix: str, before: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        by_name = {f.name: f for f in fields}
        parsed: dict[str, Any] = {}
        for f in fields:
            name = _name(prefix, f.name)
            present = before is not None and f.name in before
            if f.read_only and present:
                parsed[f.name] = before[f.name]  # type: ignore[index]
                continue
            value = self.value(f, name, before.get(f.name) if before is not None else None)
            if value is _EMPTY:
                if f.required and name not in self.errors:
                    self.errors[name] = REQUIRED
                if f.omit_empty or not present:
                    continue
                value = [] if f.kind in (LINES, CHOICES, OBJECTS) else None
            elif not present and f.default is not _MISSING and _same(value, f.default):
                continue  # what the schema assumes anyway: not written
            parsed[f.name] = value
        return _ordered(parsed, before, [f.name for f in fields], by_name)


def _same(value: Any, default: Any) -> bool:
    if isinstance(default, tuple):
        default = list(default)
    return bool(value == default)


def _ordered(
    parsed: dict[str, Any],
    before: Mapping[str, Any] | None,
    schema: list[str],
    by_name: Mapping[str, Field],
) -> dict[str, Any]:
    """The keys in the order they were; a new one after its closest neighbour in the schema;
    keys the form does not know (none in valid content) kept where they were."""
    keys = [k for k in (before or {}) if k in parsed or k not in by_name]
    for name in schema:
        if name not in parsed or name in keys:
            continue
        position = 0
        for earlier in reversed(schema[: schema.index(name)]):
            if earlier in keys:
                position = keys.index(earlier) + 1
                break
        else:
            position = 0 if before else len(keys)
        keys.insert(position, name)
    out = {}
    for key in keys:
        out[key] = parsed[key] if key in parsed else before[key]  # type: ignore[index]
    return out


def parse(
    form: Form, data: Mapping[str, list[str]], before: Any = None
) -> tuple[Any, dict[str, str]]:
    """(the item's value, {input name: what is wrong}) from submitted form data. `before`: the
    value the form was showing (its key order and absent keys are kept)."""
    parser = _Parser(data)
    wrapped_before = _wrap(form, before) if before is not None else None
    wrapped = parser.obj(form.fields, PREFIX, wrapped_before)
    return _unwrap(form, wrapped), parser.errors


# -- validating ---------------------------------------------------------------------------------
def validate(form: Form, value: Any) -> dict[str, str]:
    """What the content schema says is wrong, by input name ("" for the item as a whole)."""
    if form.root == ROOT_TEXT:
        return {} if isinstance(value, str) and value.strip() else {_name(PREFIX, "text"): REQUIRED}
    if form.root == ROOT_VARIANTS:
        return _validate_variants(value)
    model = item_model(form.section)
    if model is None:
        return {}
    try:
        TypeAdapter(model).validate_python(value)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            loc = [str(part) for part in error["loc"]]
            name = ".".join([PREFIX, *loc]) if loc else ""
            message = str(error["msg"]).removeprefix("Value error, ")
            errors.setdefault(name, message)
        return errors
    return {}


def _validate_variants(value: Any) -> dict[str, str]:
    errors: dict[str, str] = {}
    base = _name(PREFIX, "variants")
    if not isinstance(value, list) or not value:
        return {base: REQUIRED}
    for i, variant in enumerate(value):
        row = f"{base}.{i}"
        if not isinstance(variant, dict) or not str(variant.get("text", "")).strip():
            errors[f"{row}.text"] = REQUIRED
            continue
        unknown = set(variant) - VARIANT_KEYS
        if unknown:
            errors[row] = f"unknown keys {sorted(unknown)}"
        if ("source" in variant) != ("checked" in variant):
            missing = "checked" if "source" in variant else "source"
            errors[f"{row}.{missing}"] = SOURCE_AND_CHECKED
    return errors


# -- binding (for the page) ---------------------------------------------------------------------
def _bind(
    fields: tuple[Field, ...], data: Mapping[str, list[str]], prefix: str, errors: Mapping[str, str]
) -> list[Bound]:
    bound = []
    for f in fields:
        name = _name(prefix, f.name)
        item = Bound(field=f, name=name, error=errors.get(name, ""))
        if f.kind == BOOLEAN:
            item.checked = bool(_first(data, name))
        elif f.kind == CHOICES:
            item.values = tuple(data.get(name, []))
        elif f.kind == OBJECT:
            item.children = _bind(f.fields, data, name, errors)
        elif f.kind == OBJECTS:
            indices = _row_indices(data, name)
            for i in indices:
                row = f"{name}.{i}"
                item.rows.append(
                    Row(
                        row,
                        _bind(f.fields, data, row, errors),
                        removed=bool(_first(data, f"{row}.{REMOVE}")),
                    )
                )
            blank = f"{name}.{(indices[-1] + 1) if indices else 0}"
            item.rows.append(Row(blank, _bind(f.fields, {}, blank, {}), blank=True))
        else:
            item.value = _first(data, name)
        bound.append(item)
    return bound


def bind(
    form: Form, data: Mapping[str, list[str]], errors: Mapping[str, str] | None = None
) -> list[Bound]:
    """The inputs as the page shows them: `data` (the item's, or what staff typed), errors
    next to their input, and a blank row under every list of objects."""
    return _bind(form.fields, data, PREFIX, errors or {})


def form_data(submitted: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Only the content inputs of a submitted form."""
    return {k: list(v) for k, v in submitted.items() if k.startswith(PREFIX + ".")}
