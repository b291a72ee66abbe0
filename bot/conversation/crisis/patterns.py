"""Crisis detection in Spanish chat, before anything else (consent, menus, Rasa). Pure logic.

Recall comes first: a woman in danger must never get a menu. The text is folded (no accents,
lower case, repeated letters squeezed, chat spellings normalised: "kiero" → "quiero",
"m pega" → "me pega", glued clitics split: "mepega" → "me pega", one-letter typos of long harm
words corrected: "amenasa" → "amenaza"), idioms that only sound violent are removed by family
("me mata de risa", "el calor me tiene muerta", "me mataron con el precio", "matar un tigre"),
then two tiers look for danger:

- certain: whole patterns per case ("me quiere matar", "me violaron", "quiero morirme");
- broad: concepts that co-occur (a harm word with a person who does it or a "me/nos/la" it is
  done to, a child word with any harm word, a death wish with an intention, papers with someone
  keeping them…). Different writers use other verbs and structures, and the patterns alone
  missed half of a set written by someone else; the broad tier is what generalises. It raises
  false alarms on purpose (a false alarm costs a case worker a minute, a miss can cost a life);
  `Crisis.certain` is False when only it fired.

The NLU's `report_emergency` intent is a second net (see the worker).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.core.text import plain as plain_text

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
    (r"k(?=[ie])", "qu"),  # kiero, aki, ke
    (r"\bq\b", "que"),
    (r"\bxq\b|\bpq\b|\bporq\b|\bxk\b", "porque"),
    (r"\bm\b", "me"),
    (r"\bd\b", "de"),
    (r"\bx\b", "por"),
    (r"\bxfa\b|\bxfavor\b|\bporfa\b", "por favor"),
    (r"\btoy\b", "estoy"),
    (r"\bezposo\b", "esposo"),
    (r"\bb(?=iol)", "v"),  # biolaron
    (r"\bgolpio\b", "golpeo"),
    (r"\bqiere\b|\bkiere\b", "quiere"),
    (r"\bqiero\b", "quiero"),
]

# A clitic glued to a harm verb ("mepega", "lamata", "nosamenaza") is split so the verb is seen.
_GLUED = re.compile(
    r"\b(me|nos|la|le|lo|las|les)(?=(pega|golpe|mata|mato|quiere|viol|amenaz|maltrat|encierr|"
    r"encerr|persig|toca|toco|abus|ahorc|empuj|quem|cachete)\w*)"
)

# Everyday things that "kill", "hit" or "burn" you in idioms: the heat, an exam, prices…
_MUNDANE = (
    r"(?:sol|calor|frio|examen\w*|curso|clase\w*|tarea\w*|trabajo|turno\w*|gimnasio|gym|dieta|"
    r"trancon|trafico|precio\w*|cuota\w*|deuda\w*|interes\w*|arriendo|tramite\w*|papeleo|"
    r"vida|ejercicio\w*|rutina|espera|cansancio|sueno|hambre|sed|risa|chiste\w*|comida|"
    r"mirada\w*|nervios|verguenza|pena|ganas|emocion|alegria|felicidad|tristeza|ansiedad|"
    r"estres|cuenta\w*|factura\w*|modulo|taller\w*|ingles|matematica\w*|excel|"
    r"novela|pelicula|serie|partido|torneo|domino|parques|juego|"
    r"pregunta\w*|formulario\w*|plataforma|wifi|internet|noticia|gripa|gripe|virus|"
    r"tos|flojera|pereza|aburrimiento|entrevista\w*|prueba\w*|icfes|saber|"
    r"lluvia|brisa|humedad|ocurrencias|"
    r"cosquillas|besos|abrazos|detalles|canciones|cancion|video\w*|memes|audios|"
    r"pasaje|mercado|precios|tarjeta|banco|intereses|cambio|zapatos|tacones|botas|jean|brasier)"
)
# First-person preterites of hurting: "me golpee" is an accident she tells of.
_SELF_ACCIDENT = r"pegue|golpee|aporree|queme|corte|lastime|raspe|cai|parti|torci|machuque"
_ACCIDENT = r"cayo|golpeo|pego|aporreo|quemo|corto|lastimo|raspo|partio|torcio|machuco"
# Harm verbs that idioms borrow (killing, burning, drowning, knocking out, exploding).
_IDIOM_HARM = (
    r"(?:mat\w*|muert\w*|tumb\w*|ahog\w*|ahorc\w*|quem\w*|revent\w*|explot\w*|asesin\w*|"
    r"acab\w*|destru\w*|derret\w*|fri[ta]\w*|secuestr\w*|pega\w*|pego|golpe\w*)"
)

# Phrases that sound violent but are everyday talk; removed before looking for danger.
# Grouped by family so that new wording of the same idiom is covered too.
_IDIOMS = [
    # The mundane thing is the subject: "el calor me mata", "la tarea me esta matando".
    rf"\b(?:el|la|los|las|este|esta|ese|esa|estos|estas|tanto|tanta|mucho|mucha) {_MUNDANE}"
    rf"(?: (?!si\b|que\b|porque\b|y\b|pero\b)\w+){{0,3}}? (?:me |nos |la |lo |le |te )?"
    rf"(?:esta |estan |va a |van a |tiene |tienen |tenia |dejo )?{_IDIOM_HARM}",
    # The mundane thing is the cause: "me mataron con el precio", "me mata de risa".
    rf"{_IDIOM_HARM}(?: \w+){{0,2}}? (?:con|de|del|a punta de) (?:la |el |los |las |sus |"
    rf"su |tanto |tanta |tantos |tantas |esos |esas |ese |esa |mis |mi )?{_MUNDANE}\b",
    # The mundane thing is what gets killed: "me mato los nervios".
    rf"{_IDIOM_HARM} (?:el|la|los|las|mis|mi) {_MUNDANE}\b",
    # Killing/dying by working or studying hard: "me voy a matar estudiando".
    r"\bmat\w*(?: \w+)? (?:estudiando|trabajando|rebuscando|camellando|bailando|riendo|"
    r"haciendo \w+|vendiendo)",
    r"(estoy|toy|ando|quede|quedo|estaba|andaba) muert[ao]s?\b",
    r"me muero (de|del|por|x) \w+",
    r"(nos|se) (morimos|muere|mueren|murio) (de|del|por) \w+",
    r"se (me )?(murio|murieron|muere) (el|la|mi) (celular|cel|telefono|bateria|computador|"
    r"compu|carro|moto|planta\w*|nevera|portatil)",
    r"muert[ao] (de|del) \w+",
    r"matar (el|un|la|los) (tiempo|rato|tigre|tigrito|hambre|antojo|flojera|pereza|aburrimiento|"
    r"pollo|cerdo|marrano|gallina|chivo|res)",
    r"matando (el|un) (tiempo|rato|tigre|tigrito)",
    r"(mat|mataron|matamos)\w* (un|una|el|la|los|las)? ?(cerdo|marrano|pollo|gallina|chivo|res)",
    r"mat(ar|o|e|amos)? (las|los|unas|unos)? ?"
    r"(cucarachas|zancudos|mosquitos|moscas|ratas|ratones|raton|bichos|plantas|hormigas)",
    r"\b(gato|perro|perrito|gatico)\w* (mato|mordio)",
    r"asesino de (plantas|\w+)",
    # Glue, flu, songs and frights "stick" to you: "me pego la gripa", "me pego un susto".
    r"(me|le|nos|se) (pego|pegaron|pega|pegue|pegan) (duro )?(la|el|una|un) "
    r"(gripa|gripe|virus|cancion|susto|resfriado|chicle|moda|noticia|grito|salto|brinco|"
    r"pelotazo|balonazo|piojos|costumbre|mania|sueno|pegante)",
    r"(?:pegar|pegarme|pegarse|pegue|pego|pega) (?:una|un) (?:reganada|vaciada|cantaleta|gritada|"
    r"pasada|escapada|rodada|banada|dormida|mirada|leida|estudiada|arreglada)",
    r"(?:morir|morirme|morirse|muero|muera|muriendo|murio) (?:de|del) (?:la |el )?(?:verguenza|"
    r"risa|pena|nervios|calor|frio|hambre|sueno|ganas|amor|envidia|felicidad|emocion|"
    r"aburrimiento|cansancio|susto|rabia|celos|alegria|ternura|angustia)",
    r"desaparec\w* (?:de|del) (?:esta |este |la |el )?(?:ciudad|pais|barrio|trabajo|pueblo|mapa)",
    r"(?:quede|quedo|quedamos|quedaron) encerrad\w*",
    r"se me (pego|quemo|cayo|rompio|dano|perdio|murio|olvido|paso|fue|salio) (la|el|los|las) \w+",
    r"pego (duro )?la noticia",
    # Accidents: "me golpee con la mesa" (first person: she did it), "se cayo jugando".
    # Third person after "me" ("me quemo con la plancha") is someone else: not an idiom.
    rf"\b(?:me (?:{_SELF_ACCIDENT})|se (?:{_ACCIDENT}))(?: \w+){{0,4}}? "
    r"(?:con|contra) (?:la|el|una|un|mi) (?:puerta|mesa|cama|pata|silla|pared|esquina|"
    r"escalera\w*|piso|carro|moto|bicicleta|bici|columpio|olla|aceite|plancha|sarten|estufa|"
    r"horno|vidrio|reja|ventana|nevera|cuchillo|tijeras|rama|piedra|balon|pelota)",
    rf"\b(?:me (?:{_SELF_ACCIDENT})|se (?:{_ACCIDENT}))(?: \w+){{0,3}}? (?:jugando|montando|"
    r"cocinando|picando|cortando|planchando|haciendo|subiendo|bajando|corriendo|trabajando)",
    rf"\b(?:me (?:{_SELF_ACCIDENT})|se (?:{_ACCIDENT})) (?:el|la|un|una) (?:dedo\w*|rodilla|"
    r"tobillo|pie|codo|lengua|una|labio|frente|muneca|mano) ?(?:\w+ ){0,3}",
    r"(?<!que )(?<!dice )se (cayo|golpeo|raspo|aporreo|tropezo|resbalo|pego|lastimo|partio|"
    r"corto|quemo|fracturo|torcio)\b(?: \w+){0,5}",
    r"(?:le|les) (?:pego|pegaron|dio|dieron) (?:\w+ )?a (?:otro|otra|un|una) (?:nino|nina|pelao|"
    r"companer\w*|amigo\w*)",
    r"golpe (de|del) (suerte|calor|estado|vista|efecto|gracia)",
    r"\bgolpecito\w*",
    r"golpe\w* (la|una|mi|su) (masa|puerta|mesa|pared de)",
    r"golpearon la puerta",
    r"defensa personal",
    r"(me|nos) va a matar si (llego|llegamos) tarde",
    # Disappearing from a group or a network, or for a while, is not a death wish.
    r"desaparec\w* (un|unos|unas|por|de|del)? ?(rato|tiempo|dias|semanas|ratico|redes|"
    r"grupo|chat|facebook|instagram|whatsapp|tiktok|mapa)",
    r"desaparec\w* (de|del) (las|los|la|el)? ?(redes|grupo|chat|facebook|instagram|whatsapp)",
    r"me desaparezco",
    r"me (quede|quedo) sin aire de tanto",
    r"(cortarme|corte|corto|cortaron) el (pelo|cabello|dedo|flequillo|fleco|cable|servicio|"
    r"agua|gas)",
    r"me (quiero|voy a) morir (de|del) \w+",
    r"(auxilio|auxilios) (de transporte|de alimentacion|economico)|primeros auxilios",
    r"(en|hay) peligro de (perder|que|quedar)",
    r"no me deja salir (temprano|antes|a las)",
    r"(me|nos|la) va a matar (cuando|si) (vea|sepa|se entere|llego|llegue)",
    r"(pa|para) (morirse|chuparse|matar)",
    r"(me|nos) (dio|dieron|pegaron) (una )?(paliza|pela|goleada|revolcon) (en|al|jugando)",
    r"(dio|dieron|le dio) (una )?(paliza|pela|goleada) al (rival|equipo|\w+ anoche)",
    # Pills and medicine for an illness.
    r"(pastilla|pastillas|medicina|medicamento|remedio)s? (pa|para|de) (la|el|los|las)? ?"
    r"(tos|presion|dolor|gripa|gripe|fiebre|cabeza|azucar|tiroides|alergia|colicos|dormir)",
    r"(escondid[ao]|escondiendome) (del|de la) (sol|calor|lluvia|agua)",
    r"(ahorcad[ao]|ahogad[ao]|asfixiad[ao]) (de|con|en) (plata|deudas|trabajo|tramites|cuentas)",
    r"me ahogo (en|con) \w+",
    r"(tirar|tirarme|lanzar|lanzarme|lance|tire) (a|en) (la|el) (piscina|agua|cama|sofa|"
    r"hamaca|playa)( con \w+)?",
    r"me (voy a )?tirar al agua con",
    r"(abuso|abusos) de confianza",
    # Talking about a topic: "un documental sobre trata de personas".
    r"(?:documental|charla|taller|curso|video|noticia|pelicula|tarea|ley|campana|libro|"
    r"articulo|clase) (?:sobre|de|contra) (?:la )?(?:trata|violencia|abuso|acoso|maltrato)"
    r"(?: de \w+)?",
    r"(?:da|dan|echa|echan|dio|daba) (?:la|una) mano",
    r"(?:secuestr|rapt)\w* (?:toda la|todo el|un rato|el fin|la tarde|el dia)",
    # Threats by an institution or a landlord about money, not her body.
    r"amenaz\w* con (?:quitar|subir|cobrar|cancelar|cerrar|echar|sacar|bloquear|cortar)\w* "
    r"(?:el|la|los|las|mi|mis) (?:beca|arriendo|cupo|curso|precio|multa|subsidio|servicio\w*|"
    r"cuenta|clase|contrato|luz|agua|internet|credito)",
    r"(?:retuvieron|retienen|retuvo|decomisaron|quitaron) (?:la|el|las|los) (?:maleta\w*|"
    r"equipaje|carro|moto|mercancia|bicicleta|tarjeta)",
    r"(me|nos) (esta|estan|estoy) (matando|desangrando|ahogando) (con|en) \w+",
    r"(cansad[ao]|harta|hart[ao]) de vivir (en|con) (arriendo|\w+ ajena|la casa de)",
    r"(voy|vamos) (pa|para|por) siempre (de|a|pa)",
    r"me voy (pa|para) siempre (de|a|pa)",
    r"me despido del (grupo|curso|chat|taller)",
    r"matador\w*|asesin[ao] (el|ese|este) (examen|curso)",
    r"(ataque|muerta|morir) de (risa|nervios)",
    r"me (tiene|tienen) (loca|frita|acabada|muerta|harta|mamada|cansada|derretida|quemada)",
    r"(volo|vuela|rompi|rompo|rompe) la cabeza",
    r"(trata|tratan|trato) (mal|bien)",
    r"(me|lo|la) (tumbo|tumbaron|tumba) (el|la) (examen|entrevista|prueba|sistema)",
]

# Harm words that change a phrase's meaning from everyday to crisis; lexicons by concept.
# Stems match any ending (golpe → golpeo, golpearon, golpes); typos are corrected before.
_HIT = (
    r"golpe\w*|golpi\w*|cachet\w*|bofet\w*|punet\w*|puno|punos|trompad\w*|patad\w*|pate[ao]\w*|"
    r"tunda|paliza|pela|conaz\w*|casc[oa]\w*|revient\w*|revent\w*|madrea\w*|aporre\w*|"
    r"trancaz\w*|correaz\w*|latigaz\w*|azot\w*|estrell\w*|empuj\w*|escup\w*|arrastr\w*|ahorc\w*|"
    r"estrangul\w*|asfix\w*|apunal\w*|apunat\w*|chuz\w*|acuchill\w*|machetaz\w*|maltrat\w*|"
    r"agred\w*|agresi\w*|lastim\w*|hiri\w*|herid\w*|moret\w*|hinchad\w*|sangr\w*|tumb\w*|"
    r"zarande\w*|sacud\w*|pellizc\w*|quem[oa]\w*|queman|pega|pegan|pego|pegaron|pegando|"
    r"pegaba|pegaban|pegar|pegarme|pegarle|pegarte|pegue|peguen|coscorron\w*|jalo|jalon\w*|"
    r"clav[oa]\w*|tir[oa] (cosas|\w+ a la cabeza)|(?:tiro|tiraron|lanzo|arrojo|echo|boto) "
    r"(?:la|el|una|un|las|los) \w+(?: \w+)? (?:encima|a la cabeza|en la cara|caliente|hirviendo)|"
    r"lanz[oa] (una|un|la|el) \w+|apret[oa]\w*|"
    r"rompi[oa]\w*|partio|quebr\w*|reventa\w*|dar con|dio con|da con|daba con|dan con|"
    r"dieron con|correa|chancleta|cinturon|manguera|palo|cable|plancha|muenda|juetera|fuetaz\w*|"
    r"zurra|pao|golpiza|ahogab\w*|ahogo|ahogaron|almohada|tuerce|torcio|retorc\w*|humill\w*|"
    r"insult\w*|grita|gritando|controla\w*|terror|panico|mano encima|levanta la mano|"
    r"levantar la mano|leccion|agua hirviendo|agua caliente|encanon\w*|zamp\w*|sacar los ojos|"
    r"sacarme los ojos|ojo negro|dar piso|dan piso|rompe las cosas|rompio las cosas"
)
_THREAT = (
    r"amenaz\w*|matar\w*|matan|mata|mato|maten|mate|mataria|asesin\w*|pelan|pela|quiebr\w*|"
    r"mochar\w*|mocha|pica|picar\w*|desaparec\w*|acid[oa]|hacer dano|hacerme dano|hace dano|"
    r"hacerle dano|hacernos dano|dano|pagar caro|las va a pagar|me las pagas|extorsi\w*|"
    r"vacuna|secuestr\w*|deport\w*|hace sacar del pais|sacar del pais|desfigur\w*|rajar\w*|"
    r"joder\w*|acabar conmigo|acaba conmigo"
)
_CONFINE = (
    r"encerr\w*|encierr\w*|candado|retien\w*|retenid\w*|retuv\w*|secuestr\w*|amarr\w*|"
    r"bajo llave|con llave|cambiaron la chapa|no me deja salir|no me dejan salir|"
    r"no nos dejan salir|no la deja salir|no la dejan salir"
)
_STALK = (
    r"persig\w*|acech\w*|vigil\w*|acos[ao]\w*|acosan|me sigue|me siguio|me siguen|"
    r"me esta siguiendo|me estan siguiendo|la sigue|me espera|no me deja en paz|"
    r"me llama de numeros"
)
_WEAPON = (
    r"cuchillo\w*|machete\w*|pistola\w*|revolver|arma|armas|armad[oa]s|tijeras|navaja\w*|"
    r"acido|bate|botella|varilla|tubo"
)
_SEXUAL = (
    r"viol(?!encia)[aoe]\w*|violad\w*|abus\w*|manose\w*|forz\w*|a la fuerza|penetr\w*|desnud\w*|"
    r"intim[oa]s?|sexo|sexual(?!idad)\w*|masturb\w*|porno\w*|nalga\w*|senos|tetas|calzon\w*|"
    r"pantalon\w*|sin ropa|partes|acostarme|acostarse|acueste|acuesto|emborrach\w*|drog[aoue]\w*|"
    r"chantaj\w*|sextors\w*|soba\w*|besa a la fuerza|hizo cosas|hace cosas|hacer cosas|"
    r"hacerme cosas|favores|el favor|en la cama|relaciones|se me pego por detras|bajo los|"
    r"toquete\w*|sexo oral|aborto|prostibulo\w*|se me tira encima|me tira encima|"
    r"en sus piernas|cogio a la fuerza"
)
_CHILD_WORDS = (
    r"hij[oa]\w*|nin[oa]\w*|bebe\w*|chamit\w*|chamo|chama|sobrin\w*|niet\w*|pelad\w*|pelait\w*|"
    r"pelao\w*|menor\w*|muchachit\w*|chiquit\w*|chiquill\w*|hermanit\w*|nene|nena|crio|cria|"
    r"hijastr\w*|bracito|ojito|carita|cuerpecito"
)
# Someone who could be doing the harm.
_AGENT = (
    r"marido|esposo|pareja|novio|ex|exmarido|exesposo|expareja|exnovio|man|manes|tipo|tipos|"
    r"senor|hombre|hombres|jefe|jefa|patron\w*|arrendador\w*|casero|dueno|duena|vecino|tio|"
    r"primo|padrastro|madrastra|cunado|suegr[ao]|hermano|papa|padre|abuelo|abuela|policia\w*|"
    r"pandilla|paracos|paras|armados|banda|guerrilla|cobrador\w*|cobradiario|gota a gota|"
    r"capataz|encargad[oa]|taxista|profesor|companero|funcionario|senora|dona|agencia|ellos|"
    r"ese|compa|chamo|mujer|madre|mama|novia|familia|grupo|combo|sicario\w*|narco\w*|padrino|"
    r"madrina|padre|pastor|cura|medico|doctor|entrenador|conductor|chofer|amante|hp|malparido"
)
# Whom it is done to: a clitic before the verb, or "a mi".
_TARGET = r"me|nos|la|le|lo|las|les|te"
_SUICIDE_METHOD = (
    r"pastill\w*|veneno|raticida|soga|cuerda|cuchilla\w*|gillette|frasco|clonazepam|"
    r"acetaminofen|sobredosis|muneca\w*|venas|puente|baranda|azotea|balcon|carretera|rieles|"
    r"tren|gandola\w*|hojilla\w*|cortadas|botiquin|ahorcar\w*|colgar\w*|ahogarme|tirarme|lanzarme|botarme|cortarme|"
    r"pistola|insecticida|cloro|mata ratas|matarratas"
)


# The certain tier: whole patterns, each a crisis on its own.
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
        r"(mi|mis|a mi|a mis|la|el|los|las) (" + _CHILD_WORDS + r").{0,60}"
        r"(pega|pegan|pego|golpe\w*|maltrat\w*|abus\w*|(?:le|la|lo|les|las) toc[oa]\w*|viol\w*|"
        r"amenaz\w*|llevaron|llevarse|se la llevaron|trata|encerr\w*|obligan|obliga|quema\w*|"
        r"desaparec\w*|venden|vender)",
        r"(abuso|maltrato) infantil",
        r"(toc\w*|manose\w*|abus\w*|viol[oa]\w*|peg[oa]\w*|golpe\w*|maltrat\w*|amenaz\w*|"
        r"quem\w*|encerr\w*) (de )?"
        r"(a )?(mi|mis|la|el|su|sus|una|un) (" + _CHILD_WORDS + r")",
        r"(" + _CHILD_WORDS + r").{0,80}"
        r"(manose\w*|chantaj\w*|fotos desnud\w*|sacude|vendieron|vendida|trabajando de noche|"
        r"con hombres|se vaya con el|no reacciona|boca rota|sin comida)",
        r"\b(\d{1,2}) anos\b.{0,60}(bar|hombres mayores|fotos|vendieron|trabajar|chantaj\w*|"
        r"manose\w*|toca|abus\w*)",
        r"(vendieron|venden|vender) (a )?(una|un|a la|al|niñ|nin|chamit|menor)",
        r"(le|les) (pega|pegan|pego|golpea|golpean|hace dano) a (mi|mis) (" + _CHILD_WORDS + r")",
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


def _alt(words: str) -> str:
    return rf"\b(?:{words})\b"


_HARM = f"{_HIT}|{_THREAT}|{_CONFINE}|{_STALK}"
# One word of slack between the clitic and the verb: "me va pegar", "la esta golpeando".
_DONE_TO = (
    rf"\b(?:{_TARGET})(?: (?:va a|van a|iba a|iban a|fue a|esta|estan|quiere|quieren|"
    r"volvio a|\w+))?"
)

# The broad tier: concepts that co-occur. Each is a "possible crisis" (certain=False).
_BROAD: dict[str, list[str]] = {
    SUICIDE: [
        # A death wish with intention: "solo quiero que todo esto se acabe".
        r"\b(?:quiero|quisiera|ojala|mejor|ganas de|pienso en|pensando en|voy a|solo quiero|"
        r"prefiero|deseo|me gustaria)\b(?: \w+){0,4} (?:morir\w*|muer\w*|muera\w*|desaparec\w*|"
        r"dormir (?:pa|para) siempre|irme (?:pa|para) siempre|no (?:despertar|amanecer|existir|"
        r"estar|abrir\w*)|se acabe|acabar con (?:esto|todo|mi vida)|matarme|matar me|"
        r"quitarme la vida|suicid\w*|no volver a despertar)",
        r"(?:dormir|dormirme|cerrar los ojos)\w*(?: \w+){0,3} (?:pa|para) siempre",
        r"(?:cerrar|cierro) los ojos y no (?:abrirlos|volver|despertar)",
        r"\b(?:carga|estorbo|peso muerto) (?:pa|para)\b",
        r"(?:nadie|ninguno) (?:me )?(?:va a |iria a |)(?:extranar|extranaria|notaria|"
        r"se daria cuenta|lloraria)",
        r"(?:estarian|estan|estaria|vivirian|descansarian|seria mejor)\b(?: \w+){0,3} "
        r"(?:sin mi|si (?:yo )?no (?:existiera|estuviera)|si me (?:muero|fuera|voy))",
        r"descansarian|si (?:yo )?no existiera|cuando (?:ya )?no (?:este|exista)",
        r"no (?:tengo|le veo|veo) (?:razon|razones|motivo|motivos|sentido|salida)\b",
        r"no sirvo (?:pa|para) nada|lo mejor es (?:que|q) me muera|(?:ojala|quisiera) (?:morir|"
        r"estar muerta)",
        r"(?:cansad[ao]|harta) de (?:vivir|la vida|todo|existir)",
        r"no (?:se|creo) si (?:voy a )?(?:estar|seguir) viva",
        r"me (?:estoy|estaba) despidiendo|ya me despedi|me despido de (?:todos|ustedes|ti|mis)|"
        r"(?:carta|cartas) (?:pa|para|a) "
        r"(?:mis|mi)|cuiden a mis",
        r"(?:acabar|terminar) con (?:esto|todo)\b",
        r"(?:se|me) (?:quiere|va a|iba a|piensa) (?:matar|suicidar|quitar la vida|tirar|colgar|"
        r"ahorcar|envenenar)",
        # A method with a first-person intention: "tengo las pastillas aqui al lado".
        rf"\b(?:me|mi|tengo|tome|tomo|tomarme|compre|guarde|escondi|voy|quiero|ganas|lista|listo|"
        rf"es (?:pa|para) mi|estoy|parada|subir)\b(?: \w+){{0,6}} {_alt(_SUICIDE_METHOD)}",
        rf"{_alt(_SUICIDE_METHOD)}(?: \w+){{0,6}} (?:es (?:pa|para) mi|(?:pa|para) mi\b|"
        r"al lado|aqui|listo|lista|tomarmel\w*|no me quiero bajar)",
        r"(?:me|volvi a) (?:corte|cortar|raje|rajar|queme|quemo|lastime|lastimo|cortado)\b"
        r"(?: \w+){0,4} (?:brazos|munecas|piernas|venas|cuchilla|gillette|encendedor|"
        r"a proposito|marcas|sangre|sangrar)",
        r"como (?:ahorcarse|ahorcarme|suicidarse|matarse|matarme|morir sin)",
        r"dejar de (?:existir|vivir|respirar|sufrir)|no (?:le )?(?:encuentro|veo|tiene|tengo) "
        r"sentido|sin sentido (?:la vida|vivir|seguir)",
        r"(?:seria|sera|estaria) (?:todo )?(?:mas facil|mejor)(?: \w+){0,4} (?:sin mi|si (?:yo )?"
        r"no (?:estuviera|existiera|este))",
        r"(?:irme|ir)(?: \w+){0,4} (?:al cielo|con dios)|"
        r"ya (?:lo )?decidi|(?:hacer|hago|cometer) una locura|(?:estoy|estar) al borde",
        r"(?:ya )?no (?:puedo|aguanto) mas\s*$|no (?:puedo|aguanto) (?:mas )?(?:con )?"
        r"(?:esta|mi) vida",
        r"(?:me )?(?:hice|hago|hacerme|corte|raje|raye|rayo|rayar\w*|rasgune|rasguno|marco)\b"
        r"(?: \w+){0,3} (?:brazos|munecas|piernas|muslos|venas|barriga|panza)",
    ],
    SEXUAL_VIOLENCE: [
        rf"{_DONE_TO} {_alt(_SEXUAL)}",
        rf"{_alt(_AGENT)}(?: \w+){{0,8}} {_alt(_SEXUAL)}",
        rf"{_alt(_SEXUAL)}(?: \w+){{0,6}} {_alt(_AGENT)}",
        r"\b(?:pidio|pide|piden|exige|exigen|cobra|cobran|pago|pagar|pague)\b(?: \w+){0,2} "
        r"(?:sexo|favores|en la cama|en favores|con el cuerpo|acostandome)",
        r"\b(?:video|videos|foto|fotos) (?:intim\w*|desnud\w*|mio|mios|mias)",
        r"a la fuerza",
        rf"\b(?:oblig|forz|presion|chantaj)\w*(?: \w+){{0,4}} {_alt(_SEXUAL)}",
        r"(?:me|le|nos|la) (?:hizo|hicieron|hace|hacen) cosas",
        r"(?:me|la|le|nos) (?:metio|meti|metieron) la mano",
        r"\bmasturb\w*|desperte\w*(?: \w+){0,6} (?:sin ropa|desnuda|sin pantalon|adolorida)",
    ],
    CHILDREN: [
        rf"{_alt(_CHILD_WORDS)}(?: \w+){{0,12}} (?:{_alt(_HARM)}|{_alt(_SEXUAL)}|"
        r"\b(?:vend\w*|compr\w*|reclut\w*|se (?:la|lo|los|las) llev\w*|llevaron|llevarse|"
        r"robaron|robo|perdio|perdido|desaparec\w*|"
        r"amarrad\w*|sin comida|sin comer|sin cena|solos|sola|a solas|mensajes|"
        r"fotos|quemadura\w*|marcas|partido|embaraz\w*|duele abajo|le duele|ofrec\w*|regal\w*|"
        r"promet\w*|prostibulo\w*|no volvio|no aparece|no ha vuelto|no ha llegado|no llego|"
        r"se fue con (?:un|una|el|ese) \w+|de \d+ y|tiene \d+)\b)",
        rf"(?:{_alt(_HARM)}|{_alt(_SEXUAL)}|\b(?:vend\w*|reclut\w*|llevarse|robaron|"
        rf"le da|le dan|le dio|ofrec\w*|regal\w*|promet\w*)\b)(?: \w+){{0,8}} {_alt(_CHILD_WORDS)}",
        r"(?:dice|dijo|dicen) que se (?:cayo|golpeo|pego)",
        r"\b(?:de|tiene) \d{1,2} (?:anos|meses)\b(?: \w+){0,8} (?:toca|fotos|hombres|plata|"
        r"mensajes|solas|cama|(?:novio|man|senor|hombre) de \d+|embaraz\w*)",
    ],
    TRAFFICKING: [
        r"\b(?:quit\w*|retien\w*|retuv\w*|retenid\w*|guard\w*|tien\w*|bloque\w*|devuelv\w*|"
        r"devolver|dan|da)\b(?: \w+){0,3} (?:el|la|los|las|mi|mis|nuestros|nuestras) "
        r"(?:pasaporte\w*|ppt|cedula\w*|papeles|documentos|celular\w*|cel|telefono\w*)",
        r"(?:pasaporte\w*|ppt|cedula\w*|papeles|documentos) (?:guardad\w*|retenid\w*)",
        r"\b(?:debo|debemos|debe|debia|deuda)\b(?: \w+){0,6} (?:pasaje|viaje|traida|comida|"
        r"alojamiento|cuarto|millones|palos|trabaj\w*|clientes)",
        r"(?:hasta|mientras) (?:que |q )?no (?:pague|paguemos|pagar)|hasta pagar (?:el|la|lo)",
        r"\b(?:me|la|nos|las|lo|los|le|a mi \w+) (?:vendieron|vendio|venden|vende|compro|"
        r"compraron|vendian)\b",
        r"(?:vendieron|vendio|venden|compraron|compro) (?:a )?(?:una|un|la|a mi|mi|a la|al) "
        r"(?:chama|chamita|nina|mujer|muchacha|hermana|prima|hija|persona|joven|senora)",
        r"(?:atender|atiendo|atendiendo|estar con) (?:a )?(?:hombres|clientes|senores)",
        r"dama de compania|prostitu\w*|vender mi cuerpo|vender el cuerpo|le pertenezco|"
        r"(?:soy|somos) (?:de el|suya|suyas)",
        r"(?:cargar|llevar|pasar|tragar|transportar) (?:unas |la |droga|capsulas|vicio|paquetes)"
        r"(?: \w+){0,3}",
        r"(?:sin|no) (?:pagarme|pagarnos|sueldo|un peso|me paga nada|nos paga nada|nos pagan)\b",
        r"si (?:me|nos) (?:escapo|escapamos|voy|vamos|volamos)\b(?: \w+){0,4} "
        r"(?:denuncia\w*|deporta\w*|mata\w*|migracion|familia|busca)",
        r"no (?:me|nos) (?:puedo|podemos) (?:ir|salir|escapar)",
        r"(?:oferta|promesa|ofrecieron|prometieron)\w*(?: \w+){0,12} (?:a la fuerza|clientes|"
        r"hombres|no me (?:dejan|puedo)|encerrad\w*|obligad\w*|me tienen)",
        r"\b(?:nos|me) (?:tienen|tiene) (?:encerrad\w*|trabajando|pagando|de interna)",
        r"\bpa(?:ra)? (?:atender|estar con) clientes",
        r"(?:sirvienta|esclava|interna|encerrada)(?: \w+){0,6} no (?:me|nos) (?:deja|dejan) "
        r"(?:llamar|salir|hablar|usar|comunicarme|ver)",
        r"\b(?:me|nos) (?:hacen|hace|ponen|pone|obligan|obliga) (?:a )?trabajar(?: \w+){0,5} "
        r"(?:calle|sin|noche|plata|clientes|gratis)",
        r"(?:quitan|quita|quedan con|queda con) (?:toda |todo )?(?:la plata|lo que gano|el sueldo)",
        r"no (?:puedo|podemos) volver|no (?:me|nos|la) (?:dejan|deja) volver|"
        r"(?:soy|somos) (?:de )?su propiedad|hasta (?:que |q )(?:le |les )?pague",
    ],
    VIOLENCE: [
        rf"{_DONE_TO} (?:{_alt(_HIT)}|{_alt(_THREAT)}|{_alt(_CONFINE)}|{_alt(_STALK)})",
        rf"{_alt(_AGENT)}(?: \w+){{0,10}} (?:{_alt(_HIT)}|{_alt(_THREAT)}|{_alt(_CONFINE)}|"
        rf"{_alt(_STALK)}|{_alt(_WEAPON)})",
        # The harm told first, the person after: "me dio una golpiza el marido de mi hermana".
        rf"(?:{_alt(_HIT)}|{_alt(_THREAT)}|{_alt(_CONFINE)})(?: \w+){{0,6}} {_alt(_AGENT)}",
        r"\ba (?:punos|golpes|patadas|correazos|conazos|palo|palos|cachetadas|machetazos|"
        r"empujones|latigazos|planazos|trompadas|puntapies|mordiscos|chancletazos)\b",
        r"(?:rompio|partio|revento|quebro|hincho|abrio|volteo|reventaron|rompieron) "
        r"(?:el|la|los|las|mi|mis) (?:labio|nariz|boca|cara|diente\w*|brazo|costilla\w*|"
        r"cabeza|ojo|pierna|mano|ceja|frente|dedo\w*)",
        r"(?:ojo|cara|labio|espalda|brazo\w*|pierna\w*|cuello|cuerpo)\w* (?:todo |toda |)"
        r"(?:morad\w*|hinchad\w*|rot[oa]\w*|marcad\w*|llen\w* de (?:moret\w*|marcas|morados))",
        rf"{_DONE_TO} (?:tiene|tienen) (?:amenazada|secuestrada|encerrada|amarrada|vigilada|"
        r"azotada|acosada|aterrada|humillada)",
        rf"{_alt(_WEAPON)}(?: \w+){{0,6}} (?:me|nos|la|le|encima|en la cabeza|en la cara)",
        r"si (?:no|lo|la|me|le)\b(?: \w+){0,5} (?:me|nos) (?:mata|matan|pelan|pica|quiebra|"
        r"quiebran|desaparece|quema|queman|hace|hacen|saca|va|van)\b",
        r"(?:paracos|pandilla|banda|armados|combo|grupo armado|guerrilla)\b(?: \w+){0,10} "
        r"(?:irme|vacuna|cobran|mata|matan|pelan|amenaz\w*|horas)",
        r"no me deja en paz|me hace la vida imposible",
        r"amenaz\w*(?: \w+){0,3} (?:matar\w*|muerte|dano|pegar\w*|quemar\w*|desaparecer\w*)",
    ],
    DANGER: [
        r"\b(?:escondid[ao]s?|me escondi|esconderme|nos escondimos|escondiendome|me encerre|"
        r"nos encerramos|debajo de la cama)\b",
        r"\bahi viene\b|ya viene (?:pa|para) (?:aca|aqui)|viene (?:pa|para) (?:aca|aqui)|"
        r"viene por mi|vienen por mi|vuelven (?:por|x) mi",
        r"esta (?:aqui )?afuera|esta (?:tocando|golpeando|tumbando|pateando|rompiendo) "
        r"(?:la )?(?:puerta|ventana)",
        r"se (?:metio|metieron) (?:a|en) (?:la|mi) (?:casa|cuarto|pieza)",
        r"no se (?:donde|en que (?:barrio|lugar|parte|ciudad)) (?:estoy|estamos)",
        r"(?:llamen|manden|mande|llame) (?:a )?(?:la )?(?:policia|patrulla|ambulancia)|\b123\b",
        r"vengan (?:rapido|ya|por favor)|no puedo hablar|me tienen\s*$|(?:me|nos) tienen y",
        r"no amanezco|hoy me mata|esta noche (?:me|nos) mata|(?:dijo|dice) que (?:me|nos) mata",
        r"(?:tengo|me da) (?:mucho )?miedo(?: \w+){0,6} (?:volver|vuelva|venga|el|lo|me|que)",
        r"(?:me|nos) (?:bajaron|sacaron|tiraron) (?:del|de la) (?:carro|casa|bus|moto)",
        r"\b(?:ayudenme|ayudame|ayuda|auxilio|socorro)\b(?: \w+){0,3} (?:ya|rapido|urgente)\b",
        r"\b(?:ya|ahorita) ya\b",
        r"(?:vienen|viene) a buscarme|me (?:vienen|viene) a buscar|no se (?:a )?donde me llevan|"
        r"(?:esta|estan) entrando|se (?:esta|estan) metiendo|rompio la (?:puerta|ventana)|"
        r"tiene (?:una|un) (?:pistola|cuchillo|arma|machete|revolver)",
    ],
}

# Long, distinctive harm words: a token one typo away from one of these is read as it
# ("amenasa", "golpiaron", "biolaron", "sucidarme"). Short words are left alone: at five
# letters or fewer one typo reaches too many everyday words.
_TYPO_TARGETS = frozenset(
    "amenaza amenazo amenazan amenazando amenazada amenazas golpea golpeo golpean golpearon "
    "golpeando golpeada golpes violaron violacion violando violada maltrata maltrato maltratan "
    "maltratada persigue persiguen persiguiendo encerrada encerro encerrado encierra secuestro "
    "secuestrada estrangulo ahorcar ahorco ahorcarme manosea manoseo manoseando abusaron "
    "abusando abusado abusada suicidarme suicidio suicidar pastillas pasaporte cuchillo "
    "machete pistola matarme matarla matarnos cachetada bofetada correazos quitarme "
    "desaparecer morirme acosando acosador vigilada drogaron ayudenme auxilio socorro "
    "escondida peligro forzaron obligan obligaron obligada moretones sangrando chantajea "
    "cortarme tirarme lanzarme despedirme veneno".split()
)
# Everyday words one typo from a harm word; never corrected.
_NOT_TYPOS = frozenset(
    "acostada acostado acostando golpe pistolas peligros obligo obliga socorra persigan "
    "machetes maltratos secuestros amenazar violar violan violado cuchillos golpee pegue "
    "queme lastime aporree machuque".split()
)


def _edit1(a: str, b: str) -> bool:
    """Whether a and b differ by one substitution, insertion or deletion."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :] or (len(a) == len(b) and a[i + 1 :] == b[i + 1 :])


