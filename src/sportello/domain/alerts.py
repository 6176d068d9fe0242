"""Which customer messages deserve a desktop alert, how they are grouped, and how loud.

Pure decisions for the tray, the notifications and the sound: the UI glue turns client
events into the facts below, asks `AlertPolicy`, then formats (translated) and shows what
it answered. No Qt, no I/O, no clock of its own: the caller passes `now`.

Rules, in the order they apply to one incoming message:
1. replayed (catch-up after a reconnection or a restart): counted in the tray, never popped
   up or rung, or a morning start would flood the screen;
2. the conversation the operator is reading in a focused window: nothing at all;
3. notifications paused (tray menu): nothing; "only for new tickets": nothing unless the
   message opened a new ticket;
4. a burst from one contact is one notification, replaced in place ("3 new messages from
   Mario Rossi"); a message that opens a new ticket gets a notification of its own;
5. critical urgency for an URGENT ticket (or the server's "urgent" sound hint);
6. sound: on, not in quiet hours, at most one chime per `sound_gap` seconds per kind.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from enum import IntEnum, StrEnum

from sportello.domain.values import Priority

MAX_BADGE = 99
RESUME_HOUR_TOMORROW = 8  # "pause until tomorrow" ends at 08:00 of the next day
DEFAULT_SOUND_GAP = 2.0  # seconds between two chimes of the same kind


class SoundCue(StrEnum):
    """Which chime: the names match the server's `notification.sound` and the WAV files."""

    MESSAGE = "message"
    URGENT = "urgent"


class Urgency(IntEnum):
    """org.freedesktop.Notifications urgency levels (the `urgency` hint's byte)."""

    LOW = 0
    NORMAL = 1
    CRITICAL = 2


@dataclass(frozen=True, slots=True)
class ServerHint:
    """The seed's `notification` block of newMessage: what the server suggests showing."""

    title: str | None = None
    body: str | None = None
    icon: str | None = None
    sound: str | None = None


@dataclass(frozen=True, slots=True)
class TicketFact:
    id: str
    number: str
    conversation_id: str | None
    priority: Priority


@dataclass(frozen=True, slots=True)
class IncomingFact:
    """A customer message as the alert rules need it."""

    message_id: str
    conversation_id: str
    sender: str  # the contact's name, else the phone number
    body: str  # one-line preview
    ticket: TicketFact | None = None  # the conversation's ticket this message belongs to
    hint: ServerHint | None = None
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """The operator's choices, as plain values (the UI reads them from QSettings)."""

    notifications: bool = True
    sound: bool = True
    only_new_tickets: bool = False
    quiet_hours: tuple[time, time] | None = None  # (start, end), may wrap past midnight
    paused_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    """One notification to show, or to replace in place when `key` is already showing."""

    key: str
    conversation_id: str
    message_id: str  # the newest message of the group
    sender: str
    count: int  # messages grouped in this notification
    body: str  # the newest message's preview (the server's body hint for a single one)
    server_title: str | None  # honoured for a single message
    ticket: TicketFact | None
    new_ticket: bool  # the group started with a message that opened `ticket`
    urgency: Urgency
    icon: str | None  # the server's icon hint


@dataclass(frozen=True, slots=True)
class Decision:
    alert: Alert | None  # None: no notification
    sound: SoundCue | None  # None: silence
    why: str  # a short reason, for the log and the tests


def is_paused(settings: AlertSettings, now: datetime) -> bool:
    return settings.paused_until is not None and now < settings.paused_until


def in_quiet_hours(settings: AlertSettings, now: datetime) -> bool:
    """`now` is local wall-clock time; start == end means no quiet hours."""
    if settings.quiet_hours is None:
        return False
    start, end = settings.quiet_hours
    t = now.time().replace(tzinfo=None)
    if start == end:
        return False
    if start < end:
        return start <= t < end
    return t >= start or t < end  # e.g. 22:00 -> 07:00


def pause_for_an_hour(now: datetime) -> datetime:
    return now + timedelta(hours=1)


def pause_until_tomorrow(now: datetime) -> datetime:
    """08:00 of the next calendar day (local time of `now`)."""
    tomorrow = (now + timedelta(days=1)).date()
    return datetime.combine(tomorrow, time(RESUME_HOUR_TOMORROW), tzinfo=now.tzinfo)


def urgency_for(ticket: TicketFact | None, hint: ServerHint | None) -> Urgency:
    if ticket is not None and ticket.priority is Priority.URGENT:
        return Urgency.CRITICAL
    if hint is not None and hint.sound == SoundCue.URGENT.value:
        return Urgency.CRITICAL
    return Urgency.NORMAL


def badge_text(unread: int) -> str:
    """What the tray icon shows: "" for none, "99+" past two digits."""
    if unread <= 0:
        return ""
    return str(unread) if unread <= MAX_BADGE else f"{MAX_BADGE}+"


@dataclass(frozen=True, slots=True)
class ConversationFacts:
    """One row of the conversation list, for the tray summary."""

    unread: int
    open_ticket_priority: Priority | None  # None: no open ticket
    last_incoming: bool  # the customer spoke last: unanswered


@dataclass(frozen=True, slots=True)
class TraySummary:
    unread: int
    urgent_unanswered: int  # conversations with an open URGENT ticket the customer spoke last in


def summarize(rows: Iterable[ConversationFacts]) -> TraySummary:
    unread = urgent = 0
    for row in rows:
        unread += row.unread
        if row.open_ticket_priority is Priority.URGENT and row.last_incoming:
            urgent += 1
    return TraySummary(unread, urgent)


