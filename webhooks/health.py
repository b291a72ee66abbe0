"""GET /healthz (the process is alive) and GET /readyz (everything it depends on answers)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from bot.conversation.rasa_client import RasaClient
from bot.queue.durability import durability_problems
from bot.runtime import Runtime
from bot.store.engine import ping
from webhooks.extensions import runtime

bp = Blueprint("health", __name__)
CHECK_TIMEOUT = 3.0


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify(status="alive")


def _check_redis(rt: Runtime) -> None:
    rt.redis.ping()


def _check_redis_durability(rt: Runtime) -> None:
    """Production only: the queues are the only copy of an accepted message."""
    if rt.settings.is_development:
        return
    problems = durability_problems(rt.redis)
    if problems:
        raise RuntimeError("; ".join(problems))


def _check_database(rt: Runtime) -> None:
    ping(rt.engine)


def _check_rasa(rt: Runtime) -> None:
    status = RasaClient(rt.settings.rasa_url).status()
    if not (status.get("model_file") or status.get("fingerprint")):
        raise RuntimeError("Rasa answers but has no model loaded")


def _check_action_server(rt: Runtime) -> None:
    url = rt.settings.action_server_url + "/health"
    response = requests.get(url, timeout=CHECK_TIMEOUT)
    response.raise_for_status()


CHECKS: dict[str, Callable[[Runtime], None]] = {
    "redis": _check_redis,
    "redis_durability": _check_redis_durability,
    "database": _check_database,
    "rasa": _check_rasa,
    "action_server": _check_action_server,
}


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    rt = runtime()

    def run(check: Callable[[Runtime], None]) -> str | None:
        try:
            check(rt)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"[:300]
        return None

    with ThreadPoolExecutor(max_workers=len(CHECKS)) as pool:
        futures = {name: pool.submit(run, check) for name, check in CHECKS.items()}
        results = {name: future.result() for name, future in futures.items()}
    missing = {name: error for name, error in results.items() if error}
    if missing:
        return jsonify(status="not ready", missing=sorted(missing), errors=missing), 503
    return jsonify(status="ready", checked=sorted(CHECKS)), 200
