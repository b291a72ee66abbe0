"""The front door cannot drift: every `almas …` command and every `make` target that the
Procfile, the README and `.env.example` name exists, and the repository tracks no build output.

(The stack test `test_stack_front_door.py` then starts the helpline exactly as the README says.)
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bot.ops.cli import main
from tests.support.stack import PROCFILE, ROOT, procfile_commands

ALMAS = Path(sys.executable).parent / "almas"
README = ROOT / "README.md"
ENV_EXAMPLE = ROOT / ".env.example"
_WORD = re.compile(r"^[a-z][a-z0-9-]*$")


def readme_block(heading: str) -> str:
    """The first fenced block under the README heading `## {heading}`."""
    text = README.read_text()
    section = text.split(f"## {heading}\n", 1)[1]
    return section.split("```", 2)[1]


def almas_invocations(text: str) -> list[list[str]]:
    """The words after each `almas` in `text`; `almas a | b` names both `a` and `b`."""
    found: list[list[str]] = []
    for line in text.splitlines():
        for part_number, part in enumerate(line.split("|")):
            words = part.split()
            if "almas" in words:
                words = words[words.index("almas") + 1 :]
            elif part_number > 0 and found and words and _WORD.match(words[0]):
                words = [*found[-1][:-1], words[0]]  # `almas worker | sender`
            else:
                continue
            found.append([w.strip("`") for w in words])
    return found


def command_path(words: list[str]) -> list[str]:
    """The `almas` subcommand the words name (leaf or group), or fail naming the stray word."""
    command: click.Command = main
    path: list[str] = []
    for word in words:
        if not isinstance(command, click.Group) or not _WORD.match(word):
            break
        sub = command.commands.get(word)
        if sub is None:
            raise AssertionError(f"`almas {' '.join([*path, word])}` is not a command")
        command, path = sub, [*path, word]
    if not path:
        raise AssertionError(f"`almas {' '.join(words)}` names no command")
    return path


def documented_commands() -> dict[str, list[str]]:
    """Every `almas` command named in the Procfile, the README's Command line block and
    `.env.example` (inside backticks there), keyed by where it was named."""
    named: dict[str, list[str]] = {}
    sources = {
        "Procfile": "\n".join(procfile_commands(PROCFILE).values()),
        "README Command line": readme_block("Command line"),
        ".env.example": "\n".join(re.findall(r"`(almas [^`]+)`", ENV_EXAMPLE.read_text())),
    }
    for source, text in sources.items():
        for words in almas_invocations(text):
            path = command_path(words)
            named.setdefault(" ".join(path), []).append(source)
    return named


def test_the_docs_name_the_commands_a_user_needs() -> None:
    named = documented_commands()
    # The Procfile's process commands and the README's operations are all found by the parser.
    for expected in ("worker", "sender", "rasa run", "actions", "scheduler", "purge",
                     "caseworker add", "deadletters", "content check"):  # fmt: skip
        assert expected in named, f"`almas {expected}` is not named in the docs any more"


@pytest.mark.parametrize("command", sorted(documented_commands()))
def test_every_documented_almas_command_exists_and_its_help_exits_0(command: str) -> None:
    result = CliRunner().invoke(main, [*command.split(), "--help"])
    assert result.exit_code == 0, result.output


def test_almas_help_from_the_installed_script_lists_every_documented_command() -> None:
    result = subprocess.run([str(ALMAS), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    listed = set(re.findall(r"^  ([a-z][a-z-]*)\s", result.stdout, re.MULTILINE))
    for command in documented_commands():
        assert command.split()[0] in listed, f"`almas --help` does not list {command!r}"


def test_a_word_that_is_no_command_is_caught() -> None:
    """The check itself can fail: a Procfile line naming a missing command is reported."""
    with pytest.raises(AssertionError, match="almas scheduller"):
        for words in almas_invocations("scheduler: almas scheduller"):
            command_path(words)
    with pytest.raises(AssertionError, match="almas rasa serve"):
        command_path(["rasa", "serve"])
    assert [command_path(w) for w in almas_invocations("almas worker | sender")] == [
        ["worker"],
        ["sender"],
    ]


def readme_make_targets() -> set[str]:
    return set(re.findall(r"`?make ([a-z][a-z0-9-]*)", README.read_text()))


def test_every_make_target_the_readme_names_exists() -> None:
    targets = readme_make_targets()
    assert {"run", "test", "bench"} <= targets
    for target in sorted(targets):
        # -n: print what would run without running it (`make test` cannot run inside itself;
        # `make run` and `make bench` are started for real by test_stack_front_door.py).
        result = subprocess.run(
            ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, f"make {target}: {result.stderr}"
        assert "No rule to make target" not in result.stderr


def test_make_bench_runs_the_benchmarks_as_modules() -> None:
    """`python bench/x.py` cannot import `bench.common`; `python -m bench.x` can."""
    dry = subprocess.run(["make", "-n", "bench"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    modules = re.findall(r"python -m (bench\.[a-z_]+)", dry.stdout)
    assert modules, dry.stdout
    for module in modules:
        assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), module


def test_the_repository_tracks_no_build_output_caches_or_databases() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    if not tracked:
        pytest.skip("not a git checkout")
    offending = [
        path
        for path in tracked
        if path.split("/")[0] in (".rasa", "models", "var", ".venv", ".venv-rasa")
        or path.endswith((".db", ".sqlite", ".sqlite3", ".tar.gz"))
    ]
    assert offending == []
