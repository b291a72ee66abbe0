"""Human handoff: the priority queue of tickets (claims, leases), the relay between her and
the case worker, the case-work rules, case-worker accounts, supervisor alerts, office hours,
supervisor retries of failed messages.

May import: `bot.core`, `bot.queue`, `bot.store`, `bot.content`, `bot.channels`, `bot.outbound`.
"""
