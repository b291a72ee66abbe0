"""ALMAS Assistant engine: everything but HTTP (no Flask here), in packages by concept.

Layers, bottom to top (a package imports only from the layers below it and from itself):

    core                                      settings, keys, logs, identity, messages
    queue · store · channels                  mailboxes · SQL · Twilio
    content                                   what participants read (published, from SQL
                                              or content/), its schema and formatting
    outbound                                  outbox sender, delivery, SMS shaping, proactive
    handoff                                   ticket queue, relay, case work, accounts, alerts
    privacy · reports · publishing            consent, data rights, erasure, retention, opt-out ·
                                              programme reports (aggregates, exports) ·
                                              content editing, review, publishing, previews
    reminders                                 scholarship reminders
    conversation                              the worker and its gates, crisis, Rasa client
    ops                                       CLI, scheduler, Rasa service, content check

`bot.runtime` is the composition root: it builds the long-lived objects and may import any
package but `ops`; packages name its `Runtime` in type hints only. Nothing in `bot` imports
`flows` (Rasa's actions) or `webhooks` (HTTP). tests/unit/test_layers.py keeps all of this.
"""
