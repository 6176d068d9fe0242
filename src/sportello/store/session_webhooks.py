"""Which webhook URL each WPPConnect session was last started with, as a fingerprint.

WPPConnect Server keeps a session's webhook with the session (across its own restarts) and
never shows it, and a second start-session changes nothing: only the server that started
the session knows where it posts. The fingerprint (60 bits of SHA-256; the URL carries the
webhook secret, so the URL itself is never stored) is kept in the database, where every
node of a desk reads the same one. It is a named integer, and `counters` is the store's
table of named integers: a row `wpphook:<20 hex of the session's SHA-256>` holds it.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from sportello.store.dialect import insert_for
from sportello.store.models import Counter

_PREFIX = "wpphook:"


def webhook_fingerprint(url: str) -> int:
    """A stable, non-negative 60-bit number for a webhook URL."""
    return int.from_bytes(hashlib.sha256(url.encode("utf-8")).digest()[:8], "big") >> 4


def _row_name(wpp_session: str) -> str:
    digest = hashlib.sha256(wpp_session.encode("utf-8")).hexdigest()[:20]
    return _PREFIX + digest  # 28 characters: counters.name is String(32)


def started_with(session: Session, wpp_session: str) -> int | None:
    """The fingerprint of the webhook the session was last started with, None if unknown."""
    value = session.execute(
        select(Counter.value).where(Counter.name == _row_name(wpp_session))
    ).scalar_one_or_none()
    return None if value is None else int(value)


def remember_start(session: Session, wpp_session: str, fingerprint: int) -> None:
    """Record that the session now posts to the webhook with this fingerprint (caller commits)."""
    insert = insert_for(session, Counter).values(name=_row_name(wpp_session), value=fingerprint)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[Counter.name], set_={"value": insert.excluded.value}
        )
    )
