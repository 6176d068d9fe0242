"""The desk: the tray, the notifier, the pause and the sound of the open console.

`DesktopAlerts` is the one owner of what every connected profile's alerts show through:
the tray icon (unread badge over all profiles, red while an URGENT ticket waits on the
profile on screen, grey with a warning while one of its gateways is down), the notifier
(D-Bus on Linux, tray balloon on Windows/macOS, in-app toast otherwise), the pause and the
chimes. What a message, a reminder or a gateway deserves is decided per profile by
`ui/profile_alerts.ProfileAlerts` (one per connected profile, on screen or not); the desk
routes the operator's clicks back to the profile whose notification it was. "Apri" raises
the window on that conversation (or brings a background profile forward); "Segna come
letto" marks it read.

`install_desktop_alerts(app, window, client, preferences)` makes a desk and the on-screen
profile's alerts for one console; `sportello.app.alerts.AlertsAttachment` follows the
app's `Desktop`: a `ProfileAlerts` for every connected profile, and a desk per console.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, SignalInstance
from PySide6.QtWidgets import QApplication, QMessageBox

from sportello.client.api import SportelloClient
from sportello.client.desk_records import GatewayInfo
from sportello.client.errors import ClientError
from sportello.domain.alerts import (
    AlertSettings,
    ConversationFacts,
    SoundCue,
    is_paused,
    pause_for_an_hour,
    pause_until_tomorrow,
    summarize,
)
from sportello.domain.escalation import EscalationSettings
from sportello.domain.values import Direction, Priority
from sportello.ui.alert_resources import notification_icon
from sportello.ui.alert_settings import alert_settings, escalation_of, local_now
from sportello.ui.alert_texts import LOCAL_SERVER_KEY
from sportello.ui.error_texts import reason
from sportello.ui.escalation import EscalationController
from sportello.ui.gateway_advice import gateway_line
from sportello.ui.main_window import MainWindow
from sportello.ui.notifications.balloon import TrayBalloonNotifier
from sportello.ui.notifications.base import NotificationView, Notifier
from sportello.ui.notifications.toast import ToastNotifier
from sportello.ui.preferences import AlertPreferences, NotificationPreferences, Preferences
from sportello.ui.profile_alerts import ProfileAlerts
from sportello.ui.sound import AlertSound
from sportello.ui.tray import CloseToTray, TrayIcon

log = logging.getLogger(__name__)

TRAY_REFRESH_MS = 50  # fold a burst of changes into one repaint of the tray icon


class DesktopAlerts(QObject):
    """Owns the tray, the notifier and the sound for one main window; shows what the
    profile on screen (`profile`) and the background ones attached to it hand over."""

    quit_requested = Signal()
    notifier_ready = Signal(str)  # the notifier's name: "freedesktop", "tray" or "toast"
    reminder_shown = Signal(str, int)  # ticket id, reminder count: handed to the notifier
    burst_shown = Signal(list)  # ticket ids of reminders told together, most pressing first
    gateway_warned = Signal(str)  # gateway key: its one-time "disconnected" notification

    def __init__(
        self,
        app: QApplication,
        window: MainWindow,
        client: SportelloClient,
        preferences: Preferences | None = None,
        *,
        use_tray: bool | None = None,
        profile: ProfileAlerts | None = None,
    ) -> None:
        super().__init__(app)
        self.app = app
        self.window = window
        self.client = client
        self.state = client.state
        self.preferences = preferences
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
                "closing it quits",
                self._platform_name(),
            )
        self.tray.open_requested.connect(self.show_window)
        self.tray.quit_requested.connect(self.quit)
        self.tray.pause_hour_requested.connect(lambda: self.pause(pause_for_an_hour(local_now())))
        self.tray.pause_tomorrow_requested.connect(
            lambda: self.pause(pause_until_tomorrow(local_now()))
        )
        self.tray.resume_requested.connect(lambda: self.pause(None))
        self._bad_intervals: list[str] = []
        # Unread messages of the profiles connected in the background (see app.py): the
        # tray's count is the operator's whole backlog, not only the profile on screen.
        self.other_unread: Callable[[], int] = lambda: 0
        self._tray_timer = QTimer(self)
        self._tray_timer.setSingleShot(True)
        self._tray_timer.setInterval(TRAY_REFRESH_MS)
        self._tray_timer.timeout.connect(self.refresh_tray)
        self._pause_timer = QTimer(self)  # resumes by itself when the pause ends
        self._pause_timer.setSingleShot(True)
        self._pause_timer.timeout.connect(lambda: self.pause(None))
        self._arm_pause_timer()
        # The profile on screen: given by the app, or ours alone (one console, no switcher).
        self._owns_profile = profile is None
        self.profile = profile if profile is not None else ProfileAlerts(client, parent=self)
        self.profiles: list[ProfileAlerts] = []  # every profile showing through us
        self.attach(self.profile, on_screen=True)
        self.refresh_tray()

    @property
    def escalation(self) -> EscalationController:
        """The reminders of the profile on screen (the tray's "waiting" line follows them)."""
        return self.profile.escalation

    # ---- the profiles that show through this desk -----------------------------------------

    def attach(self, profile: ProfileAlerts, *, on_screen: bool = False) -> None:
        """Show `profile`'s alerts here; the one `on_screen` also drives the tray."""
        self.profiles.append(profile)
        if on_screen:
            for signal, slot in self._screen_links(profile):
                signal.connect(slot)
            self.tray.set_waiting(profile.escalation.summary_text())
        profile.attach(self, on_screen=on_screen)

    def _screen_links(self, profile: ProfileAlerts) -> list[tuple[SignalInstance, Any]]:
        """What the on-screen profile drives here: connected by attach, cut by forget (one
        list, so the two cannot drift)."""
        links: list[tuple[SignalInstance, Any]] = [
            (profile.reminder_shown, self.reminder_shown),
            (profile.burst_shown, self.burst_shown),
            (profile.gateway_warned, self.gateway_warned),
            (profile.tray_stale, self._tray_timer.start),
            (profile.gateways_changed, self._gateways),
            (profile.escalation.summary_changed, self.tray.set_waiting),
        ]
        return links

    def forget(self, profile: ProfileAlerts) -> None:
        """`profile` no longer shows here (it disconnected, or this console closes)."""
        if profile not in self.profiles:
            return
        self.profiles.remove(profile)
        if profile is self.profile:
            for signal, slot in self._screen_links(profile):
                signal.disconnect(slot)
        if profile.desk is self:
            profile.attach(None, on_screen=False)

    def _gateways(self, gateways: tuple[GatewayInfo, ...]) -> None:
        self.tray.set_gateways_down(tuple(gateway_line(g) for g in gateways if g.down))

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
        notifier.closed.connect(self._closed_notification)
        log.info("desktop alerts: notifications through %s", notifier.name)
        early, self._early = self._early, []
        for view in early:
            notifier.show(view)
        self.notifier_ready.emit(notifier.name)

    # ---- what the profiles hand over (AlertDesk) ------------------------------------------

    def show(self, view: NotificationView) -> None:
        """Shown at once, or as soon as the notifier is chosen (a D-Bus round trip)."""
        if self.notifier is None:
            self._early.append(view)
        else:
            self.notifier.show(view)

    def withdraw(self, key: str) -> None:
        if self.notifier is not None:
            self.notifier.withdraw(key)
        else:
            self._early = [v for v in self._early if v.key != key]

    def play(self, cue: SoundCue) -> None:
        self.sound.play(cue)

    def mark_read_on_screen(self, work: Coroutine[Any, Any, object]) -> None:
        def failed(error: ClientError) -> None:
            self.window.status.showMessage(
                self.tr("Not marked as read: %1.").replace("%1", reason(error)), 10_000
            )

        self.window.runner.run(work, on_error=failed)

    def _owner(self, key: str) -> tuple[ProfileAlerts, str] | None:
        for profile in self.profiles:
            own = profile.own(key)
            if own is not None:
                return profile, own
        return None

    def _open_from_notification(self, key: str) -> None:
        if key == LOCAL_SERVER_KEY:
            self.show_window()  # where the restart button is
            return
        owner = self._owner(key)
        if owner is not None:
            owner[0].open(owner[1])

    def _mark_read_from_notification(self, key: str) -> None:
        owner = self._owner(key)
        if owner is not None:
            owner[0].mark_read(owner[1])

    def _closed_notification(self, key: str) -> None:
        owner = self._owner(key)
        if owner is not None:
            owner[0].dismissed(owner[1])

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
        for profile in list(self.profiles):
            self.forget(profile)
        if self._owns_profile:
            self.profile.close()
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

    # ---- local server ----------------------------------------------------------------------

    def local_server_down(self, text: str) -> None:
        """The local server stays down (`text` says why and what to do): told once per
        outage, like a gateway that stops, since nothing receives messages meanwhile."""
        if not self.settings().notifications:
            return
        self.show(
            NotificationView(
                key=LOCAL_SERVER_KEY,
                title=self.tr("The local server is down"),
                body=text,
                critical=True,
                icon=notification_icon(True),
                open_label=self.tr("Open"),
                mark_read_label="",
                mark_read=False,
                category="network.disconnected",
            )
        )
        log.warning("local server down: told the operator")

    def local_server_back(self) -> None:
        """It runs again: the "down" notification is no longer true."""
        self.withdraw(LOCAL_SERVER_KEY)

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
                ConversationFacts(
                    conv.unread_count, ticket.priority, conv.last_direction is Direction.INCOMING
                )
            )
        urgent = summarize(rows).urgent_unanswered
        unopened = self.escalation.urgent_waiting
        self.tray.set_summary(self.state.total_unread + self.other_unread(), urgent > 0 or unopened)

    @property
    def paused(self) -> bool:
        return is_paused(self.settings(), local_now())


def install_desktop_alerts(
    app: QApplication,
    window: MainWindow,
    client: SportelloClient,
    preferences: Preferences | None = None,
    profile: ProfileAlerts | None = None,
) -> DesktopAlerts:
    """Tray, notifications and sound for this window; the notifier is chosen in the
    background (a D-Bus round trip) and alerts that come first wait for it."""
    alerts = DesktopAlerts(app, window, client, preferences, profile=profile)
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


__all__ = [
    "AlertPreferences",
    "DesktopAlerts",
    "alert_settings",
    "escalation_of",
    "install_desktop_alerts",
    "local_now",
]
