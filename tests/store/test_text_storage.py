"""Text no store can hold (lone surrogates, NUL) is stored as the same U+FFFD text on SQLite
and PostgreSQL (which refuses NUL in text and JSONB, while SQLite keeps it)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from sportello.domain.rules import TicketRules
from sportello.ingest.service import IngestService
from sportello.ingest.webhook_body import RAW_REPAIRS_KEY, parse_webhook_body
from sportello.ingest.wppconnect import parse_wppconnect
from sportello.store.database import Database
from sportello.store.events import EventDraft, append_events, read_events
from sportello.store.models import Contact, Message

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "gateways" / "wppconnect"
FFFD = "\ufffd"


def test_broken_text_of_a_webhook_is_stored_the_same_on_both_engines(db: Database) -> None:
    body = json.loads((SAMPLE / "onmessage_text.json").read_text(encoding="utf-8"))
    body.update(body="Guasto \ud83d alla caldaia\x00", notifyName="Mario \udc00\x00")
    body["sender"]["pushname"] = "\x00"
    parsed = parse_webhook_body(parse_wppconnect, body)

    result = IngestService(db, TicketRules.default()).ingest(parsed.messages[0])

    with db.read_session() as session:
        message = session.get(Message, result.message_id)
        assert message is not None
        contact_name = session.execute(select(Contact.display_name)).scalar_one()
        assert message.body == f"Guasto {FFFD} alla caldaia{FFFD}"
        assert contact_name == f"Mario {FFFD}{FFFD}"
        assert message.raw is not None
        assert message.raw["body"] == f"Guasto {FFFD} alla caldaia{FFFD}"
        assert message.raw[RAW_REPAIRS_KEY] == [
            {"path": "body", "received": "Guasto \\ud83d alla caldaia\\u0000"},
            {"path": "notifyName", "received": "Mario \\udc00\\u0000"},
            {"path": "sender.pushname", "received": "\\u0000"},
        ]
        events = read_events(session, 0, 10)
    new = [event.payload for event in events if event.name == "newMessage"]
    assert new[0]["message"] == f"Guasto {FFFD} alla caldaia{FFFD}"
    assert new[0]["senderName"] == f"Mario {FFFD}{FFFD}"


def test_the_event_log_stores_only_text_every_engine_and_wire_can_carry(db: Database) -> None:
    """The log's own guarantee, whatever a caller hands it: `sync` can always answer."""
    draft = EventDraft("note", {"text": "a\ud83d\x00b", "nested": [{"k\x00": "\udfff"}]})

    with db.session() as session:
        stored = append_events(session, [draft])
        session.commit()

    expected = {"text": f"a{FFFD}{FFFD}b", "nested": [{f"k{FFFD}": FFFD}], "seq": 1}
    assert stored[0].payload == expected
    with db.read_session() as session:
        assert read_events(session, 0, 10)[0].payload == expected
