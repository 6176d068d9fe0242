"""What a conversation row knows of its newest reply, after a message or a status.

A failed reply must be impossible to miss: the row of a conversation whose newest reply
failed is marked until that reply goes out (a retry) or a newer reply does. The row keeps
a `ReplyMark` of the newest outgoing message (client/records.py); `ClientState` asks here
how a message or a status moves it, and `ConversationList` finds the row by the reply's id.
A status never moves back (as in the thread, open_thread.merged_status), except the one
that starts an operator's retry (`retry`: `failed` -> `queued`).
"""

from __future__ import annotations

from dataclasses import replace

from sportello.client.open_thread import merged_status
from sportello.client.records import LOCAL_ID_PREFIX, Message, ReplyMark, reply_mark
from sportello.domain.values import DeliveryStatus, Direction


def newer_reply(current: ReplyMark | None, message: Message) -> ReplyMark | None:
    """The row's newest reply once `message` is applied (an incoming one changes nothing)."""
    if message.direction is not Direction.OUTGOING:
        return current
    if current is None:
        return reply_mark(message)
    same = current.id == message.id or (
        message.client_id is not None and current.id == LOCAL_ID_PREFIX + message.client_id
    )
    if same:  # the same reply again, or the server's copy of our placeholder
        status = merged_status(current.status, message.status)
        return ReplyMark(message.id, message.timestamp, status, _error(status, message, current))
    return reply_mark(message) if message.sort_key >= current.sort_key else current


def reply_after_status(
    current: ReplyMark | None,
    message_id: str,
    status: DeliveryStatus,
    error: str | None,
    *,
    retry: bool = False,
) -> ReplyMark | None:
    """The row's newest reply after a status of `message_id`; None when it is unchanged."""
    if current is None or current.id != message_id:
        return None
    new_status = status if retry else merged_status(current.status, status)
    failed = new_status is DeliveryStatus.FAILED
    moved = replace(current, status=new_status, error=(error or current.error) if failed else None)
    return None if moved == current else moved


def _error(status: DeliveryStatus, message: Message, current: ReplyMark) -> str | None:
    if status is not DeliveryStatus.FAILED:
        return None
    return message.error or current.error
