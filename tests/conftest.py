"""Shared fixtures: real Redis (own prefix per test), SQLite/PostgreSQL, the local Twilio
endpoint, and the whole stack of real processes (started once per session)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import create_engine, text

from bot.content.store import ContentStore
from bot.core.settings import Settings, load_settings
from bot.ops.rasa_service import MODEL_PATH, model_is_current
from bot.runtime import Runtime, build_runtime
from bot.store.db import upgrade
from tests.support.environment import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    POSTGRES_URL,
    REDIS_URL,
    SUPERVISOR_ALERT_TO,
    base_environment,
    delete_prefix,
)
from tests.support.redis_cluster import LocalRedisCluster
from tests.support.stack import VENV_BIN, Stack, free_port
from tests.support.twilio_endpoint import TwilioEndpoint

SINGLE, CLUSTER = "single", "cluster"


@pytest.fixture(scope="session")
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    client.ping()
    yield client
    client.close()


@pytest.fixture(scope="session")
def session_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="almas-tests-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def migrated_sqlite_url(session_dir: Path) -> str:
    url = f"sqlite:///{session_dir / 'unit.db'}"
    upgrade(url)
    return url


@pytest.fixture
def prefix(redis_client: redis.Redis) -> Iterator[str]:
    """A Redis key prefix of this test's own, deleted afterwards."""
    value = "almastest" + uuid.uuid4().hex[:12]
    yield value
    delete_prefix(redis_client, value)


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[LocalRedisCluster]:
    """A local Redis Cluster, started the first time a test asks for it."""
    cluster = LocalRedisCluster().start()
    yield cluster
    cluster.stop()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked cluster_too run twice: on one Redis node and on a Redis Cluster."""
    if "redis_kind" in metafunc.fixturenames:
        cluster_too = metafunc.definition.get_closest_marker("cluster_too") is not None
        kinds = [SINGLE, CLUSTER] if cluster_too else [SINGLE]
        metafunc.parametrize("redis_kind", kinds, indirect=True)


@pytest.fixture
def redis_kind(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", SINGLE)


@pytest.fixture
def settings(
    prefix: str, migrated_sqlite_url: str, redis_kind: str, request: pytest.FixtureRequest
) -> Settings:
    overrides: dict[str, str] = {}
    if redis_kind == CLUSTER:
        cluster: LocalRedisCluster = request.getfixturevalue("redis_cluster")
        # Rasa's tracker store stays on a plain Redis (it does not speak Cluster).
        overrides = {"REDIS_URL": cluster.url, "REDIS_CLUSTER": "true", "RASA_REDIS_URL": REDIS_URL}
    return load_settings(environ=base_environment(prefix, migrated_sqlite_url, **overrides))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The storage tests run on both databases: SQLite (the embedded default) and PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'storage.db'}"
        return
    # A schema of this test's own inside the `test` database, dropped afterwards.
    schema = "t_" + uuid.uuid4().hex[:10]
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings, content=ContentStore())
    yield rt
    if settings.redis_cluster:
        delete_prefix(rt.redis, settings.redis_prefix)
    rt.redis.close()
    rt.engine.dispose()


@pytest.fixture(scope="session")
def twilio() -> Iterator[TwilioEndpoint]:
    endpoint = TwilioEndpoint(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN).start()
    yield endpoint
    endpoint.stop()


@pytest.fixture(scope="session")
def stack(twilio: TwilioEndpoint, session_dir: Path, redis_client: redis.Redis) -> Iterator[Stack]:
    if not MODEL_PATH.is_file() or not model_is_current():
        pytest.fail("the Rasa model is missing or stale: run `make test` (it trains first)")
    prefix = "almasstack" + uuid.uuid4().hex[:8]
    database_url = f"sqlite:///{session_dir / 'stack.db'}"
    # The stack reads a copy of content/, so a test can edit it while the bot runs.
    content_copy = session_dir / "content"
    shutil.copytree(Path(__file__).resolve().parents[1] / "content", content_copy)
    upgrade(database_url)
    web_port, rasa_port, actions_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        **base_environment(prefix, database_url),
        # Development mode turns the simulator on; every value is still set explicitly.
        "ALMAS_ENV": "development",
        "TWILIO_API_URL": twilio.base_url,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "PORT": str(web_port),
        "WEB_HOST": "127.0.0.1",
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "ACTION_SERVER_URL": f"http://127.0.0.1:{actions_port}",
        "NLG_URL": f"http://127.0.0.1:{web_port}/nlg",
        "CONTENT_DIR": str(content_copy),
        # Short leases so a killed worker's participant is taken over within seconds.
        "WORKER_LEASE_SECONDS": "4",
        "RASA_TIMEOUT_SECONDS": "60",
        # Supervisors are alerted of urgent tickets on this (fictitious) number.
        "SUPERVISOR_ALERT_TO": SUPERVISOR_ALERT_TO,
        "RATE_LIMIT_PER_MINUTE": "15",
        # Real clock: the rating question must not wait for Monday 7:00
        # (tests/integration/test_reminders.py covers the hours with a fake clock).
        "PROACTIVE_LIMITS": "false",
    }
    # As `make run` on first start: content/ into the database, where the console edits it.
    subprocess.run(
        [str(VENV_BIN / "almas"), "content", "import", "--if-empty"],
        env=env,
        check=True,
        capture_output=True,
    )
    log_dir = session_dir / "logs"
    log_dir.mkdir()
    running = Stack(
        env=env,
        log_dir=log_dir,
        web_port=web_port,
        rasa_port=rasa_port,
        actions_port=actions_port,
    )
    try:
        running.start()
        yield running
    finally:
        running.stop_all()
        keep = os.environ.get("ALMAS_KEEP_TEST_LOGS")
        if keep:
            shutil.copytree(log_dir, keep, dirs_exist_ok=True)
        delete_prefix(redis_client, prefix)


@pytest.fixture
def client(runtime: Runtime):  # type: ignore[no-untyped-def]
    """The Flask app's test client on this test's runtime."""
    from webhooks.app import create_app

    return create_app(runtime.settings, runtime).test_client()
