"""Webhook acknowledgement latency and the highest sustained rate (gunicorn, loopback).

Starts the web process alone (gunicorn, as in the Procfile) on the real Redis and sends signed
Twilio webhooks from concurrent clients at fixed rates (open loop, bounded count). Prints
p50/p95/p99 at 200 req/s, then steps the rate up until the server no longer keeps up (achieved
rate < 95 % of the target, or p95 above 100 ms): the last rate it kept up with is reported.
Target (2-core machine): p95 <= 20 ms at 200 req/s.
"""

from __future__ import annotations

import sys
import threading
import time
import uuid

import redis
import requests

from bench.common import bench_stack, paced, percentile, summary_ms
from tests.support.environment import AUTH_TOKEN, delete_prefix
from tests.support.stack import VENV_BIN, wait_until
from tests.support.twilio_payloads import SMS_HOLA, sign

TARGET_RATE = 200
TARGET_P95_MS = 20.0
STEP_RATES = (200, 300, 400, 600, 800, 1000)
SECONDS_PER_STEP = 8
CLIENTS = 32


def run_rate(url: str, rate: int, seconds: float) -> tuple[list[float], float, int]:
    count = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    local = threading.local()

    def task(i: int) -> None:
        nonlocal errors
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        sid = "SM" + uuid.uuid4().hex
        number = f"+57300{i % 9000 + 1000:04d}{rate:03d}"[:13]
        form = {**SMS_HOLA, "MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid,
                "From": number, "Body": f"hola {i}"}  # fmt: skip
        headers = {"X-Twilio-Signature": sign(url, form, AUTH_TOKEN)}
        began = time.perf_counter()
        try:
            ok = session.post(url, data=form, headers=headers, timeout=10).status_code == 200
        except requests.RequestException:
            ok = False
        elapsed = time.perf_counter() - began
        with lock:
            latencies.append(elapsed)
            errors += 0 if ok else 1

    wall = paced(rate, count, CLIENTS, task)
    return latencies, count / wall, errors


def main() -> int:
    stack = bench_stack()
    stack._start(
        "web",
        [
            str(VENV_BIN / "gunicorn"),
            "--bind", f"127.0.0.1:{stack.web_port}",
            "--workers", "2", "--threads", "8",
            # Stopped mid-load (Ctrl-C, a test stopping `make bench`): no 30 s grace.
            "--graceful-timeout", "3",
            "webhooks.app:create_app()",
        ],
    )  # fmt: skip
    client = redis.Redis.from_url(stack.env["REDIS_URL"])
    try:
        if not wait_until(lambda: requests.get(stack.web_url + "/healthz", timeout=1).ok, 30):
            print("web did not start:\n" + stack.tail("web"))
            return 1
        url = stack.web_url + "/twilio/messages"
        run_rate(url, 50, 2)  # warm up connections and code paths
        latencies, achieved, errors = run_rate(url, TARGET_RATE, 15)
        p95 = percentile(latencies, 95) * 1000
        print(f"ack latency at {TARGET_RATE} req/s ({achieved:.0f} achieved, {errors} errors): "
              f"{summary_ms(latencies)}")  # fmt: skip
        print(
            f"ack p95 {p95:.1f} ms vs target {TARGET_P95_MS:.0f} ms: ratio "
            f"{p95 / TARGET_P95_MS:.2f} ({'met' if p95 <= TARGET_P95_MS else 'NOT met'})"
        )
        sustained = 0
        for rate in STEP_RATES:
            latencies, achieved, errors = run_rate(url, rate, SECONDS_PER_STEP)
            p95_step = percentile(latencies, 95) * 1000
            kept_up = achieved >= 0.95 * rate and errors == 0 and p95_step <= 100
            print(
                f"  rate {rate:5d}/s: achieved {achieved:6.0f}/s, errors {errors}, "
                f"p95 {p95_step:6.1f} ms -> {'kept up' if kept_up else 'saturated'}"
            )
            if not kept_up:
                break
            sustained = rate
        print(
            f"highest sustained rate: {sustained} req/s "
            f"(loopback, gunicorn 2 workers x 8 threads, {CLIENTS} client threads)"
        )
    finally:
        stack.stop_all()
        delete_prefix(client, stack.env["REDIS_PREFIX"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
