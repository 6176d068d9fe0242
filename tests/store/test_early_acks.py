"""Acks that overtake the send: the gateway reports `delivered` (or `read`, or `failed`) for
its message id before our sender has stored that id. They wait, then apply, in order."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from sportello.domain.values import DeliveryStatus, Gateway, StatusUpdate, utc_now
from sportello.ingest.desk import DeskService
from sportello.ingest.service import IngestService
from sportello.store.database import Database
from sportello.store.events import read_events
from sportello.store.models import Message, PendingStatus

S = DeliveryStatus
AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _queue_and_claim(desk: DeskService, operator_id: int, client_id: str) -> tuple[int, int]:
    reply = desk.queue_outgoing(
        body="Arriviamo alle 15", client_id=client_id, operator_id=operator_id, to="3331234567"
    )
    [job] = [j for j in desk.claim_outbox(limit=100) if j.message_id == reply.message_id]
    return reply.message_id, job.outbox_id


def _race(*works: Callable[[], object]) -> list[BaseException]:
    """Run the works on threads released at the same instant; the exceptions they raised."""
    start = threading.Barrier(len(works))
    errors: list[BaseException] = []

    def run(work: Callable[[], object]) -> None:
        start.wait()
        try:
            work()
        except BaseException as exc:  # reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


def _pending_count(db: Database) -> int:
    with db.read_session() as session:
        return int(session.execute(select(func.count()).select_from(PendingStatus)).scalar_one())


def test_acks_before_the_send_is_recorded_are_kept_and_applied_in_order(
    db: Database, ingest: IngestService, desk: DeskService, operator_id: int
) -> None:
    message_id, outbox_id = _queue_and_claim(desk, operator_id, "early-1")
    wamid = "true_393331234567@c.us_3EB0EARLY"

    assert ingest.apply_status(StatusUpdate(Gateway.WPPCONNECT, wamid, S.DELIVERED, AT)) is None
    assert (
        ingest.apply_status(
            StatusUpdate(Gateway.WPPCONNECT, wamid, S.READ, AT + timedelta(seconds=5))
        )
        is None
    )
    assert _pending_count(db) == 2

    recorded = desk.record_sent(outbox_id, wamid)

    assert recorded is not None and recorded.status is S.READ
    assert [e.payload["status"] for e in recorded.events] == ["sent", "delivered", "read"]
    assert recorded.events[-1].payload["timestamp"].startswith("2026-03-02T10:00:05")
    assert _pending_count(db) == 0
    with db.read_session() as session:
        message = session.get(Message, message_id)
        assert message is not None and message.status is S.READ
        seqs = [e.seq for e in read_events(session, 0, 100)]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_an_early_failure_arrives_with_its_error(
    db: Database, ingest: IngestService, desk: DeskService, operator_id: int
) -> None:
    _, outbox_id = _queue_and_claim(desk, operator_id, "early-2")
    ingest.apply_status(
        StatusUpdate(Gateway.WPPCONNECT, "wamid.F", S.FAILED, AT, error="131026: undeliverable")
    )

    recorded = desk.record_sent(outbox_id, "wamid.F")

    assert recorded is not None and recorded.status is S.FAILED
    assert recorded.events[-1].payload["error"] == "131026: undeliverable"


def test_a_status_of_another_gateway_with_the_same_id_is_not_taken(
    db: Database, ingest: IngestService, desk: DeskService, operator_id: int
) -> None:
    _, outbox_id = _queue_and_claim(desk, operator_id, "early-3")
    ingest.apply_status(StatusUpdate(Gateway.META, "same-id", S.READ, AT))

    recorded = desk.record_sent(outbox_id, "same-id")  # a WPPConnect reply

    assert recorded is not None and recorded.status is S.SENT
    assert _pending_count(db) == 1


def test_statuses_nobody_claims_are_forgotten_after_a_day(
    db: Database, ingest: IngestService
) -> None:
    with db.session() as session:
        session.add(
            PendingStatus(
                gateway=Gateway.META,
                gateway_message_id="wamid.OLD",
                status=S.DELIVERED,
                status_at=AT,
                received_at=utc_now() - timedelta(days=2),
            )
        )
        session.commit()

    ingest.apply_status(StatusUpdate(Gateway.META, "wamid.NEW", S.DELIVERED, AT))

    with db.read_session() as session:
        ids = session.scalars(select(PendingStatus.gateway_message_id)).all()
    assert ids == ["wamid.NEW"]


def test_acks_racing_the_send_record_are_never_lost(
    db: Database, ingest: IngestService, desk: DeskService, operator_id: int
) -> None:
    """The ack and the recording of the send race on two threads: whoever wins, the reply
    ends `delivered`, with one `sent` and one `delivered` event, and nothing left parked."""
    rounds = 12
    for n in range(rounds):
        message_id, outbox_id = _queue_and_claim(desk, operator_id, f"race-{n}")
        wamid = f"true_393331234567@c.us_RACE{n}"
        errors = _race(
            lambda wamid=wamid: ingest.apply_status(
                StatusUpdate(Gateway.WPPCONNECT, wamid, S.DELIVERED, AT)
            ),
            lambda outbox_id=outbox_id, wamid=wamid: desk.record_sent(outbox_id, wamid),
        )
        assert errors == []
        with db.read_session() as session:
            message = session.get(Message, message_id)
            assert message is not None and message.status is S.DELIVERED, n
    assert _pending_count(db) == 0
    with db.read_session() as session:
        statuses = [
            e.payload["status"]
            for e in read_events(session, 0, 1000)
            if e.name == "messageStatusUpdate"
        ]
    assert statuses.count("sent") == rounds and statuses.count("delivered") == rounds
