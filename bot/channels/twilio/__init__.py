"""The Twilio channel (SMS and WhatsApp in one adapter): sending through the REST API and
fetching media from Twilio with the account's credentials.

May import: `bot.core`.
"""
