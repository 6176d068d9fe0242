"""The webhook a WPPConnect session was started with is remembered as a fingerprint, on
each engine, and a new start replaces it."""

from __future__ import annotations

from sportello.store.database import Database
from sportello.store.session_webhooks import remember_start, started_with, webhook_fingerprint


def test_a_sessions_webhook_fingerprint_is_remembered_and_replaced(db: Database) -> None:
    ours = webhook_fingerprint("http://10.0.0.5:3200/webhooks/wppconnect?token=s3cret")
    other = webhook_fingerprint("http://10.0.0.6:3200/webhooks/wppconnect?token=s3cret")
    assert ours != other and 0 <= ours < 2**60
    with db.session() as session:
        assert started_with(session, "ufficio") is None
        remember_start(session, "ufficio", ours)
        session.commit()
    with db.session() as session:
        assert started_with(session, "ufficio") == ours
        assert started_with(session, "altra") is None
        remember_start(session, "ufficio", other)
        session.commit()
    with db.read_session() as session:
        assert started_with(session, "ufficio") == other
