"""Her case page in the console (issue 15): what a case worker needs before answering — her
tickets with their notes and ratings, her outcomes (recorded, changed and removed from the
page), her reminders, consent and opt-out, the topics she asked about — in the console's
language, open only to the case worker holding her ticket or a supervisor, her number masked
as everywhere; and topic, channel and priority by name on the queue and ticket pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from bot.content.i18n import today_in_bogota
from bot.runtime import Runtime
from bot.store.handoff import add_note, record_handoff_events, record_rating
from bot.store.outcomes import outcomes_of
from bot.store.participants import record_consent, set_opted_out
from bot.store.reminders import subscribe_reminders
from bot.store.transcript import Understood, record_inbound
from tests.support.casework import console_account, console_ticket, csrf, login, new_client
from webhooks.app import create_app


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    app = create_app(runtime.settings, runtime)
    app.config["SESSION_COOKIE_SECURE"] = False  # the test client speaks plain http
    return app


def _taken(app: Flask, runtime: Runtime, role: str = "case_worker"):  # type: ignore[no-untyped-def]
    """A logged-in account holding a waiting participant's ticket."""
    client = new_client(app)
    email = console_account(runtime, role)
    login(client, email)
    ticket = console_ticket(runtime)
    client.post("/console/claim", data={"csrf": csrf(client, "/console/")})
    return client, email, ticket


def test_her_case_shows_tickets_notes_ratings_reminders_consent_and_topics(
    app: Flask, runtime: Runtime
) -> None:
    client, email, ticket = _taken(app, runtime)
    pid = ticket.participant
    version = runtime.content.snapshot().privacy.notice_version  # type: ignore[union-attr]
    record_consent(runtime.sessions, pid, "sms", version)
    set_opted_out(runtime.sessions, pid, "sms", True)
    add_note(runtime.sessions, ticket.id, email, "Trae su pasaporte el lunes")
    earlier = "t00_" + "e" * 16  # a ticket of hers closed long ago (only SQL remembers it)
    record_handoff_events(runtime.sessions, [
        {"ticket_id": earlier, "participant_id": pid, "status": status, "priority": "normal",
         "case_worker": worker}
        for status, worker in [("waiting", None), ("claimed", "bea@almas.example.org"),
                               ("resolved", "bea@almas.example.org")]
    ])  # fmt: skip
    record_rating(runtime.sessions, earlier, pid, 4)
    add_note(runtime.sessions, earlier, "bea@almas.example.org", "Le interesa el FNG")
    scholarship = runtime.content.snapshot().scholarships[0]
    subscribe_reminders(runtime.sessions, pid, [scholarship.id])
    record_inbound(runtime.sessions, pid, "sms", "becas?", "SMcase1",
                   understood=Understood("ask_scholarships", 0.97, False))  # fmt: skip

    page = client.get(f"/console/tickets/{ticket.id}/case").get_data(as_text=True)

    assert "Trae su pasaporte el lunes" in page and "Le interesa el FNG" in page
    assert "4/5" in page
    assert scholarship.name in page and "pendiente" in page
    assert version in page and "BAJA" in page  # consent version; she opted out
    assert "Becas" in page and "ask_scholarships" not in page  # the topic, by its name
    assert f'id="ticket-{earlier}"' in page and f'id="ticket-{ticket.id}"' in page
    assert "bea@almas.example.org" in page and "PPT y papeles" in page
    assert "+…01" in page and "+573005558001" not in page  # masked for a case worker


def test_an_outcome_is_recorded_changed_and_removed_from_her_case_page(
    app: Flask, runtime: Runtime
) -> None:
    client, email, ticket = _taken(app, runtime)
    token = csrf(client, f"/console/tickets/{ticket.id}/case")
    today = today_in_bogota()
    added = client.post(f"/console/tickets/{ticket.id}/outcomes",
                        data={"csrf": token, "kind": "course_enrolled",
                              "happened_on": today.isoformat()})  # fmt: skip
    assert added.status_code == 302 and added.location.endswith("/case#outcomes")
    [outcome] = outcomes_of(runtime.sessions, ticket.participant)
    assert (outcome.kind, outcome.recorded_by, outcome.ticket_id) == (
        "course_enrolled", email, ticket.id)  # fmt: skip
    page = client.get(f"/console/tickets/{ticket.id}/case").get_data(as_text=True)
    assert "Inscrita en un curso" in page and "Resultado registrado." in page
    # On the ticket page too, in its history.
    assert "Inscrita en un curso" in client.get(f"/console/tickets/{ticket.id}").get_data(
        as_text=True
    )
    client.post(f"/console/tickets/{ticket.id}/outcomes/{outcome.id}",
                data={"csrf": token, "kind": "course_completed",
                      "happened_on": (today - timedelta(days=3)).isoformat()})  # fmt: skip
    [changed] = outcomes_of(runtime.sessions, ticket.participant)
    assert (changed.kind, changed.happened_on, changed.updated_by) == (
        "course_completed", today - timedelta(days=3), email)  # fmt: skip
    client.post(f"/console/tickets/{ticket.id}/outcomes/{outcome.id}/delete", data={"csrf": token})
    assert outcomes_of(runtime.sessions, ticket.participant) == []


