"""What happens while connected: resume with `sync`, apply events once, or speak "seed".

Full profile (a Sportello server): after `authenticated {cursor}` the session calls
`sync {since}` until `more` is false, live events wait in the sequencer meanwhile, and every
stored change is applied exactly once, in seq order, to the state and the cache together.
A first start (nothing applied yet, last seq 0) reads a snapshot of the server's lists
instead of replaying its whole log, then syncs from the cursor it got before reading them
(client/snapshot.py).

Seed profile (the legacy back end): `authenticated` comes without `cursor`, or `sync` is
never acknowledged. Events carry no seq: they are applied as they come, messages are
deduplicated by id, unread comes from unreadMessages/newMessage/messageRead, and the state
tells the status bar which features are missing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar

from sportello.client.cache import Cache
from sportello.client.changes import ProtocolProfile
from sportello.client.errors import FeatureUnavailable, NotConnected
from sportello.client.features import SEED_MISSING_FEATURES
from sportello.client.outbox import Outbox
from sportello.client.records import Message
from sportello.client.sequencer import EventSequencer, WireEvent
from sportello.client.snapshot import Snapshot
from sportello.client.state import ClientState
from sportello.client.wire import (
    WireError,
    parse_message,
    parse_read,
    parse_status,
    parse_ticket,
    parse_typing,
)
from sportello.domain.values import DeliveryStatus, Direction

log = logging.getLogger(__name__)

Call = Callable[[str, Any, float], Awaitable[Any]]
ReadSnapshot = Callable[[int], Awaitable[Snapshot]]

TYPING_TTL_S = 12.0  # a typing indicator without a stop fades after this long
SEEN_IDS_KEPT = 20_000  # seed dedupe memory; older ids are not replayed by the seed anyway
MAX_COLLEAGUES = 50  # seed operators our typing goes to: the most recently seen ones
EPHEMERAL = frozenset({"userTyping", "userStoppedTyping", "unreadMessages"})


class Session:
    """The connection's SessionHandler: sequencing, profile detection, event application."""

    def __init__(
        self,
        state: ClientState,
        cache: Cache,
        outbox: Outbox,
        call: Call,
        *,
        last_seq: int = 0,
        sync_timeout: float = 5.0,
        read_snapshot: ReadSnapshot | None = None,
    ) -> None:
        self.state = state
        self.cache = cache
        self.outbox = outbox
        self.call = call
        self.sync_timeout = sync_timeout
        self.sequencer = EventSequencer(last_seq)
        self.read_snapshot = read_snapshot
        self._server_cursor = 0  # `cursor` of this connection's `authenticated`
        self.profile = ProtocolProfile.UNKNOWN
        self.user: Mapping[str, Any] = {}
        self._wake = asyncio.Event()
        self._need_sync = False
        self._seen: OrderedDict[str, None] = OrderedDict()
        # Keyed (conversation id, who); conversation "" for an operator typing in none.
        self._typing_timers: dict[tuple[str, str], asyncio.TimerHandle] = {}
        # Seed markAsRead sent on this connection and not yet answered by messageRead: the
        # seed never acks, so this is what keeps a second look from sending them again.
        self.reads_sent: set[str] = set()
        # Other operators of a seed back end, newest seen last: whom our typing can reach.
        self.colleagues: OrderedDict[str, None] = OrderedDict()
        # (names, handler) of events handled outside the session (docs/protocol.md 4).
        self.extra_events: tuple[frozenset[str], Callable[[str, Any, bool], None]] | None = None

    # ---- SessionHandler -----------------------------------------------------------------

    def on_authenticated(self, payload: Mapping[str, Any]) -> None:
        user = payload.get("user")
        self.user = user if isinstance(user, Mapping) else {}
        role = self.user.get("role")
        self.state.set_own_role(role if isinstance(role, str) and role else None)
        self.sequencer.reset_buffer()
        if "cursor" not in payload:
            self._become_seed("authenticated carries no cursor")
            return
        self._set_profile(ProtocolProfile.FULL)
        cursor = payload.get("cursor")
        self._server_cursor = cursor if isinstance(cursor, int) and cursor > 0 else 0
        self.sequencer.begin_sync()  # live events wait until the catch-up is done

    def on_event(self, name: str, data: Any) -> None:
        if self.profile is not ProtocolProfile.FULL or name in EPHEMERAL:
            self._apply(WireEvent(name, data, None), replayed=False)
            return
        verdict = self.sequencer.live(WireEvent.of(name, data))
        self._apply_all(verdict.apply, replayed=False)
        if verdict.need_sync:
            self._need_sync = True
            self._wake.set()

    async def run_session(self) -> None:
        if self.profile is ProtocolProfile.FULL:
            await self._first_start()
            await self._catch_up(first=True)
        self.outbox.can_send = lambda: self.profile is ProtocolProfile.FULL
        if self.profile is ProtocolProfile.FULL:
            await self.outbox.flush()
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self.profile is not ProtocolProfile.FULL:
                continue
            if self._need_sync:
                self._need_sync = False
                await self._catch_up(first=False)
            await self.outbox.flush()

    def on_disconnected(self) -> None:
        self.sequencer.abort_sync()
        self.state.set_syncing(False)
        self.reads_sent.clear()  # the next connection may send them again
        for handle in self._typing_timers.values():
            handle.cancel()
        for conversation_id, who in list(self._typing_timers):
            self._show_typing(conversation_id, who, False)
        self._typing_timers.clear()

    def request_flush(self) -> None:
        """Something was composed: send it now if online (wakes run_session)."""
        self._wake.set()

    # ---- sync ---------------------------------------------------------------------------

    async def _first_start(self) -> None:
        """Nothing applied yet: take the server's picture instead of replaying its log.

        The cursor was read by the server after this socket joined the broadcast room, and
        the lists are read after it: the events between the cursor and the reads are in the
        snapshot AND come again from `sync` (live ones wait in the sequencer meanwhile).
        """
        cursor = self._server_cursor
        if self.sequencer.last_applied or not cursor or self.read_snapshot is None:
            return
        self.state.set_syncing(True)
        try:
            snapshot = await self.read_snapshot(cursor)
        except FeatureUnavailable as exc:
            log.info("no snapshot on this server (%s): replaying its event log", exc)
            return
        except BaseException:
            self.state.set_syncing(False)
            raise
        unread_ids = [m.id for m in snapshot.unread if m.is_unread]
        messages = {m.id: m for m in [*snapshot.last_messages, *snapshot.unread]}
        self.cache.put_snapshot(
            snapshot.conversations, list(messages.values()), unread_ids, snapshot.tickets
        )
        self.state.apply_snapshot(snapshot.conversations, snapshot.unread, snapshot.tickets)
        for message in sorted(snapshot.unread, key=lambda m: m.sort_key):
            if message.is_unread:  # counted in the tray like a replayed sync, never popped
                self.state.announce_incoming(message, replayed=True)
        self.sequencer.snapshot_at(cursor)
        self.cache.set_last_seq(cursor)  # queued after the snapshot's write
        log.info(
            "first start from a snapshot at seq %d: %d conversations, %d unread, %d tickets",
            cursor,
            len(snapshot.conversations),
            len(unread_ids),
            len(snapshot.tickets),
        )

    async def _catch_up(self, first: bool) -> None:
        """`sync` until `more` is false, then release the buffered live events."""
        self.state.set_syncing(True)
        try:
            while True:
                since = self.sequencer.begin_sync()
                try:
                    ack = await self.call("sync", {"since": since}, self.sync_timeout)
                except TimeoutError:
                    if first and since == self.sequencer.last_applied:
                        self._become_seed("sync was not answered")
                        return
                    raise
                page = _sync_page(ack)
                if page is None:
                    if first:
                        self._become_seed(f"sync answered {str(ack)[:80]}")
                        return
                    raise NotConnected(f"unexpected sync answer: {str(ack)[:80]}")
                events, cursor, more = page
                self._apply_all(self.sequencer.sync_page(events, cursor), replayed=True)
                if more:
                    continue
                verdict = self.sequencer.end_sync()
                self._apply_all(verdict.apply, replayed=False)
                if not verdict.need_sync:
                    return
        finally:
            self.state.set_syncing(False)

    # ---- profiles -----------------------------------------------------------------------

    def _set_profile(self, profile: ProtocolProfile) -> None:
        self.profile = profile
        missing = SEED_MISSING_FEATURES if profile is ProtocolProfile.SEED else ()
        self.state.set_profile(profile, missing)
        self.cache.set_meta("profile", profile.value)

    def _become_seed(self, why: str) -> None:
        log.info("server speaks the seed protocol only (%s)", why)
        self.sequencer.abort_sync()
        self._set_profile(ProtocolProfile.SEED)

    # ---- applying events ----------------------------------------------------------------

    def _apply_all(self, events: Sequence[WireEvent], replayed: bool) -> None:
        if not events:
            return
        for event in events:
            self._apply(event, replayed)
        if self.profile is ProtocolProfile.FULL:
            # Queued after the writes of these events: committed with them or after them.
            self.cache.set_last_seq(self.sequencer.last_applied)

    def _apply(self, event: WireEvent, replayed: bool) -> None:
        apply = self._APPLIERS.get(event.name, Session._apply_other)
        apply(self, event.name, event.data, replayed)

    def _apply_new_message(self, name: str, data: Any, replayed: bool) -> None:
        self._apply_message(parse_message(data, name), replayed)

    def _apply_message_update(self, name: str, data: Any, replayed: bool) -> None:
        """messageUpdate: a message read, its new status, or a new version of the message."""
        if not isinstance(data, Mapping):
            self._apply_other(name, data, replayed)
            return
        kind = data.get("type")
        if kind == "read":
            self._apply_read("messageRead", _read_payload(data), replayed)
        elif kind == "status":
            self._apply_status("messageStatusUpdate", _status_payload(data), replayed)
        else:
            self._apply_message(parse_message(data.get("message"), name), replayed)

    def _apply_read(self, name: str, data: Any, replayed: bool) -> None:
        read = parse_read(data)
        if isinstance(read, WireError):
            log.warning("%s", read)
            return
        seed = self.profile is not ProtocolProfile.FULL
        self.state.apply_read(read.message_id, cascade=not seed)
        self.cache.mark_read(read.message_id, cascade=not seed)
        if seed and read.read_by:
            self._met_colleague(read.read_by)

    def _apply_status(self, name: str, data: Any, replayed: bool) -> None:
        status = parse_status(data)
        if isinstance(status, WireError):
            log.warning("%s", status)
            return
        self.state.apply_status(
            status.message_id,
            status.status,
            status.error,
            conversation_id=status.conversation_id,
            retry=status.retry,
            replayed=replayed,
        )
        self.cache.set_status(status.message_id, status.status, status.error, retry=status.retry)

    def _apply_ticket(self, name: str, data: Any, replayed: bool) -> None:
        ticket = parse_ticket(data, name)
        if isinstance(ticket, WireError):
            log.warning("%s", ticket)
            return
        reason = data.get("reason") if isinstance(data, Mapping) else None
        self.state.apply_ticket(ticket, str(reason) if reason else None)
        self.cache.put_tickets([ticket])

    def _apply_other(self, name: str, data: Any, replayed: bool) -> None:
        """An event the session does not read itself: client/awareness.py's, else ignored."""
        if self.extra_events is not None and name in self.extra_events[0]:
            self.extra_events[1](name, data, replayed)
        else:
            log.debug("ignoring event %s", name)

    def _apply_message(self, parsed: Message | WireError, replayed: bool) -> None:
        if isinstance(parsed, WireError):
            log.warning("%s", parsed)
            return
        if self.profile is not ProtocolProfile.FULL:
            if parsed.id in self._seen:
                return
            self._seen[parsed.id] = None
            if len(self._seen) > SEEN_IDS_KEPT:
                self._seen.popitem(last=False)
        # Announced once: a snapshot's unread message replayed by `sync` is already known.
        known = self.state.knows_unread(parsed.id)
        self.state.apply_message(parsed)
        self.cache.put_messages([parsed])
        if parsed.direction is Direction.INCOMING and parsed.is_unread and not known:
            self.state.announce_incoming(parsed, replayed)
            if parsed.phone:
                self._stop_typing(parsed.conversation_id, parsed.phone)

    def _apply_unread(self, name: str, data: Any, replayed: bool) -> None:
        if self.profile is ProtocolProfile.FULL:
            return  # with a Sportello server, sync is the truth and this is a summary
        items = data.get("messages") if isinstance(data, Mapping) else None
        if not isinstance(items, list):
            log.warning("bad unreadMessages payload: no messages list")
            return
        batch: list[Message] = []
        for item in items:
            parsed = parse_message(item, "unreadMessages")
            if isinstance(parsed, WireError):
                log.warning("%s", parsed)
                continue
            if parsed.id not in self._seen:
                self._seen[parsed.id] = None
                batch.append(parsed)
        for message in sorted(batch, key=lambda m: m.sort_key):
            self.state.apply_message(message)
        self.cache.put_messages(batch)

    def _apply_typing(self, name: str, data: Any, replayed: bool) -> None:
        typing = parse_typing(data, name)
        if isinstance(typing, WireError):
            log.warning("%s", typing)
            return
        if typing.conversation_id is None and self.profile is not ProtocolProfile.FULL:
            self._met_colleague(typing.who)
        key = (typing.conversation_id or "", typing.who)
        old = self._typing_timers.pop(key, None)
        if old is not None:
            old.cancel()
        if name == "userStoppedTyping":
            self._show_typing(*key, False)
            return
        self._show_typing(*key, True)
        self._typing_timers[key] = asyncio.get_running_loop().call_later(
            TYPING_TTL_S, self._stop_typing, *key
        )

    # What each event does; any other goes to _apply_other. Every applier takes the event's
    # name, data and whether it is replayed, whether it needs them or not.
    _APPLIERS: ClassVar[Mapping[str, Callable[[Session, str, Any, bool], None]]] = {
        "newMessage": _apply_new_message,
        "messageUpdate": _apply_message_update,
        "messageRead": _apply_read,
        "messageStatusUpdate": _apply_status,
        "ticketCreated": _apply_ticket,
        "ticketUpdated": _apply_ticket,
        "unreadMessages": _apply_unread,
        "userTyping": _apply_typing,
        "userStoppedTyping": _apply_typing,
    }

    def _stop_typing(self, conversation_id: str, who: str) -> None:
        handle = self._typing_timers.pop((conversation_id, who), None)
        if handle is not None:
            handle.cancel()
        self._show_typing(conversation_id, who, False)

    def _show_typing(self, conversation_id: str, who: str, typing: bool) -> None:
        if conversation_id:
            self.state.set_typing(conversation_id, who, typing)
        else:
            self.state.set_operator_typing(who, typing)

    def _met_colleague(self, user_id: str) -> None:
        if user_id == self.state.own_user_id:
            return
        self.colleagues.pop(user_id, None)
        self.colleagues[user_id] = None
        if len(self.colleagues) > MAX_COLLEAGUES:
            self.colleagues.popitem(last=False)


def _sync_page(ack: Any) -> tuple[list[WireEvent], int | None, bool] | None:
    if not isinstance(ack, Mapping) or not isinstance(ack.get("events"), list):
        return None
    events: list[WireEvent] = []
    for item in ack["events"]:
        if isinstance(item, Mapping) and isinstance(item.get("event"), str):
            events.append(WireEvent.of(item["event"], item.get("data")))
    cursor = ack.get("cursor")
    return events, cursor if isinstance(cursor, int) else None, bool(ack.get("more"))


def _read_payload(data: Mapping[str, Any]) -> Mapping[str, Any]:
    message = data.get("message")
    if isinstance(message, Mapping):
        return {"messageId": message.get("id") or message.get("messageId"), **message}
    return data


def _status_payload(data: Mapping[str, Any]) -> Mapping[str, Any]:
    message = data.get("message")
    if isinstance(message, Mapping):
        return {
            "messageId": message.get("id") or message.get("messageId"),
            "status": message.get("status", DeliveryStatus.SENT.value),
            "error": message.get("error"),
        }
    return data
