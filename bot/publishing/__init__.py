"""Content staff's work: editing, reviewing and publishing what the assistant says (drafts,
versions, schedule, audit), previews, and the review of messages the assistant did not
understand.

May import: bot.core, bot.store, bot.content, bot.channels, bot.outbound, bot.handoff.
"""
