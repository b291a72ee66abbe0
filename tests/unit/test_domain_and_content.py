"""Every action in the Rasa domain exists: utter_* has its text in content/, action_* its
Python class in flows/actions; and content itself loads cleanly."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa_sdk import Action

import flows.actions
from bot.content.store import ContentStore

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "flows" / "domain.yml").read_text())


def domain_actions() -> list[str]:
    """Custom actions and response names (responses are actions too in Rasa)."""
    return list(DOMAIN.get("actions") or []) + list(DOMAIN.get("responses") or {})


def python_actions() -> set[str]:
    names = set()
    for obj in vars(flows.actions).values():
        if isinstance(obj, type) and issubclass(obj, Action) and obj is not Action:
            names.add(obj().name())
    return names


def test_every_utter_action_has_a_text_in_content() -> None:
    texts = set(ContentStore().snapshot().responses)
    missing = [a for a in domain_actions() if a.startswith("utter_") and a not in texts]
    assert missing == []


def test_every_custom_action_has_its_python_action() -> None:
    missing = [a for a in domain_actions() if a.startswith("action_") and a not in python_actions()]
    assert missing == []


def test_every_python_action_is_in_the_domain() -> None:
    assert python_actions() <= set(domain_actions())


def test_every_response_used_in_rules_is_in_the_domain() -> None:
    used = set()
    for path in (ROOT / "flows" / "data").glob("*.yml"):
        for rule in yaml.safe_load(path.read_text()).get("rules", []):
            used |= {step["action"] for step in rule["steps"] if "action" in step}
    built_in = {"action_deactivate_loop", "action_listen", "action_restart"}
    assert used <= set(domain_actions()) | set(DOMAIN.get("forms") or {}) | built_in


def test_every_intent_has_training_examples() -> None:
    examples = set()
    for path in (ROOT / "nlu" / "data").glob("*.yml"):
        items = yaml.safe_load(path.read_text()).get("nlu", [])
        examples |= {item["intent"] for item in items if "intent" in item}
    assert set(DOMAIN["intents"]) <= examples


def test_the_action_server_registers_every_action_of_the_package() -> None:
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("flows.actions")
    custom = {a for a in domain_actions() if a.startswith(("action_", "validate_"))}
    assert custom <= set(executor.actions)
