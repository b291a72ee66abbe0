"""Crisis detection in Spanish chat, before anything else (consent, menus, Rasa). Pure logic.

Recall comes first: a woman in danger must never get a menu. The text is folded (no accents,
lower case, repeated letters squeezed, chat spellings normalised: "kiero" → "quiero",
"m pega" → "me pega"), idioms that only sound violent are removed ("me mata de risa", "muerta
del cansancio", "matar un tigre" — a side job), then patterns per case are searched. The NLU's
`report_emergency` intent is a second net (see the worker).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

VIOLENCE = "violence"
SEXUAL_VIOLENCE = "sexual_violence"
CHILDREN = "children"
SUICIDE = "suicide"
TRAFFICKING = "trafficking"
DANGER = "danger"

# Which support-line cases (content/support_lines.yml) answer each crisis.
LINE_CASES = {
    VIOLENCE: ("emergency", "violence"),
    SEXUAL_VIOLENCE: ("emergency", "sexual_violence", "violence"),
    CHILDREN: ("emergency", "children"),
    SUICIDE: ("emergency", "suicide", "mental_health"),
    TRAFFICKING: ("emergency", "violence"),
    DANGER: ("emergency",),
}

_CHAT_SPELLINGS = [
    (r"\bk(?=[ie])", "qu"),  # kiero, kieren
    (r"\bq\b", "que"),
    (r"\bxq\b|\bpq\b|\bporq\b", "porque"),
    (r"\bm\b", "me"),
    (r"\bd\b", "de"),
    (r"\bx\b", "por"),
    (r"\bezposo\b", "esposo"),
    (r"\bb(?=iol)", "v"),  # biolaron
    (r"\bgolpio\b", "golpeo"),
    (r"\bqiere\b|\bkiere\b", "quiere"),
    (r"\bqiero\b", "quiero"),
]

# Phrases that sound violent but are everyday talk; removed before looking for danger.
_IDIOMS = [
    r"me (mata|matan|mato) (de|la) (risa|pena|curiosidad|verguenza|hambre|sed)",
    r"(estoy|toy|ando|quede|quedo) muert[ao]s? (de|del) \w+",
    r"me muero (de|del|por|x) \w+",
    r"nos morimos (de|del) \w+",
    r"muert[ao] (de|del) (cansancio|risa|hambre|sueno|frio|calor|miedo|pena|sed)",
    r"matar (el|un) (tiempo|rato|tigre|tigrito|hambre|antojo)",
    r"matando (el|un) (tiempo|rato|tigre|tigrito)",
    r"mat(ar|o|e) (las|los|unas|unos)? ?"
    r"(cucarachas|zancudos|mosquitos|moscas|ratas|bichos|plantas)",
    r"(este|el|ese|que) (calor|frio|sol|trafico|trabajo|cansancio|dolor de cabeza) "
    r"me (mata|tiene muerta)",
    r"me (pego|pegaron|pega) (la|el|una|un) "
    r"(gripa|gripe|virus|cancion|susto|resfriado|chicle|moda)",
    r"se me pego (la|el) \w+",
    r"me pegue (con|contra) (la|el) \w+",
    r"golpe de (suerte|calor|estado)",
    r"defensa personal",
    r"(me|nos) va a matar si (llego|llegamos) tarde",
    r"desaparecer (un rato|de las redes|del grupo|del chat)",
    r"me (quede|quedo) sin aire de tanto",
    r"(cortarme|corte|corto) el (pelo|cabello|dedo|flequillo|fleco)",
    r"me (quiero|voy a) morir (de|del) \w+",
    r"(auxilio|auxilios) (de transporte|de alimentacion|economico)|primeros auxilios",
    r"(en|hay) peligro de (perder|que|quedar)",
    r"no me deja salir (temprano|antes|a las)",
    r"(me|nos|la) va a matar (cuando|si) (vea|sepa|se entere|llego|llegue)",
    r"(pa|para) morirse",
    r"se (golpeo|pego|cayo|lastimo|corto) (jugando|con la|con el|en la|en el|montando)",
]

# Words for a child, with diminutives: hijita, sobrinito, pelaito, chamita, bebecito…
_CHILD = (
    r"hij\w*|nin[oa]\w*|bebe\w*|chamit\w*|chamo|chama|sobrin\w*|niet\w*|pelad\w*|pelait\w*|"
    r"pelao\w*|menor\w*|muchach\w*|chiquit\w*|chiquill\w*"
)

_PATTERNS: dict[str, list[str]] = {
    SUICIDE: [
        r"(quiero|quisiera|ganas de|pienso en|pensando en|voy a|me voy a|mejor) "
        r"(morir|morirme|matarme|suicidar|suicidarme|quitarme la vida|desaparecer|tirarme|"
        r"lanzarme|cortarme|ahorcarme|colgarme|"
        r"acabar con (todo|mi vida)|me mato)",
        r"\b(suicid\w*|quitarme la vida|acabar con mi vida|mejor me mato|me voy a matar)",
        r"no (quiero|aguanto) (vivir|seguir viviendo|seguir|mas esta vida)",
        r"ya no quiero (vivir|estar aqui|seguir|existir)",
        r"(dormir|dormirme) y no (despertar|levantarme)",
        r"(cortarme|me corto|me corte|hacerme dano|me hago dano)",
        r"me (lastimo|quemo|corto|golpeo|hago dano|rasguno).{0,30}"
        r"(a proposito|pa sentir|para sentir|yo misma|cigarrillo|encendedor|cuchilla|navaja)",
        r"(tomarme|me tome|tomar) (todas )?(las )?(pastillas|veneno)",
        r"no vale la pena (vivir|seguir)",
        r"mejor (muerta|no existir|estar muerta)",
        r"me quiero (matar|morir|ir de este mundo)",
        r"(irme|salir) de este mundo",
        r"(tirarme|lanzarme|botarme) (del|de la|de un|de una|al|a la) "
        r"(puente|azotea|edificio|balcon|techo|rio|mar|carro|bus)",
        r"(veneno|pastillas|raticida|cianuro).{0,40}(tomarmel\w*|tomarme|tomar|ganas)",
        r"(carta|despedida) (pa|para) (mis hijos|mi familia|mi mama)",
        r"(estarian|estan|estaria) mejor sin mi",
        r"(ojala|quisiera) no (amanecer|amanezca|despertar)",
        r"soy una carga",
        r"(pa|para) (que|q) sigo (viviendo|vivir|aqui)",
        r"no despertar (mas|nunca)",
    ],
    SEXUAL_VIOLENCE: [
        r"\b(viol(aron|o|aran|ando|acion|ada)|abus(aron|o|a|an|ando) (de mi|sexual\w*)|"
        r"abuso sexual|acoso sexual|me acosa sexual\w*)",
        r"(me|la|lo|nos) (obligo|obligaron|obliga|obligan) a (tener relaciones|acostarme|"
        r"tener sexo|hacer cosas|mandar fotos|estar con el|estar con ellos|dormir con)",
        r"me (toco|toca|tocan|tocaron) (sin|a la fuerza|mis partes|mi cuerpo)",
        r"\b(manose\w*|forz(aron|o|ar\w*)|acorral\w*)",
        r"(me|la|lo|le|nos|las) (abusaron|abuso|abusa|violaron|violo|viola)\b",
        r"(me|nos|la) drog(aron|o|an)|amaneci (sin ropa|desnuda)",
        r"fotos (mias|de ella|de mi|intimas|desnud\w*).{0,60}(publicar|subir|mandar|pasar|"
        r"ensenar|vuelvo|pide|pidiendo)",
        r"(pide|pidiendo|pidio|exige) fotos (desnud\w*|intimas)",
        r"si no me acuesto|acostarme con el|obligo a tocarlo|a cambio de sexo",
    ],
    CHILDREN: [
        r"(mi|mis|a mi|a mis|la|el|los|las) (" + _CHILD + r").{0,60}"
        r"(pega|pegan|pego|golpe\w*|maltrat\w*|abus\w*|toc[oa]\w*|viol\w*|amenaz\w*|"
        r"llevaron|llevar|llevarse|se la llevaron|trata|encerr\w*|obligan|obliga|quema\w*|"
        r"desaparec\w*|venden|vender)",
        r"(abuso|maltrato) infantil",
        r"(toc\w*|manose\w*|abus\w*|viol[oa]\w*|peg[oa]\w*|golpe\w*|maltrat\w*|amenaz\w*|"
        r"quem\w*|encerr\w*) (de )?"
        r"(a )?(mi|mis|la|el|su|sus|una|un) (" + _CHILD + r")",
        r"(" + _CHILD + r").{0,80}"
        r"(manose\w*|chantaj\w*|fotos desnud\w*|sacude|vendieron|vendida|trabajando de noche|"
        r"con hombres|se vaya con el|no reacciona|boca rota|sin comida)",
        r"\b(\d{1,2}) anos\b.{0,60}(bar|hombres mayores|fotos|vendieron|trabajar|chantaj\w*|"
        r"manose\w*|toca|abus\w*)",
        r"(vendieron|venden|vender) (a )?(una|un|a la|al|niñ|nin|chamit|menor)",
        r"(le|les) (pega|pegan|pego|golpea|golpean|hace dano) a (mi|mis) (" + _CHILD + r")",
    ],
    TRAFFICKING: [
        r"trata de (personas|blancas|mujeres)",
        r"me (quitaron|quito|retiene|retienen|tienen) (el pasaporte|los papeles|mis papeles|"
        r"mis documentos|el ppt|la cedula)",
        r"no me (dejan|deja) (salir|irme|ir|volver)",
        r"me (obligan|obliga|obligaron) a (trabajar|prostitu\w*|vender)",
        r"\b(explotacion|esclav\w*)",
        r"obligad[ao]s? a (estar|trabajar|acostarme|atender)",
        r"(deuda|debo) (del|el|la) (viaje|pasaje|traida).{0,80}(trabaj\w*|suben|pagar)",
        r"(me|nos) suben la deuda",
        r"(tiene|tienen|guarda|guardan|retiene) (mi|mis) (ppt|cedula|pasaporte|papeles|documentos)",
        r"(nos|me) (quitaron|quitan) (los|el) (telefonos?|celular\w*)",
        r"nos (vigilan|tienen encerradas|encierran)",
        r"trabajo falso|no la dejan volver|no (me|nos) dejan (volver|salir)",
        r"(me|la|nos) (manda|mandan|mandaria) a matar",
    ],
    VIOLENCE: [
        r"(me|nos) (pega|pegan|pego|pegaron|golpea|golpean|golpeo|golpearon|maltrata\w*|"
        r"agred\w*|ahorc\w*|estrangul\w*|empuj\w*|arrastr\w*|quema\w*|encerr\w*|encierra\w*|"
        r"amenaz\w*|persigue\w*|acecha|lastim\w*|hiere|hirio|chuz\w*|apunal\w*|apunat\w*)",
        r"(me|nos) (quiere|quieren|va a|van a|amenaza con|amenazo con) "
        r"(matar|pegar|golpear|hacer dano|quemar|quitar a mis hijos)",
        r"(marido|esposo|pareja|novio|compa(n|ñ)ero|ex|exnovio|exmarido|papa de mis hijos|"
        r"padrastro|cunado|suegro|vecino|patron|jefe).{0,40}"
        r"(pega|golpe\w*|maltrat\w*|amenaz\w*|agred\w*|matar|cuchillo|arma|pistola|encerr\w*)",
        r"(violencia (domestica|intrafamiliar|de genero)|me estan (pegando|golpeando|"
        r"amenazando|maltratando))",
        r"(con un|con una) (cuchillo|machete|pistola|arma|revolver)",
        r"(estoy|estoy toda) (golpeada|morada|sangrando|herida)",
        r"(me|la|le|nos) (dio|dieron|da|dan|pego|pega) (una |un )?"
        r"(cachetada|bofetada|trompada|punetazo|pu(n|ñ)o|patada|pela|golpe)",
        r"(jalo|jalaron|agarro) (por|del) (el )?(pelo|cabello|cuello)",
        r"(me|la) (tiro|tiraron|empujo) (al|contra el) (piso|suelo|pared)",
        r"\bmoretones?\b|\bmorados? en\b",
        r"(me|la|lo|nos) (sigue|persigue|vigila|tiene vigilada|acosa)\b",
        r"sabe donde vivo|fotos de mi casa|se para afuera de (la|mi) casa",
        r"(la|le|lo|las) (pega|pegan|golpea\w*|amenaz\w*|maltrat\w*|persigue\w*)",
        r"(si|dijo que|dice que|amenaza que).{0,60}me (mata|matan|va a matar|pica|quita a)",
        r"(me|la) pica en pedazos",
        r"(cobradiario|gota a gota|pagadiario).{0,60}(matar|amenaz\w*|hacer dano|pegar)",
    ],
    DANGER: [
        r"\b(auxilio|socorro)\b( (me|nos|por favor|porfa|ayuda|ayudenme|rapido)|$)",
        r"^(ayuda|ayudenme|ayudame)( (porfa|por favor|rapido|urgente|ya))*$",
        r"(me|nos) estan buscando",
        r"(estoy|estamos) en peligro",
        r"ayuda(me|nme)? (urgente|por favor rapido|ya|rapido)",
        r"ayudenme rapido",
        r"(tengo|siento) (mucho )?miedo (de que|que) me (mate|maten|haga|hagan)",
        r"(me|nos) (van a|quieren) (matar|hacer algo)",
    ],
}

_COMPILED = {case: [re.compile(p) for p in patterns] for case, patterns in _PATTERNS.items()}
_IDIOMS_RE = [re.compile(p) for p in _IDIOMS]
_CHAT_RE = [(re.compile(p), r) for p, r in _CHAT_SPELLINGS]
# Order: the most specific first; the first matching case names the lines.
_PRIORITY = (SUICIDE, SEXUAL_VIOLENCE, CHILDREN, TRAFFICKING, VIOLENCE, DANGER)


@dataclass(frozen=True)
class Crisis:
    cases: tuple[str, ...]

    @property
    def case(self) -> str:
        return self.cases[0]

    @property
    def line_cases(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for case in self.cases:
            seen.update(dict.fromkeys(LINE_CASES[case]))
        return tuple(seen)


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"[^\w\s]", " ", plain)
    plain = re.sub(r"(\w)\1{2,}", r"\1", plain)  # ayudaaaa → ayuda (keep "ll", "rr")
    plain = re.sub(r"\s+", " ", plain).strip()
    for pattern, replacement in _CHAT_RE:
        plain = pattern.sub(replacement, plain)
    return plain


def detect(text: str) -> Crisis | None:
    """The crisis cases this message speaks of (most specific first), or None."""
    folded = normalise(text)
    for idiom in _IDIOMS_RE:
        folded = idiom.sub(" ", folded)
    cases = tuple(case for case in _PRIORITY if any(p.search(folded) for p in _COMPILED[case]))
    return Crisis(cases) if cases else None