@lru_cache(maxsize=4096)
def _correct(token: str) -> str:
    if len(token) < 6 or token in _TYPO_TARGETS or token in _NOT_TYPOS:
        return token
    return next((t for t in sorted(_TYPO_TARGETS) if _edit1(token, t)), token)


_COMPILED = {case: [re.compile(p) for p in patterns] for case, patterns in _PATTERNS.items()}
_BROAD_COMPILED = {case: [re.compile(p) for p in patterns] for case, patterns in _BROAD.items()}
_IDIOMS_RE = [re.compile(p) for p in _IDIOMS]
_CHAT_RE = [(re.compile(p), r) for p, r in _CHAT_SPELLINGS]
# Order: the most specific first; the first matching case names the lines.
_PRIORITY = (SUICIDE, SEXUAL_VIOLENCE, CHILDREN, TRAFFICKING, VIOLENCE, DANGER)


@dataclass(frozen=True)
class Crisis:
    cases: tuple[str, ...]
    # False when only the broad tier fired: a possible crisis, still answered as one.
    certain: bool = True

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
    plain = re.sub(r"[^\w\s]", " ", plain_text(text))
    plain = re.sub(r"(\w)\1{2,}", r"\1", plain)  # ayudaaaa → ayuda (keep "ll", "rr")
    plain = re.sub(r"\s+", " ", plain).strip()
    for pattern, replacement in _CHAT_RE:
        plain = pattern.sub(replacement, plain)
    return plain


def _prepare(text: str) -> str:
    """Folded text with glued clitics split, typos of harm words corrected, idioms removed."""
    folded = _GLUED.sub(r"\1 ", normalise(text))
    folded = " ".join(_correct(token) for token in folded.split())
    for idiom in _IDIOMS_RE:
        folded = idiom.sub(" ", folded)
    return re.sub(r"\s+", " ", folded).strip()


def detect(text: str) -> Crisis | None:
    """The crisis cases this message speaks of (most specific first), or None."""
    folded = _prepare(text)
    certain = [case for case in _PRIORITY if any(p.search(folded) for p in _COMPILED[case])]
    broad = [case for case in _PRIORITY if any(p.search(folded) for p in _BROAD_COMPILED[case])]
    if not certain and not broad:
        return None
    # Both tiers name cases: the broad one often sees the child or the trafficking that a
    # certain pattern for violence did not, and the lines must fit her case.
    cases = tuple(c for c in _PRIORITY if c in certain or c in broad)
    return Crisis(cases, certain=bool(certain))
