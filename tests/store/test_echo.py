"""The gateway echoes our own replies back (WPPConnect `onmessage` fromMe, Cloud API
`smb_message_echoes`). An echo that overtakes the recording of the send is the reply
itself: it gets its gateway id, is never stored twice, and is never sent again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select

from sportello.domain.values import DeliveryStatus, Direction, InboundMessage, utc_now
from sportello.ingest.desk import DeskService
from sportello.ingest.service import IngestService
from sportello.store.database import Database
from sportello.store.models import Message, OutboxItem

MakeInbound = Callable[..., InboundMessage]
WAMID = "true_393331234567@c.us_3EB0ECHO"


def _count(db: Database, model: type) -> int:
    with db.read_session() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _echo(make_inbound: MakeInbound, body: str) -> InboundMessage:
    return make_inbound(
        body, direction=Direction.OUTGOING, gateway_message_id=WAMID, sender_name=None
    )


def test_echo_before_the_send_is_recorded_is_the_reply_itself(
    db: Database,
    ingest: IngestService,
    desk: DeskService,
    make_inbound: MakeInbound,
    operator_id: int,
) -> None:
    reply = desk.queue_outgoing(
        body="Arriviamo alle 15", client_id="echo-1", operator_id=operator_id, to="3331234567"
    )
    [job] = desk.claim_outbox()

    echoed = ingest.ingest(_echo(make_inbound, "Arriviamo alle 15"))
    recorded = desk.record_sent(job.outbox_id, WAMID)

    assert (echoed.message_id, echoed.created) == (reply.message_id, False)
    assert [e.payload["status"] for e in echoed.events] == ["sent"]
    assert recorded is not None and recorded.events == []  # already sent: nothing twice
    assert _count(db, Message) == 1 and _count(db, OutboxItem) == 0
    with db.read_session() as session:
        message = session.get(Message, reply.message_id)
        assert message is not None
        assert (message.gateway_message_id, message.status) == (WAMID, DeliveryStatus.SENT)
    assert ingest.ingest(_echo(make_inbound, "Arriviamo alle 15")).created is False


def test_a_reply_whose_echo_came_back_is_not_sent_again_after_a_failed_attempt(
    db: Database,
    ingest: IngestService,
    desk: DeskService,
    make_inbound: MakeInbound,
    operator_id: int,
) -> None:
    desk.queue_outgoing(
        body="Confermato", client_id="echo-2", operator_id=operator_id, to="3331234567"
    )
    [job] = desk.claim_outbox()
    # Our request timed out, but the gateway had sent it: the retry is scheduled...
    desk.record_send_failure(job.outbox_id, "timeout", retry_at=utc_now() - timedelta(seconds=1))
    # ...and then the echo proves it went out.
    ingest.ingest(_echo(make_inbound, "Confermato"))

    assert desk.claim_outbox() == []
    assert _count(db, OutboxItem) == 0


def test_a_message_typed_on_the_phone_is_still_a_new_outgoing_message(
    db: Database,
    ingest: IngestService,
    desk: DeskService,
    make_inbound: MakeInbound,
    operator_id: int,
) -> None:
    desk.queue_outgoing(
        body="Arriviamo alle 15", client_id="echo-3", operator_id=operator_id, to="3331234567"
    )

    typed = ingest.ingest(_echo(make_inbound, "Le mando il preventivo stasera"))

    assert typed.created is True
    assert _count(db, Message) == 2 and _count(db, OutboxItem) == 1
