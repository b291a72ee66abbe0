"""The conversation: the worker that answers each message through its gates in order
(crisis, consent, opt-out, data rights, handoff, rate limit, media, dialogue), the pure
decisions about choices and menus, the crisis detector, and the Rasa client.

May import: every domain package (`bot.core` … `bot.reminders`).
"""
