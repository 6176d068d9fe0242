"""One connected profile's alerts, on screen or in the background: the one pipeline.

`ProfileAlerts` follows one client's `StateChange`s and decides, through
`domain/alerts.AlertPolicy`, what each customer message deserves; it rings the reminders of
tickets nobody has opened (`ui/escalation.EscalationController`, one per client for as long
as it is connected, so a profile switch neither rings twice nor starts the schedule over),
gathers reminders due together into one notification, warns once per outage when one
of the profile's WhatsApp gateways goes down (`GatewayWatch`, also one per client), and
names the customer when a reply of this desk does not go out (withdrawn once the
conversation's newest reply is no longer failed: retried, or a newer one went out).

It shows nothing by itself: it hands finished views (`ui/alert_texts.py`) to the desk it is
attached to (`AlertDesk`: the tray, the notifier, the pause and the sound; see
`ui/desktop_alerts.DesktopAlerts`), and without a desk (no console is open) it only keeps
counting. The profile on screen and a background one differ in three things only: the
background one's keys and titles carry the profile's name, it does not know what the
operator is reading, and "Open" asks to bring the profile forward (`open_requested`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from sportello.client.changes import (
    ConversationChanged,
    ConversationsInserted,
    GatewayHealthChanged,
    IncomingMessage,
    ReplyFailed,
    StateChange,
    TicketChanged,
    WaitingTicketsChanged,
)
from sportello.client.desk_records import GatewayInfo
from sportello.client.errors import ClientError
from sportello.domain.alerts import AlertPolicy, AlertSettings, GatewayWatch, SoundCue
from sportello.domain.escalation import (
    EscalationSettings,
    Reminder,
    ReminderBurst,
    burst_still_waiting,
)
from sportello.ui.alert_settings import local_now
from sportello.ui.alert_texts import (
    BURST_KEY,
    FAILED_KEY,
    GATEWAY_KEY,
    KEY_PREFIX,
    burst_view,
    failed_reply_view,
    gateway_view,
    incoming_fact,
    message_view,
    profile_key,
    reminder_view,
    ticket_fact,
)
from sportello.ui.client_port import ConsoleClient
from sportello.ui.escalation import EscalationController
from sportello.ui.notifications.base import NotificationView

log = logging.getLogger(__name__)


class AlertDesk(Protocol):
    """What a profile's alerts need of the desk that shows them."""

    def settings(self) -> AlertSettings: ...

    def escalation_settings(self) -> EscalationSettings: ...

    def reading_conversation(self) -> str | None: ...

    def show(self, view: NotificationView) -> None: ...

    def withdraw(self, key: str) -> None: ...

    def play(self, cue: SoundCue) -> None: ...

    def open_conversation(self, conversation_id: str) -> None: ...

    def show_window(self) -> None: ...

    def mark_read_on_screen(self, work: Coroutine[Any, Any, object]) -> None: ...


