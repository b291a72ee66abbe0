"""What leaves for the participant: the outbox sender (retries, exactly-once reconciliation),
status callbacks (delivery), SMS segments and shaping, paging with MÁS, proactive messages and
their hours (Ley 2300).

May import: `bot.core`, `bot.queue`, `bot.store`, `bot.content`, `bot.channels`.
"""
