"""Escalating alerts: a new ticket nobody has opened rings again every N seconds.

Pure scheduling, no clock of its own (the caller passes `now`). The server says which
tickets wait (`deskState.waitingTickets`, `ticketCreated`) and when one is opened
(`ticketOpened`); every console keeps its own plan from those facts, so the reminders
stop on every console the moment anyone opens the ticket. They follow the operator's
alert settings (domain/alerts.py) like a new message does: paused, no reminder; in quiet
hours, a silent one; except URGENT ones when `urgent_ignores_quiet` is set (the default:
an URGENT customer is the one who must not wait for the end of a meeting), which show and
ring through both. Notifications switched off silence every reminder.

`now` must be the local wall-clock time (an aware datetime): quiet hours are read from it,
and aware datetimes subtract correctly whatever zone the server's times are in.

Reminders that fall due together (a start with several old unopened tickets, a reconnect)
are told together: `due` brings forward a reminder due within `GATHER` (or half its own
interval, if shorter) of one that is due now, and `group_reminders` makes one
`ReminderBurst` of them, so the operator gets one notification and one chime, not a
cascade of overlapping ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sportello.domain.alerts import AlertSettings, SoundCue, in_quiet_hours, is_paused
from sportello.domain.values import Priority

MAX_INTERVAL = 86_400  # seconds: a reminder a day is the slowest that still means anything
# Reminders due this close to one that rings now ring with it (one notification, one chime).
GATHER = timedelta(seconds=2)

DEFAULT_INTERVALS: Mapping[Priority, float] = {
    Priority.URGENT: 30.0,
    Priority.HIGH: 120.0,
    Priority.MEDIUM: 600.0,
    Priority.LOW: 0.0,  # 0: no reminder
}


@dataclass(frozen=True, slots=True)
class EscalationSettings:
    intervals: Mapping[Priority, float] = field(default_factory=lambda: dict(DEFAULT_INTERVALS))
    urgent_ignores_quiet: bool = True  # the option: URGENT rings through pause and quiet hours

    def interval(self, priority: Priority) -> float:
        return float(self.intervals.get(priority, 0.0))


def interval_problem(seconds: object) -> str | None:
    """None when `seconds` is a usable re-alert interval (0 = off), else why not."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return f"{seconds!r} is not a number of seconds"
    if seconds != seconds:  # NaN
        return "not a number of seconds"
    if seconds < 0:
        return f"{seconds:g} s is negative (0 switches the reminder off)"
    if seconds > MAX_INTERVAL:
        return f"{seconds:g} s is longer than a day ({MAX_INTERVAL} s)"
    return None


def escalation_settings(
    intervals: Mapping[Priority, object], urgent_ignores_quiet: bool = True
) -> tuple[EscalationSettings, list[str]]:
    """Settings from stored values: a bad interval keeps its default, with the reason.

    Returns the settings and one line per value that was refused ("URGENT: ... ").
    """
    chosen: dict[Priority, float] = dict(DEFAULT_INTERVALS)
    problems = []
    for priority, raw in intervals.items():
        problem = interval_problem(raw)
        if problem is None:
            chosen[priority] = float(raw)  # type: ignore[arg-type]
        else:
            problems.append(f"{priority.value}: {problem}")
    return EscalationSettings(chosen, urgent_ignores_quiet), problems


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
    sound: SoundCue | None = None  # None: a silent reminder (sound off, quiet hours)

    @property
    def critical(self) -> bool:
        return self.ticket.priority is Priority.URGENT


@dataclass(frozen=True, slots=True)
class ReminderBurst:
    """Several reminders due together: one notification, one chime.

    `reminders` are ordered most pressing first (priority, then the longest wait), so
    `lead` is the ticket "Open" goes to.
    """

    reminders: tuple[Reminder, ...]

    @property
    def lead(self) -> Reminder:
        return self.reminders[0]

    @property
    def critical(self) -> bool:
        return any(r.critical for r in self.reminders)

    @property
    def sound(self) -> SoundCue | None:
        """The URGENT chime if any reminder rings it, else the message chime if any rings."""
        cues = {r.sound for r in self.reminders} - {None}
        if SoundCue.URGENT in cues:
            return SoundCue.URGENT
        return SoundCue.MESSAGE if cues else None


