"""The test suite. Imported before conftest and every test module, so it sets, before anything
imports prometheus_client, the metrics directory this session's processes share (the test
process and every process it starts): a temporary one, never the project's var/metrics."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

_METRICS_DIR = tempfile.mkdtemp(prefix="almas-metrics-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _METRICS_DIR
atexit.register(shutil.rmtree, _METRICS_DIR, ignore_errors=True)
