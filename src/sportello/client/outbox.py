"""Messages composed here, from the keyboard to the server's ack, exactly once.

1. `compose()` gives the message a clientId (uuid4) and commits it to the cache's outbox
   table before anything else; only then does it show (status queued). A crash from here on
   loses nothing: the next start loads the outbox and sends it.
2. `flush()` sends pending entries in the order they were composed with
   `sendMessage {clientId, conversationId|to, body}`. No ack (timeout, connection lost) means
   "unknown": the entry stays and is sent again, *with the same clientId*, after the next
   reconnect; the server dedupes by clientId, so it is sent exactly once.
3. An ack with `ok: false` is a refusal: the entry becomes failed and is not resent.

Retry sends a failed message again IN PLACE: the same bubble, the same clientId. A refused
entry never reached the server's store, so the same entry goes back to pending and the
next flush sends it with its own clientId. A message the server stored and then failed (its
outbox worker gave up, the gateway refused it) is put back in the server's outbox by
`retryMessage {messageId}` (docs/protocol.md): same message id, same clientId, `queued`
again, and every console sees it move on from there. A server without `retryMessage` (an
older Sportello) gets the old way: a new message with a new clientId after the failed one.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

from sportello.client.cache import Cache, OutboxEntry
from sportello.client.errors import (
    ClientError,
    NoAnswer,
    NotConnected,
    ack_code_and_detail,
    refused,
)
from sportello.client.records import LOCAL_ID_PREFIX, Message
from sportello.client.state import ClientState
from sportello.client.wire import WireError, conversation_key_for_phone, parse_message
from sportello.domain.values import DeliveryStatus, Direction, iso_utc, utc_now

log = logging.getLogger(__name__)

SendCall = Callable[[Mapping[str, Any]], Awaitable[Any]]


class Outbox:
    """The persistent queue of messages to send; one per client."""

    def __init__(
        self, cache: Cache, state: ClientState, send: SendCall, resend: SendCall | None = None
    ) -> None:
        self._cache = cache
        self._state = state
        self._send = send
        self._resend = resend  # retryMessage, for a failed message the server stored
        self._entries: dict[str, OutboxEntry] = {}  # insertion order = composition order
        self._lock = asyncio.Lock()
        self.can_send: Callable[[], bool] = lambda: True

    @property
    def pending(self) -> list[OutboxEntry]:
        return [e for e in self._entries.values() if e.state == "pending"]

    def entry(self, client_id: str) -> OutboxEntry | None:
        return self._entries.get(client_id)

    async def load(self) -> None:
        """Pick up what a previous run left unsent."""
        for entry in await self._cache.outbox_entries():
            self._entries[entry.client_id] = entry

    async def compose(self, conversation_id: str | None, body: str, to: str | None) -> Message:
        """Store the message durably, then show it as queued. Returns the placeholder."""
        if not body.strip():
            raise ClientError("cannot send an empty message")
        if conversation_id is None and not to:
            raise ClientError("a message needs a conversation or a phone number to send to")
        entry = OutboxEntry(
            client_id=str(uuid.uuid4()),
            conversation_id=conversation_id,
            to=to,
            body=body,
            created_at=iso_utc(utc_now()),
        )
        placeholder = placeholder_for(entry)
        await self._cache.outbox_add(entry, placeholder)
        self._entries[entry.client_id] = entry
        self._state.apply_message(placeholder)
        return placeholder

    async def retry(self, message: Message) -> Message:
        """Send a failed message again in place (see the module docstring); returns it as
        shown now. The caller flushes."""
        if message.status is not DeliveryStatus.FAILED:
            raise ClientError("only a failed message can be sent again")
        if message.direction is not Direction.OUTGOING:
            raise ClientError("only a message we sent can be sent again")
        if not message.is_local:
            return await self._retry_stored(message)
        client_id = message.id.removeprefix(LOCAL_ID_PREFIX)
        entry = self._entries.get(client_id)
        if entry is None:  # the entry is gone (a cache from before it was kept): anew
            self._cache.outbox_discard(client_id)
            self._state.remove_message(message.id)
            return await self.compose(message.conversation_id, message.body, None)
        self._entries[client_id] = replace(entry, state="pending", error=None)
        self._cache.outbox_retry(client_id)
        self._state.apply_status(
            message.id, DeliveryStatus.QUEUED, conversation_id=message.conversation_id, retry=True
        )
        return replace(message, status=DeliveryStatus.QUEUED, error=None)

    async def _retry_stored(self, message: Message) -> Message:
        """`retryMessage`: the server puts its failed message back in its outbox."""
        if self._resend is None:
            raise ClientError("this client cannot send a stored message again")
        try:
            ack = await self._resend({"messageId": message.id})
        except TimeoutError as exc:
            # Its status event tells, if it went through; asking again is harmless.
            raise NoAnswer(f"retry of message {message.id}: {exc}") from exc
        if not isinstance(ack, Mapping) or ack.get("ok") is not True:
            code, _ = ack_code_and_detail(ack)
            if code == "unknown_event":  # an older server: a new attempt, as it used to be
                log.info("retryMessage unknown to the server: message %s sent anew", message.id)
                return await self.compose(message.conversation_id, message.body, None)
            raise refused(f"retry message {message.id}", ack)
        shown = self._state.thread_message(message.id)
        if shown is not None and shown.status is DeliveryStatus.FAILED:
            # The ack came before its status event: show it queued now (never over a
            # status the event already moved it past).
            self._state.apply_status(
                message.id,
                DeliveryStatus.QUEUED,
                conversation_id=message.conversation_id,
                retry=True,
            )
            self._cache.set_status(message.id, DeliveryStatus.QUEUED, None, retry=True)
        return replace(message, status=DeliveryStatus.QUEUED, error=None)

    async def flush(self) -> int:
        """Send every pending entry, in order, until done or the connection fails.

        Returns how many were acknowledged. Never raises for network trouble: what is left
        is sent by the next flush.
        """
        sent = 0
        async with self._lock:
            for entry in self.pending:
                if not self.can_send():
                    break
                payload: dict[str, Any] = {"clientId": entry.client_id, "body": entry.body}
                if entry.conversation_id is not None and not entry.to:
                    payload["conversationId"] = entry.conversation_id
                else:
                    payload["to"] = entry.to
                try:
                    ack = await self._send(payload)
                except (NotConnected, TimeoutError) as exc:
                    log.info(
                        "outbox: %s; %d message(s) wait for the next connection",
                        exc,
                        len(self.pending),
                    )
                    break
                if self._settle(entry, ack):
                    sent += 1
        return sent

    def _settle(self, entry: OutboxEntry, ack: Any) -> bool:
        if not isinstance(ack, Mapping) or ack.get("ok") is not True:
            error, detail = _ack_error(ack)
            log.warning(
                "outbox: the server refused message %s (%s): %s", entry.client_id, error, detail
            )
            self._entries[entry.client_id] = replace(entry, state="failed", error=error)
            self._cache.outbox_failed(entry.client_id, error)
            self._state.apply_status(
                entry.placeholder_id,
                DeliveryStatus.FAILED,
                error,
                conversation_id=placeholder_for(entry).conversation_id,
            )
            return False
        message = parse_message(ack.get("message"), "sendMessage ack")
        self._entries.pop(entry.client_id, None)
        if isinstance(message, WireError):
            # Accepted but not described: the message will come back through sync.
            log.warning("outbox: %s", message)
            self._cache.outbox_done(entry.client_id, None)
            self._state.remove_message(entry.placeholder_id)
            return True
        message = replace(message, client_id=entry.client_id)
        self._cache.outbox_done(entry.client_id, message)
        self._state.apply_message(message)
        return True


def placeholder_for(entry: OutboxEntry) -> Message:
    """How a composed message shows until the server acknowledges it."""
    conversation_id = entry.conversation_id or conversation_key_for_phone(entry.to or "")
    return Message(
        id=entry.placeholder_id,
        conversation_id=conversation_id,
        timestamp=entry.created_at,
        direction=Direction.OUTGOING,
        status=DeliveryStatus.FAILED if entry.state == "failed" else DeliveryStatus.QUEUED,
        body=entry.body,
        phone=entry.to,
        client_id=entry.client_id,
        error=entry.error,
    )


def _ack_error(ack: Any) -> tuple[str, str]:
    """(what the message keeps as its error, English detail for the log).

    The message keeps the server's code (`window_closed`...): the UI words it in the
    operator's language (ui/error_texts.py); the detail is only logged.
    """
    code, detail = ack_code_and_detail(ack)
    return code or "refused", detail
