"""The glue between the client's events and the desktop: tray, notifications, sound.

`install_desktop_alerts(app, window, client, preferences)` subscribes to the client state,
asks `sportello.domain.alerts.AlertPolicy` what each customer message deserves, and drives
the tray icon (unread badge, red while an URGENT ticket waits), the notifier (D-Bus on
Linux, tray balloon on Windows/macOS, in-app toast otherwise) and the chimes.
"Apri" raises the window on that conversation; "Segna come letto" marks it read.

Escalating alerts (ui/escalation.py) ring again for a ticket nobody has opened: each
reminder replaces the conversation's notification in place and stops on every console
once anyone opens the ticket. Reminders that fall due together (a start with several old
unopened tickets) are one notification listing them and one chime; its "Apri" opens the
most pressing. A gateway that goes down turns the tray grey with a warning
and is told once per outage in a notification that says what to do.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable
from datetime import datetime
from datetime import time as clock_time
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from sportello.client.api import SportelloClient
from sportello.client.changes import (
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
from sportello.client.records import Message, Ticket, conversation_preview
from sportello.client.state import ClientState
from sportello.domain.alerts import (
    Alert,
    AlertPolicy,
    AlertSettings,
    ConversationFacts,
    GatewayWatch,
    IncomingFact,
    ServerHint,
    TicketFact,
    Urgency,
    is_paused,
    pause_for_an_hour,
    pause_until_tomorrow,
    summarize,
)
from sportello.domain.escalation import (
    EscalationSettings,
    Reminder,
    ReminderBurst,
    burst_still_waiting,
    escalation_settings,
)
from sportello.domain.values import Direction, Priority
from sportello.ui import labels
from sportello.ui.alert_resources import notification_icon
from sportello.ui.conversation_model import shown_preview
from sportello.ui.error_texts import reason
from sportello.ui.escalation import EscalationController, wait_text
from sportello.ui.gateway_advice import gateway_advice, gateway_line, gateway_problem
from sportello.ui.notifications.balloon import TrayBalloonNotifier
from sportello.ui.notifications.base import NotificationView, Notifier
from sportello.ui.notifications.toast import ToastNotifier
from sportello.ui.preferences import AlertPreferences, NotificationPreferences, Preferences
from sportello.ui.sound import AlertSound
from sportello.ui.tray import CloseToTray, TrayIcon

log = logging.getLogger(__name__)

TRAY_REFRESH_MS = 50  # fold a burst of changes into one repaint of the tray icon
GATEWAY_KEY = "gateway:"  # notification keys of the gateway-down warnings
BURST_KEY = "remind:burst"  # the one notification of reminders due together
LOCAL_SERVER_KEY = "local-server:down"  # the local server gave up: it needs a restart
BURST_LISTED = 5  # tickets named in a burst's notification; the rest are "…"


def local_now() -> datetime:
    return datetime.now().astimezone()


def _parse_clock(text: str) -> clock_time | None:
    try:
        hours, minutes = text.strip().split(":")
        return clock_time(int(hours), int(minutes))
    except ValueError:
        return None


def alert_settings(prefs: NotificationPreferences, paused_until: datetime | None) -> AlertSettings:
    quiet = None
    if prefs.quiet_hours:
        start, end = _parse_clock(prefs.quiet_start), _parse_clock(prefs.quiet_end)
        if start is not None and end is not None:
            quiet = (start, end)
    return AlertSettings(
        notifications=prefs.enabled,
        sound=prefs.sound,
        only_new_tickets=prefs.only_new_tickets,
        quiet_hours=quiet,
        paused_until=paused_until,
    )


def escalation_of(prefs: NotificationPreferences) -> tuple[EscalationSettings, list[str]]:
    """The re-alert intervals chosen in the settings; a damaged value keeps its default."""
    return escalation_settings(
        {
            Priority.URGENT: prefs.remind_urgent,
            Priority.HIGH: prefs.remind_high,
            Priority.MEDIUM: prefs.remind_medium,
            Priority.LOW: prefs.remind_low,
        },
        prefs.urgent_ignores_quiet,
    )


def ticket_fact(ticket: Ticket | None) -> TicketFact | None:
    if ticket is None:
        return None
    return TicketFact(ticket.id, ticket.number, ticket.conversation_id, ticket.priority)


def burst_text(burst: ReminderBurst, state: ClientState) -> tuple[str, str]:
    """Title and body of the one notification of reminders due together, shared with the
    background profiles (ui/background_profiles.py): "3 ticket in attesa di essere aperti:
    n. 12 Urgente, n. 15 Alta, …" and a line per ticket (who, how long). Translated in the
    "DesktopAlerts" context, where these words have always been."""
    translate = QCoreApplication.translate
    reminders = burst.reminders
    named = [
        translate("DesktopAlerts", "#%1 %2")
        .replace("%1", r.ticket.number)
        .replace("%2", labels.priority_label(r.ticket.priority))
        for r in reminders[:3]
    ]
    listing = ", ".join(named) + (", …" if len(reminders) > 3 else "")
    title = translate(
        "DesktopAlerts", "%n ticket(s) waiting to be opened: %1", "", len(reminders)
    ).replace("%1", listing)
    lines = []
    for reminder in reminders[:BURST_LISTED]:
        ticket = reminder.ticket
        conv = state.conversation(ticket.conversation_id)
        who = (conv.title if conv is not None else "") or ticket.title
        lines.append(
            translate("DesktopAlerts", "#%1 (%2) %3, waiting for %4")
            .replace("%1", ticket.number)
            .replace("%2", labels.priority_label(ticket.priority))
            .replace("%3", who)
            .replace("%4", wait_text(reminder.waited))
        )
    if len(reminders) > BURST_LISTED:
        lines.append("…")
    lines.append(translate("DesktopAlerts", "Nobody has opened them yet."))
    return title, "\n".join(lines)


class DesktopAlerts(QObject):
    """Owns the tray, the notifier and the sound for one main window and one client."""

    quit_requested = Signal()
    notifier_ready = Signal(str)  # the notifier's name: "freedesktop", "tray" or "toast"
    reminder_shown = Signal(str, int)  # ticket id, reminder count: handed to the notifier
    burst_shown = Signal(list)  # ticket ids of reminders told together, most pressing first
    gateway_warned = Signal(str)  # gateway key: its one-time "disconnected" notification

    def __init__(
        self,
        app: QApplication,
        window: object,
        client: SportelloClient,
        preferences: Preferences | None = None,
        *,
        use_tray: bool | None = None,
    ) -> None:
        super().__init__(app)
        from sportello.ui.main_window import MainWindow

        assert isinstance(window, MainWindow)
        self.app = app
        self.window = window
        self.client = client
        self.state = client.state
        self.preferences = preferences
        self.policy = AlertPolicy()
        self.conversation_of: dict[str, str] = {}  # notification key -> conversation id
        self.paused_until = self._load_pause()
        prefs = self.notification_preferences()
        self.sound = AlertSound(prefs.volume, self)
        self.notifier: Notifier | None = None
        self._early: list[NotificationView] = []
        self.choice_task: asyncio.Task[Notifier] | None = None
        self._shut_down = False
        self.tray = TrayIcon(self)
        self.tray.set_paused_until(self.paused_until)
        self.has_tray = TrayIcon.available() if use_tray is None else use_tray
        self.close_to_tray: CloseToTray | None = None
        if self.has_tray:
            self.tray.show()
            self.close_to_tray = CloseToTray(window, self.tray, self._hint_shown())
            self.close_to_tray.first_hide.connect(self._say_still_running)
        else:
            log.warning(
                "no system tray on this desktop (%s): Sportello runs as a normal window and "
                "closing it quits", self._platform_name(),
            )  # fmt: skip
        self.tray.open_requested.connect(self.show_window)
        self.tray.quit_requested.connect(self.quit)
        self.tray.pause_hour_requested.connect(lambda: self.pause(pause_for_an_hour(local_now())))
        self.tray.pause_tomorrow_requested.connect(
            lambda: self.pause(pause_until_tomorrow(local_now()))
        )
        self.tray.resume_requested.connect(lambda: self.pause(None))
        self.gateway_watch = GatewayWatch()
        self._reminder_keys: dict[str, str] = {}  # ticket id -> its reminder's notification
        # The tickets of the burst notification, most pressing first ("Apri" opens the first
        # one still waiting); withdrawn when none of them waits any more.
        self._burst: list[tuple[str, str]] = []  # (ticket id, conversation id)
        self._bad_intervals: list[str] = []
        awareness = getattr(client, "awareness", None)
        self.escalation: EscalationController | None = None
        # Unread messages of the profiles connected in the background (see app.py): the
        # tray's count is the operator's whole backlog, not only the profile on screen.
        self.other_unread: Callable[[], int] = lambda: 0
        if awareness is not None:  # a seed-only client has no desk awareness
            self.escalation = EscalationController(
                self.state, awareness, self.escalation_settings, self.settings, self
            )
            self.escalation.announced.connect(self._announce)
            self.escalation.summary_changed.connect(self.tray.set_waiting)
            self.tray.set_waiting(self.escalation.summary_text())
            self._gateways(tuple(awareness.gateways.values()))
        self._tray_timer = QTimer(self)
        self._tray_timer.setSingleShot(True)
        self._tray_timer.setInterval(TRAY_REFRESH_MS)
        self._tray_timer.timeout.connect(self.refresh_tray)
        self._pause_timer = QTimer(self)  # resumes by itself when the pause ends
        self._pause_timer.setSingleShot(True)
        self._pause_timer.timeout.connect(lambda: self.pause(None))
        self._arm_pause_timer()
        self._unsubscribe = self.state.subscribe(self._on_change)
        self.refresh_tray()

    # ---- notifier choice ----------------------------------------------------------------

    async def choose_notifier(self) -> Notifier:
        """D-Bus on Linux when a daemon answers; else the tray's balloon; else a toast."""
        notifier: Notifier | None = None
        if sys.platform.startswith("linux"):
            from sportello.ui.notifications.freedesktop import FreedesktopNotifier

            candidate = FreedesktopNotifier()
            if await candidate.start():
                notifier = candidate
            if self._shut_down:  # the console closed while the daemon was being asked
                candidate.stop()
                return candidate
        if notifier is None and self.has_tray and self.tray.tray.supportsMessages():
            notifier = TrayBalloonNotifier(self.tray.tray)
        if notifier is None:
            notifier = ToastNotifier(self.window)
        self.use_notifier(notifier)
        return notifier

    def use_notifier(self, notifier: Notifier) -> None:
        if self.notifier is not None:
            self.notifier.stop()
        self.notifier = notifier
        notifier.open_requested.connect(self._open_from_notification)
        notifier.mark_read_requested.connect(self._mark_read_from_notification)
        notifier.closed.connect(self.policy.dismissed)
        log.info("desktop alerts: notifications through %s", notifier.name)
        early, self._early = self._early, []
        for view in early:
            notifier.show(view)
        self.notifier_ready.emit(notifier.name)

    # ---- preferences and pause ----------------------------------------------------------

    def notification_preferences(self) -> NotificationPreferences:
        if self.preferences is None:
            return NotificationPreferences()
        return self.preferences.notifications()

    def settings(self) -> AlertSettings:
        prefs = self.notification_preferences()
        if prefs.volume != self.sound.volume:
            self.sound.set_volume(prefs.volume)
        return alert_settings(prefs, self.paused_until)

    def escalation_settings(self) -> EscalationSettings:
        settings, problems = escalation_of(self.notification_preferences())
        if problems != self._bad_intervals:  # said once, not at every reminder
            self._bad_intervals = problems
            for problem in problems:
                log.warning("re-alert interval %s: the default applies", problem)
        return settings

    def _load_pause(self) -> datetime | None:
        if self.preferences is None:
            return None
        stored: AlertPreferences = self.preferences.load_alerts()
        try:
            until = datetime.fromisoformat(stored.paused_until) if stored.paused_until else None
        except ValueError:
            until = None
        if until is not None and until.tzinfo is None:
            until = until.astimezone()
        return until if until is not None and until > local_now() else None

    def pause(self, until: datetime | None) -> None:
        """Pause notifications and sounds until `until` (None resumes)."""
        self.paused_until = until
        if self.preferences is not None:
            self.preferences.save_alerts(
                AlertPreferences(until.isoformat() if until is not None else "")
            )
        self.tray.set_paused_until(until)
        self._arm_pause_timer()
        log.info("notifications %s", f"paused until {until:%Y-%m-%d %H:%M}" if until else "on")

    def _arm_pause_timer(self) -> None:
        self._pause_timer.stop()
        if self.paused_until is not None:
            left = (self.paused_until - local_now()).total_seconds()
            # QTimer takes int milliseconds; a long pause is re-armed when it fires early.
            self._pause_timer.start(int(min(max(left, 0.0), 86_400.0) * 1000) + 1000)

    def _hint_shown(self) -> bool:
        return self.preferences.close_to_tray_hint_shown if self.preferences else False

    def _say_still_running(self) -> None:
        if self.preferences is not None:
            self.preferences.close_to_tray_hint_shown = True
        title = self.tr("Sportello is still running")
        text = self.tr(
            "Sportello keeps running in the system tray and will notify you of new messages."
            " Choose Quit from the tray menu to close it."
        )
        if self.notifier is not None and self.notifier.name != "toast":
            self.tray.tray.showMessage(title, text, self.tray.tray.icon(), 8000)
        else:
            QMessageBox.information(None, title, text)

    @staticmethod
    def _platform_name() -> str:
        return QApplication.platformName() or sys.platform

    # ---- window -------------------------------------------------------------------------

    def show_window(self) -> None:
        window = self.window
        if window.isMinimized():
            window.showNormal()
        else:
            window.show()
        window.raise_()
        window.activateWindow()

    def open_conversation(self, conversation_id: str) -> None:
        self.show_window()
        self.window.open_conversation(conversation_id)

    def quit(self) -> None:
        """Tray > Quit: let the window close for real and tell the app to stop."""
        if self.close_to_tray is not None:
            self.close_to_tray.allow_close = True
        self.quit_requested.emit()

    def shutdown(self) -> None:
        """Before the app closes the window: no more hiding, no more alerts."""
        self._shut_down = True
        if self.close_to_tray is not None:
            self.close_to_tray.allow_close = True
        self._unsubscribe()
        if self.escalation is not None:
            self.escalation.detach()
        if self.notifier is not None:
            self.notifier.stop()
        self.sound.stop()
        self.tray.hide()

    def reading_conversation(self) -> str | None:
        """The conversation the operator is looking at: open in the focused, visible window."""
        window = self.window
        if not window.isVisible() or window.isMinimized() or not window.isActiveWindow():
            return None
        return self.state.open_conversation_id

    # ---- events -------------------------------------------------------------------------

    def _on_change(self, change: StateChange) -> None:
        if isinstance(change, IncomingMessage):
            self._incoming(change.message, change.replayed)
            self._tray_timer.start()
        elif isinstance(change, TicketChanged):
            if change.created:
                ticket = ticket_fact(change.ticket)
                if ticket is not None:
                    self.policy.ticket_created(ticket, change.reason)
            self._tray_timer.start()
        elif isinstance(change, ConversationChanged):
            if "unread_count" in change.fields and change.conversation.unread_count == 0:
                key = self.policy.conversation_read(change.conversation.id)
                if key is not None and self.notifier is not None:
                    self.notifier.withdraw(key)
            if change.fields & {"unread_count", "ticket", "last_direction"}:
                self._tray_timer.start()
        elif isinstance(change, ConversationsInserted):
            self._tray_timer.start()
        elif isinstance(change, WaitingTicketsChanged):
            waiting = {t.ticket_id for t in change.waiting}
            for ticket_id in [t for t in self._reminder_keys if t not in waiting]:
                self._withdraw_reminder(ticket_id)
            self._burst_opened(waiting)
            self._tray_timer.start()
        elif isinstance(change, GatewayHealthChanged):
            self._gateways(change.gateways)

    def _incoming(self, message: Message, replayed: bool) -> None:
        conv = self.state.conversation(message.conversation_id)
        ticket = self.state.tickets.get(message.ticket_id) if message.ticket_id else None
        hint = message.notification
        fact = IncomingFact(
            message_id=message.id,
            conversation_id=message.conversation_id,
            sender=(message.sender_name or (conv.title if conv else "") or message.phone
                    or self.tr("Unknown contact")),
            body=shown_preview(conversation_preview(message))
            or labels.media_label(str(message.type)),
            ticket=ticket_fact(ticket),
            hint=ServerHint(hint.title, hint.body, hint.icon, hint.sound) if hint else None,
            replayed=replayed,
        )  # fmt: skip
        decision = self.policy.incoming(
            fact, self.settings(), now=local_now(), monotonic=time.monotonic(),
            reading=self.reading_conversation(),
        )  # fmt: skip
        log.debug("message %s: %s", message.id, decision.why)
        if decision.alert is not None:
            self.conversation_of[decision.alert.key] = decision.alert.conversation_id
            view = self.view_of(decision.alert)
            if self.notifier is None:
                self._early.append(view)
            else:
                self.notifier.show(view)
        if decision.sound is not None:
            self.sound.play(decision.sound)

    def view_of(self, alert: Alert) -> NotificationView:
        """The notification's texts, translated (Italian: "3 nuovi messaggi da Mario Rossi")."""
        critical = alert.urgency is Urgency.CRITICAL
        if alert.count > 1:
            title = self.tr("%n new messages from %1", "", alert.count).replace("%1", alert.sender)
            if critical:
                title = self.tr("URGENT: %1").replace("%1", title)
        elif alert.new_ticket and alert.ticket is not None:
            title = (
                self.tr("New ticket #%1 (%2): %3")
                .replace("%1", alert.ticket.number)
                .replace("%2", labels.priority_label(alert.ticket.priority))
                .replace("%3", alert.sender)
            )
        else:
            title = alert.server_title or alert.sender
            if critical:
                title = self.tr("URGENT: %1").replace("%1", title)
        icon = notification_icon(critical)
        return NotificationView(
            key=alert.key,
            title=title,
            body=alert.body,
            critical=critical,
            icon=icon,
            open_label=self.tr("Open"),
            mark_read_label=self.tr("Mark as read"),
        )

    def _open_from_notification(self, key: str) -> None:
        conversation_id = self.conversation_of.get(key)
        if conversation_id is not None:
            self.open_conversation(conversation_id)
        elif key.startswith(GATEWAY_KEY) or key == LOCAL_SERVER_KEY:
            self.show_window()  # where the gateway warning or the restart button is

    def _show(self, view: NotificationView) -> None:
        if self.notifier is None:
            self._early.append(view)
        else:
            self.notifier.show(view)

    # ---- escalating alerts --------------------------------------------------------------

    def _announce(self, told: Reminder | ReminderBurst) -> None:
        if isinstance(told, ReminderBurst):
            self._remind_burst(told)
        else:
            self._remind(told)

    def _remind(self, reminder: Reminder) -> None:
        """A ticket nobody opened rings again: the conversation's notification is replaced
        (or the previous reminder's), never stacked."""
        ticket = reminder.ticket
        key = self._reminder_keys.get(ticket.ticket_id)
        if key is None:
            key = self.policy.live_key(ticket.conversation_id) or f"remind:{ticket.ticket_id}"
            self._reminder_keys[ticket.ticket_id] = key
        self.conversation_of[key] = ticket.conversation_id
        self._show(self.reminder_view(reminder, key))
        if reminder.sound is not None:
            self.sound.play(reminder.sound)
        log.debug("reminder %d for ticket %s", reminder.count, ticket.number)
        self.reminder_shown.emit(ticket.ticket_id, reminder.count)

    def reminder_view(self, reminder: Reminder, key: str) -> NotificationView:
        ticket = reminder.ticket
        conv = self.state.conversation(ticket.conversation_id)
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
            key=key, title=title, body=body, critical=reminder.critical, icon=icon,
            open_label=self.tr("Open"), mark_read_label=self.tr("Mark as read"),
        )  # fmt: skip

    def _remind_burst(self, burst: ReminderBurst) -> None:
        """Several tickets ring at once (a start with old unopened tickets): one notification
        listing them, replaced in place by the next burst, and one chime."""
        self._burst = [(r.ticket.ticket_id, r.ticket.conversation_id) for r in burst.reminders]
        self.conversation_of[BURST_KEY] = burst.lead.ticket.conversation_id
        self._show(self.burst_view(burst))
        if burst.sound is not None:
            self.sound.play(burst.sound)
        log.debug("reminder for %d tickets together", len(burst.reminders))
        for reminder in burst.reminders:
            self.reminder_shown.emit(reminder.ticket.ticket_id, reminder.count)
        self.burst_shown.emit([r.ticket.ticket_id for r in burst.reminders])

    def burst_view(self, burst: ReminderBurst) -> NotificationView:
        """The one notification of reminders due together (texts: `burst_text`)."""
        title, body = burst_text(burst, self.state)
        return NotificationView(
            key=BURST_KEY, title=title, body=body, critical=burst.critical,
            icon=notification_icon(burst.critical), open_label=self.tr("Open"),
            mark_read_label=self.tr("Mark as read"),
        )  # fmt: skip

    def _burst_opened(self, waiting: set[str]) -> None:
        """Tickets of the burst were opened: "Apri" goes to the next one still waiting; the
        notification goes away when none waits."""
        still = burst_still_waiting(self._burst, waiting)
        if still is None:
            return
        self._burst = still
        if still:
            self.conversation_of[BURST_KEY] = still[0][1]
            return
        self.conversation_of.pop(BURST_KEY, None)
        self.policy.dismissed(BURST_KEY)
        if self.notifier is not None:
            self.notifier.withdraw(BURST_KEY)

    def _withdraw_reminder(self, ticket_id: str) -> None:
        """Someone opened the ticket: its "still waiting" notification is no longer true."""
        key = self._reminder_keys.pop(ticket_id, None)
        if key is None:
            return
        self.policy.dismissed(key)
        if self.notifier is not None:
            self.notifier.withdraw(key)

    # ---- gateway health -----------------------------------------------------------------

    def gateway_advice(self, info: GatewayInfo) -> str:
        """What to do about a gateway that is down, in the operator's language."""
        return gateway_advice(info)

    def gateway_line(self, info: GatewayInfo) -> str:
        """The tray's tooltip line for a gateway that is down."""
        return gateway_line(info)

    def _gateways(self, gateways: tuple[GatewayInfo, ...]) -> None:
        down = [g for g in gateways if g.down]
        self.tray.set_gateways_down(tuple(self.gateway_line(g) for g in down))
        went_down, came_back = self.gateway_watch.update((g.key, g.down) for g in gateways)
        for key in came_back:
            if self.notifier is not None:
                self.notifier.withdraw(GATEWAY_KEY + key)
        by_key = {g.key: g for g in down}
        # Told once per outage, through pause and quiet hours (silently): a channel that
        # stops without anyone noticing is the failure this warning exists for.
        if not self.settings().notifications:
            return
        for key in went_down:
            info = by_key[key]
            title = gateway_problem(info)
            icon = notification_icon(True)
            self._show(NotificationView(
                key=GATEWAY_KEY + key, title=title,
                body=self.tr("%1: %2").replace("%1", info.account or info.key)
                .replace("%2", self.gateway_advice(info)),
                critical=True, icon=icon, open_label=self.tr("Open"),
                mark_read_label="", mark_read=False, category="network.disconnected",
            ))  # fmt: skip
            log.warning("gateway %s down (%s): told the operator", key, info.state)
            self.gateway_warned.emit(key)

    # ---- local server ----------------------------------------------------------------------

    def local_server_down(self, text: str) -> None:
        """The local server stays down (`text` says why and what to do): told once per
        outage, like a gateway that stops, since nothing receives messages meanwhile."""
        if not self.settings().notifications:
            return
        self._show(NotificationView(
            key=LOCAL_SERVER_KEY, title=self.tr("The local server is down"), body=text,
            critical=True, icon=notification_icon(True), open_label=self.tr("Open"),
            mark_read_label="", mark_read=False, category="network.disconnected",
        ))  # fmt: skip
        log.warning("local server down: told the operator")

    def local_server_back(self) -> None:
        """It runs again: the "down" notification is no longer true."""
        self.policy.dismissed(LOCAL_SERVER_KEY)
        if self.notifier is not None:
            self.notifier.withdraw(LOCAL_SERVER_KEY)
        else:
            self._early = [v for v in self._early if v.key != LOCAL_SERVER_KEY]

    def _mark_read_from_notification(self, key: str) -> None:
        conversation_id = self.conversation_of.get(key)
        if conversation_id is None:
            return

        def failed(error: ClientError) -> None:
            self.window.status.showMessage(
                self.tr("Not marked as read: %1.").replace("%1", reason(error)), 10_000
            )

        self.window.runner.run(self.client.mark_read(conversation_id), on_error=failed)

    # ---- tray ---------------------------------------------------------------------------

    def refresh_tray(self) -> None:
        rows = []
        for ticket in self.state.tickets.values():
            if ticket.priority is not Priority.URGENT or not ticket.is_open:
                continue
            conv = self.state.conversation(ticket.conversation_id or "")
            if conv is None:
                continue
            newest = self.state.newest_ticket(conv.id)
            if newest is not None and newest.id != ticket.id:
                continue
            rows.append(
                ConversationFacts(conv.unread_count, ticket.priority,
                                  conv.last_direction is Direction.INCOMING)
            )  # fmt: skip
        urgent = summarize(rows).urgent_unanswered
        unopened = self.escalation is not None and self.escalation.urgent_waiting
        self.tray.set_summary(self.state.total_unread + self.other_unread(), urgent > 0 or unopened)

    @property
    def paused(self) -> bool:
        return is_paused(self.settings(), local_now())


