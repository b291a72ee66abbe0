"""Core: the facts every other package shares — settings, Redis key names (`keys`), logging
with phone numbers masked, participant identity and addresses, and the message dataclasses.

May import: nothing else in `bot` (this is the bottom layer).
"""
