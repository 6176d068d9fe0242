"""Escalating alerts: a new ticket nobody has opened rings again every N seconds.

Pure scheduling, no clock of its own (the caller passes `now`). The server says which
tickets wait (`deskState.waitingTickets`, `ticketCreated`) and when one is opened
(`ticketOpened`); every console keeps its own plan from those facts, so the reminders
stop on every console the moment anyone opens the ticket. Pause and quiet hours (the
operator's alert settings, domain/alerts.py) silence reminders, except URGENT ones when
`urgent_ignores_quiet` is set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sportello.domain.alerts import AlertSettings, in_quiet_hours, is_paused
from sportello.domain.values import Priority

DEFAULT_INTERVALS: Mapping[Priority, float] = {
    Priority.URGENT: 30.0,
    Priority.HIGH: 120.0,
    Priority.MEDIUM: 600.0,
    Priority.LOW: 0.0,  # 0: no reminder
}


@dataclass(frozen=True, slots=True)
class EscalationSettings:
    intervals: Mapping[Priority, float] = field(default_factory=lambda: dict(DEFAULT_INTERVALS))
    urgent_ignores_quiet: bool = False  # the option: URGENT rings through pause and quiet hours

    def interval(self, priority: Priority) -> float:
        return float(self.intervals.get(priority, 0.0))


@dataclass(frozen=True, slots=True)
class Waiting:
    ticket_id: str
    number: str
    conversation_id: str
    priority: Priority
    title: str
    since: datetime


@dataclass(frozen=True, slots=True)
class Reminder:
    ticket: Waiting
    count: int  # 1 for the first reminder after the ticket's own alert
    waited: timedelta


@dataclass(frozen=True, slots=True)
class WaitSummary:
    count: int
    longest: timedelta | None


class EscalationPlan:
    """The tickets waiting to be opened and when each rings next."""

    def __init__(self, settings: EscalationSettings | None = None) -> None:
        self.settings = settings or EscalationSettings()
        self._waiting: dict[str, Waiting] = {}
        self._next: dict[str, datetime] = {}
        self._count: dict[str, int] = {}

    def replace_all(self, tickets: Iterable[Waiting], now: datetime) -> None:
        """The server's list: tickets missing from it stop; new ones start their cycle."""
        fresh = {t.ticket_id: t for t in tickets}
        for gone in set(self._waiting) - set(fresh):
            self.opened(gone)
        for ticket in fresh.values():
            self.add(ticket, now)

    def add(self, ticket: Waiting, now: datetime) -> None:
        if ticket.ticket_id in self._waiting:
            self._waiting[ticket.ticket_id] = ticket
            return
        self._waiting[ticket.ticket_id] = ticket
        self._count[ticket.ticket_id] = 0
        interval = self.settings.interval(ticket.priority)
        if interval > 0:
            # The ticket's own notification was the first alert: the reminder follows.
            first = max(now, ticket.since + timedelta(seconds=interval))
            self._next[ticket.ticket_id] = first

    def opened(self, ticket_id: str) -> None:
        """Someone opened it (or it closed): no more reminders."""
        self._waiting.pop(ticket_id, None)
        self._next.pop(ticket_id, None)
        self._count.pop(ticket_id, None)

    def due(self, now: datetime, alerts: AlertSettings | None = None) -> list[Reminder]:
        """Reminders to give now (silenced ones are skipped); reschedules each one."""
        alerts = alerts or AlertSettings()
        quiet = is_paused(alerts, now) or in_quiet_hours(alerts, now) or not alerts.notifications
        out = []
        for ticket_id, when in sorted(self._next.items(), key=lambda item: item[1]):
            if when > now:
                continue
            ticket = self._waiting[ticket_id]
            self._next[ticket_id] = now + timedelta(seconds=self.settings.interval(ticket.priority))
            urgent_through = (
                ticket.priority is Priority.URGENT and self.settings.urgent_ignores_quiet
            )
            if quiet and not urgent_through:
                continue
            self._count[ticket_id] += 1
            out.append(Reminder(ticket, self._count[ticket_id], now - ticket.since))
        return out

    def seconds_to_next(self, now: datetime) -> float | None:
        if not self._next:
            return None
        return max(0.0, (min(self._next.values()) - now).total_seconds())

    def summary(self, now: datetime) -> WaitSummary:
        if not self._waiting:
            return WaitSummary(0, None)
        oldest = min(t.since for t in self._waiting.values())
        return WaitSummary(len(self._waiting), max(timedelta(0), now - oldest))

    @property
    def waiting(self) -> list[Waiting]:
        return sorted(self._waiting.values(), key=lambda t: t.since)
