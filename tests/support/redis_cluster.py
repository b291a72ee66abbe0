"""A local Redis Cluster for the test session (issue 13, item 12): three masters on loopback
ports, each `redis-server --cluster-enabled yes` in a directory of its own, joined with
`redis-cli --cluster create`. Started once per session, and only when a test asks for it."""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from tests.support.stack import wait_until

MASTERS = 3


class LocalRedisCluster:
    def __init__(self) -> None:
        self.ports = [_cluster_port() for _ in range(MASTERS)]
        self.root = Path(tempfile.mkdtemp(prefix="almas-redis-cluster-"))
        self.processes: list[subprocess.Popen] = []

    @property
    def url(self) -> str:
        """One node's address: the client learns the others from it."""
        return f"redis://127.0.0.1:{self.ports[0]}/0"

    def start(self) -> LocalRedisCluster:
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> LocalRedisCluster:
        server = shutil.which("redis-server")
        cli = shutil.which("redis-cli")
        if not server or not cli:
            raise RuntimeError("redis-server and redis-cli are needed for the Redis Cluster tests")
        for port in self.ports:
            node_dir = self.root / str(port)
            node_dir.mkdir()
            command = [server, "--port", str(port), "--bind", "127.0.0.1",
                       "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                       "--cluster-node-timeout", "5000", "--appendonly", "no", "--save", "",
                       "--dir", str(node_dir)]  # fmt: skip
            self.processes.append(
                subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
        for port in self.ports:
            client = redis.Redis(port=port)
            if not wait_until(lambda c=client: _pings(c), timeout=20):
                raise RuntimeError(f"a Redis Cluster node did not start on port {port}")
        nodes = [f"127.0.0.1:{p}" for p in self.ports]
        create = [cli, "--cluster", "create", *nodes, "--cluster-replicas", "0", "--cluster-yes"]
        subprocess.run(
            create,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=60,
        )
        first = redis.Redis(port=self.ports[0], decode_responses=True)
        if not wait_until(lambda: first.cluster("info")["cluster_state"] == "ok", timeout=30):
            raise RuntimeError("the local Redis Cluster did not reach cluster_state:ok")
        time.sleep(0.2)  # every node agrees on the slots (cluster_state ok on the first one)
        return self

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.root, ignore_errors=True)


def _cluster_port() -> int:
    """A free port whose cluster bus port (+10000) is free too (and below 65536)."""
    for _ in range(200):
        port = random.randrange(20000, 45000)
        if _free(port) and _free(port + 10000):
            return port
    raise RuntimeError("no free port pair for a Redis Cluster node")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False
