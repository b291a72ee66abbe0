"""Reading a `/metrics` scrape (Prometheus text format) in tests."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Scrape:
    text: str

    def samples(self) -> list[tuple[str, dict[str, str], float]]:
        return [
            (s.name, dict(s.labels), s.value)
            for family in text_string_to_metric_families(self.text)
            for s in family.samples
        ]

    def value(self, name: str, **labels: str) -> float:
        """The sample `name` with exactly these labels (0 when it is not there yet)."""
        found = [v for n, lab, v in self.samples() if n == name and lab == labels]
        assert len(found) <= 1, f"{name} {labels} appears {len(found)} times"
        return found[0] if found else 0.0
