"""Group commit of webhook messages: many concurrent webhooks, one transaction.

Each webhook hands its messages to the batcher and waits; the batcher takes everything
waiting, stores it with `IngestService.ingest_many` in one commit on the writer thread,
and only then wakes the webhooks up. So a webhook still answers 200 only after its own
message is durably stored, while a burst of webhooks costs one fsync, not one each.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sportello.domain.values import InboundMessage
from sportello.ingest.service import IngestFailure, IngestResult, IngestService
from sportello.server.db_executor import DbExecutor
from sportello.server.logs import fields

log = logging.getLogger(__name__)

MAX_BATCH = 500


@dataclass(slots=True)
class _Request:
    messages: Sequence[InboundMessage]
    done: asyncio.Future[list[IngestResult | IngestFailure]]


class BatcherClosed(Exception):
    """The server is shutting down and takes no new messages."""


class IngestBatcher:
    def __init__(self, service: IngestService, executor: DbExecutor) -> None:
        self._service = service
        self._executor = executor
        self._pending: list[_Request] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.batches = 0
        self.messages = 0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="ingest-batcher")

    async def ingest(
        self, messages: Sequence[InboundMessage]
    ) -> list[IngestResult | IngestFailure]:
        """Store the messages (with others waiting at the same time); one outcome each."""
        if not messages:
            return []
        if self._closing:
            raise BatcherClosed("server is shutting down")
        done: asyncio.Future[list[IngestResult | IngestFailure]] = (
            asyncio.get_running_loop().create_future()
        )
        self._pending.append(_Request(messages, done))
        self._wakeup.set()
        return await done

    async def close(self) -> None:
        """Finish everything already handed in, then stop."""
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                batch = self._take()
                await self._store(batch)
            if self._closing:
                return

    def _take(self) -> list[_Request]:
        batch: list[_Request] = []
        count = 0
        while self._pending and (not batch or count + len(self._pending[0].messages) <= MAX_BATCH):
            request = self._pending.pop(0)
            batch.append(request)
            count += len(request.messages)
        return batch

    async def _store(self, batch: list[_Request]) -> None:
        messages = [message for request in batch for message in request.messages]

        def work() -> tuple[list[IngestResult | IngestFailure], list]:  # type: ignore[type-arg]
            outcomes = self._service.ingest_many(messages)
            events = [
                event
                for outcome in outcomes
                if isinstance(outcome, IngestResult)
                for event in outcome.events
            ]
            return outcomes, events

        try:
            outcomes = await self._executor.write_events(work)
        except Exception as exc:
            log.error("storing %d webhook messages failed", len(messages),
                      extra=fields(error=str(exc).splitlines()[0] if str(exc) else repr(exc)))
            for request in batch:
                if not request.done.done():
                    request.done.set_exception(exc)
            return
        self.batches += 1
        self.messages += len(messages)
        offset = 0
        for request in batch:
            mine = outcomes[offset : offset + len(request.messages)]
            offset += len(request.messages)
            if not request.done.done():
                request.done.set_result(mine)
