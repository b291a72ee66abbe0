"""Privacy (Ley 1581): consent to the notice, data rights (MIS DATOS, BORRAR MIS DATOS),
erasure, retention, and opt-out.

May import: everything below it: `bot.core`, `bot.queue`, `bot.store`, `bot.content`,
`bot.channels`, `bot.outbound`, `bot.handoff`.
"""
