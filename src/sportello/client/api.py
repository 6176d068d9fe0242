"""`SportelloClient`: the one object the desktop UI talks to.

It wires the connection, the sync/resume sequencer, the local cache, the outbox and the
in-memory state. All methods run on the current asyncio loop (the Qt loop through qasync
in the app); nothing here blocks: disk work runs in the cache's worker threads.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from sportello.client import awareness, line_state
from sportello.client.cache import Cache
from sportello.client.changes import ConnectionState, Listener, ProtocolProfile
from sportello.client.connection import Backoff, Connection
from sportello.client.desk_admin import DeskAdmin
from sportello.client.errors import (
    ClientError,
    FeatureUnavailable,
    NotConnected,
    ServerRejected,
    ServerUnreachable,
    refused,
)
from sportello.client.features import SEARCH, SENDING, TICKET_EDITS
from sportello.client.outbox import Outbox
from sportello.client.records import (
    Conversation,
    LoginResult,
    Message,
    Operator,
    SearchHit,
    ServerProfile,
    Ticket,
    TicketEvent,
)
from sportello.client.rest import RestApi
from sportello.client.rest import login as rest_login
from sportello.client.session import Session
from sportello.client.snapshot import Snapshot, read_snapshot
from sportello.client.state import ClientState
from sportello.client.wire import WireError, parse_ticket
from sportello.domain.values import Priority, TicketStatus

log = logging.getLogger(__name__)

CONVERSATION_PAGE = 200  # the first page paints the window; the rest follows in the background
MAX_HISTORY_WALK = 50  # REST pages walked to find where the cache's history ends
GAP_PAGE = 200  # messages per REST page when a snapshot thread is first opened


async def login(
    url: str, username: str, password: str, two_factor_code: str | None = None
) -> LoginResult:
    """POST /api/auth/login (ours, or the seed's with email and 2FA code). Raises
    ServerUnreachable, BadCredentials, TwoFactorRequired or ServerRejected."""
    return await rest_login(url, username, password, two_factor_code)


class SportelloClient:
    """The desktop app's client core for one server profile and one cache file."""

    def __init__(
        self,
        profile: ServerProfile,
        cache_path: Path | str,
        *,
        backoff: Backoff | None = None,
        sync_timeout: float = 5.0,
        transports: list[str] | None = None,
    ) -> None:
        self.profile = profile
        self.cache_path = Path(cache_path)
        self.state = ClientState(own_user_id=profile.user_id)
        self.cache = Cache(self.cache_path)
        self.rest = RestApi(profile.url, profile.token)
        self.admin = DeskAdmin(self.rest)  # an admin's console only (domain/permissions.py)
        self.connection = Connection(
            profile.url,
            profile.token,
            profile.user_id,
            _Deferred(self),
            self._on_connection,
            backoff=backoff,
            transports=transports,
        )
        self.outbox = Outbox(self.cache, self.state, self._send, self._resend)
        self.awareness = awareness.DeskAwareness(self.state, self.connection.call)
        self.line = line_state.WhatsAppLine(self.state, self.rest)  # admins: the QR code
        self._sync_timeout = sync_timeout
        self.session: Session | None = None
        self._loader: asyncio.Task[None] | None = None
        self._started = False
        self._older_cursor: dict[str, str | None] = {}
        # Clear while a first start reads the server's snapshot: its first rows are on
        # screen before the snapshot is stored, and a thread opened then waits for it.
        self._snapshot_settled = asyncio.Event()
        self._snapshot_settled.set()

    # ---- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Open the cache, fill the state from it, then connect in the background.

        Returns once the newest conversations are in the state: the window can paint.
        """
        if self._started:
            return
        self._started = True
        await self.cache.open()
        self.state.load_tickets(await self.cache.tickets())
        unread = await self.cache.unread_index()
        first = await self.cache.conversations_page(CONVERSATION_PAGE)
        self.state.load_conversations(self._with_tickets(first), unread)
        await self.outbox.load()
        self.session = Session(
            self.state,
            self.cache,
            self.outbox,
            self.connection.call,
            last_seq=await self.cache.last_seq(),
            sync_timeout=self._sync_timeout,
            read_snapshot=self._read_snapshot,
        )
        self.session.extra_events = (awareness.EVENTS | line_state.EVENTS, self._extra_event)
        if len(first) == CONVERSATION_PAGE:
            last = first[-1]
            self._loader = asyncio.get_running_loop().create_task(
                self._load_rest(last.sort_key), name="load-conversations"
            )
        self.connection.start()

    async def stop(self) -> None:
        """Disconnect, commit pending cache writes, close the cache. Idempotent."""
        if not self._started:
            return
        self._started = False
        self.awareness.close()
        self.line.close()
        if self._loader is not None:
            self._loader.cancel()
        await self.connection.stop()
        await self.rest.close()
        await self.cache.close()

    async def _read_snapshot(self, cursor: int) -> Snapshot:
        self._snapshot_settled.clear()
        try:
            return await read_snapshot(self.rest, cursor, self.state.preview_conversations)
        finally:
            # Waiters resume after the session has stored and applied what this returns:
            # it does so before its next await, and waking them is only scheduled here.
            self._snapshot_settled.set()

    async def _load_rest(self, before: tuple[str, str]) -> None:
        while True:
            page = await self.cache.conversations_page(CONVERSATION_PAGE * 5, before)
            if not page:
                return
            self.state.load_conversations(self._with_tickets(page))
            before = page[-1].sort_key

    def _with_tickets(self, conversations: list[Conversation]) -> list[Conversation]:
        return [replace(c, ticket=self.state.newest_ticket(c.id)) for c in conversations]

    def _extra_event(self, name: str, data: Any, replayed: bool) -> None:
        """An event the session does not read itself: the line's, else the desk's."""
        if name in line_state.EVENTS:
            self.line.apply(name, data, replayed)
        else:
            self.awareness.apply(name, data, replayed)

    def subscribe(self, listener: Listener) -> None:
        """Same as `state.subscribe`: receive every StateChange."""
        self.state.subscribe(listener)

    @property
    def connection_state(self) -> ConnectionState:
        return self.state.connection_state

    @property
    def protocol_profile(self) -> ProtocolProfile:
        return self.state.profile

    def reconnect_now(self) -> None:
        """Skip the wait before the next connection attempt."""
        self.connection.reconnect_now()

    def _on_connection(self, state: ConnectionState, detail: str, retry_in: float | None) -> None:
        self.state.set_connection(state, detail, retry_in)

    async def _send(self, payload: Any) -> Any:
        return await self.connection.call("sendMessage", payload, 15.0)

    async def _resend(self, payload: Any) -> Any:
        return await self.connection.call("retryMessage", payload, 15.0)

    def _require(self, feature_key: str, english: str) -> None:
        if self.state.profile is ProtocolProfile.SEED:
            raise FeatureUnavailable(feature_key, english)

    # ---- threads ------------------------------------------------------------------------

    async def open_thread(self, conversation_id: str, page_size: int = 50) -> None:
        """Show the newest page of a thread from the cache (emits ThreadOpened).

        A thread that came from a first start's snapshot holds only its last and unread
        messages: the first time it opens, its newest history is read from the server.
        """
        # The state runs ahead of the cache: a first start shows the server's first rows
        # before its snapshot is stored, and writes are queued. Both must be on disk before
        # the thread is read from there, or it would open empty or without its newest
        # messages (an operator clicks a row the moment it appears).
        await self._snapshot_settled.wait()
        await self.cache.flush()
        gap = self.state.profile is ProtocolProfile.FULL and await self.cache.has_gap(
            conversation_id
        )
        if gap:
            await self._fill_gap(conversation_id, page_size)
        page = await self.cache.messages_page(conversation_id, page_size + 1)
        log.debug(
            "thread %s opens with %d cached messages%s",
            conversation_id,
            len(page),
            " (its gap was read from the server)" if gap else "",
        )
        has_older = len(page) > page_size or self.state.profile is not ProtocolProfile.SEED
        self.state.open_thread(conversation_id, page[:page_size], has_older)

    def close_thread(self) -> None:
        self.state.close_thread()

    async def load_older(self, conversation_id: str, page_size: int = 50) -> int:
        """Prepend the next older page: from the cache, else from the server. Returns count."""
        thread = self.state.thread
        if conversation_id != self.state.open_conversation_id:
            return 0
        before = thread[0].sort_key if thread else None
        await self.cache.flush()  # as in open_thread: read what the state already shows
        page = await self.cache.messages_page(conversation_id, page_size + 1, before)
        if len(page) > page_size:
            return self.state.prepend_messages(conversation_id, page[:page_size], True)
        if self.state.profile is ProtocolProfile.SEED:
            return self.state.prepend_messages(conversation_id, page, False)
        oldest = page[-1] if page else (thread[0] if thread else None)
        remote, has_older = await self._older_from_server(conversation_id, page_size, oldest)
        self.cache.put_messages(remote)
        merged = {m.id: m for m in [*page, *remote]}
        return self.state.prepend_messages(conversation_id, list(merged.values()), has_older)

    async def _fill_gap(self, conversation_id: str, page_size: int) -> None:
        """Read the newest pages until they reach the oldest cached message of the thread:
        the cache then holds a contiguous run, and `load_older` continues on the server."""
        oldest = await self.cache.oldest_key(conversation_id)
        cursor: str | None = None
        fetched = 0
        for _ in range(MAX_HISTORY_WALK):
            try:
                batch, cursor = await self.rest.messages_page(conversation_id, GAP_PAGE, cursor)
            except ClientError as exc:
                log.warning("thread %s stays as cached: %s", conversation_id, exc)
                return
            self.cache.put_messages(batch)
            fetched += len(batch)
            log.debug("thread %s: %d messages read from the server", conversation_id, len(batch))
            reached = oldest is None or any(m.sort_key <= oldest for m in batch)
            if cursor is None or (reached and fetched >= page_size):
                break
        else:
            await self.cache.flush()
            return  # still a gap: the next opening walks on
        self._older_cursor[conversation_id] = cursor
        self.cache.close_gap(conversation_id)
        await self.cache.flush()

    async def _older_from_server(
        self, conversation_id: str, page_size: int, oldest: Message | None
    ) -> tuple[list[Message], bool]:
        """Messages older than `oldest` from the REST API, following its opaque cursors.

        The server's cursor for "older than X" is known only once a page ending at X came
        from it; without one, walk from the newest page (bounded) until we pass `oldest`.
        """
        key = oldest.sort_key if oldest else None
        cursor = self._older_cursor.get(conversation_id)
        walked = 0
        while True:
            batch, next_cursor = await self.rest.messages_page(conversation_id, page_size, cursor)
            older = [m for m in batch if key is None or m.sort_key < key]
            walked += 1
            if older or next_cursor is None or walked >= MAX_HISTORY_WALK:
                self._older_cursor[conversation_id] = next_cursor
                return older, next_cursor is not None
            cursor = next_cursor

    # ---- actions ------------------------------------------------------------------------

    async def send_message(
        self, conversation_id: str | None, body: str, *, to: str | None = None
    ) -> Message:
        """Queue a message (durably, even offline) and return it as shown: status queued."""
        self._require(SENDING.key, SENDING.english)
        message = await self.outbox.compose(conversation_id, body, to)
        if self.session is not None:
            self.session.request_flush()
        return message

    async def retry(self, message: Message) -> Message:
        """Send a failed message again in place: the same bubble, the same clientId
        (client/outbox.py). Returns it as shown now (queued)."""
        self._require(SENDING.key, SENDING.english)
        again = await self.outbox.retry(message)
        if self.session is not None:
            self.session.request_flush()
        return again

    async def mark_read(self, conversation_id: str) -> None:
        """Mark the conversation read (markAsRead of its newest unread incoming message).

        A Sportello server marks the earlier ones too; the seed back end marks one message a
        call, so each unread one is sent. The state changes when `messageRead` comes back.
        The seed never acks `markAsRead` and reports as reader the `userId` we send.
        """
        if self.state.profile is ProtocolProfile.SEED:
            sent = self.session.reads_sent if self.session is not None else set()
            for message_id in self.state.unread_ids(conversation_id):
                if message_id in sent:
                    continue
                await self.connection.send(
                    "markAsRead", {"messageId": message_id, "userId": self.profile.user_id}
                )
                sent.add(message_id)
            return
        newest = self.state.newest_unread(conversation_id)
        if newest is None:
            return
        ack = await self.connection.call("markAsRead", {"messageId": newest}, 10.0)
        if isinstance(ack, dict) and ack.get("ok") is False:
            raise refused("mark as read", ack)

    async def update_ticket(
        self,
        ticket_id: str,
        *,
        status: TicketStatus | None = None,
        priority: Priority | None = None,
        assignee_id: str | None = None,
    ) -> Ticket:
        """updateTicket; the returned ticket is also applied (ticketUpdated follows)."""
        self._require(TICKET_EDITS.key, TICKET_EDITS.english)
        payload: dict[str, Any] = {"ticketId": ticket_id}
        if status is not None:
            payload["status"] = status.value
        if priority is not None:
            payload["priority"] = priority.value
        if assignee_id is not None:
            payload["assigneeId"] = assignee_id
        ack = await self.connection.call("updateTicket", payload, 15.0)
        if not isinstance(ack, dict) or ack.get("ok") is not True:
            raise refused(f"update ticket {ticket_id}", ack)
        ticket = parse_ticket(ack.get("ticket"), "updateTicket ack")
        if isinstance(ticket, WireError):
            raise ServerRejected(f"update ticket {ticket_id}: {ticket}")
        return ticket

    async def create_ticket_from_message(
        self, message_id: str, title: str | None = None, priority: Priority | None = None
    ) -> Ticket:
        """createTicket (docs/protocol.md): a ticket opened by hand from a message.

        The ticket is applied at once (ticketCreated follows and changes nothing more).
        """
        self._require(TICKET_EDITS.key, TICKET_EDITS.english)
        payload: dict[str, Any] = {"messageId": message_id}
        if title:
            payload["title"] = title
        if priority is not None:
            payload["priority"] = priority.value
        try:
            ack = await self.connection.call("createTicket", payload, 15.0)
        except TimeoutError as exc:
            # Also what a server without the event does: it never acks an unknown event.
            raise ServerUnreachable(f"create ticket: {exc}") from exc
        if not isinstance(ack, dict) or ack.get("ok") is not True:
            raise refused("create ticket", ack)
        ticket = parse_ticket(ack.get("ticket"), "createTicket ack")
        if isinstance(ticket, WireError):
            raise ServerRejected(f"create ticket: {ticket}")
        if ticket.id not in self.state.tickets:
            self.state.apply_ticket(ticket, "manual")
        return ticket

    async def operators(self) -> list[Operator]:
        """The server's operators, for the assignee picker (GET /api/operators)."""
        self._require(TICKET_EDITS.key, TICKET_EDITS.english)
        return await self.rest.operators()

    async def ticket_history(self, ticket_id: str) -> list[TicketEvent]:
        """Every recorded change of a ticket, oldest first (GET /api/tickets/{id}/history)."""
        self._require(TICKET_EDITS.key, TICKET_EDITS.english)
        return await self.rest.ticket_history(ticket_id)

    async def search(self, q: str) -> list[SearchHit]:
        """Full-text search on the server (GET /api/search)."""
        self._require(SEARCH.key, SEARCH.english)
        return await self.rest.search(q)

    async def typing(self, conversation_id: str) -> None:
        await self._typing_event("typing", conversation_id)

    async def stop_typing(self, conversation_id: str) -> None:
        await self._typing_event("stopTyping", conversation_id)

    async def _typing_event(self, event: str, conversation_id: str) -> None:
        """Ours relays by conversation. The seed relays `typing {to, userId}` to the room of
        user `to` only: each colleague we have seen on it gets one (a phone reaches nobody)."""
        if self.state.profile is not ProtocolProfile.SEED:
            await self.connection.emit(event, {"conversationId": conversation_id})
            return
        colleagues = list(self.session.colleagues) if self.session is not None else []
        for colleague in colleagues:
            await self.connection.emit(event, {"to": colleague, "userId": self.profile.user_id})


class _Deferred:
    """The connection's handler before start() built the session: forwards to it."""

    def __init__(self, client: SportelloClient) -> None:
        self._client = client

    def _session(self) -> Session:
        if self._client.session is None:
            raise NotConnected("the client is not started")
        return self._client.session

    def on_authenticated(self, payload: Any) -> None:
        self._session().on_authenticated(payload)

    def on_event(self, name: str, data: Any) -> None:
        self._session().on_event(name, data)

    async def run_session(self) -> None:
        await self._session().run_session()

    def on_disconnected(self) -> None:
        self._session().on_disconnected()


__all__ = ["ClientError", "SportelloClient", "login"]
