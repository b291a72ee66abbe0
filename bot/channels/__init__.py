"""Channels the helpline talks through. Today one: Twilio (SMS and WhatsApp).

May import: `bot.core`.
"""
