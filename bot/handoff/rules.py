"""What a case worker may do with a ticket — the same rules for the console and the API.

Errors are typed so each interface maps them: NotFound (404), Forbidden (403: another case
worker holds it, or the role is not for case work), Conflict (409: the ticket's state does not
allow it); a CaseworkError itself is 400 (what was sent is not valid)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.identity import mask_address
from bot.handoff.accounts import CASEWORK_ROLES, SUPERVISOR, find
from bot.handoff.queue import CLAIMED, Ticket
from bot.store.models import CaseWorker

if TYPE_CHECKING:
    from bot.runtime import Runtime


# How long a case worker holds a ticket without a sign of life: the console's open ticket page
# renews it every RENEW_EVERY_SECONDS, the API on every call about the ticket; expired claims
# go back to the head of their level (the scheduler, every minute, and every claim).
CASE_WORKER_LEASE_SECONDS = 120.0
RENEW_EVERY_SECONDS = 40


def requeue_expired_claims(rt: Runtime) -> int:
    """The scheduler's job: claims whose case worker stopped renewing go back in line."""
    return len(rt.handoff.expire_leases())


def address_shown_to(worker: CaseWorker, address: str) -> str:
    """Her number as this case worker may see it: whole for supervisors, else masked
    (channel and last two digits), in the console and the API alike."""
    return address if worker.role == SUPERVISOR else mask_address(address)


class CaseworkError(Exception):
    status = 400


class NotFound(CaseworkError):
    status = 404


class Forbidden(CaseworkError):
    status = 403


class Conflict(CaseworkError):
    status = 409


def may_do_casework(worker: CaseWorker) -> bool:
    """Case workers and supervisors; programme staff see the reports only, editors the content
    (no queue, tickets, transcripts, cases, numbers or API)."""
    return worker.role in CASEWORK_ROLES


def casework_refused(role: str) -> str:
    """Why a role that does no case work gets 403 (the console, the API)."""
    return f"the {role} role does no case work (no queue, tickets or transcripts)"


def check_casework(worker: CaseWorker) -> None:
    if not may_do_casework(worker):
        raise Forbidden(casework_refused(worker.role))


def may_see_case(worker: CaseWorker, ticket: Ticket) -> bool:
    """Her case (all her tickets, notes, outcomes, reminders, consent): the case worker holding
    this ticket of hers, or a supervisor."""
    if not may_do_casework(worker):
        return False
    holds = ticket.status == CLAIMED and ticket.claimed_by == worker.email
    return holds or worker.role == SUPERVISOR


def ticket_for(rt: Runtime, worker: CaseWorker, ticket_id: str, must_hold: bool) -> Ticket:
    """The ticket if this case worker may see it (or act on it, with `must_hold`)."""
    check_casework(worker)
    ticket = rt.handoff.get(ticket_id)
    if ticket is None:
        raise NotFound(f"no ticket {ticket_id}")
    mine = ticket.status == CLAIMED and ticket.claimed_by == worker.email
    if ticket.status == CLAIMED and not mine and worker.role != SUPERVISOR:
        raise Forbidden("another case worker holds this ticket")
    if must_hold and not mine:
        raise Conflict(f"the ticket is {ticket.status}, not held by you")
    return ticket


def transfer(rt: Runtime, worker: CaseWorker, ticket: Ticket, to_email: str) -> Ticket:
    colleague = find(rt.sessions, to_email) if to_email else None
    if colleague is None or not colleague.active:
        raise NotFound(f"no active case worker {to_email!r}")
    if not rt.handoff.transfer(ticket.id, worker.email, colleague.email):
        raise Conflict("the ticket changed meanwhile; reload it")
    return rt.handoff.get(ticket.id)  # type: ignore[return-value]


def resolve(rt: Runtime, worker: CaseWorker, ticket: Ticket) -> Ticket:
    from bot.handoff.relay import ask_for_rating

    if not rt.handoff.resolve(ticket.id, worker.email):
        raise Conflict("the ticket changed meanwhile; reload it")
    ask_for_rating(rt, ticket)
    return rt.handoff.get(ticket.id)  # type: ignore[return-value]