class ProfileAlerts(QObject):
    """The alerts of one connected profile; `attach` it to the desk of the open console.

    Signals: `reminder_shown(ticket id, count)`, `burst_shown(ticket ids)`,
    `gateway_warned(gateway key)` when handed to the desk; `tray_stale()` when the tray's
    summary may have changed; `gateways_changed(gateways)`; `open_requested(conversation
    id)` when "Open" on a background notification asks for the profile ("" = no
    conversation).
    """

    reminder_shown = Signal(str, int)
    burst_shown = Signal(list)
    gateway_warned = Signal(str)
    tray_stale = Signal()
    gateways_changed = Signal(object)  # tuple[GatewayInfo, ...]
    open_requested = Signal(str)

    def __init__(self, client: ConsoleClient, name: str = "", parent: QObject | None = None):
        super().__init__(parent)
        self.client = client
        self.state = client.state
        self.name = name
        self.desk: AlertDesk | None = None
        self.on_screen = False
        self.policy = AlertPolicy()
        self.gateway_watch = GatewayWatch()
        self._routes: dict[str, str] = {}  # live key -> its conversation ("" = none)
        self._reminder_keys: dict[str, str] = {}  # ticket id -> its reminder's key
        # The tickets of the burst notification, most pressing first ("Open" goes to the
        # first one still waiting); withdrawn when none of them waits any more.
        self._burst: list[tuple[str, str]] = []  # (ticket id, conversation id)
        self.escalation = EscalationController(
            self.state, client.awareness, self._escalation_settings, self._settings, self
        )
        self.escalation.announced.connect(self._announce)
        self._unsubscribe = self.state.subscribe(self._on_change)

    # ---- the desk -----------------------------------------------------------------------

    def attach(self, desk: AlertDesk | None, *, on_screen: bool) -> None:
        """Show through `desk` from now on (None: no console). Coming on screen, or
        leaving it, starts afresh: new grouping, no live notification of ours to update."""
        if on_screen or self.on_screen:
            self.policy = AlertPolicy()
            self._routes.clear()
            self._reminder_keys.clear()
            self._burst = []
        self.desk, self.on_screen = desk, on_screen
        if on_screen:
            self._gateways(tuple(self.client.awareness.gateways.values()))

    def close(self) -> None:
        """The profile disconnected: its notifications are no longer true; stop following."""
        for key in list(self._routes):
            self._withdraw(key)
        self.desk = None
        self._unsubscribe()
        self.escalation.detach()

    @property
    def space(self) -> str:
        """The key and title space of our notifications: "" on screen, else our name."""
        return "" if self.on_screen else self.name

    def own(self, key: str) -> str | None:
        """Our key behind a notification's key, None when the notification is not ours."""
        if self.on_screen:
            return None if key.startswith(KEY_PREFIX) else key
        prefix = profile_key(self.name, "")
        return key[len(prefix) :] if key.startswith(prefix) else None

    def _settings(self) -> AlertSettings:
        return self.desk.settings() if self.desk is not None else AlertSettings()

    def _escalation_settings(self) -> EscalationSettings:
        return self.desk.escalation_settings() if self.desk is not None else EscalationSettings()

    def _show(self, key: str, conversation_id: str, view: NotificationView) -> bool:
        if self.desk is None:
            return False
        self._routes[key] = conversation_id
        self.desk.show(view)
        return True

    def _play(self, cue: SoundCue | None) -> None:
        if cue is not None and self.desk is not None:
            self.desk.play(cue)

    def _withdraw(self, key: str) -> None:
        self._routes.pop(key, None)
        if self.desk is not None:
            self.desk.withdraw(profile_key(self.space, key))

    # ---- what the operator did with a notification of ours --------------------------------

    def open(self, key: str) -> None:
        conversation_id = self._routes.get(key) if self.on_screen else self._routes.pop(key, None)
        if not self.on_screen:
            if conversation_id is not None:
                self.open_requested.emit(conversation_id)
        elif self.desk is not None and conversation_id:
            self.desk.open_conversation(conversation_id)
        elif self.desk is not None and key.startswith(GATEWAY_KEY):
            self.desk.show_window()  # where the gateway warning is

    def mark_read(self, key: str) -> None:
        conversation_id = self._routes.get(key) if self.on_screen else self._routes.pop(key, None)
        if not conversation_id:
            return
        if self.on_screen and self.desk is not None:
            self.desk.mark_read_on_screen(self.client.mark_read(conversation_id))
        else:
            task = asyncio.ensure_future(self.client.mark_read(conversation_id))
            task.add_done_callback(self._log_failure)

    def dismissed(self, key: str) -> None:
        if not self.on_screen:
            self._routes.pop(key, None)
        self.policy.dismissed(key)

    def _log_failure(self, task: asyncio.Future[None]) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if isinstance(error, ClientError):
            log.info("profile %s: not marked as read: %s", self.name, error)
        elif error is not None:
            log.error("profile %s: marking as read failed", self.name, exc_info=error)

    # ---- the client's changes -------------------------------------------------------------

    def _on_change(self, change: StateChange) -> None:
        if isinstance(change, IncomingMessage):
            self._incoming(change)
            self.tray_stale.emit()
        elif isinstance(change, TicketChanged):
            ticket = ticket_fact(change.ticket) if change.created else None
            if ticket is not None:
                self.policy.ticket_created(ticket, change.reason)
            self.tray_stale.emit()
        elif isinstance(change, ReplyFailed):
            self._reply_failed(change)
        elif isinstance(change, ConversationChanged):
            conv = change.conversation
            failed_key = FAILED_KEY + conv.id
            if (
                "last_reply" in change.fields
                and not conv.reply_failed
                and failed_key in self._routes
            ):
                self._withdraw(failed_key)  # it went out after all (a retry, a newer reply)
            if "unread_count" in change.fields and change.conversation.unread_count == 0:
                key = self.policy.conversation_read(change.conversation.id)
                if key is not None:
                    self._withdraw(key)
            if change.fields & {"unread_count", "ticket", "last_direction"}:
                self.tray_stale.emit()
        elif isinstance(change, ConversationsInserted):
            self.tray_stale.emit()
        elif isinstance(change, WaitingTicketsChanged):
            waiting = {t.ticket_id for t in change.waiting}
            for ticket_id in [t for t in self._reminder_keys if t not in waiting]:
                self._withdraw_reminder(ticket_id)
            self._burst_opened(waiting)
            self.tray_stale.emit()
        elif isinstance(change, GatewayHealthChanged):
            self._gateways(change.gateways)

    def _incoming(self, change: IncomingMessage) -> None:
        desk = self.desk
        if desk is None:
            return  # no console (the sign-in dialog is up): the badge still counts it
        message = change.message
        decision = self.policy.incoming(
            incoming_fact(message, self.state, change.replayed),
            desk.settings(),
            now=local_now(),
            monotonic=time.monotonic(),
            reading=desk.reading_conversation() if self.on_screen else None,
        )
        log.debug("%s message %s: %s", self.name or "console", message.id, decision.why)
        alert = decision.alert
        if alert is not None:
            self._show(alert.key, alert.conversation_id, message_view(alert, self.space))
        self._play(decision.sound)

    def _reply_failed(self, change: ReplyFailed) -> None:
        """A reply did not go out: told like a gateway warning (through pause and quiet
        hours, silently), replacing the conversation's previous one. "Open" goes there."""
        if not self._settings().notifications:
            return
        key = FAILED_KEY + change.conversation_id
        view = failed_reply_view(change.conversation_id, change.error, self.state, self.space)
        if self._show(key, change.conversation_id, view):
            log.info("%s: reply %s not sent: told the operator", self.name, change.message_id)

    # ---- reminders ------------------------------------------------------------------------

    def _announce(self, told: Reminder | ReminderBurst) -> None:
        if isinstance(told, ReminderBurst):
            self._remind_burst(told)
        else:
            self._remind(told)

    def _remind(self, reminder: Reminder) -> None:
        """A ticket nobody opened rings again: the conversation's notification is replaced
        (or the previous reminder's), never stacked."""
        if self.desk is None:
            return
        ticket = reminder.ticket
        key = self._reminder_keys.get(ticket.ticket_id)
        if key is None:
            key = self.policy.live_key(ticket.conversation_id) or f"remind:{ticket.ticket_id}"
            self._reminder_keys[ticket.ticket_id] = key
        view = reminder_view(reminder, self.state, key, self.space)
        self._show(key, ticket.conversation_id, view)
        self._play(reminder.sound)
        log.debug("%s: reminder %d for ticket %s", self.name, reminder.count, ticket.number)
        self.reminder_shown.emit(ticket.ticket_id, reminder.count)

    def _remind_burst(self, burst: ReminderBurst) -> None:
        """Several tickets ring at once (a start with old unopened tickets): one notification
        listing them, replaced in place by the next burst, and one chime."""
        view = burst_view(burst, self.state, self.space)
        if not self._show(BURST_KEY, burst.lead.ticket.conversation_id, view):
            return
        self._burst = [(r.ticket.ticket_id, r.ticket.conversation_id) for r in burst.reminders]
        self._play(burst.sound)
        log.debug("%s: reminder for %d tickets together", self.name, len(burst.reminders))
        for reminder in burst.reminders:
            self.reminder_shown.emit(reminder.ticket.ticket_id, reminder.count)
        self.burst_shown.emit([r.ticket.ticket_id for r in burst.reminders])

    def _burst_opened(self, waiting: set[str]) -> None:
        """Tickets of the burst were opened: "Open" goes to the next one still waiting; the
        notification goes away when none waits."""
        still = burst_still_waiting(self._burst, waiting)
        if still is None:
            return
        self._burst = still
        if still:
            self._routes[BURST_KEY] = still[0][1]
            return
        self.policy.dismissed(BURST_KEY)
        self._withdraw(BURST_KEY)

    def _withdraw_reminder(self, ticket_id: str) -> None:
        """Someone opened the ticket: its "still waiting" notification is no longer true."""
        key = self._reminder_keys.pop(ticket_id, None)
        if key is not None:
            self.policy.dismissed(key)
            self._withdraw(key)

    # ---- gateway health -------------------------------------------------------------------

    def _gateways(self, gateways: tuple[GatewayInfo, ...]) -> None:
        self.gateways_changed.emit(gateways)
        went_down, came_back = self.gateway_watch.update((g.key, g.down) for g in gateways)
        for key in came_back:
            self._withdraw(GATEWAY_KEY + key)
        # Told once per outage, through pause and quiet hours (silently): a channel that
        # stops without anyone noticing is the failure this warning exists for.
        if not went_down or not self._settings().notifications:
            return
        by_key = {g.key: g for g in gateways}
        for key in went_down:
            info = by_key[key]
            if self._show(GATEWAY_KEY + key, "", gateway_view(info, self.space)):
                log.warning(
                    "%s: gateway %s down (%s): told the operator",
                    self.name or "console",
                    key,
                    info.state,
                )
                self.gateway_warned.emit(key)


__all__ = ["AlertDesk", "ProfileAlerts"]
