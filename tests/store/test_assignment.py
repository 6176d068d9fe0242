"""Taking a ticket moves it along: assigning a PENDING ticket makes it ASSIGNED, giving it
back (unassigning) makes it PENDING again; a status named in the same change wins."""

from __future__ import annotations

from collections.abc import Callable

from sportello.domain.values import InboundMessage, TicketStatus
from sportello.ingest.desk import DeskService
from sportello.ingest.service import IngestService
from sportello.store.database import Database
from sportello.store.tickets import ticket_history

MakeInbound = Callable[..., InboundMessage]


def _ticket(ingest: IngestService, make_inbound: MakeInbound) -> int:
    ticket_id = ingest.ingest(make_inbound("la caldaia è in blocco, aiuto")).ticket_id
    assert ticket_id is not None
    return ticket_id


def test_assigning_a_pending_ticket_makes_it_assigned_and_unassigning_pending_again(
    db: Database,
    ingest: IngestService,
    desk: DeskService,
    make_inbound: MakeInbound,
    operator_id: int,
) -> None:
    ticket_id = _ticket(ingest, make_inbound)

    taken = desk.update_ticket(ticket_id, operator_id, assignee_id=operator_id)
    given_back = desk.update_ticket(ticket_id, operator_id, unassign=True)

    assert taken.ticket["status"] == "ASSIGNED" and sorted(taken.changed) == ["assignee", "status"]
    assert taken.events[0].payload["ticket"]["status"] == "ASSIGNED"
    assert given_back.ticket["status"] == "PENDING" and given_back.ticket["assigneeId"] is None
    with db.read_session() as session:
        history = [(h.field, h.old_value, h.new_value) for h in ticket_history(session, ticket_id)]
    assert history[1:] == [
        ("status", "PENDING", "ASSIGNED"),
        ("assignee", None, str(operator_id)),
        ("status", "ASSIGNED", "PENDING"),
        ("assignee", str(operator_id), None),
    ]


def test_a_ticket_in_progress_keeps_its_status_when_it_changes_hands(
    ingest: IngestService, desk: DeskService, make_inbound: MakeInbound, operator_id: int
) -> None:
    ticket_id = _ticket(ingest, make_inbound)
    desk.update_ticket(ticket_id, operator_id, status=TicketStatus.IN_PROGRESS)

    assert (
        desk.update_ticket(ticket_id, operator_id, assignee_id=operator_id).ticket["status"]
        == "IN_PROGRESS"
    )
    assert (
        desk.update_ticket(ticket_id, operator_id, unassign=True).ticket["status"] == "IN_PROGRESS"
    )


def test_a_status_named_with_the_assignment_wins(
    ingest: IngestService, desk: DeskService, make_inbound: MakeInbound, operator_id: int
) -> None:
    ticket_id = _ticket(ingest, make_inbound)

    result = desk.update_ticket(
        ticket_id, operator_id, assignee_id=operator_id, status=TicketStatus.IN_PROGRESS
    )

    assert result.ticket["status"] == "IN_PROGRESS"
