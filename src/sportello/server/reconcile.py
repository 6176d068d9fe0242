"""Reconcile with WPPConnect's own history: no message lost while the server was away.

WPPConnect Server posts each webhook once and never retries (`callWebHook`), so whatever
reached WhatsApp while this server was down, restarting or asleep, or while its line was
away, exists only in the session's history. A round reads it back and ingests what is
missing through the same idempotent path as the webhooks (parsed as `onmessage` bodies,
stored by the group-commit batcher): no duplicate, no second ticket, replies typed on the
business phone included, each marked as arrived while the desk was offline. Acks missed
meanwhile are read back too (a read-back reply carries its `ack`) and applied through the
status path, which never lowers a status.

Rounds run at every start, whenever the line comes back CONNECTED (GatewayHealth), and
every `--gateway-reconcile-interval` seconds; one at a time per session, and with several
nodes on one PostgreSQL only the node holding the session's lock (`store/node_locks`).

What a round reads: the chats active since `since`, each from its end back to `since`.
`since` is where the last good round of this node knew everything was stored, less an
overlap; after a start, the newest stored incoming message less the overlap (webhooks
posted at once commit in any order, so what is just older may be missing); with nothing
stored, the last day. Catch-up rounds (start, line back, a long silence such as a laptop
asleep) also read the chats holding replies of the last week not yet read or failed, back
to the oldest of them, for their acks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import aiohttp

from sportello.domain.values import Gateway, InboundMessage, utc_now
from sportello.ingest.parsed import ConnectionState, GatewayState
from sportello.ingest.service import IngestFailure, IngestResult
from sportello.ingest.wppconnect import STATUS_BROADCAST
from sportello.server.context import ServerContext
from sportello.server.gateway_health import GatewayHealth
from sportello.server.gateways.wppconnect_readback import (
    ChatActivity,
    MediaDownload,
    ReadbackError,
    TokenSource,
    WppReadback,
    message_id,
)
from sportello.server.ingest_batcher import BatcherClosed
from sportello.server.logs import fields
from sportello.server.readback_media import ReadbackMedia
from sportello.server.readback_messages import Missing, missing_from
from sportello.server.status_updates import apply_statuses
from sportello.store.gateway_history import (
    KnownMessage,
    known_messages,
    newest_inbound_at,
    unsettled_reply_chats,
)
from sportello.store.node_locks import NodeLock

log = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=2)
FIRST_LOOKBACK = timedelta(days=1)  # nothing stored yet: what came in while setting up
ACK_HORIZON = timedelta(days=7)  # replies older than this keep the status they have
# A reply is stored with our clock when it was queued; its copy at the gateway carries
# WhatsApp's. Reading its chat back this much earlier finds it whatever the two clocks say.
REPLY_CLOCK_SLACK = timedelta(hours=1)
# A periodic round leaves the newest messages to their webhooks, likely still in flight
# (so they are not marked offline); the next round reads them if those failed.
LIVE_GRACE_S = 10
RETRY_FIRST_S, RETRY_MAX_S = 1.0, 60.0  # after a round the gateway could not answer
CHATS_AT_ONCE = 12  # chats read concurrently: overlaps the gateway's work with ours
MESSAGES_PER_COMMIT = 250

START = "start"
LINE_BACK = "line connected"
INTERVAL = "interval"


# The read-back file of a media message (`WppReadback.media_bytes_for`) made part of the
# message before it is ingested (server/readback_media.ReadbackMedia), and `discard()` once
# the round stored them.
class MediaSink(Protocol):
    async def __call__(
        self, message: InboundMessage, download: MediaDownload
    ) -> InboundMessage: ...

    def discard(self, messages: list[InboundMessage]) -> None: ...


@dataclass(slots=True)
class ReconcileReport:
    """What one round did; logged as `gateway reconciled`."""

    session: str
    reasons: list[str]
    since: datetime
    catch_up: bool
    chats_listed: int = 0
    chats_read: int = 0
    messages_read: int = 0
    ingested: int = 0
    statuses: int = 0
    refused: int = 0
    deferred: int = 0
    requests: int = 0
    seconds: float = 0.0
    skipped: str | None = None  # why nothing was read (another node holds the session)
    failed: str | None = None  # why the gateway could not be read: retried soon

    def log_fields(self) -> dict[str, Any]:
        return {
            "session": self.session,
            "reasons": self.reasons,
            "since": self.since.isoformat(),
            "catch_up": self.catch_up,
            "chats_listed": self.chats_listed,
            "chats_read": self.chats_read,
            "messages_read": self.messages_read,
            "ingested": self.ingested,
            "statuses": self.statuses,
            "refused": self.refused,
            "deferred": self.deferred,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
        }


class GatewayReconciler:
    """Reconcile rounds for one WPPConnect session; see the module docstring."""

    def __init__(
        self,
        ctx: ServerContext,
        health: GatewayHealth,
        *,
        base_url: str,
        session: str,
        token: TokenSource,
        interval: float,
        media_sink: MediaSink | None = None,
    ) -> None:
        self._ctx = ctx
        self.base_url = base_url
        self.session = session
        self._token = token
        self.interval = interval
        # The seam of the media store: set, it gets each read-back media file before ingest.
        self.media_sink = media_sink
        self._lock = NodeLock(ctx.db, f"reconcile:wppconnect:{session}")
        self._one_round = asyncio.Lock()
        self._wanted = asyncio.Event()
        self._reasons: set[str] = set()
        self._http: aiohttp.ClientSession | None = None
        self._readback: WppReadback | None = None
        self._task: asyncio.Task[None] | None = None
        self._complete_until: datetime | None = None  # everything older is stored
        self._last_good_wall: float | None = None
        self._last_problem: str | None = None
        self._retry_in = RETRY_FIRST_S
        self.rounds: list[ReconcileReport] = []
        health.subscribe(self._state_changed)

    # -- lifecycle and triggers ---------------------------------------------------------

    def start(self) -> None:
        self._http = aiohttp.ClientSession()
        self._readback = WppReadback(self.base_url, self.session, self._token, self._http)
        self.request(START)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="reconciler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    def request(self, reason: str) -> None:
        """Ask for a round (coalesced: one runs after the current one, whatever the count)."""
        self._reasons.add(reason)
        self._wanted.set()

    def _state_changed(self, state: GatewayState) -> None:
        if (
            state.gateway is Gateway.WPPCONNECT
            and (state.account or self.session) == self.session
            and state.state == ConnectionState.CONNECTED
        ):
            self.request(LINE_BACK)

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wanted.wait(), self.interval or None)
            except TimeoutError:
                self._reasons.add(INTERVAL)
            self._wanted.clear()
            reasons, self._reasons = self._reasons, set()
            if self._ctx.draining:
                return
            try:
                report = await self.reconcile_once(reasons)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug here must not end reconciliation for good
                log.exception("gateway reconcile crashed", extra=fields(session=self.session))
                continue
            if report.failed is None:
                self._retry_in = RETRY_FIRST_S
                continue
            # The line said CONNECTED a moment before it could answer (`qrReadSuccess` comes
            # before `inChat`), or is down: try again soon, with what this round was for.
            self._reasons |= reasons
            delay = self._retry_in
            self._retry_in = min(delay * 2, RETRY_MAX_S)
            asyncio.get_running_loop().call_later(delay, self._wanted.set)

    # -- one round ----------------------------------------------------------------------

    async def reconcile_once(self, reasons: Iterable[str] = (INTERVAL,)) -> ReconcileReport:
        """One round now (after the one running, if any); its report."""
        async with self._one_round:
            report = ReconcileReport(
                self.session, sorted(reasons), await self._since(), self._catch_up(reasons)
            )
            started = time.monotonic()
            if not await self._ctx.executor.read(self._lock.try_acquire):
                report.skipped = "another node is reconciling this session"
                # That node keeps up with the history: this one's next round starts from
                # what the store holds then, not from its own last round.
                self._complete_until = None
                self._last_good_wall = time.time()
                return report
            try:
                await self._round(report)
            except ReadbackError as exc:
                self._problem(str(exc))
                report.failed = str(exc)
                return report
            except BatcherClosed:
                report.skipped = "shutting down"
                return report
            finally:
                await self._ctx.executor.read(self._lock.release)
                report.seconds = time.monotonic() - started
            self._last_problem = None
            self.rounds.append(report)
            del self.rounds[:-20]
            log.info("gateway reconciled", extra=fields(**report.log_fields()))
            return report

    def _catch_up(self, reasons: Iterable[str]) -> bool:
        """Whether acks of older replies may have been missed since the last good round."""
        if {START, LINE_BACK} & set(reasons) or self._last_good_wall is None:
            return True
        # A laptop asleep (or a stalled loop) misses rounds: the wall clock tells.
        silence = time.time() - self._last_good_wall
        return silence > 2 * self.interval + OVERLAP.total_seconds()

    async def _since(self) -> datetime:
        if self._complete_until is not None:
            return self._complete_until

        def newest() -> datetime | None:
            with self._ctx.db.read_engine.connect() as connection:
                return newest_inbound_at(connection, Gateway.WPPCONNECT, self.session)

        stored = await self._ctx.executor.read(newest)
        now = utc_now()
        # Capped by our clock: one message stamped in the future must not hide the others.
        return now - FIRST_LOOKBACK if stored is None else min(stored, now) - OVERLAP

    async def _round(self, report: ReconcileReport) -> None:
        readback = self._readback
        assert readback is not None, "start() first"
        requests_before = readback.requests
        since_t = int(report.since.timestamp())
        chats = await readback.chats()
        report.chats_listed = len(chats)
        wanted = {
            chat.chat_id: since_t
            for chat in chats
            if chat.chat_id != STATUS_BROADCAST and (chat.t is None or chat.t >= since_t)
        }
        if report.catch_up:
            for chat_id, oldest in (await self._unsettled()).items():
                back_to = int((oldest - REPLY_CLOCK_SLACK).timestamp())
                wanted[chat_id] = min(back_to, wanted.get(chat_id, back_to))
        live_limit = None if report.catch_up else int(time.time()) - LIVE_GRACE_S
        gate = asyncio.Semaphore(CHATS_AT_ONCE)
        oldest_deferred: int | None = None

        async def one_chat(chat_id: str, read_from: int) -> None:
            nonlocal oldest_deferred
            async with gate:
                messages = await readback.messages_since(chat_id, read_from)
                found = await self._missing(messages, since_t, live_limit)
                report.chats_read += 1
                report.messages_read += len(messages)
                report.refused += found.refused
                report.deferred += found.deferred
                if found.oldest_deferred is not None:
                    oldest_deferred = min(found.oldest_deferred, oldest_deferred or 2**62)
                # Awaited first, then added: `report.x += await ...` would read x before
                # the other chats' tasks changed it.
                try:
                    created = await self._ingest(found.messages)
                finally:
                    if self.media_sink is not None:
                        self.media_sink.discard(found.messages)
                moved = await apply_statuses(self._ctx.executor, self._ctx.ingest, found.statuses)
                report.ingested += created
                report.statuses += moved

        tasks = [asyncio.ensure_future(one_chat(*item)) for item in wanted.items()]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            # One chat that cannot be read stops the round: the others are not left running.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        report.requests = readback.requests - requests_before
        self._advance(report.since, chats, oldest_deferred)

    async def _unsettled(self) -> dict[str, datetime]:
        since = utc_now() - ACK_HORIZON

        def query() -> dict[str, datetime]:
            with self._ctx.db.read_engine.connect() as connection:
                return unsettled_reply_chats(connection, Gateway.WPPCONNECT, self.session, since)

        return await self._ctx.executor.read(query)

    async def _missing(
        self, messages: list[dict[str, Any]], since_t: int, live_limit: int | None
    ) -> Missing:
        ids = [key for key in map(message_id, messages) if key is not None]

        def query() -> dict[str, KnownMessage]:
            with self._ctx.db.read_engine.connect() as connection:
                return known_messages(connection, Gateway.WPPCONNECT, ids)

        known = await self._ctx.executor.read(query) if ids else {}
        found = missing_from(
            messages, known, session=self.session, since=since_t, live_after=live_limit
        )
        found.messages = [await self._with_media(message) for message in found.messages]
        return found

    async def _with_media(self, message: InboundMessage) -> InboundMessage:
        if self.media_sink is None or message.media is None or self._readback is None:
            return message
        download = await self._readback.media_bytes_for(message.gateway_message_id)
        return message if download is None else await self.media_sink(message, download)

    async def _ingest(self, messages: list[InboundMessage]) -> int:
        created = 0
        for start in range(0, len(messages), MESSAGES_PER_COMMIT):
            outcomes = await self._ctx.batcher.ingest(messages[start : start + MESSAGES_PER_COMMIT])
            for outcome in outcomes:
                if isinstance(outcome, IngestResult) and outcome.created:
                    created += 1
                elif isinstance(outcome, IngestFailure):
                    log.warning(
                        "read-back message not stored",
                        extra=fields(id=outcome.gateway_message_id, error=outcome.error),
                    )
        return created

    def _advance(
        self, since: datetime, chats: list[ChatActivity], oldest_deferred: int | None
    ) -> None:
        """After a good round everything up to the newest activity seen is stored (less
        the overlap, and but the messages left to their webhooks)."""
        self._last_good_wall = time.time()
        newest = max((chat.t for chat in chats if chat.t is not None), default=None)
        if newest is None:
            self._complete_until = since
            return
        # Capped by our clock, as in _since.
        until = datetime.fromtimestamp(min(newest, time.time()), UTC) - OVERLAP
        if oldest_deferred is not None:
            until = min(until, datetime.fromtimestamp(oldest_deferred - 1, UTC))
        self._complete_until = max(since, until)

    def _problem(self, message: str) -> None:
        # Said once per distinct problem: the line may be away for hours.
        if message != self._last_problem:
            log.warning(
                "gateway reconcile failed, retried at the next round",
                extra=fields(session=self.session, reason=message),
            )
        self._last_problem = message


def token_from_config(token: str | None) -> TokenSource:
    """The token of `--wppconnect-token`, as a source (a generated one plugs in here)."""
    return lambda: token


def reconciler_from_config(
    ctx: ServerContext, health: GatewayHealth, *, token: TokenSource | None = None
) -> GatewayReconciler | None:
    """The reconciler of the configured WPPConnect session, or None without WPPConnect."""
    config = ctx.config
    if not config.wppconnect_url:
        return None
    return GatewayReconciler(
        ctx,
        health,
        base_url=config.wppconnect_url,
        session=config.wppconnect_session or "default",
        token=token or token_from_config(config.wppconnect_token),
        interval=config.gateway_reconcile_interval,
        media_sink=ReadbackMedia(ctx.media),
    )
