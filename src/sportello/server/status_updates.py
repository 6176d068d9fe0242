"""Delivery statuses from a gateway, applied one by one on the writer thread.

The one way a status reaches the store, whether its webhook brought it (`onack`, Cloud
API `statuses`) or a reconcile round read it back from the gateway's history: a status
only moves forward (`IngestService.apply_status`), and one for an id we do not know yet
is parked until the send is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sportello.domain.values import StatusUpdate
from sportello.ingest.service import IngestService, StatusApplied
from sportello.server.db_executor import DbExecutor


async def apply_statuses(
    executor: DbExecutor, ingest: IngestService, updates: Iterable[StatusUpdate]
) -> int:
    """Apply each update; how many moved a message's status (and were announced)."""
    applied = 0
    for update in updates:

        def work(update: StatusUpdate = update) -> tuple[StatusApplied | None, list[Any]]:
            result = ingest.apply_status(update)
            return result, (result.events if result is not None else [])

        result = await executor.write_events(work)
        if result is not None and result.events:
            applied += 1
    return applied
