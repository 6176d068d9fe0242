"""Linux notifications through org.freedesktop.Notifications on the session bus.

Why jeepney and not QtDBus: PySide6's QtDBus marshals every Python int as int32 (or
uint16 inside a QDBusArgument) and cannot build a uint32 or a byte, while Notify's
signature is `susssasa{sv}i` (uint32 `replaces_id`) and the urgency hint is a byte; strict
daemons (dunst, GNOME Shell: GDBus) reject the call. jeepney (pure Python, already pulled
in by `keyring` on Linux) writes the exact signature and runs on the app's asyncio loop
(qasync), so the UI thread never waits for the daemon.

One worker task sends the calls in order: a burst that re-shows one key faster than the
daemon answers is folded into the newest view, and `replaces_id` always refers to the id the
daemon gave the previous one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from jeepney import DBusAddress, HeaderFields, MatchRule, MessageType, new_method_call
from jeepney.bus_messages import message_bus
from jeepney.io.asyncio import DBusConnection, DBusRouter, Proxy, open_dbus_connection

from sportello.ui.notifications.base import (
    ACTION_DEFAULT,
    ACTION_MARK_READ,
    ACTION_OPEN,
    NotificationView,
    Notifier,
)

log = logging.getLogger(__name__)

BUS_NAME = "org.freedesktop.Notifications"
OBJECT_PATH = "/org/freedesktop/Notifications"
NOTIFICATIONS = DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=BUS_NAME)
URGENCY_NORMAL, URGENCY_CRITICAL = 1, 2
CLOSED_BY_USER = 2
EXPIRE_DEFAULT = -1  # the daemon's own timeout; critical ones stay until dismissed
CALL_TIMEOUT = 5.0


class FreedesktopNotifier(Notifier):
    name = "freedesktop"

    def __init__(self, app_name: str = "Sportello", desktop_entry: str = "sportello") -> None:
        super().__init__()
        self.app_name = app_name
        self.desktop_entry = desktop_entry
        self.capabilities: list[str] = []
        self.server: tuple[str, ...] = ()
        self._conn: DBusConnection | None = None
        self._router: DBusRouter | None = None
        self._ids: dict[str, int] = {}  # key -> the daemon's notification id
        self._keys: dict[int, str] = {}
        self._pending: dict[str, NotificationView | None] = {}  # None: withdraw
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._filter: Any = None  # keeps the signal filter registered on the router

    async def start(self) -> bool:
        """Connect and check that a notification daemon answers. False (logged): use another."""
        try:
            self._conn = await asyncio.wait_for(open_dbus_connection("SESSION"), CALL_TIMEOUT)
        except (OSError, KeyError, ValueError, EOFError, TimeoutError) as exc:
            log.info("no session bus for notifications: %s", exc)
            return False
        self._router = DBusRouter(self._conn)
        bus = Proxy(message_bus, self._router)
        try:
            (has_owner,) = await asyncio.wait_for(bus.NameHasOwner(BUS_NAME), CALL_TIMEOUT)
            if not has_owner:
                (names,) = await asyncio.wait_for(bus.ListActivatableNames(), CALL_TIMEOUT)
                if BUS_NAME not in names:
                    log.info("no notification daemon on the session bus (%s)", BUS_NAME)
                    await self._close()
                    return False
            rule = MatchRule(type="signal", interface=BUS_NAME, path=OBJECT_PATH)
            await asyncio.wait_for(bus.AddMatch(rule), CALL_TIMEOUT)
            signals: asyncio.Queue[Any] = asyncio.Queue()
            self._filter = self._router.filter(rule, queue=signals)
            self.capabilities = list((await self._call("GetCapabilities", "", ()))[0])
            self.server = tuple(await self._call("GetServerInformation", "", ()))
        except (OSError, TimeoutError, RuntimeError) as exc:
            log.info("notification daemon did not answer: %s", exc)
            await self._close()
            return False
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._listen(signals), name="notifications-signals"),
            loop.create_task(self._send_loop(), name="notifications-send"),
        ]
        log.info("desktop notifications through %s %s", " ".join(self.server[:2]), BUS_NAME)
        return True

    @property
    def supports_actions(self) -> bool:
        return "actions" in self.capabilities

    async def _call(self, method: str, signature: str, body: tuple[Any, ...]) -> tuple[Any, ...]:
        assert self._router is not None
        message = new_method_call(NOTIFICATIONS, method, signature or None, body)
        reply = await asyncio.wait_for(self._router.send_and_get_reply(message), CALL_TIMEOUT)
        if reply.header.message_type is MessageType.error:
            raise RuntimeError(f"{method}: {reply.body[0] if reply.body else 'error'}")
        return tuple(reply.body)

    # ---- the interface ------------------------------------------------------------------

    def show(self, view: NotificationView) -> None:
        self._pending[view.key] = view
        self._wake.set()

    def withdraw(self, key: str) -> None:
        if key in self._ids or key in self._pending:
            self._pending[key] = None
            self._wake.set()

    def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        if self._conn is not None:
            with contextlib.suppress(RuntimeError):
                asyncio.get_running_loop().create_task(self._close())

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError, RuntimeError):
                await conn.close()

    # ---- workers ------------------------------------------------------------------------

    async def _send_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                key = next(iter(self._pending))
                view = self._pending.pop(key)
                try:
                    if view is None:
                        await self._close_notification(key)
                    else:
                        await self._notify(view)
                except (OSError, TimeoutError, RuntimeError) as exc:
                    log.warning("notification %s not shown: %s", key, exc)

    async def _notify(self, view: NotificationView) -> None:
        actions: list[str] = []
        if self.supports_actions:
            actions = [ACTION_DEFAULT, view.open_label, ACTION_OPEN, view.open_label]
            if view.mark_read:
                actions += [ACTION_MARK_READ, view.mark_read_label]
        hints: dict[str, tuple[str, Any]] = {
            "urgency": ("y", URGENCY_CRITICAL if view.critical else URGENCY_NORMAL),
            "desktop-entry": ("s", self.desktop_entry),
            "category": ("s", view.category),
        }
        icon = view.icon.resolve().as_uri() if view.icon is not None else ""
        if view.icon is not None:
            hints["image-path"] = ("s", icon)
        replaces = self._ids.get(view.key, 0)
        (new_id,) = await self._call(
            "Notify",
            "susssasa{sv}i",
            (self.app_name, replaces, icon, view.title, view.body, actions, hints, EXPIRE_DEFAULT),
        )
        if replaces and replaces != new_id:
            self._keys.pop(replaces, None)
        self._ids[view.key] = new_id
        self._keys[new_id] = view.key
        self.shown.emit(view.key)

    async def _close_notification(self, key: str) -> None:
        notification_id = self._ids.pop(key, None)
        if notification_id is not None:
            self._keys.pop(notification_id, None)
            await self._call("CloseNotification", "u", (notification_id,))

    async def _listen(self, signals: asyncio.Queue[Any]) -> None:
        while True:
            message = await signals.get()
            member = message.header.fields.get(HeaderFields.member)
            if member == "ActionInvoked" and len(message.body) == 2:
                notification_id, action = message.body
                key = self._keys.get(int(notification_id))
                if key is None:
                    continue
                if action in (ACTION_OPEN, ACTION_DEFAULT):
                    self.open_requested.emit(key)
                elif action == ACTION_MARK_READ:
                    self.mark_read_requested.emit(key)
            elif member == "NotificationClosed" and len(message.body) == 2:
                notification_id, reason = message.body
                key = self._keys.pop(int(notification_id), None)
                if key is not None and self._ids.get(key) == int(notification_id):
                    del self._ids[key]
                    if int(reason) == CLOSED_BY_USER:
                        self.closed.emit(key)
