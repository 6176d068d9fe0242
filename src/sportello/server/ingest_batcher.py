"""Group commit of webhook messages: many concurrent webhooks, one transaction.

Each webhook hands its messages to the batcher and waits; the batcher takes everything
waiting, stores it with `IngestService.ingest_many` in one commit on the writer thread,
and only then wakes the webhooks up. So a webhook still answers 200 only after its own
message is durably stored, while a burst of webhooks costs one fsync, not one each.

One message never harms the others of its batch: when the shared commit fails (for any
reason but an unreachable database) each message is committed alone, so only the one the
store refuses fails (422 for its webhook), and the others answer 200 after their commit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError

from sportello.domain.values import InboundMessage
from sportello.ingest.service import IngestFailure, IngestResult, IngestService
from sportello.server.db_executor import DbExecutor
from sportello.server.logs import fields
from sportello.store.events import StoredEvent

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
        try:
            outcomes = await self._commit(messages)
        except OperationalError as exc:
            # The database is unreachable: every message would fail alike (503, retry later).
            self._fail_all(batch, exc)
            return
        except Exception as exc:
            if len(messages) == 1:
                self._deliver(batch, [self._refused(messages[0], exc)])
                return
            # One message the database refused takes the whole transaction down with it:
            # find it by committing each message alone, so only that one fails.
            log.warning(
                "storing %d webhook messages failed; storing them one by one",
                len(messages),
                extra=fields(error=_first_line(exc)),
            )
            for request in batch:
                await self._store_alone(request)
            return
        self._deliver(batch, outcomes)

    async def _store_alone(self, request: _Request) -> None:
        outcomes: list[IngestResult | IngestFailure] = []
        for message in request.messages:
            try:
                outcomes.extend(await self._commit([message]))
            except OperationalError as exc:
                self._fail_all([request], exc)
                return
            except Exception as exc:
                outcomes.append(self._refused(message, exc))
        self._deliver([request], outcomes)

    @staticmethod
    def _refused(message: InboundMessage, exc: Exception) -> IngestFailure:
        # Not a transient failure (those are OperationalError): this message's content is
        # what the store refused, so the gateway gets a 4xx for it, and the traceback is
        # logged because the edge should have made it storable.
        log.error(
            "message %s from %s could not be stored",
            message.gateway_message_id,
            message.gateway.value,
            exc_info=exc,
        )
        return IngestFailure(message.gateway_message_id, _first_line(exc))

    async def _commit(self, messages: list[InboundMessage]) -> list[IngestResult | IngestFailure]:
        def work() -> tuple[list[IngestResult | IngestFailure], list[StoredEvent]]:
            outcomes = self._service.ingest_many(messages)
            events = [
                event
                for outcome in outcomes
                if isinstance(outcome, IngestResult)
                for event in outcome.events
            ]
            return outcomes, events

        return await self._executor.write_events(work)

    def _deliver(self, batch: list[_Request], outcomes: list[IngestResult | IngestFailure]) -> None:
        self.batches += 1
        self.messages += len(outcomes)
        offset = 0
        for request in batch:
            mine = outcomes[offset : offset + len(request.messages)]
            offset += len(request.messages)
            if not request.done.done():
                request.done.set_result(mine)

    def _fail_all(self, batch: list[_Request], exc: Exception) -> None:
        log.error(
            "storing %d webhook messages failed",
            sum(len(request.messages) for request in batch),
            extra=fields(error=_first_line(exc)),
        )
        for request in batch:
            if not request.done.done():
                request.done.set_exception(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else repr(exc)
