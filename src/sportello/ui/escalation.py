"""Escalating alerts in the console: one Qt timer over domain/escalation.EscalationPlan.

Fed by the client's WaitingTicketsChanged (the server's list of tickets nobody has
opened, plus `ticketOpened`), it emits `reminded(Reminder)` each time a waiting ticket
must ring again, `announced(Reminder | ReminderBurst)` once per timer firing (several
reminders due together are one burst: one notification, one chime) and
`summary_changed(text)` for the tray tooltip ("2 tickets waiting, the oldest for 3 min").
Showing and ringing is the profile's alerts' job (ui/profile_alerts.py): there is one
controller per connected client, on screen or not, so a profile switch goes on with the
same schedule. The timer lives in every connected client, so the reminders stop
everywhere as soon as the server announces that anyone opened the ticket.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import QObject, QTimer, Signal

from sportello.client.awareness import DeskAwareness
from sportello.client.changes import StateChange, WaitingTicketsChanged
from sportello.client.state import ClientState
from sportello.domain.alerts import AlertSettings
from sportello.domain.escalation import (
    EscalationPlan,
    EscalationSettings,
    Reminder,
    ReminderBurst,
    Waiting,
    group_reminders,
)
from sportello.domain.values import Priority

SettingsSource = Callable[[], AlertSettings]
EscalationSource = Callable[[], EscalationSettings]
SUMMARY_TICK_MS = 5_000  # "the oldest for 45 s" stays roughly true; emitted only on change


def local_now() -> datetime:
    """Local wall-clock time, aware: quiet hours are local, the server's times are UTC."""
    return datetime.now().astimezone()


def wait_text(waited: timedelta) -> str:
    minutes = int(waited.total_seconds() // 60)
    if minutes < 1:
        return f"{int(waited.total_seconds())} s"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


class EscalationController(QObject):
    reminded = Signal(object)  # Reminder, one per ticket (also when rung in a burst)
    announced = Signal(object)  # Reminder | ReminderBurst: what to show, once per firing
    summary_changed = Signal(str)  # tray tooltip line, "" when nothing waits

    def __init__(
        self,
        state: ClientState,
        awareness: DeskAwareness,
        settings: EscalationSettings | EscalationSource | None = None,
        alert_settings: SettingsSource | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        # A callable is asked again before each decision: saved settings apply at once.
        self._settings_source = settings if callable(settings) else None
        self.plan = EscalationPlan(settings if isinstance(settings, EscalationSettings) else None)
        self._awareness = awareness
        self._alert_settings = alert_settings or AlertSettings
        self._last_summary: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)
        self._tick = QTimer(self)  # keeps "waiting for N min" in the tooltip current
        self._tick.setInterval(SUMMARY_TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._unsubscribe = state.subscribe(self._on_change)
        self._sync()

    def detach(self) -> None:
        self._unsubscribe()
        self._timer.stop()
        self._tick.stop()

    def summary_text(self) -> str:
        summary = self.plan.summary(local_now())
        if summary.count == 0 or summary.longest is None:
            return ""
        return self.tr(
            "%n ticket(s) waiting to be opened, the oldest for %1", "", summary.count
        ).replace("%1", wait_text(summary.longest))

    def _on_change(self, change: StateChange) -> None:
        if isinstance(change, WaitingTicketsChanged):
            self._sync()

    def reconfigure(self) -> None:
        """Read the settings again (the operator saved new intervals) and reschedule."""
        source = self._settings_source
        if source is not None and self.plan.configure(source(), local_now()):
            self._schedule()

    def _on_tick(self) -> None:
        # The tick runs while tickets wait: new intervals saved in Settings apply within
        # one tick, with no wiring from the dialog (the source reads the preferences).
        self.reconfigure()
        self._publish_summary()

    @property
    def urgent_waiting(self) -> bool:
        """An URGENT ticket nobody has opened yet (the tray turns to its alert icon)."""
        return any(t.priority is Priority.URGENT for t in self.plan.waiting)

    def _sync(self) -> None:
        now = local_now()
        if self._settings_source is not None:
            self.plan.configure(self._settings_source(), now)
        tickets = []
        for t in self._awareness.waiting.values():
            try:
                priority = Priority(t.priority)
            except ValueError:
                priority = Priority.MEDIUM
            tickets.append(
                Waiting(t.ticket_id, t.number, t.conversation_id, priority, t.title, t.since)
            )
        self.plan.replace_all(tickets, now)
        self._schedule()
        self._publish_summary()

    def _schedule(self) -> None:
        if not self.plan.waiting:
            self._tick.stop()
        elif not self._tick.isActive():
            self._tick.start()
        seconds = self.plan.seconds_to_next(local_now())
        if seconds is None:
            self._timer.stop()
            return
        self._timer.start(max(50, int(seconds * 1000)))

    def _fire(self) -> None:
        now = local_now()
        if self._settings_source is not None:
            self.plan.configure(self._settings_source(), now)
        due = self.plan.due(now, self._alert_settings())
        for reminder in due:
            self.reminded.emit(reminder)
        told = group_reminders(due)
        if told is not None:
            self.announced.emit(told)
        self._schedule()
        self._publish_summary()

    def _publish_summary(self) -> None:
        text = self.summary_text()
        if text != self._last_summary:
            self._last_summary = text
            self.summary_changed.emit(text)


__all__ = ["EscalationController", "Reminder", "ReminderBurst"]
