"""Issue 13, item 10: every key a Lua script touches is passed in KEYS (Redis Cluster routes a
script by its KEYS, and a key built inside the script may live on another node)."""

from __future__ import annotations

import re

import pytest

from bot.handoff import queue as handoff_queue
from bot.queue import mailbox

SCRIPTS = {
    f"{module.__name__}.{name}": value
    for module in (mailbox, handoff_queue)
    for name, value in vars(module).items()
    if name.startswith("_") and isinstance(value, str) and "redis.call(" in value
}
# Commands that take no key.
KEYLESS = {"TIME"}
CALL = re.compile(r"redis\.call\('([A-Z]+)'(?:,\s*([^,)]+))?")
FROM_KEYS = re.compile(r"local\s+(\w+)\s*=\s*KEYS\[")


def keys_not_from_keys(script: str) -> list[str]:
    """The redis.call()s whose key is neither KEYS[...] nor a local taken from KEYS."""
    aliases = set(FROM_KEYS.findall(script))
    wrong = []
    for command, first in CALL.findall(script):
        if command in KEYLESS:
            continue
        first = first.strip()
        if not (first.startswith("KEYS[") or first in aliases):
            wrong.append(f"{command} {first}")
    return wrong


def test_the_check_finds_a_key_built_inside_a_script() -> None:
    built = "local tk = ARGV[2] .. id\nredis.call('HGET', tk, 'score')\nredis.call('DEL', KEYS[1])"
    assert keys_not_from_keys(built) == ["HGET tk"]


def test_the_scripts_were_found() -> None:
    assert len(SCRIPTS) >= 15


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_every_key_a_script_touches_comes_from_keys(name: str) -> None:
    assert keys_not_from_keys(SCRIPTS[name]) == []
