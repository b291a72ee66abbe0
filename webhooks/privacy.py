"""GET /privacidad: the full privacy policy from content/, the link in the consent notice."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from webhooks.extensions import runtime

bp = Blueprint("privacy", __name__)


@bp.get("/privacidad")
def policy() -> Response | str:
    privacy = runtime().content.snapshot().privacy
    if privacy is None:
        abort(404)
    paragraphs = [" ".join(p.split()) for p in privacy.policy.split("\n\n") if p.strip()]
    return render_template(
        "privacy.html",
        title=paragraphs[0],
        paragraphs=paragraphs[1:],
        version=privacy.notice_version,
        controller=privacy.controller,
        contact=privacy.contact,
    )
