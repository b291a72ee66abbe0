"""Access to the process's Runtime from a request (created unbound, attached by create_app)."""

from __future__ import annotations

from flask import Flask, current_app

from bot.runtime import Runtime

EXTENSION_KEY = "almas"


def init_runtime(app: Flask, runtime: Runtime) -> None:
    app.extensions[EXTENSION_KEY] = runtime


def runtime() -> Runtime:
    return current_app.extensions[EXTENSION_KEY]
