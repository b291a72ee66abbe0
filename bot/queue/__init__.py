"""The per-participant mailbox queues (inbox and outbox): leases with fencing tokens, the
consumer loop that drains one participant in order, the lease keeper, retry backoff.

May import: `bot.core`.
"""
