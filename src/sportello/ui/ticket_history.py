"""A ticket's history as lines for the ticket pane, newest first.

The server's record (GET /api/tickets/{id}/history) is the source when it answers; until
then, and against a server without it, the pane shows the creation date and the changes
this console saw (from TicketChanged).
"""

from __future__ import annotations

from collections.abc import Callable

from sportello.client.changes import TicketChanged
from sportello.client.records import Ticket, TicketEvent
from sportello.domain.values import Priority, TicketStatus
from sportello.ui import labels
from sportello.ui.labels import tr  # a bare tr(): pyside6-lupdate collects these strings


def _status(value: str | None) -> str:
    try:
        return labels.status_label(TicketStatus(value or ""))
    except ValueError:
        return value or "—"


def _priority(value: str | None) -> str:
    try:
        return labels.priority_label(Priority(value or ""))
    except ValueError:
        return value or "—"


def format_events(events: list[TicketEvent], name_of: Callable[[str | None], str]) -> list[str]:
    """The server's history as lines, newest first: "when · who: what"."""
    lines: list[str] = []
    for event in events:
        when = labels.list_time(event.at) or "—"
        if event.field == "status" and event.old is None:
            what = (
                tr("Ticket created automatically")
                if event.actor_id is None
                else tr("Ticket created by hand")
            )
        elif event.field == "status":
            what = (
                tr("Status: %1 → %2")
                .replace("%1", _status(event.old))
                .replace("%2", _status(event.new))
            )
        elif event.field == "priority":
            what = (
                tr("Priority: %1 → %2")
                .replace("%1", _priority(event.old))
                .replace("%2", _priority(event.new))
            )
        elif event.field == "assignee":
            what = (
                tr("Assigned to %1").replace("%1", name_of(event.new))
                if event.new
                else tr("Unassigned")
            )
        else:
            what = f"{event.field}: {event.old or '—'} → {event.new or '—'}"
        who = name_of(event.actor_id) if event.actor_id else tr("Sportello")
        lines.append(tr("%1 · %2: %3").replace("%1", when).replace("%2", who).replace("%3", what))
    return list(reversed(lines))


class TicketHistory:
    """Session-local lines, the fallback while the server's history is not (yet) there."""

    def __init__(self) -> None:
        self._seen: dict[str, Ticket] = {}
        self._lines: dict[str, list[str]] = {}

    def record(self, change: TicketChanged) -> None:
        new = change.ticket
        old = self._seen.get(new.id)
        self._seen[new.id] = new
        when = labels.list_time(new.updated_at or new.created_at)
        lines = self._lines.setdefault(new.id, [])
        if old is None:
            if change.created:
                reason = (
                    tr("created automatically")
                    if change.reason in (None, "", "auto", "rules")
                    else tr("created by hand")
                    if change.reason == "manual"
                    else change.reason
                )
                lines.append(
                    tr("%1 · Ticket created (%2)").replace("%1", when).replace("%2", reason or "")
                )
            return
        if old.status != new.status:
            lines.append(
                tr("%1 · Status: %2")
                .replace("%1", when)
                .replace("%2", labels.status_label(new.status))
            )
        if old.priority != new.priority:
            lines.append(
                tr("%1 · Priority: %2")
                .replace("%1", when)
                .replace("%2", labels.priority_label(new.priority))
            )
        if old.assignee_id != new.assignee_id:
            lines.append(
                tr("%1 · Assigned to %2").replace("%1", when).replace("%2", new.assignee_id or "—")
            )

    def lines(self, ticket: Ticket) -> list[str]:
        opened = tr("%1 · Ticket opened").replace("%1", labels.list_time(ticket.created_at) or "—")
        recorded = self._lines.get(ticket.id, [])
        if recorded and "(" in recorded[0] and recorded[0].endswith(")"):
            return list(reversed(recorded))
        return list(reversed([opened, *recorded]))
