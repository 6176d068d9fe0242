"""The append-only event log: every change clients must see, numbered in commit order.

A client that applied events up to `seq = N` asks for `since=N` and must never miss an
event committed later with a smaller number. So `seq` is taken from one counter row,
advanced by the last statements of the writing transaction: on PostgreSQL the row lock
makes every other event writer wait until this transaction has committed (and become
visible), on SQLite writers are serialized by BEGIN IMMEDIATE. Hence seq order is commit
order, across every server node sharing the database.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from sportello.domain.text_repair import repair_tree, tree_needs_repair
from sportello.domain.values import utc_now
from sportello.store.dialect import connection_of
from sportello.store.models import EVENTS_COUNTER, Counter, Event, table_of
from sportello.store.types import UtcDateTime

log = logging.getLogger(__name__)

_counters = table_of(Counter)
_ADVANCE = (
    update(_counters)
    .where(_counters.c.name == bindparam("counter"))
    .values(value=_counters.c.value + bindparam("step"))
    .returning(_counters.c.value)
)
_INSERT = insert(table_of(Event))
# PostgreSQL numbers and inserts in one round trip; the CTE's UPDATE takes the same
# counter row lock, held to commit, so the ordering argument above is unchanged.
_PG_APPEND = text(
    """
    WITH advanced AS (
        UPDATE counters SET value = value + :step WHERE name = :counter RETURNING value
    )
    INSERT INTO events (seq, name, payload, created_at)
    SELECT advanced.value - :step + drafts.ord,
           drafts.name,
           drafts.payload || jsonb_build_object('seq', advanced.value - :step + drafts.ord),
           :now
    FROM advanced
    CROSS JOIN jsonb_to_recordset(CAST(:drafts AS jsonb))
        AS drafts(ord bigint, name text, payload jsonb)
    RETURNING seq
    """
).bindparams(bindparam("now", type_=UtcDateTime()))


@dataclass(frozen=True, slots=True)
class EventDraft:
    """An event about to be appended: its wire name and payload, without `seq` yet."""

    name: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event in the log; `payload` is the complete wire payload, `seq` included."""

    seq: int
    name: str
    payload: dict[str, Any]


def append_events(session: Session | Connection, drafts: Sequence[EventDraft]) -> list[StoredEvent]:
    """Number and store the drafts. Call it last, right before commit (see module doc)."""
    if not drafts:
        return []
    drafts = [_storable(draft) for draft in drafts]
    count = len(drafts)
    connection = connection_of(session)
    now = utc_now()
    if connection.dialect.name == "postgresql":
        encoded = json.dumps(
            [{"ord": n, "name": d.name, "payload": d.payload} for n, d in enumerate(drafts, 1)]
        )
        seqs = connection.execute(
            _PG_APPEND,
            {"step": count, "counter": EVENTS_COUNTER, "drafts": encoded, "now": now},
        ).scalars()
        first = min(seqs)
    else:
        last = connection.execute(_ADVANCE, {"counter": EVENTS_COUNTER, "step": count}).scalar_one()
        first = last - count + 1
    stored = [
        StoredEvent(seq=seq, name=draft.name, payload={**draft.payload, "seq": seq})
        for seq, draft in enumerate(drafts, start=first)
    ]
    if connection.dialect.name != "postgresql":
        rows = [
            {"seq": event.seq, "name": event.name, "payload": event.payload, "created_at": now}
            for event in stored
        ]
        connection.execute(_INSERT, rows[0] if count == 1 else rows)
    return stored


def _storable(draft: EventDraft) -> EventDraft:
    """The draft with text every engine stores and every wire carries (see text_repair).

    The edges (webhooks, REST, Socket.IO) already repair what comes in; this is the log's
    own guarantee, so no later change of an edge can put an event in that breaks `sync`.
    """
    if not tree_needs_repair(draft.payload):
        return draft
    payload, repairs = repair_tree(draft.payload)
    log.warning(
        "event %s had text no store can hold, repaired at %s",
        draft.name,
        ", ".join(repair.path for repair in repairs)[:300],
    )
    assert isinstance(payload, dict)
    return EventDraft(draft.name, payload)


def read_events(session: Session, since: int, limit: int) -> list[StoredEvent]:
    """Events with seq > since, oldest first, at most `limit`."""
    rows = session.execute(
        select(Event.seq, Event.name, Event.payload)
        .where(Event.seq > since)
        .order_by(Event.seq)
        .limit(limit)
    )
    return [StoredEvent(seq=seq, name=name, payload=payload) for seq, name, payload in rows]


def last_seq(session: Session) -> int:
    """The seq of the newest committed event (0 for an empty log)."""
    value = session.execute(
        select(Counter.value).where(Counter.name == EVENTS_COUNTER)
    ).scalar_one_or_none()
    return int(value or 0)
