"""Kill -9 in the middle of ingestion: whatever was committed is complete, nothing is half-written,
and the event log has no hole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sportello.domain.rules import TicketRules
from sportello.store.database import Database
from sportello.store.events import last_seq, read_events
from sportello.store.models import Contact, Conversation, Event, Message, Ticket
from tests.support.paths import child_env

WORKER = Path(__file__).with_name("ingest_worker.py")
TOTAL = 10_000
KILL_AFTER = 400  # messages reported committed before the kill

pytestmark = pytest.mark.slow


def _run_until(url: str, committed_at_least: int, timeout: float = 120) -> int:
    """Start the worker, SIGKILL it once it reports enough commits; returns its last report."""
    child = subprocess.Popen(
        [sys.executable, str(WORKER), url, str(TOTAL)],
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    reached = threading.Event()
    last = [0]

    def watch() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            if line.strip().isdigit():
                last[0] = int(line)
                if last[0] >= committed_at_least:
                    reached.set()
        reached.set()  # the child ended (finished or crashed)

    threading.Thread(target=watch, daemon=True).start()
    try:
        assert reached.wait(timeout), "the ingesting child made no progress"
        assert child.poll() is None, (
            f"the child ended early: {child.stderr.read() if child.stderr else ''}"
        )
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    return last[0]


def test_kill_9_during_ingestion_leaves_only_complete_messages(db: Database) -> None:
    reported = _run_until(db.render_url(), KILL_AFTER)
    db.dispose()  # a fresh pool: SQLite must recover the WAL left by the dead writer

    rules = TicketRules.default()
    with db.read_session() as session:
        messages = session.execute(select(Message).order_by(Message.id)).scalars().all()
        tickets = {t.id: t for t in session.execute(select(Ticket)).scalars()}
        contacts = {c.id: c for c in session.execute(select(Contact)).scalars()}
        conversations = {c.id: c for c in session.execute(select(Conversation)).scalars()}
        events = read_events(session, 0, 1_000_000)
        counter = last_seq(session)
        event_rows = session.execute(select(func.count()).select_from(Event)).scalar_one()

    assert reported <= len(messages) < TOTAL, "the kill did not land mid-way"
    # The stream is ingested in order, one commit each: what is stored is a prefix.
    assert [m.gateway_message_id for m in messages] == [
        f"crash-{n:06d}" for n in range(len(messages))
    ]

    # Gap-free, strictly increasing seq, and the counter agrees with the log.
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert counter == len(events) == event_rows
    assert all(e.payload["seq"] == e.seq for e in events)

    announced = {e.payload["id"]: e for e in events if e.name == "newMessage"}
    created = {e.payload["ticket"]["id"]: e for e in events if e.name == "ticketCreated"}
    assert len(announced) == len(messages)
    assert set(created) == {str(ticket_id) for ticket_id in tickets}
    assert len(events) == len(messages) + len(tickets)

    open_ticket_of: dict[int, int] = {}
    for message in messages:
        conversation = conversations[message.conversation_id]
        contact = contacts[conversation.contact_id]
        assert contact.phone_key.startswith("+39333")
        event = announced[str(message.id)]
        assert event.payload["conversationId"] == str(conversation.id)
        assert event.payload["ticketId"] == (str(message.ticket_id) if message.ticket_id else None)
        # Ticket link exactly when the rules say so (or an earlier request left one open).
        expected_ticket = open_ticket_of.get(contact.id)
        if expected_ticket is None and rules.match(message.body).is_request:
            assert message.ticket_id is not None
            ticket = tickets[message.ticket_id]
            assert ticket.contact_id == contact.id
            # The ticket was announced right before its first message.
            assert created[str(ticket.id)].seq == event.seq - 1
            open_ticket_of[contact.id] = ticket.id
        else:
            assert message.ticket_id == expected_ticket

    # And the database still works: the stream resumes where it stopped, duplicates ignored.
    resume_from = max(0, len(messages) - 5)
    subprocess.run(
        [sys.executable, str(WORKER), db.render_url(), "10", str(resume_from)],
        env=child_env(),
        check=True,
        capture_output=True,
        timeout=120,
    )
    with db.read_session() as session:
        total = session.execute(select(func.count()).select_from(Message)).scalar_one()
        assert total == resume_from + 10
        assert [e.seq for e in read_events(session, 0, 1_000_000)] == list(
            range(1, last_seq(session) + 1)
        )
