"""Several servers at once: every signed-in profile stays connected, one of them on screen.

`ConnectedProfiles` holds the running `SportelloClient` of each connected profile: the
foreground one (the console window shows it) and the background ones (no window, each
with its own cache file). It follows every client's state to keep an unread count and a
connection state per profile (the profile switcher draws them), raises native
notifications for messages that reach a background profile (through the foreground
console's notifier, named after the profile), rings the escalating reminders of tickets
nobody has opened there (several due together are one notification and one chime, as on
screen), warns once per outage when one of its WhatsApp gateways goes down, and reports a
refused token on any of them.

The app (`sportello.app.Desktop`) decides what a switch, a logout or a click means.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from sportello.client.api import SportelloClient
from sportello.client.changes import (
    ConnectionState,
    ConnectionStateChanged,
    ConversationChanged,
    ConversationsInserted,
    GatewayHealthChanged,
    IncomingMessage,
    StateChange,
    TicketChanged,
    WaitingTicketsChanged,
)
from sportello.client.desk_records import GatewayInfo
from sportello.client.errors import ClientError
from sportello.client.records import Message, ServerProfile, Ticket, preview_text
from sportello.domain.alerts import (
    AlertPolicy,
    AlertSettings,
    GatewayWatch,
    IncomingFact,
    ServerHint,
    TicketFact,
)
from sportello.domain.escalation import (
    EscalationSettings,
    Reminder,
    ReminderBurst,
    burst_still_waiting,
)
from sportello.ui import labels
from sportello.ui.alert_resources import notification_icon
from sportello.ui.escalation import EscalationController, wait_text
from sportello.ui.gateway_advice import gateway_advice, gateway_problem
from sportello.ui.notifications.base import NotificationView

log = logging.getLogger(__name__)

REFRESH_MS = 50  # fold a burst of changes (a sync replay) into one repaint of the switcher
KEY_PREFIX = "profile:"  # notification keys of background profiles: "profile:NAME\x1fKEY"
_KEY_SEPARATOR = "\x1f"
BURST_KEY = "remind:burst"  # a profile's one notification of reminders due together
GATEWAY_KEY = "gateway:"  # a profile's one-time warning of a gateway that went down


@dataclass(frozen=True, slots=True)
class ProfileActivity:
    """What the switcher shows of one connected profile."""

    name: str
    unread: int
    state: ConnectionState
    foreground: bool


def _ticket_fact(ticket: Ticket | None) -> TicketFact | None:
    if ticket is None:
        return None
    return TicketFact(ticket.id, ticket.number, ticket.conversation_id, ticket.priority)


class _Tracked:
    """One connected profile: its client, its alert policy, how to stop listening."""

    def __init__(self, name: str, client: SportelloClient, unsubscribe: Callable[[], None]):
        self.name = name
        self.client = client
        self.unsubscribe = unsubscribe
        self.policy = AlertPolicy()
        self.revoked = False
        # Lives as long as the connection: a profile going to the background keeps its
        # reminder schedule instead of ringing again at once with a fresh one.
        self.escalation: EscalationController | None = None
        self.reminder_keys: dict[str, str] = {}  # ticket id -> its reminder's key
        # The tickets of the burst notification, most pressing first ("Open" goes to the
        # first one still waiting); withdrawn when none of them waits any more.
        self.burst: list[tuple[str, str]] = []  # (ticket id, conversation id)
        # Followed on screen too: a gateway that went down while the console warned about
        # it is not told again when the profile goes to the background.
        self.gateway_watch = GatewayWatch()


class ConnectedProfiles(QObject):
    """The connected profiles of this run; at most one is in the foreground.

    Signals: `changed()` when an unread count, a connection state or the set of connected
    profiles changed (coalesced); `open_requested(name, conversation_id)` when the operator
    clicked "Open" on a background profile's notification; `revoked(name)` once when a
    server refused a profile's token.
    """

    changed = Signal()
    open_requested = Signal(str, str)
    revoked = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._profiles: dict[str, _Tracked] = {}
        self.foreground = ""
        # The foreground console's DesktopAlerts, when one is open (see use_alerts_from).
        self._alerts_source: Callable[[], Any] = lambda: None
        self._notifier: Any = None  # the notifier whose signals we listen to
        self._routes: dict[str, tuple[str, str]] = {}  # our key -> (profile, conversation)
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

    def escalation(self, name: str) -> EscalationController | None:
        """The reminder schedule of a connected profile (tickets nobody has opened)."""
        tracked = self._profiles.get(name)
        return tracked.escalation if tracked is not None else None

    def total_unread(self) -> int:
        """Unread messages across every connected profile (the tray's number)."""
        return sum(t.client.state.total_unread for t in self._profiles.values())

    def background_unread(self) -> int:
        return sum(
            t.client.state.total_unread for t in self._profiles.values()
            if t.name != self.foreground
        )  # fmt: skip

    def add(self, name: str, client: SportelloClient) -> None:
        """Follow a client (started or about to start) under a profile name."""
        if name in self._profiles:
            if self._profiles[name].client is client:
                return
            raise ValueError(f"profile {name} is already connected")
        listener = self._listener(name)
        unsubscribe = client.state.subscribe(listener)
        tracked = _Tracked(name, client, unsubscribe)
        self._profiles[name] = tracked
        awareness = getattr(client, "awareness", None)
        if awareness is not None:
            tracked.escalation = EscalationController(
                client.state, awareness, self._escalation_settings, self._alert_settings, self
            )
            tracked.escalation.announced.connect(lambda told, n=name: self._announce(n, told))
        self._changed_soon()

    def set_foreground(self, name: str) -> None:
        """`name` is on screen now (its console does its own alerts); others go quiet."""
        self.foreground = name
        tracked = self._profiles.get(name)
        if tracked is not None:
            # Its background notifications are the console's business from now on.
            for key in [k for k, (p, _c) in self._routes.items() if p == name]:
                self._withdraw(key)
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
        tracked.policy = AlertPolicy()  # fresh grouping for the notifications to come
        self._changed_soon()

    async def take(self, profile: ServerProfile) -> SportelloClient | None:
        """The running client of this profile to bring to the foreground, if it is the same
        server, operator and token; a stale one (a new login) is stopped."""
        tracked = self._profiles.get(profile.name)
        if tracked is None:
            return None
        current = tracked.client.profile
        same = (current.url, current.token, current.user_id) == (
            profile.url, profile.token, profile.user_id,
        )  # fmt: skip
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
        if tracked.escalation is not None:
            tracked.escalation.detach()
            tracked.escalation.deleteLater()
        for key in [k for k, (p, _c) in self._routes.items() if p == name]:
            self._withdraw(key)
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

    # ---- alerts of background profiles --------------------------------------------------

    def use_alerts_from(self, source: Callable[[], Any]) -> None:
        """Where to find the foreground console's desktop alerts (None without a console):
        their notifier, sound and settings (quiet hours, pause) serve background profiles."""
        self._alerts_source = source

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
                return
            if isinstance(change, ConversationChanged):
                if "unread_count" in change.fields:
                    self._changed_soon()
                    if change.conversation.unread_count == 0 and name != self.foreground:
                        key = tracked.policy.conversation_read(change.conversation.id)
                        if key is not None:
                            self._withdraw(self._key(name, key))
            elif isinstance(change, ConversationsInserted):
                self._changed_soon()
            elif isinstance(change, WaitingTicketsChanged):
                waiting = {t.ticket_id for t in change.waiting}
                for ticket_id in [t for t in tracked.reminder_keys if t not in waiting]:
                    self._withdraw(self._key(name, tracked.reminder_keys.pop(ticket_id)))
                self._burst_opened(tracked, waiting)
            elif isinstance(change, GatewayHealthChanged):
                self._gateways(tracked, change.gateways)
            elif isinstance(change, TicketChanged) and change.created:
                ticket = _ticket_fact(change.ticket)
                if ticket is not None and name != self.foreground:
                    tracked.policy.ticket_created(ticket, change.reason)
            elif isinstance(change, IncomingMessage) and name != self.foreground:
                self._changed_soon()
                self._incoming(tracked, change.message, change.replayed)

        return on_change

    def _incoming(self, tracked: _Tracked, message: Message, replayed: bool) -> None:
        alerts = self._alerts_source()
        if alerts is None:
            return  # no console (the sign-in dialog is up): the badge still counts it
        from sportello.ui.desktop_alerts import local_now

        state = tracked.client.state
        conv = state.conversation(message.conversation_id)
        ticket = state.tickets.get(message.ticket_id) if message.ticket_id else None
        hint = message.notification
        fact = IncomingFact(
            message_id=message.id,
            conversation_id=message.conversation_id,
            sender=(message.sender_name or (conv.title if conv else "") or message.phone
                    or self.tr("Unknown contact")),
            body=preview_text(message) or labels.media_label(str(message.type)),
            ticket=_ticket_fact(ticket),
            hint=ServerHint(hint.title, hint.body, hint.icon, hint.sound) if hint else None,
            replayed=replayed,
        )  # fmt: skip
        decision = tracked.policy.incoming(
            fact, alerts.settings(), now=local_now(), monotonic=time.monotonic(), reading=None
        )
        log.debug("background %s, message %s: %s", tracked.name, message.id, decision.why)
        notifier = getattr(alerts, "notifier", None)
        if decision.alert is not None and notifier is not None:
            self._listen_to(notifier)
            view = alerts.view_of(decision.alert)
            key = self._key(tracked.name, view.key)
            title = self.tr("%1: %2").replace("%1", tracked.name).replace("%2", view.title)
            self._routes[key] = (tracked.name, decision.alert.conversation_id)
            notifier.show(replace(view, key=key, title=title))
        if decision.sound is not None:
            alerts.sound.play(decision.sound)

    # ---- escalating reminders of background profiles ------------------------------------

    def _escalation_settings(self) -> EscalationSettings:
        alerts = self._alerts_source()
        source = getattr(alerts, "escalation_settings", None)
        return source() if callable(source) else EscalationSettings()

    def _alert_settings(self) -> AlertSettings:
        alerts = self._alerts_source()
        return alerts.settings() if alerts is not None else AlertSettings()

    def _announce(self, name: str, told: Reminder | ReminderBurst) -> None:
        if isinstance(told, ReminderBurst):
            self._remind_burst(name, told)
        else:
            self._remind(name, told)

    def _remind(self, name: str, reminder: Reminder) -> None:
        """A ticket nobody opened on a background profile rings again (the console on
        screen rings its own): it replaces that conversation's notification."""
        tracked = self._profiles.get(name)
        alerts = self._alerts_source()
        notifier = getattr(alerts, "notifier", None)
        if tracked is None or name == self.foreground or notifier is None:
            return
        ticket = reminder.ticket
        key = tracked.reminder_keys.get(ticket.ticket_id)
        if key is None:
            key = tracked.policy.live_key(ticket.conversation_id) or f"remind:{ticket.ticket_id}"
            tracked.reminder_keys[ticket.ticket_id] = key
        full_key = self._key(name, key)
        self._routes[full_key] = (name, ticket.conversation_id)
        self._listen_to(notifier)
        notifier.show(self._reminder_view(tracked, reminder, full_key))
        if reminder.sound is not None:
            alerts.sound.play(reminder.sound)
        log.debug("background %s: reminder %d for ticket %s", name, reminder.count, ticket.number)

    def _reminder_view(self, tracked: _Tracked, reminder: Reminder, key: str) -> NotificationView:
        ticket = reminder.ticket
        conv = tracked.client.state.conversation(ticket.conversation_id)
        who = (conv.title if conv is not None else "") or ticket.title
        title = (
            self.tr("Ticket #%1 (%2) waiting for %3: %4")
            .replace("%1", ticket.number)
            .replace("%2", labels.priority_label(ticket.priority))
            .replace("%3", wait_text(reminder.waited))
            .replace("%4", who)
        )
        body = self.tr("Nobody has opened it yet.")
        if ticket.title and ticket.title != who:
            body = f"{ticket.title}\n{body}"
        icon = notification_icon(reminder.critical)
        return NotificationView(
            key=key, title=self.tr("%1: %2").replace("%1", tracked.name).replace("%2", title),
            body=body, critical=reminder.critical, icon=icon, open_label=self.tr("Open"),
            mark_read_label=self.tr("Mark as read"),
        )  # fmt: skip

    def _remind_burst(self, name: str, burst: ReminderBurst) -> None:
        """Several tickets of a background profile ring at once: one notification named
        after the profile (the console's words), replaced in place by the next burst, and
        one chime; "Open" brings the profile forward on the most pressing ticket."""
        from sportello.ui.desktop_alerts import burst_text

        tracked = self._profiles.get(name)
        alerts = self._alerts_source()
        notifier = getattr(alerts, "notifier", None)
        if tracked is None or name == self.foreground or notifier is None:
            return
        tracked.burst = [(r.ticket.ticket_id, r.ticket.conversation_id) for r in burst.reminders]
        key = self._key(name, BURST_KEY)
        self._routes[key] = (name, burst.lead.ticket.conversation_id)
        title, body = burst_text(burst, tracked.client.state)
        self._listen_to(notifier)
        notifier.show(NotificationView(
            key=key, title=self.tr("%1: %2").replace("%1", name).replace("%2", title),
            body=body, critical=burst.critical, icon=notification_icon(burst.critical),
            open_label=self.tr("Open"), mark_read_label=self.tr("Mark as read"),
        ))  # fmt: skip
        if burst.sound is not None:
            alerts.sound.play(burst.sound)
        log.debug("background %s: reminder for %d tickets together", name, len(burst.reminders))

    def _burst_opened(self, tracked: _Tracked, waiting: set[str]) -> None:
        """Tickets of the burst were opened: "Open" goes to the next one still waiting; the
        notification goes away when none waits."""
        still = burst_still_waiting(tracked.burst, waiting)
        if still is None:
            return
        tracked.burst = still
        key = self._key(tracked.name, BURST_KEY)
        if not still:
            self._withdraw(key)
        elif key in self._routes:
            self._routes[key] = (tracked.name, still[0][1])

    # ---- gateway health of background profiles ------------------------------------------

    def _gateways(self, tracked: _Tracked, gateways: tuple[GatewayInfo, ...]) -> None:
        """A gateway of a background profile went down: one warning per outage naming the
        profile and what to do, withdrawn when it comes back (the console on screen warns
        for its own profile)."""
        went_down, came_back = tracked.gateway_watch.update((g.key, g.down) for g in gateways)
        for key in came_back:
            self._withdraw(self._key(tracked.name, GATEWAY_KEY + key))
        alerts = self._alerts_source()
        notifier = getattr(alerts, "notifier", None)
        if tracked.name == self.foreground or notifier is None or not went_down:
            return
        # Told through pause and quiet hours, as on screen: a channel that stops without
        # anyone noticing is the failure this warning exists for.
        if not self._alert_settings().notifications:
            return
        self._listen_to(notifier)
        by_key = {g.key: g for g in gateways}
        for gateway in went_down:
            info = by_key[gateway]
            key = self._key(tracked.name, GATEWAY_KEY + gateway)
            self._routes[key] = (tracked.name, "")  # "Open": the profile, no conversation
            title = self.tr("%1: %2").replace("%1", tracked.name)
            body = self.tr("%1: %2").replace("%1", info.account or info.key)
            notifier.show(NotificationView(
                key=key, title=title.replace("%2", gateway_problem(info)),
                body=body.replace("%2", gateway_advice(info)), critical=True,
                icon=notification_icon(True), open_label=self.tr("Open"), mark_read_label="",
                mark_read=False, category="network.disconnected",
            ))  # fmt: skip
            log.warning("background %s: gateway %s down (%s): told the operator",
                        tracked.name, gateway, info.state)  # fmt: skip

    @staticmethod
    def _key(name: str, key: str) -> str:
        return f"{KEY_PREFIX}{name}{_KEY_SEPARATOR}{key}"

    def _listen_to(self, notifier: Any) -> None:
        if notifier is self._notifier:
            return
        self._notifier = notifier
        notifier.open_requested.connect(self._open_from_notification)
        notifier.mark_read_requested.connect(self._mark_read_from_notification)
        notifier.closed.connect(self._dismissed)

    def _withdraw(self, key: str) -> None:
        self._routes.pop(key, None)
        if self._notifier is not None:
            try:
                self._notifier.withdraw(key)
            except RuntimeError:  # the notifier went with its console
                self._notifier = None

    def _open_from_notification(self, key: str) -> None:
        route = self._routes.pop(key, None)
        if route is not None:
            self.open_requested.emit(*route)

    def _mark_read_from_notification(self, key: str) -> None:
        route = self._routes.pop(key, None)
        if route is None:
            return
        client = self.client(route[0])
        if client is not None:
            task = asyncio.ensure_future(client.mark_read(route[1]))
            task.add_done_callback(_log_failure)

    def _dismissed(self, key: str) -> None:
        route = self._routes.pop(key, None)
        if route is None:
            return
        tracked = self._profiles.get(route[0])
        if tracked is not None:
            tracked.policy.dismissed(key.split(_KEY_SEPARATOR, 1)[-1])

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
