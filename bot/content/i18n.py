"""Dates, numbers and money as participants read them (Babel, es_CO, America/Bogota), and the
engine's own few phrases through a gettext catalog (bot/content/locale, compiled from .po at
load)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations

LOCALE = "es_CO"
TIMEZONE = ZoneInfo("America/Bogota")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def today_in_bogota(now: datetime | None = None) -> date:
    return (now or datetime.now(TIMEZONE)).astimezone(TIMEZONE).date()


@lru_cache(maxsize=4)
def translations(locale: str = LOCALE) -> Translations:
    """The catalog, compiled in memory from the .po file (no build step to forget)."""
    import io

    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def _(message: str) -> str:
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations().ngettext(singular, plural, n)


def long_date(day: date) -> str:
    """'martes, 15 de diciembre de 2026' → we use 'martes 15 de diciembre de 2026'."""
    return format_date(day, "EEEE d 'de' MMMM 'de' y", locale=LOCALE)


def deadline(closes: date, today: date) -> str:
    """'cierra el martes 15 de diciembre de 2026 — faltan 17 días' (or 'cierra hoy …')."""
    days = (closes - today).days
    when = long_date(closes)
    if days == 0:
        return _("cierra hoy, %(date)s") % {"date": when}
    left = ngettext("falta %(n)d día", "faltan %(n)d días", days) % {"n": days}
    return _("cierra el %(date)s — %(left)s") % {"date": when, "left": left}


def cop(amount: int) -> str:
    """Pesos as Colombians write them: '$ 1.200.000' (no decimals)."""
    return format_currency(amount, "COP", locale=LOCALE, format="¤ #,##0", currency_digits=False)


def number(value: float) -> str:
    return format_decimal(value, locale=LOCALE)
