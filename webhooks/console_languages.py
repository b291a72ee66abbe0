"""The console's languages (Flask-Babel): catalogs are .po files compiled to .mo at start-up
into var/, so there is no build step to forget."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, session
from flask_babel import Babel

from bot.core.settings import PROJECT_ROOT

SOURCE = Path(__file__).resolve().parent / "translations"
COMPILED = PROJECT_ROOT / "var" / "translations"
LANGUAGES = ("es", "en", "it")

babel = Babel()


def compile_catalogs(source: Path = SOURCE, target: Path = COMPILED) -> Path:
    for po_path in source.glob("*/LC_MESSAGES/messages.po"):
        mo_path = target / po_path.relative_to(source).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        tmp = mo_path.with_suffix(".tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp.replace(mo_path)  # atomic: several workers may start at once
    return target


def select_locale() -> str:
    language = session.get("lang", "es")
    return language if language in LANGUAGES else "es"


def init_babel(app: Flask) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = "es"
    app.config["BABEL_DEFAULT_TIMEZONE"] = "America/Bogota"
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(compile_catalogs()),
    )
