"""Privacy (Ley 1581): consent to the notice, data rights (MIS DATOS, BORRAR MIS DATOS),
erasure, retention, opt-out, and who a sender is (her pseudonymous id from her number or her
WhatsApp user id).

May import: everything below it: `bot.core`, `bot.queue`, `bot.store`, `bot.content`,
`bot.channels`, `bot.outbound`, `bot.handoff`.
"""
