"""SMS segments, paging for SMS budgets, Babel dates and money (es_CO, America/Bogota)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.content.i18n import cop, deadline, today_in_bogota
from bot.outbound.paging import paginate
from bot.outbound.sms import encoding, segments

MORE = "Escribe MÁS para ver el resto."


@pytest.mark.parametrize(
    ("text", "enc", "count"),
    [
        ("hola", "GSM-7", 1),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("ñandú", "UCS-2", 1),  # ú is not GSM-7
        ("¿Cómo estás?", "UCS-2", 1),  # ó and á are not GSM-7
        ("¿Qué tal? ñ é ü ¡", "GSM-7", 1),  # these all are
        ("canción " * 8 + "x" * 6, "UCS-2", 1),  # 70 units
        ("canción " * 8 + "x" * 7, "UCS-2", 2),  # 71 units
        ("€" * 80, "GSM-7", 1),  # escape characters count twice: 160
        ("€" * 81, "GSM-7", 2),
        ("🙏🏽" * 17, "UCS-2", 1),  # 68 UTF-16 units
        ("🙏🏽" * 18, "UCS-2", 2),
    ],
)
def test_segments_follow_carrier_rules(text: str, enc: str, count: int) -> None:
    assert (encoding(text), segments(text)) == (enc, count)


def test_short_text_is_one_page() -> None:
    assert paginate("Hola, ¿cómo estás?", MORE) == ["Hola, ¿cómo estás?"]


def test_every_page_fits_three_segments_and_offers_more_but_the_last() -> None:
    text = " ".join(f"Esta es la oración número {i}, con tildes y eñes." for i in range(30))
    pages = paginate(text, MORE)
    assert len(pages) > 1
    assert all(segments(p) <= 3 for p in pages)
    assert all(p.endswith(MORE) for p in pages[:-1]) and not pages[-1].endswith(MORE)
    rebuilt = " ".join(p.removesuffix("\n\n" + MORE) for p in pages)
    assert rebuilt == text  # nothing lost, nothing added


def test_list_items_stay_whole_and_a_short_header_is_not_left_alone() -> None:
    items = [f"*Curso {i}*\nBarranquilla · presencial\nEmpieza pronto · gratis" for i in range(6)]
    pages = paginate("Cursos abiertos (6):\n\n" + "\n\n".join(items), MORE)
    assert pages[0].startswith("Cursos abiertos (6):\n\n*Curso 0*")
    for page in pages:
        body = page.removesuffix("\n\n" + MORE)
        assert all(chunk.startswith(("*Curso", "Cursos")) for chunk in body.split("\n\n"))


def test_babel_deadline_in_spanish_with_days_left() -> None:
    assert (
        deadline(date(2026, 12, 15), date(2026, 11, 28))
        == "cierra el martes 15 de diciembre de 2026 — faltan 17 días"
    )
    assert deadline(date(2026, 11, 29), date(2026, 11, 28)).endswith("falta 1 día")
    assert deadline(date(2026, 11, 28), date(2026, 11, 28)).startswith("cierra hoy")


def test_pesos_as_colombians_write_them() -> None:
    assert cop(1_200_000) == "$ 1.200.000"


def test_today_is_bogotas_day_not_utcs() -> None:
    late_night_in_bogota = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # 22:00 on the 28th
    assert today_in_bogota(late_night_in_bogota) == date(2026, 11, 28)
