"""Who may see the reports: supervisors and programme staff (not case workers: the reports
are about the programme, not about the women they help). Pure."""

from __future__ import annotations

from bot.handoff.accounts import PROGRAMME, SUPERVISOR

REPORT_ROLES = (SUPERVISOR, PROGRAMME)


def may_see_reports(role: str) -> bool:
    return role in REPORT_ROLES