@pytest.mark.parametrize(
    ("kind", "day_offset", "message"),
    [("course_enrolled", 1, "La fecha no puede estar en el futuro."),
     ("no_such_kind", 0, "Elige un resultado de la lista.")],
    ids=["a future day", "an unknown kind"],
)  # fmt: skip
def test_an_invalid_outcome_is_refused_with_the_reason_on_the_page(
    app: Flask, runtime: Runtime, kind: str, day_offset: int, message: str
) -> None:
    client, _, ticket = _taken(app, runtime)
    token = csrf(client, f"/console/tickets/{ticket.id}/case")
    day = (today_in_bogota() + timedelta(days=day_offset)).isoformat()
    client.post(f"/console/tickets/{ticket.id}/outcomes",
                data={"csrf": token, "kind": kind, "happened_on": day})  # fmt: skip
    assert outcomes_of(runtime.sessions, ticket.participant) == []
    assert message in client.get(f"/console/tickets/{ticket.id}/case").get_data(as_text=True)


def test_outcome_forms_need_the_csrf_token(app: Flask, runtime: Runtime) -> None:
    client, _, ticket = _taken(app, runtime)
    form = {"kind": "course_enrolled", "happened_on": today_in_bogota().isoformat()}
    assert client.post(f"/console/tickets/{ticket.id}/outcomes", data=form).status_code == 400
    assert outcomes_of(runtime.sessions, ticket.participant) == []


def test_her_case_is_closed_to_other_case_workers_and_open_to_supervisors(
    app: Flask, runtime: Runtime
) -> None:
    ana, _, ticket = _taken(app, runtime)
    token = csrf(ana, f"/console/tickets/{ticket.id}/case")
    ana.post(f"/console/tickets/{ticket.id}/outcomes",
             data={"csrf": token, "kind": "job_placement",
                   "happened_on": today_in_bogota().isoformat()})  # fmt: skip
    [outcome] = outcomes_of(runtime.sessions, ticket.participant)
    bea = new_client(app)
    login(bea, console_account(runtime))
    assert bea.get(f"/console/tickets/{ticket.id}/case").status_code == 403
    bea_token = csrf(bea, "/console/")
    changed = bea.post(f"/console/tickets/{ticket.id}/outcomes/{outcome.id}",
                       data={"csrf": bea_token, "kind": "credit_granted",
                             "happened_on": "2026-01-01"})  # fmt: skip
    assert changed.status_code == 403
    boss = new_client(app)
    login(boss, console_account(runtime, "supervisor"))
    page = boss.get(f"/console/tickets/{ticket.id}/case").get_data(as_text=True)
    assert "Consiguió empleo" in page and "+573005558001" in page  # supervisors see the number
    assert [o.kind for o in outcomes_of(runtime.sessions, ticket.participant)] == ["job_placement"]


def test_the_ticket_page_links_to_her_case_only_for_who_may_open_it(
    app: Flask, runtime: Runtime
) -> None:
    holder, _, ticket = _taken(app, runtime)
    assert f"/console/tickets/{ticket.id}/case" in holder.get(
        f"/console/tickets/{ticket.id}"
    ).get_data(as_text=True)
    waiting = console_ticket(runtime)  # nobody holds it: a case worker may read, not open
    assert f"/console/tickets/{waiting.id}/case" not in holder.get(
        f"/console/tickets/{waiting.id}"
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "topic", "outcome", "heading"),
    [("es", "PPT y papeles", "Remitida a un curso", "Resultados del programa"),
     ("en", "PPT and papers", "Referred to a course", "Programme outcomes"),
     ("it", "PPT e documenti", "Indirizzata a un corso", "Risultati del programma")],
)  # fmt: skip
def test_her_case_in_spanish_english_and_italian(
    app: Flask, runtime: Runtime, lang: str, topic: str, outcome: str, heading: str
) -> None:
    client, _, ticket = _taken(app, runtime)
    token = csrf(client, f"/console/tickets/{ticket.id}/case")
    client.post(f"/console/tickets/{ticket.id}/outcomes",
                data={"csrf": token, "kind": "referred_to_course",
                      "happened_on": today_in_bogota().isoformat()})  # fmt: skip
    client.get(f"/console/lang/{lang}")
    page = client.get(f"/console/tickets/{ticket.id}/case").get_data(as_text=True)
    assert topic in page and outcome in page and heading in page
    assert topic in client.get(f"/console/tickets/{ticket.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "topic", "priority"),
    [("es", "Emergencia: violencia de pareja", "urgente"),
     ("en", "Emergency: partner violence", "urgent"),
     ("it", "Emergenza: violenza del partner", "urgente")],
)  # fmt: skip
def test_the_queue_names_topic_channel_and_priority_in_the_console_language(
    app: Flask, runtime: Runtime, lang: str, topic: str, priority: str
) -> None:
    client = new_client(app)
    login(client, console_account(runtime))
    runtime.handoff.open("p_urgent1", "whatsapp", "emergency:partner_violence", "…", "urgent",
                         "whatsapp:+573005550199")  # fmt: skip
    client.get(f"/console/lang/{lang}")
    page = client.get("/console/").get_data(as_text=True)
    assert topic in page and "WhatsApp" in page and priority in page
    assert "emergency:partner_violence" not in page
    [row] = client.get("/console/queue.json").get_json()["waiting"]
    assert (row["topic_name"], row["channel_name"], row["priority_name"]) == (
        topic, "WhatsApp", priority)  # fmt: skip
