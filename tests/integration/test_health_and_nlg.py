"""GET /healthz, GET /readyz (names what is missing) and Rasa's NLG endpoint."""

from __future__ import annotations

import dataclasses

import pytest

from bot.runtime import Runtime
from webhooks.app import create_app


@pytest.fixture
def client_with_rasa_down(runtime: Runtime):  # type: ignore[no-untyped-def]
    # Nothing listens on port 9: Rasa and the action server are "down" for these tests.
    runtime.settings = dataclasses.replace(
        runtime.settings, rasa_url="http://127.0.0.1:9", action_server_url="http://127.0.0.1:9"
    )
    return create_app(runtime.settings, runtime).test_client()


def test_healthz_says_alive(client_with_rasa_down) -> None:
    response = client_with_rasa_down.get("/healthz")
    assert (response.status_code, response.json) == (200, {"status": "alive"})


def test_readyz_is_503_and_names_what_is_missing(client_with_rasa_down) -> None:
    response = client_with_rasa_down.get("/readyz")
    assert response.status_code == 503
    # The test Redis keeps nothing on disk (CI starts it with --appendonly no): in production
    # that is named, with the setting to change.
    assert response.json["missing"] == ["action_server", "rasa", "redis_durability"]
    assert "appendonly yes" in response.json["errors"]["redis_durability"]
    assert set(response.json["errors"]) == {"action_server", "rasa", "redis_durability"}


def test_nlg_serves_texts_from_content(client_with_rasa_down, runtime: Runtime) -> None:
    response = client_with_rasa_down.post(
        "/nlg",
        json={
            "response": "utter_main_menu",
            "arguments": {},
            "tracker": {"slots": {}},
            "channel": {"name": "rest"},
        },
    )
    expected = runtime.content.render("utter_main_menu")
    assert response.status_code == 200
    assert response.json["text"] == expected.text
    assert [b["payload"] for b in response.json["buttons"]] == [b.payload for b in expected.buttons]


def test_nlg_unknown_response_is_a_404_naming_it(client_with_rasa_down) -> None:
    response = client_with_rasa_down.post("/nlg", json={"response": "utter_nope", "tracker": {}})
    assert response.status_code == 404
    assert "utter_nope" in response.json["error"]


def test_simulator_is_off_in_production(client_with_rasa_down) -> None:
    assert client_with_rasa_down.get("/simulator/").status_code == 404


def test_simulator_page_in_development(runtime: Runtime) -> None:
    settings = dataclasses.replace(runtime.settings, env="development")
    client = create_app(settings, runtime).test_client()
    response = client.get("/simulator/")
    assert response.status_code == 200
    assert "Simulador" in response.get_data(as_text=True)


def test_redis_durability_is_only_required_in_production(runtime: Runtime) -> None:
    import dataclasses

    from bot.queue.durability import durability_problems

    problems = durability_problems(runtime.redis)
    if runtime.redis.config_get("appendonly")["appendonly"] != "yes":
        assert any("appendonly yes" in p for p in problems)
    runtime.settings = dataclasses.replace(
        runtime.settings, env="development", rasa_url="http://127.0.0.1:9",
        action_server_url="http://127.0.0.1:9",
    )  # fmt: skip
    app = create_app(runtime.settings, runtime)
    missing = app.test_client().get("/readyz").json["missing"]
    assert "redis_durability" not in missing

