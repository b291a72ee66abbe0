"""POST /nlg: Rasa's NLG endpoint. Rasa asks for a response by name; the text comes from
content/, so a text edited by programme staff is live without retraining."""

from __future__ import annotations

from string import Formatter
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from bot.content.store import ContentError
from webhooks.extensions import runtime

bp = Blueprint("nlg", __name__)


class _KeepMissing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _variables(body: dict[str, Any]) -> dict[str, Any]:
    slots = ((body.get("tracker") or {}).get("slots")) or {}
    arguments = body.get("arguments") or {}
    return _KeepMissing({**slots, **arguments})


@bp.post("/nlg")
def generate() -> ResponseReturnValue:
    body = request.get_json(silent=True) or {}
    name = body.get("response") or body.get("template")
    if not name:
        return jsonify(error="the request names no response"), 400
    try:
        reply = runtime().content.render(name)
    except ContentError as exc:
        return jsonify(error=str(exc)), 404
    text = (
        Formatter().vformat(reply.text, (), _variables(body)) if "{" in reply.text else reply.text
    )
    return jsonify(
        text=text,
        buttons=[{"title": b.title, "payload": b.payload} for b in reply.buttons],
        image=reply.image or None,
        elements=[],
        attachments=[],
        custom={},
    )
