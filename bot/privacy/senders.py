"""Who a sender is: her pseudonymous participant id.

From her number when the message says it (From, or WhatsApp's WaId next to a user id), so her
WhatsApp and SMS are one conversation. A WhatsApp user who hides her number writes as a
business-scoped user id (bot/core/addresses.py): when one message carries both, the user id is
linked to the id of her number, once she has accepted the notice (nothing is stored before);
a later message under the user id alone is then still hers. Without such a link the user id is
her id of its own. Replies always go back to the address she wrote from (the user id included):
a user id has no SMS twin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.identity import participant_id
from bot.core.messages import InboundMessage
from bot.store.participants import link_alias, participant_of_alias

if TYPE_CHECKING:
    from bot.runtime import Runtime


def participant_of(rt: Runtime, message: InboundMessage) -> str:
    """Her participant id (one SQL read for a sender known by a WhatsApp user id alone)."""
    key = rt.settings.participant_id_key
    if message.number:
        return participant_id(key, message.number)
    alias = participant_id(key, message.address)
    return participant_of_alias(rt.sessions, alias) or alias


def remember_user_id(rt: Runtime, participant: str, message: InboundMessage) -> None:
    """After consent: a message with her user id and her number links the two."""
    if message.user_id and message.number:
        alias = participant_id(rt.settings.participant_id_key, message.address)
        link_alias(rt.sessions, alias, participant)
