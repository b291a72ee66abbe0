"""The engine's layers hold: every module of `bot` imports only from its own package and the
layers below it (bot/__init__.py draws them), names `bot.runtime` in type hints only, and never
imports Flask, `flows` (Rasa's actions) or `webhooks` (HTTP). Every package says in its
docstring what it owns and what it may import."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"

# Rank of each package: a module may import from packages of a lower rank and its own.
LAYERS = {
    "core": 0,
    "queue": 1,
    "store": 1,
    "channels": 1,
    "content": 2,  # reads published content from SQL
    "outbound": 3,
    "handoff": 4,
    "privacy": 5,
    "reports": 5,
    "publishing": 5,
    "reminders": 6,
    "conversation": 7,
    "runtime": 8,  # the composition root
    "ops": 9,
}
FORBIDDEN_ROOTS = ("flows", "webhooks", "flask", "rasa")  # `rasa_sdk` is flows' business too


def modules() -> list[Path]:
    return sorted(p for p in BOT.rglob("*.py") if "migrations" not in p.parts)


def package_of(dotted: str) -> str | None:
    parts = dotted.split(".")
    if parts[0] != "bot" or len(parts) < 2:
        return None
    return parts[1]


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import that runs (not under `if TYPE_CHECKING:`), including
    imports inside functions; `from bot import x` counts as `bot.x`."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking_only(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                if child.module == "bot":
                    found.extend((child.lineno, f"bot.{a.name}") for a in child.names)
                else:
                    found.append((child.lineno, child.module))
            visit(child)

    visit(ast.parse(path.read_text(), filename=str(path)))
    return found


def violations(path: Path) -> list[str]:
    relative = path.relative_to(BOT.parent)
    own = package_of(".".join(relative.with_suffix("").parts))
    if own is None or own == "__init__":
        return []
    problems = []
    for line, module in runtime_imports(path):
        where = f"{relative}:{line} imports {module}"
        if module.split(".")[0] in FORBIDDEN_ROOTS:
            problems.append(f"{where} (the engine never imports {module.split('.')[0]})")
            continue
        target = package_of(module)
        if target is None or target == own:
            continue
        if target not in LAYERS:
            problems.append(f"{where} (not in a package of the layer table)")
        elif target == "runtime" and own != "ops":
            problems.append(f"{where} (name Runtime under `if TYPE_CHECKING:` only)")
        elif LAYERS[target] >= LAYERS[own]:
            problems.append(f"{where} ({own} is not above {target})")
    return problems


def test_every_module_imports_only_from_its_package_and_the_layers_below() -> None:
    problems = [problem for path in modules() for problem in violations(path)]
    assert problems == [], "\n".join(problems)


def test_the_check_catches_an_import_upwards_and_a_runtime_import(tmp_path: Path) -> None:
    """The check itself can fail."""
    fake = BOT / "core" / "_layer_probe.py"
    fake.write_text(
        "from typing import TYPE_CHECKING\n"
        "from bot.handoff.queue import HandoffQueue\n"
        "if TYPE_CHECKING:\n    from bot.runtime import Runtime\n"
        "def f():\n    from flows.actions import common\n"
    )
    try:
        found = violations(fake)
    finally:
        fake.unlink()
    assert len(found) == 2
    assert "core is not above handoff" in found[0] and "never imports flows" in found[1]


@pytest.mark.parametrize("package", sorted(set(LAYERS) - {"runtime"}))
def test_every_package_says_what_it_owns_and_what_it_may_import(package: str) -> None:
    doc = importlib.import_module(f"bot.{package}").__doc__ or ""
    assert "May import" in doc, f"bot/{package}/__init__.py does not say what it may import"


def test_every_directory_of_the_engine_is_a_package_of_the_layer_table() -> None:
    packages = {p.name for p in BOT.iterdir() if (p / "__init__.py").is_file()}
    assert packages == set(LAYERS) - {"runtime"}
    loose = {p.stem for p in BOT.glob("*.py")} - {"__init__", "runtime"}
    assert loose == set(), f"modules outside a package: {sorted(loose)}"


def test_benchmarks_and_tests_share_helpers_only_through_tests_support() -> None:
    """No test module imports another (helpers live in tests/support), and the benchmarks use
    tests/support only, never a test module or the pytest conftest."""
    root = BOT.parent
    offenders = []
    for path in [*sorted((root / "tests").rglob("*.py")), *sorted((root / "bench").glob("*.py"))]:
        for line, module in runtime_imports(path):
            if module.startswith("tests.") and not module.startswith("tests.support"):
                offenders.append(f"{path.relative_to(root)}:{line} imports {module}")
    assert offenders == []
