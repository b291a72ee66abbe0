"""GET /metrics: Prometheus's text format, from every process (bot/ops/metrics.py).

Never public in production: without METRICS_TOKEN the route does not exist there (404); with
it, a scrape must send `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise). Development
serves it openly unless a token is set.
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Flask, Response, request

from bot.core.settings import Settings
from bot.ops.metrics import exposition
from webhooks.extensions import runtime

log = logging.getLogger(__name__)

bp = Blueprint("metrics", __name__)


def register(app: Flask, settings: Settings) -> None:
    if not settings.metrics_token and not settings.is_development:
        log.info("/metrics is off: production serves it only with METRICS_TOKEN set")
        return
    app.register_blueprint(bp)


def _authorized(token: str) -> bool:
    if not token:
        return True  # development without a token (register() keeps production out)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


@bp.get("/metrics")
def scrape() -> Response:
    rt = runtime()
    if not _authorized(rt.settings.metrics_token):
        return Response(
            "a bearer token is needed\n",
            status=401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    body, content_type = exposition(rt, request.headers.get("Accept", ""))
    return Response(body, status=200, content_type=content_type)
