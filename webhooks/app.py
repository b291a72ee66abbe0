"""The Flask app factory: `create_app()` wires settings, the runtime and the blueprints."""

from __future__ import annotations

import logging

from flask import Flask

from bot.core.logs import configure_logging
from bot.core.settings import Settings, announce, load_settings
from bot.runtime import Runtime, build_runtime
from webhooks import (
    api,
    console,
    content_editor,
    health,
    metrics,
    nlg,
    privacy,
    reports,
    simulator,
    twilio_inbound,
    twilio_status,
    unanswered,
)
from webhooks.console_languages import init_babel
from webhooks.extensions import init_runtime


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Flask:
    settings = settings or load_settings()
    configure_logging()
    announce(settings)
    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key
    app.config["JSON_AS_ASCII"] = False
    # Console sessions: HTTP-only, same-site, secure behind HTTPS; idle expiry in the console.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = settings.public_base_url.startswith("https://")
    app.config["PERMANENT_SESSION_LIFETIME"] = 8 * 3600
    init_runtime(app, runtime or build_runtime(settings))
    init_babel(app)
    register_blueprints(app, settings)
    return app


def register_blueprints(app: Flask, settings: Settings) -> None:
    app.register_blueprint(twilio_inbound.bp)
    app.register_blueprint(twilio_status.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(nlg.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(api.messages_bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(privacy.bp)
    reports.register(app)
    unanswered.register(app)
    content_editor.register(app)  # the content editor (issue 14)
    metrics.register(app, settings)
    if settings.is_development:
        app.register_blueprint(simulator.bp)
        logging.getLogger(__name__).warning(
            "development mode: simulator at %s/simulator", settings.public_base_url
        )