def pressing_order(reminder: Reminder) -> tuple[int, datetime, str]:
    """Sort key: URGENT before HIGH before ..., then the ticket that has waited longest."""
    ticket = reminder.ticket
    return (ticket.priority.rank, ticket.since, ticket.number)


def burst_still_waiting(
    burst: list[tuple[str, str]], waiting: set[str]
) -> list[tuple[str, str]] | None:
    """The (ticket id, conversation id) pairs of a burst notification whose tickets still
    wait, most pressing first; None when none of them was opened (nothing to change)."""
    still = [(t, c) for t, c in burst if t in waiting]
    return None if still == burst else still


def group_reminders(reminders: Sequence[Reminder]) -> Reminder | ReminderBurst | None:
    """What one timer firing tells the operator: nothing, one ticket's own reminder (as
    before), or one burst for several tickets."""
    if not reminders:
        return None
    if len(reminders) == 1:
        return reminders[0]
    return ReminderBurst(tuple(sorted(reminders, key=pressing_order)))


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

    def configure(self, settings: EscalationSettings, now: datetime) -> bool:
        """New intervals (the operator saved the settings): each ticket follows its new one.

        A shorter interval takes effect now rather than after the old, longer wait; an
        interval switched off drops the ticket's next reminder (it keeps waiting).
        Returns whether anything changed.
        """
        if settings == self.settings:
            return False
        self.settings = settings
        for ticket_id, ticket in self._waiting.items():
            interval = settings.interval(ticket.priority)
            if interval <= 0:
                self._next.pop(ticket_id, None)
                continue
            last = self._next.get(ticket_id)
            due = max(now, ticket.since + timedelta(seconds=interval))
            if self._count.get(ticket_id):
                due = now + timedelta(seconds=interval)
            self._next[ticket_id] = due if last is None else min(last, due)
        return True

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
        """Reminders to give now (silenced ones are skipped); reschedules each one.

        When one is due, those due within `GATHER` (at most half their own interval, so a
        fast reminder never rings twice in a row) come with it: rung together, once.
        Paused: no reminder; in quiet hours: a silent one; unless the ticket is URGENT and
        `urgent_ignores_quiet` is set: then it shows and rings. The chime needs sound on
        (the URGENT one for an URGENT ticket).
        """
        alerts = alerts or AlertSettings()
        paused = is_paused(alerts, now)
        quiet_hours = in_quiet_hours(alerts, now)
        out: list[Reminder] = []
        if not any(when <= now for when in self._next.values()):
            return out
        for ticket_id, when in sorted(self._next.items(), key=lambda item: item[1]):
            if when > now and when - now >= self._gather(self._waiting[ticket_id]):
                continue
            ticket = self._waiting[ticket_id]
            self._next[ticket_id] = now + timedelta(seconds=self.settings.interval(ticket.priority))
            urgent_through = (
                ticket.priority is Priority.URGENT and self.settings.urgent_ignores_quiet
            )
            if not alerts.notifications or (paused and not urgent_through):
                continue
            sound = None
            if alerts.sound and (not quiet_hours or urgent_through):
                sound = SoundCue.URGENT if ticket.priority is Priority.URGENT else SoundCue.MESSAGE
            self._count[ticket_id] += 1
            waited = max(timedelta(0), now - ticket.since)
            out.append(Reminder(ticket, self._count[ticket_id], waited, sound))
        return out

    def _gather(self, ticket: Waiting) -> timedelta:
        return min(GATHER, timedelta(seconds=self.settings.interval(ticket.priority) / 2))

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
