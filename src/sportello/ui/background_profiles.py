"""Several servers at once: every signed-in profile stays connected, one of them on screen.

`ConnectedProfiles` holds the running `SportelloClient` of each connected profile: the
foreground one (the console window shows it) and the background ones (no window, each
with its own cache file). It follows every client's state to keep an unread count and a
connection state per profile (the profile switcher draws them), and reports a refused
token on any of them. What a profile's messages, reminders and gateways deserve is
`ui/profile_alerts.ProfileAlerts`' business (one per profile, made by
`sportello.app.alerts.AlertsAttachment` from `added`/`removed`).

The app (`sportello.app.Desktop`) decides what a switch, a logout or a click means.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from sportello.client.api import SportelloClient
from sportello.client.changes import (
    ConnectionState,
    ConnectionStateChanged,
    ConversationChanged,
    ConversationsInserted,
    IncomingMessage,
    StateChange,
)
from sportello.client.errors import ClientError
from sportello.client.records import ServerProfile

log = logging.getLogger(__name__)

REFRESH_MS = 50  # fold a burst of changes (a sync replay) into one repaint of the switcher


@dataclass(frozen=True, slots=True)
class ProfileActivity:
    """What the switcher shows of one connected profile."""

    name: str
    unread: int
    state: ConnectionState
    foreground: bool


class _Tracked:
    """One connected profile: its client, how to stop listening, whether it was refused."""

    def __init__(self, name: str, client: SportelloClient, unsubscribe: Callable[[], None]):
        self.name = name
        self.client = client
        self.unsubscribe = unsubscribe
        self.revoked = False


class ConnectedProfiles(QObject):
    """The connected profiles of this run; at most one is in the foreground.

    Signals: `changed()` when an unread count, a connection state or the set of connected
    profiles changed (coalesced); `added(name)` / `removed(name)` as a profile connects and
    disconnects; `open_requested(name, conversation_id)` when the operator asked for a
    background profile ("Open" on its notification, see `request_open`); `revoked(name)`
    once when a server refused a profile's token.
    """

    changed = Signal()
    added = Signal(str)
    removed = Signal(str)
    open_requested = Signal(str, str)
    revoked = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._profiles: dict[str, _Tracked] = {}
        self.foreground = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.changed)

    # ---- who is connected ---------------------------------------------------------------

    def names(self) -> list[str]:
        return list(self._profiles)

    def background_names(self) -> list[str]:
        return [n for n in self._profiles if n != self.foreground]

    def client(self, name: str) -> SportelloClient | None:
        tracked = self._profiles.get(name)
        return tracked.client if tracked is not None else None

    def activity(self, name: str) -> ProfileActivity | None:
        tracked = self._profiles.get(name)
        if tracked is None:
            return None
        state = tracked.client.state
        return ProfileActivity(
            name, state.total_unread, state.connection_state, name == self.foreground
        )

    def total_unread(self) -> int:
        """Unread messages across every connected profile (the tray's number)."""
        return sum(t.client.state.total_unread for t in self._profiles.values())

    def background_unread(self) -> int:
        return sum(
            t.client.state.total_unread
            for t in self._profiles.values()
            if t.name != self.foreground
        )

    def add(self, name: str, client: SportelloClient) -> None:
        """Follow a client (started or about to start) under a profile name."""
        if name in self._profiles:
            if self._profiles[name].client is client:
                return
            raise ValueError(f"profile {name} is already connected")
        unsubscribe = client.state.subscribe(self._listener(name))
        self._profiles[name] = _Tracked(name, client, unsubscribe)
        self.added.emit(name)
        self._changed_soon()

    def set_foreground(self, name: str) -> None:
        """`name` is on screen now; the others are in the background."""
        self.foreground = name
        self._changed_soon()

    def to_background(self, name: str) -> None:
        """The console of `name` closed but its client keeps running."""
        tracked = self._profiles.get(name)
        if tracked is None:
            return
        if self.foreground == name:
            self.foreground = ""
        client = tracked.client
        # Nobody is looking at a conversation of a profile without a window: close the
        # thread (so nothing is marked read behind the operator's back) and tell the
        # server we left it (presence).
        client.close_thread()
        if client.connection_state is ConnectionState.ONLINE:
            task = asyncio.ensure_future(client.awareness.view(None))
            task.add_done_callback(_log_failure)
        self._changed_soon()

    def request_open(self, name: str, conversation_id: str) -> None:
        """Ask the app to bring `name` forward, on `conversation_id` ("" = as it was)."""
        self.open_requested.emit(name, conversation_id)

    async def take(self, profile: ServerProfile) -> SportelloClient | None:
        """The running client of this profile to bring to the foreground, if it is the same
        server, operator and token; a stale one (a new login) is stopped."""
        tracked = self._profiles.get(profile.name)
        if tracked is None:
            return None
        current = tracked.client.profile
        same = (current.url, current.token, current.user_id) == (
            profile.url,
            profile.token,
            profile.user_id,
        )
        if same and not tracked.revoked:
            return tracked.client
        await self.stop(profile.name)
        return None

    async def stop(self, name: str) -> bool:
        """Stop following and stop the client of `name` (logout, revoked, quit)."""
        tracked = self._profiles.pop(name, None)
        if tracked is None:
            return False
        tracked.unsubscribe()
        self.removed.emit(name)
        if self.foreground == name:
            self.foreground = ""
        self._changed_soon()
        try:
            await tracked.client.stop()
        except Exception:  # a broken connection must not keep the others from stopping
            log.exception("stopping the client of %s failed", name)
        log.info("profile %s disconnected", name)
        return True

    async def stop_using(self, cache_path: object, keep: str) -> None:
        """Stop another profile that uses this cache file (the same operator on the same
        server saved under two names): one cache file has one writer."""
        for name, tracked in list(self._profiles.items()):
            if name != keep and tracked.client.cache_path == cache_path:
                await self.stop(name)

    async def stop_all(self) -> None:
        for name in list(self._profiles):
            await self.stop(name)

    # ---- following each client ---------------------------------------------------------

    def _listener(self, name: str) -> Callable[[StateChange], None]:
        def on_change(change: StateChange) -> None:
            tracked = self._profiles.get(name)
            if tracked is None:
                return
            if isinstance(change, ConnectionStateChanged):
                self._changed_soon()
                if change.state is ConnectionState.UNAUTHORIZED and not tracked.revoked:
                    tracked.revoked = True
                    self.revoked.emit(name)
            elif isinstance(change, ConversationChanged):
                if "unread_count" in change.fields:
                    self._changed_soon()
            elif isinstance(change, ConversationsInserted) or (
                isinstance(change, IncomingMessage) and name != self.foreground
            ):
                self._changed_soon()

        return on_change

    def _changed_soon(self) -> None:
        self._timer.start()


def _log_failure(task: asyncio.Task[Any]) -> None:
    if task.cancelled():
        return
    error = task.exception()
    if isinstance(error, ClientError):
        log.info("background profile: %s", error)
    elif error is not None:
        log.error("background profile task failed", exc_info=error)


__all__ = ["ConnectedProfiles", "ProfileActivity"]
