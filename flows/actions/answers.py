"""What one of her messages already answers in each form: her words → slot values.

Pure (no Rasa, no I/O), so every form can take an answer from the first message and from any
later one ("como convalido mi titulo de la universidad" answers the level; "no, mejor en Santa
Marta" changes the city), and a table test can read hundreds of messages in a second. The NLU's
entities still fill slots too (domain mappings); these readings catch what they miss and decide
the yes/no questions by what the sentence says, not by the intent alone.

A reading is per clause ("tengo ppt pero no tengo negocio" is two answers), and a yes/no answer
looks for a negation or a wish ("quiero montar un negocio", "como saco el ppt") around the
word it is about. A plain "sí"/"no" answers only the question asked, and only when the message
names nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.core.text import fold

COURSE_FORM = "course_form"
CREDENTIAL_FORM = "credential_form"
CREDIT_FORM = "credit_precheck_form"

# Every slot each form can take from her words (required or not), in the order asked.
FORM_SLOTS: dict[str, tuple[str, ...]] = {
    COURSE_FORM: ("city", "modality", "course_topic"),
    CREDENTIAL_FORM: ("education_level", "apostilled"),
    CREDIT_FORM: ("has_business", "business_months", "has_ppt", "financial_training"),
}
YES_NO_SLOTS = ("apostilled", "has_business", "has_ppt", "financial_training")

# How participants name the two cities: the city, its nicknames, and neighbourhoods and
# villages that belong only to it. Soledad, Malambo, Ciénaga, Puerto Colombia are other
# municipalities: they name no city here.
CITY_WORDS: dict[str, tuple[str, ...]] = {
    "Santa Marta": (
        "santa marta", "sta marta", "sta. marta", "santamarta", "samario", "samaria", "smr",
        "la perla de america", "rodadero", "taganga", "gaira", "pescaito", "mamatoco",
        "bastidas", "bonda", "minca", "pozos colorados", "bello horizonte", "manzanares",
        "curinca", "timayui", "once de noviembre", "11 de noviembre", "maria eugenia",
        "los almendros", "el pando", "cristo rey", "ziruma", "chimila", "garagoa",
        "la concepcion", "don jaca", "guachaca", "playa salguero", "parque de los novios",
        "camellon de la bahia",
    ),
    "Barranquilla": (
        "barranquilla", "quilla", "baq", "la arenosa", "arenosa", "curramba", "barranquiller",
        "rebolo", "la chinita", "el prado", "alto prado", "barrio abajo", "las nieves",
        "la luz", "siete de agosto", "7 de agosto", "carrizal", "el bosque", "riomar",
        "villa country", "boston", "montes", "san roque", "chiquinquira", "me quejo",
        "las malvinas", "los olivos", "villa san pedro", "20 de julio", "veinte de julio",
        "simon bolivar", "la playa", "las flores", "el silencio", "la victoria", "lipaya",
        "la paz barranquilla", "buenavista", "ciudad jardin", "el recreo", "los andes",
    ),
}  # fmt: skip
VIRTUAL_WORDS = (
    "virtual", "en linea", "online", "on line", "por internet", "desde la casa", "desde casa",
    "desde mi casa", "a distancia", "por el celular", "desde el celular", "remoto",
)  # fmt: skip
PRESENTIAL_WORDS = ("presencial", "en persona", "ir a clase", "ir a clases", "en un salon")
COURSE_TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "programacion": (
        "programacion", "programar", "programador", "desarrollo web", "paginas web",
        "pagina web", "software", "codigo", "python", "desarrollo de software",
    ),
    "ofimatica": ("excel", "word", "office", "ofimatica", "powerpoint", "power point"),
    "marketing_digital": (
        "marketing", "mercadeo", "redes sociales", "community manager", "vender por internet",
        "vender en redes", "publicidad digital", "instagram", "facebook", "tiktok",
        "vender por", "marketing digital",
    ),
    "tic": (
        "computador", "computadora", "computadores", "computadoras", "computacion",
        "informatica", "sistemas", "tecnologia", "tic", "tics", "internet basico",
        "alfabetizacion digital",
    ),
    "idiomas": ("ingles", "idioma", "idiomas", "frances", "portugues"),
    "belleza": (
        "belleza", "peluqueria", "unas", "manicure", "pedicure", "maquillaje", "estetica",
        "barberia", "cosmetologia", "cejas", "pestanas", "trenzas", "manicurista",
    ),
    "cocina": (
        "cocina", "gastronomia", "panaderia", "reposteria", "culinari", "cocinar", "chef",
        "comidas", "pasteleria", "tortas",
    ),
    "atencion_cliente": (
        "atencion al cliente", "servicio al cliente", "call center", "atencion a clientes",
    ),
    "emprendimiento": ("emprendimiento", "emprender", "mi propio negocio"),
}  # fmt: skip

LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    "bachillerato": (
        "bachiller", "secundaria", "liceo", "colegio", "bachillerato", "quinto ano", "5to ano",
        "5 ano",
    ),
    "tecnico": ("tecnic", "tecnolog", "tsu", "tecnico superior"),
    "universitario": (
        "universi", "licenciad", "pregrado", "profesional", "ingenier", "carrera universitaria",
        "mi carrera", "abogad", "contador", "contadora", "odontolog", "medic", "enfermera jefe",
        "psicolog", "docente", "profesora", "economista", "arquitect", "administradora",
        "la carrera", "carrera de",
        # Venezuelan universities ("me gradué en la UCAB")
        "ucab", "ucv", "unefa", "upel", "unerg", "unexpo", "unimet", "unellez", "udo", "luz",
        "ula", "usb", "uny", "unet", "ucla", "unesr", "unearte", "unefm",
    ),
    "posgrado": (
        "posgrado", "postgrado", "maestr", "especializ", "doctorado", "magister", "master",
    ),
}  # fmt: skip
LEVEL_RANK = ("bachillerato", "tecnico", "universitario", "posgrado")

APOSTILLE_WORDS = ("apostill", "apostilla")
BUSINESS_WORDS = (
    "negocio", "negocito", "emprendimiento", "emprender", "venta", "ventica", "vendo",
    "vendemos", "vendiendo", "tienda", "tiendita", "puesto", "local", "peluqueria",
    "salon de belleza", "restaurante", "comidas rapidas", "comida rapida", "fritos",
    "fritanga", "carrito", "arepas", "empanadas", "miscelanea", "cacharreria",
    "independiente", "por mi cuenta", "mi propio", "minimercado", "papeleria", "catalogo",
    "montado", "costurera", "manicurista", "domicilio", "domicilios", "panaderia",
    "reposteria", "pasteleria", "cafeteria", "heladeria", "drogueria", "ferreteria",
    "sastreria", "taller de costura", "fruteria", "verduleria", "bodega", "kiosko", "quiosco",
)  # fmt: skip
# (The PEP is the older permit, not the PPT the credit asks for.)
# (The pre-check asks for the PPT "o cédula colombiana": a returning Colombian has hers.)
PPT_WORDS = (
    # "permiso" alone: in the pre-check "no tengo permiso" is the PPT (and it covers "permiso
    # por protección", "permiso temporal").
    "ppt", "permiso", "cedula colombiana", "cedula de ciudadania", "cedula de extranjeria",
)  # fmt: skip
FINANCE_WORDS = (
    "finanzas", "financiera", "financiero", "educacion financiera", "curso de finanzas",
    "manejo del dinero", "manejo de dinero", "manejo de plata", "manejar la plata",
    "manejar el dinero", "contabilidad basica", "ahorro",
)  # fmt: skip

# Words that turn "X" into "not X" when close before it ("no tengo ppt", "sin apostilla") or
# right after it ("el ppt todavía no", "apostilla no tiene").
NEGATIONS = (
    "no", "sin", "nunca", "ningun", "ninguna", "ninguno", "tampoco", "ni", "jamas", "cerre",
    "cerro", "quebro", "perdi",
)  # fmt: skip
PENDING = (
    "tramite", "tramitando", "esperando", "pendiente", "falta", "faltan", "sacando", "solicite",
    "solicitado", "proceso", "mande", "mandamos", "idea", "todavia", "aun",
)  # fmt: skip
# A wish or a question about X says she has not got it yet ("quiero montar un negocio",
# "cómo saco el ppt"); "mi negocio" says she has it, whatever she wants next.
WISHES = (
    "quiero", "quisiera", "queria", "pienso", "planeo", "gustaria", "montar", "abrir",
    "empezar", "iniciar", "crear", "sacar", "saco", "tramitar", "apostillar", "obtener",
    "conseguir", "hacer", "emprender", "necesito", "pidieron", "piden", "requisito",
    "pensando", "planeando", "arrancar",
)  # fmt: skip
QUESTIONS = ("no se si", "nose si", "no estoy segura", "q es", "que es", "cuanto", "cuando",
             "sirve", "vale")  # fmt: skip
_HYPOTHETICAL = re.compile(r"^(?:y )?(?:que pasa )?si no\b|^y si\b|^que pasa si\b")
# Someone else's business or diploma is not hers ("mi mamá tiene un negocio").
_SOMEONE_ELSE = re.compile(
    r"\b(?:mi|su) (?:mama|mami|papa|esposo|marido|hij[oa]|herman[oa]|amiga|tia|prima|suegra)\b"
)
POSSESSIVES = ("mi", "mis", "tengo", "tiene", "tenemos", "llevo", "ya")

NUMBER_WORDS = {
    "un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13,
    "catorce": 14, "quince": 15, "dieciseis": 16, "diecisiete": 17, "dieciocho": 18,
    "diecinueve": 19, "veinte": 20, "veinticuatro": 24, "treinta": 30, "par": 2,
}  # fmt: skip
# A duration about something else (her time in Colombia, the course, the loan, her children):
# word starts near the duration.
OTHER_DURATION = (
    "llegue", "llegamos", "colombia", "aca", "aqui", "pais", "venezuela", "credito",
    "prestamo", "cuota", "plazo", "dura", "curso", "pagar", "migr", "vivo", "viviendo", "edad",
    "hij", "taller", "pasado", "barranquilla", "santa marta", "quilla",
)  # fmt: skip
BUSINESS_MONTHS = ("menos_6", "6_12", "mas_12")

_CLAUSE = re.compile(
    r"[,.;:!?¿¡()]|\s(?:pero|aunque|mientras|sino|xq|pq|porque|porq|por q|asi q|asi que|entonces)\s"
)
_WORD = re.compile(r"[a-z0-9]+")


_CORRECTION = re.compile(r"\bno,? (?=mejor|perdon|espera|me equivoque)")


def _clauses(text: str) -> list[str]:
    # "no, mejor presencial" corrects what came before; it does not negate "presencial".
    text = _CORRECTION.sub("", text)
    return [c.strip() for c in _CLAUSE.split(f" {text} ") if c and c.strip()]


def _find(text: str, words: tuple[str, ...], stems: bool) -> list[tuple[int, int]]:
    """Spans of every word (or stem, at a word start) of `words` in `text`."""
    spans = []
    for word in words:
        tail = "" if stems else r"\b"
        for match in re.finditer(rf"\b{re.escape(word)}{tail}", text):
            spans.append((match.start(), match.end()))
    return sorted(spans)


def _around(
    clause: str, span: tuple[int, int], left: int, right: int
) -> tuple[list[str], list[str]]:
    before = _WORD.findall(clause[: span[0]])[-left:] if left else []
    after_text = clause[span[1] :]
    after_text = re.sub(r"^[a-z0-9]*", "", after_text)  # the rest of the word found
    return before, _WORD.findall(after_text)[:right]


def _negated(clause: str, span: tuple[int, int], reach: int = 3) -> bool:
    """ "no … X" close before (within `reach` words), or "X no …" right after."""
    before, after = _around(clause, span, reach, 3)
    return any(w in NEGATIONS for w in before) or any(w in ("no", "nunca") for w in after)


def _polarity(
    clause: str, words: tuple[str, ...], stems: bool = False, reach: int = 3
) -> bool | None:
    """True/False for a clause that speaks of X (one of words) as had/not had; None when it
    does not speak of X, or only asks, doubts or supposes."""
    spans = _find(clause, words, stems)
    if not spans:
        return None
    padded = " " + " ".join(_WORD.findall(clause)) + " "
    if any(f" {q}" in padded for q in QUESTIONS) or _HYPOTHETICAL.search(padded.strip()):
        return None
    span = spans[-1]
    before, after = _around(clause, span, 4, 4)
    if _negated(clause, span, reach):
        return False
    if any(w in PENDING for w in before + after):
        return False
    if before and before[-1] in ("mi", "mis"):
        return True
    if any(w in WISHES for w in before[-3:]):
        return False
    return True


def _last_polarity(
    text: str, words: tuple[str, ...], stems: bool = False, reach: int = 3
) -> bool | None:
    """The last thing she says about X wins ("no tengo… ay sí lo tengo")."""
    found = None
    for clause in _clauses(text):
        value = _polarity(clause, words, stems, reach)
        if value is not None:
            found = value
    return found


def _last_named(text: str, names: dict[str, tuple[str, ...]], stems: bool = False) -> str | None:
    """The value she names last, leaving out what she negates ("en Santa Marta, no en
    Barranquilla") and a choice left open ("virtual o presencial, me da igual")."""
    best: tuple[int, str] | None = None
    offset = 0
    for clause in _clauses(text):
        named: list[tuple[int, str]] = []
        for value, words in names.items():
            for span in _find(clause, words, stems):
                if not _negated(clause, span):
                    named.append((span[0], value))
        if len({v for _, v in named}) > 1 and re.search(r"\b(o|y|ni)\b", clause):
            continue
        if named:
            position, value = max(named)
            best = (offset + position, value)
        offset += len(clause) + 1
    return best[1] if best else None


# "¿no tienen nada virtual?" asks for it: the "no" of a negative question negates nothing.
_NEGATIVE_QUESTION = re.compile(
    r"\bno (?=(?:tienen|tiene|hay|habr[aá]|ofrecen|dan|dictan)\b[^?.!]*\?)", re.IGNORECASE
)
MODALITY_WORDS = {"virtual": VIRTUAL_WORDS, "presencial": PRESENTIAL_WORDS}
# "no puedo ir presencial, trabajo": refusing one modality chooses the other.
_REFUSED_MODALITY = re.compile(
    r"\bno (?:puedo|podria|quiero|me sirve|me queda)(?: [a-z]+){0,2} (?P<refused>"
    + "|".join(re.escape(w) for w in (*VIRTUAL_WORDS, *PRESENTIAL_WORDS))
    + r")\b"
)


def _asked_for(text: str) -> str:
    return fold(_NEGATIVE_QUESTION.sub("", text))


def city_in(text: str) -> str | None:
    """Santa Marta or Barranquilla when her words can only mean one (the last one named)."""
    return _last_named(_asked_for(text), CITY_WORDS, stems=True)  # "samarias", "barranquilleras"


def modality_in(text: str) -> str | None:
    """Virtual or presencial, the last one named ("virtual… no, presencial mejor"); the other
    one when she only refuses one ("no puedo ir presencial, trabajo")."""
    folded = _asked_for(text)
    named = _last_named(folded, MODALITY_WORDS, stems=True)
    refused = _REFUSED_MODALITY.search(folded)
    if named or not refused:
        return named
    return "presencial" if refused["refused"] in VIRTUAL_WORDS else "virtual"


def course_topic_in(text: str) -> str | None:
    """The course topic she names (the last one: "excel… mejor programación")."""
    return _last_named(_asked_for(text), COURSE_TOPIC_WORDS)


_NOT_HER_LEVEL = re.compile(
    r"\b(?:entrar|estudiar|ingresar|seguir|estudie|deje|termine)\b[a-z ]{0,12}\buniversi[a-z]*"
    r"|\b(?:mi|su) (?:esposo|marido|hij[oa]|herman[oa]|mama|papa)\b.*"
)


def level_in(text: str) -> str | None:
    """The level of the diploma she speaks of. With a correction ("bachiller, no perdón, el
    de la universidad") the last named; otherwise the highest (she validates that one)."""
    folded = fold(text)
    if folded in LEVEL_RANK:
        return folded
    folded = folded.replace("tecnico superior universitario", "tecnico superior")
    folded = re.sub(r"\b(?:instituto universitario|iut[a-z]*)\b", "tecnico", folded)
    folded = re.sub(r"\bing\b\.?", "ingeniera", folded)
    positions = _levels_named(_NOT_HER_LEVEL.sub(" ", folded)) or _levels_named(folded)
    if not positions:
        return None
    if (
        re.search(r"\b(no|perdon|mejor|me equivoque|sino|bueno)\b", folded)
        and len({level for _, level in positions}) > 1
    ):
        return max(positions)[1]
    return max(positions, key=lambda p: LEVEL_RANK.index(p[1]))[1]


def _levels_named(folded: str) -> list[tuple[int, str]]:
    """(position, level) of every level named, leaving out "sin bachillerato"; someone else's
    diploma counts only when it is the only one named ("mi hija terminó el bachillerato")."""
    positions = []
    for clause_start, clause in _clause_positions(folded):
        for level, words in LEVEL_WORDS.items():
            for span in _find(clause, words, stems=True):
                before, _ = _around(clause, span, 3, 0)
                if any(w in ("no", "sin", "ni") for w in before) and not _find(
                    clause, APOSTILLE_WORDS, True
                ):
                    continue
                positions.append((clause_start + span[0], level))
    return positions


def _clause_positions(text: str) -> list[tuple[int, str]]:
    out, offset = [], 0
    for clause in _clauses(text):
        found = text.find(clause, offset)
        out.append((max(found, 0), clause))
        offset = max(found, 0) + len(clause)
    return out


def apostilled_in(text: str) -> bool | None:
    """Whether her diploma is apostilled already: "ya lo apostillé" yes; "no tiene apostilla",
    "en trámite", "solo lo legalicé", "cómo lo apostillo" no; "no sé si" unknown."""
    folded = fold(text)
    value = _last_polarity(folded, APOSTILLE_WORDS, stems=True)
    if value is None and _find(folded, ("legaliz",), True) and "solo" in folded:
        return False
    if value is True and re.search(r"\b(nomas|no mas|solo tengo)\b", folded):
        return False
    return value


# A business she had and closed is no business now ("tenía un negocio pero lo cerré").
_CLOSED = re.compile(
    r"\b(?:tenia|tuve)\b(?:\s+[a-z]+){0,2}\s+(?:negocio|negocito|venta|tienda|puesto|local)"
    r"|\blo (?:cerre|cerro|cerramos|perdi|quebre)\b|\bse (?:quebro|cerro)\b"
)
# A course about a trade is not a business ("hice un curso de panadería").
_COURSE_OF = re.compile(r"\b(?:curso|taller|clases?|capacitacion) de [a-z]+")


def has_business_in(text: str) -> bool | None:
    folded = _not_someone_else(fold(text))
    if re.search(r"\b(la idea|nada montado|no tengo nada)\b", folded) or _CLOSED.search(folded):
        return False
    return _last_polarity(_COURSE_OF.sub(" ", folded), BUSINESS_WORDS)


def has_ppt_in(text: str) -> bool | None:
    return _last_polarity(fold(text), PPT_WORDS)


def financial_training_in(text: str) -> bool | None:
    folded = fold(text)
    if not _find(
        folded,
        (
            "curso",
            "taller",
            "capacit",
            "formacion",
            "clase",
            "estudi",
            "hice",
            "tome",
            "educacion",
            "tomado",
            "hecho",
        ),
        True,
    ):
        return None  # "finanzas" alone ("mis finanzas") is not about a course
    # "no he hecho el curso de finanzas": the "no" is far from the word, near the course.
    return _last_polarity(folded, FINANCE_WORDS, stems=True, reach=6)


def _not_someone_else(folded: str) -> str:
    """Her words without the clauses about someone else's business."""
    return " , ".join(c for c in _clauses(folded) if not _SOMEONE_ELSE.search(c))


def _number(token: str | None) -> float | None:
    if token is None:
        return 1.0
    if token.isdigit():
        return float(token)
    return float(NUMBER_WORDS[token]) if token in NUMBER_WORDS else None


_DURATION = re.compile(
    r"(?:\b(?P<n>\d{1,3}|[a-z]+)\s+)?(?P<unit>anos?|anitos?|mes(?:es)?|mesecitos?|semanas?|dias?)\b"
    r"(?P<half>\s+y\s+medio)?(?:\s+y\s+(?P<m>\d{1,2}|[a-z]+)\s+mes(?:es)?)?"
)


def months_in(text: str, about_business: bool) -> int | None:
    """How many months her business has run: "hace 2 años" 24, "año y medio" 18, "6 meses"
    6, "1 año y 3 meses" 15, "hace unas semanas" 0. Only when she speaks of the business (or
    the question asked was), never her time in Colombia, a course or a loan."""
    folded = _not_someone_else(fold(text))
    if not (about_business or _find(folded, BUSINESS_WORDS, False)):
        return None
    candidates: list[tuple[bool, int]] = []  # (a business word near it, months)
    for clause in _clauses(folded):
        for match in _DURATION.finditer(clause):
            before, after = _around(clause, match.span(), 2, 3)
            if any(w.startswith(OTHER_DURATION) for w in before + after):
                continue
            unit = match.group("unit")
            if unit.startswith(("semana", "dia")) and not match.group("n"):
                continue  # "buenos días"
            number = _number(match.group("n"))
            if number is None:
                number = 2.0 if match.group("n") in ("unos", "unas", "varios", "varias") else 1.0
            if match.group("half"):
                number += 0.5
            months = number * 12 if unit.startswith("an") else number
            if unit.startswith(("semana", "dia")):
                months = 0
            if match.group("m"):
                months += _number(match.group("m")) or 0
            near, _ = _around(clause, match.span(), 8, 0)
            named = bool(_find(" ".join(near), BUSINESS_WORDS, False))
            candidates.append((named, round(months)))
        if "medio ano" in clause:
            candidates.append((True, 6))
    if not candidates:
        return None
    return next((m for named, m in candidates if named), candidates[0][1])


def months_category(months: int) -> str:
    """The pre-check's three categories (content/texts: 1. menos de 6, 2. 6-12, 3. más de 12)."""
    if months < 6:
        return "menos_6"
    return "6_12" if months <= 12 else "mas_12"


def questions_left(form: str, slots: Mapping[str, Any]) -> list[str]:
    """The questions `form` still asks, given what she has answered (the domain's required
    slots; the course form needs no city for a virtual course, the pre-check no business age
    without a business)."""
    if form == COURSE_FORM:
        answered = slots.get("city") or slots.get("modality") == "virtual"
        return [] if answered else ["city"]
    asked = [s for s in FORM_SLOTS[form] if slots.get(s) is None]
    if form == CREDIT_FORM and slots.get("has_business") is False:
        asked = [s for s in asked if s != "business_months"]
    return asked


def read(
    form: str,
    text: str,
    intent: str | None = None,
    requested_slot: str | None = None,
    known: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Every slot of `form` her message answers. `intent` and `requested_slot` let a bare
    "sí"/"no" answer the yes/no question asked (and only when she names nothing else);
    `known` (the slots so far) says whether a duration can be her business's age and whether
    "virtual" also stands for the city."""
    known = known or {}
    found: dict[str, Any] = {}
    if form == COURSE_FORM:
        city = city_in(text)
        modality = modality_in(text)
        topic = course_topic_in(text)
        if city:
            found["city"] = city
        if modality:
            found["modality"] = modality
            if modality == "virtual" and not city and not known.get("city"):
                found["city"] = "virtual"
        if topic:
            found["course_topic"] = topic
    elif form == CREDENTIAL_FORM:
        level = level_in(text)
        apostilled = apostilled_in(text)
        if level:
            found["education_level"] = level
        if apostilled is not None:
            found["apostilled"] = apostilled
    elif form == CREDIT_FORM:
        has_business = has_business_in(text)
        months = months_in(
            text,
            about_business=requested_slot == "business_months" or bool(known.get("has_business")),
        )
        if has_business is not None:
            found["has_business"] = has_business
        if months is not None and has_business is not False:
            found["business_months"] = months_category(months)
            found.setdefault("has_business", True)
        has_ppt = has_ppt_in(text)
        if has_ppt is not None:
            found["has_ppt"] = has_ppt
        training = financial_training_in(text)
        if training is not None:
            found["financial_training"] = training
    if (
        not found
        and requested_slot in YES_NO_SLOTS
        and requested_slot in FORM_SLOTS.get(form, ())
        and intent in ("affirm", "deny")
    ):
        found[requested_slot] = intent == "affirm"
    return found
