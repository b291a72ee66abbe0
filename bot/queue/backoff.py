"""Exponential backoff with full jitter, so retries of many items don't arrive together."""

from __future__ import annotations

import random


def backoff_seconds(attempt: int, base: float = 1.0, cap: float = 60.0) -> float:
    """Delay before retry `attempt` (1 = first): uniform in [base/2, min(cap, base·2^(n-1))]."""
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return random.uniform(min(base / 2, ceiling), ceiling)