def install_desktop_alerts(
    app: QApplication,
    window: object,
    client: SportelloClient,
    preferences: Preferences | None = None,
) -> DesktopAlerts:
    """Tray, notifications and sound for this window; the notifier is chosen in the
    background (a D-Bus round trip) and alerts that come first wait for it."""
    alerts = DesktopAlerts(app, window, client, preferences)
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no asyncio loop (a plain Qt test): no D-Bus, the simple ways
        if alerts.has_tray:
            alerts.use_notifier(TrayBalloonNotifier(alerts.tray.tray))
        else:
            alerts.use_notifier(ToastNotifier(alerts.window))
    else:
        alerts.choice_task = loop.create_task(alerts.choose_notifier(), name="choose-notifier")
    return alerts




class AlertsAttachment(QObject):
    """Follows the app's `Desktop`: desktop alerts for each console it opens."""

    def __init__(self, desktop: Any) -> None:
        super().__init__(desktop)
        self.desktop = desktop
        self.alerts: DesktopAlerts | None = None
        self.server_status = ""
        desktop.console_opened.connect(self._opened)
        desktop.console_closed.connect(self._closed)
        desktop.local_server_changed.connect(self._server_changed)
        self.server_down = ""  # why the local server is down, while it is
        desktop.local_server_down.connect(self._server_down)

    def _opened(self, window: object, client: SportelloClient) -> None:
        self._closed()
        alerts = install_desktop_alerts(self.desktop.app, window, client, self.desktop.preferences)
        alerts.quit_requested.connect(self.desktop.request_quit)
        alerts.tray.set_server_status(self.server_status)
        alerts.tray.set_server_down(bool(self.server_down))
        alerts.tray.restart_server_requested.connect(self.desktop.restart_local_server)
        connected = getattr(self.desktop, "connected", None)
        if connected is not None:
            alerts.other_unread = connected.background_unread
            connected.changed.connect(alerts.refresh_tray)
            # The reminders of this profile went on while it was in the background: the
            # console continues that schedule instead of ringing every overdue ticket anew.
            kept = connected.escalation(client.profile.name)
            if kept is not None and alerts.escalation is not None:
                alerts.escalation.continue_from(kept)
        self.alerts = alerts

    def _closed(self) -> None:
        alerts, self.alerts = self.alerts, None
        if alerts is not None:
            connected = getattr(self.desktop, "connected", None)
            if connected is not None:
                connected.changed.disconnect(alerts.refresh_tray)
            alerts.shutdown()
            alerts.deleteLater()

    def _server_changed(self, state: str, text: str) -> None:
        self.server_status = text
        back = state == "running" and bool(self.server_down)
        if state in ("running", "stopped"):
            self.server_down = ""
        if self.alerts is not None:
            self.alerts.tray.set_server_status(text)
            self.alerts.tray.set_server_down(bool(self.server_down))
            if back:
                self.alerts.local_server_back()

    def _server_down(self, text: str) -> None:
        told = bool(self.server_down)  # a failed "Restart" is the same outage: told once
        self.server_down = text
        if self.alerts is not None:
            self.alerts.tray.set_server_down(True)
            if not told:
                self.alerts.local_server_down(text)


def attach_desktop_alerts(desktop: Any) -> AlertsAttachment:
    """Wire tray, notifications and sound to the app's `Desktop` (see app.py)."""
    return AlertsAttachment(desktop)


__all__ = ["AlertPreferences", "DesktopAlerts", "attach_desktop_alerts", "install_desktop_alerts"]
