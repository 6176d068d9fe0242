"""What reconciling with a gateway's own message history needs to know of the store.

A reconcile round (server/reconcile.py) reads a session's chats back from the gateway and
asks here: since when must it read (the newest incoming message stored for the session),
which of the messages it read are stored already (and at what delivery status), and which
chats hold replies of ours whose delivery is not settled yet (their acks may have been
missed). Reads only; what is missing is stored through the ingestion path like a webhook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from sportello.domain.values import DeliveryStatus, Direction, Gateway
from sportello.store.models import Contact, Conversation, Message, table_of

# Statements with many ids are cut to stay well under every engine's parameter limit.
_IDS_PER_QUERY = 500
# Replies whose acks can still change: read or failed is final.
_UNSETTLED = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)

_messages = table_of(Message)
_conversations = table_of(Conversation)
_contacts = table_of(Contact)


@dataclass(frozen=True, slots=True)
class KnownMessage:
    """A gateway message already stored: enough to tell whether its ack moves it forward."""

    direction: Direction
    status: DeliveryStatus


def _of_account(gateway: Gateway, account: str) -> ColumnElement[bool]:
    # A conversation begun by a reply to a new number has no account yet: it goes out
    # through the default session, which is the one being reconciled.
    return and_(
        _conversations.c.gateway == gateway,
        or_(_conversations.c.account == account, _conversations.c.account.is_(None)),
    )


def newest_inbound_at(connection: Connection, gateway: Gateway, account: str) -> datetime | None:
    """The time of the newest incoming message stored for this gateway session, if any.

    Incoming only: those times are the gateway's clock (a queued reply carries ours).
    """
    return connection.execute(
        select(func.max(_conversations.c.last_inbound_at)).where(_of_account(gateway, account))
    ).scalar_one_or_none()


def known_messages(
    connection: Connection, gateway: Gateway, gateway_message_ids: Sequence[str]
) -> dict[str, KnownMessage]:
    """Which of these gateway message ids are stored, with their direction and status."""
    found: dict[str, KnownMessage] = {}
    ids = list(dict.fromkeys(gateway_message_ids))
    for start in range(0, len(ids), _IDS_PER_QUERY):
        rows = connection.execute(
            select(_messages.c.gateway_message_id, _messages.c.direction, _messages.c.status).where(
                _messages.c.gateway == gateway,
                _messages.c.gateway_message_id.in_(ids[start : start + _IDS_PER_QUERY]),
            )
        )
        for gateway_message_id, direction, status in rows:
            found[gateway_message_id] = KnownMessage(Direction(direction), DeliveryStatus(status))
    return found


def unsettled_reply_chats(
    connection: Connection, gateway: Gateway, account: str, since: datetime
) -> dict[str, datetime]:
    """Chats with replies of ours sent since `since` and not yet read (or failed): chat id
    -> the time of the oldest such reply. The chat id is the gateway's (`...@c.us`)."""
    rows = connection.execute(
        select(_contacts.c.chat_id, _contacts.c.e164, func.min(_messages.c.timestamp))
        .select_from(_messages)
        .join(_conversations, _conversations.c.id == _messages.c.conversation_id)
        .join(_contacts, _contacts.c.id == _conversations.c.contact_id)
        .where(
            _of_account(gateway, account),
            # The conversation clock first: its index keeps old conversations out of the scan.
            _conversations.c.last_message_at >= since,
            _messages.c.timestamp >= since,
            _messages.c.direction == Direction.OUTGOING,
            _messages.c.gateway_message_id.is_not(None),
            _messages.c.status.in_(_UNSETTLED),
        )
        .group_by(_contacts.c.chat_id, _contacts.c.e164)
    )
    chats: dict[str, datetime] = {}
    for chat_id, e164, oldest in rows:
        jid = _gateway_chat_id(chat_id, e164)
        if jid is not None:
            chats[jid] = min(oldest, chats.get(jid, oldest))
    return chats


def _gateway_chat_id(chat_id: str, e164: str | None) -> str | None:
    """The gateway's id of a chat: the raw id as it came, or a number's `<digits>@c.us`."""
    if "@" in chat_id:
        return chat_id
    if e164:
        return e164.removeprefix("+") + "@c.us"
    return None
