"""Scholarship-deadline reminders: subscriptions and the scheduled job that queues them.

May import: everything below it (`bot.core` … `bot.privacy`).
"""
