"""Core: the facts every other package shares — settings, Redis key names (`keys`), logging
with phone numbers masked, participant identity and addresses, the message dataclasses, and
the Prometheus metrics every process counts (`metrics`).

May import: nothing else in `bot` (this is the bottom layer).
"""