class GatewayWatch:
    """Which gateway connections are down, to say so once per outage.

    `update` takes the full current picture (key -> down) and answers the keys that just
    went down (tell the operator, once) and those that came back (withdraw the warning;
    the next outage is told again). A key missing from the picture counts as up.
    """

    def __init__(self) -> None:
        self.down: set[str] = set()

    def update(self, states: Iterable[tuple[str, bool]]) -> tuple[list[str], list[str]]:
        now_down = {key for key, down in states if down}
        went_down = sorted(now_down - self.down)
        came_back = sorted(self.down - now_down)
        self.down = now_down
        return went_down, came_back


@dataclass(slots=True)
class _Group:
    key: str
    alert: Alert


class AlertPolicy:
    """Remembers the live notification of each conversation and the tickets just created."""

    def __init__(self, sound_gap: float = DEFAULT_SOUND_GAP) -> None:
        self.sound_gap = sound_gap
        self._groups: dict[str, _Group] = {}  # conversation id -> its live notification
        self._new_tickets: dict[str, TicketFact] = {}  # auto-created, first message pending
        self._last_sound: dict[SoundCue, float] = {}
        self._serial = 0

    # ---- facts --------------------------------------------------------------------------

    def ticket_created(self, ticket: TicketFact, reason: str | None) -> None:
        """A ticket opened by the rules: the message that caused it comes next."""
        if reason in (None, "auto") and ticket.conversation_id:
            self._new_tickets[ticket.id] = ticket

    def conversation_read(self, conversation_id: str) -> str | None:
        """Its unread count reached zero: returns the key of the notification to withdraw."""
        group = self._groups.pop(conversation_id, None)
        return group.key if group is not None else None

    def dismissed(self, key: str) -> None:
        """The operator closed the notification: the next message starts a fresh one."""
        for conv_id, group in list(self._groups.items()):
            if group.key == key:
                del self._groups[conv_id]

    def live_alert(self, key: str) -> Alert | None:
        return next((g.alert for g in self._groups.values() if g.key == key), None)

    def live_key(self, conversation_id: str) -> str | None:
        """The key of the conversation's notification still on screen, if any: a reminder
        for its ticket replaces it rather than stacking a second one."""
        group = self._groups.get(conversation_id)
        return group.key if group is not None else None

    # ---- the decision -------------------------------------------------------------------

    def incoming(
        self,
        fact: IncomingFact,
        settings: AlertSettings,
        *,
        now: datetime,
        monotonic: float,
        reading: str | None,
    ) -> Decision:
        """What to do for one customer message.

        `now` is local wall-clock time (pause, quiet hours); `monotonic` seconds space the
        chimes; `reading` is the conversation open in a focused window, if any.
        """
        new_ticket = None
        if fact.ticket is not None:
            new_ticket = self._new_tickets.pop(fact.ticket.id, None)
        if fact.replayed:
            return Decision(None, None, "replayed")
        if reading is not None and reading == fact.conversation_id:
            self._groups.pop(fact.conversation_id, None)
            return Decision(None, None, "reading")
        if not settings.notifications:
            return Decision(None, None, "notifications off")
        if is_paused(settings, now):
            return Decision(None, None, "paused")
        if settings.only_new_tickets and new_ticket is None:
            return Decision(None, None, "only new tickets")
        alert = self._group(fact, new_ticket is not None)
        return Decision(alert, self._sound(alert, fact.hint, settings, now, monotonic), "shown")

    def _group(self, fact: IncomingFact, new_ticket: bool) -> Alert:
        group = self._groups.get(fact.conversation_id)
        ticket = fact.ticket
        urgency = urgency_for(ticket, fact.hint)
        if group is None or new_ticket:
            self._serial += 1
            key = f"{fact.conversation_id}#{self._serial}"
            alert = Alert(
                key=key,
                conversation_id=fact.conversation_id,
                message_id=fact.message_id,
                sender=fact.sender,
                count=1,
                body=(fact.hint.body if fact.hint and fact.hint.body else fact.body),
                server_title=fact.hint.title if fact.hint else None,
                ticket=ticket,
                new_ticket=new_ticket,
                urgency=urgency,
                icon=fact.hint.icon if fact.hint else None,
            )
            self._groups[fact.conversation_id] = _Group(key, alert)
            return alert
        previous = group.alert
        alert = replace(
            previous,
            message_id=fact.message_id,
            sender=fact.sender or previous.sender,
            count=previous.count + 1,
            body=fact.body or (fact.hint.body if fact.hint and fact.hint.body else ""),
            server_title=None,  # a burst has our own title: "3 new messages from ..."
            ticket=ticket or previous.ticket,
            urgency=max(previous.urgency, urgency),
        )
        group.alert = alert
        return alert

    def _sound(
        self,
        alert: Alert,
        hint: ServerHint | None,
        settings: AlertSettings,
        now: datetime,
        monotonic: float,
    ) -> SoundCue | None:
        if not settings.sound or in_quiet_hours(settings, now):
            return None
        cue = SoundCue.URGENT if alert.urgency is Urgency.CRITICAL else SoundCue.MESSAGE
        if hint is not None and hint.sound == SoundCue.URGENT.value:
            cue = SoundCue.URGENT
        last = self._last_sound.get(cue)
        if last is not None and monotonic - last < self.sound_gap:
            return None
        self._last_sound[cue] = monotonic
        return cue


__all__ = [
    "Alert",
    "AlertPolicy",
    "AlertSettings",
    "ConversationFacts",
    "Decision",
    "GatewayWatch",
    "IncomingFact",
    "ServerHint",
    "SoundCue",
    "TicketFact",
    "TraySummary",
    "Urgency",
    "badge_text",
    "in_quiet_hours",
    "is_paused",
    "pause_for_an_hour",
    "pause_until_tomorrow",
    "summarize",
    "urgency_for",
]
