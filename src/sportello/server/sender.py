"""The outbox worker: hands queued replies to their gateway, retries, records the outcome.

Replies are rows of the outbox table, so they survive a restart: at start the worker
claims whatever is due. A claim is a lease (other nodes skip the row until it runs out),
so several nodes on one PostgreSQL never send the same reply twice at the same time.
Retryable failures (5xx, timeouts, network) back off exponentially with jitter; a refused
request (4xx) or too many attempts marks the reply `failed` with the gateway's error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import defaultdict
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import aiohttp

from sportello.domain.values import Gateway, utc_now
from sportello.ingest.desk import OutboxJob
from sportello.server.gateways import GatewaySender, GatewaySendError
from sportello.server.gateways.meta import MetaCloudSender
from sportello.server.gateways.wppconnect import WppConnectSender
from sportello.server.gateways.wppconnect_session import SessionToken
from sportello.server.logs import fields

if TYPE_CHECKING:
    from sportello.server.config import ServerConfig
    from sportello.server.context import ServerContext
    from sportello.server.gateway_health import GatewayHealth

log = logging.getLogger(__name__)

CLAIM_LIMIT = 20
LEASE = timedelta(seconds=60)
POLL_SECONDS = 1.0


def build_senders(
    config: ServerConfig, http: aiohttp.ClientSession, token: SessionToken | None = None
) -> dict[Gateway, GatewaySender]:
    """`token`: the WhatsApp line's (wpp_line.py), else `--wppconnect-token`'s."""
    senders: dict[Gateway, GatewaySender] = {}
    if config.wppconnect_url:
        senders[Gateway.WPPCONNECT] = WppConnectSender(
            config.wppconnect_url,
            config.wppconnect_session or "default",
            token if token is not None else SessionToken(config.wppconnect_token),
            http,
        )
    if config.meta_access_token and config.meta_phone_number_id:
        senders[Gateway.META] = MetaCloudSender(
            config.meta_phone_number_id,
            config.meta_access_token,
            http,
            base_url=config.meta_graph_url,
        )
    return senders


def retry_delay(attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random."""
    delay = min(cap, base * (2 ** max(0, attempt - 1)))
    return float(delay / 2 + random.uniform(0, delay / 2))


class OutboxWorker:
    def __init__(
        self, ctx: ServerContext, health: GatewayHealth, token: SessionToken | None = None
    ) -> None:
        self._ctx = ctx
        self._health = health  # send outcomes tell the desk whether a gateway works
        self._token = token
        self._senders: dict[Gateway, GatewaySender] = {}
        self._http: aiohttp.ClientSession | None = None
        self._wakeup = ctx.outbox_waiting
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.sent = 0
        self.failed = 0

    def start(self) -> None:
        # The HTTP session belongs to the running loop, so it is made here, not in __init__.
        self._http = aiohttp.ClientSession()
        self._senders = build_senders(self._ctx.config, self._http, self._token)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox-worker")
        if not self._senders:
            log.warning(
                "no outbound gateway configured: replies stay queued "
                "(see --wppconnect-url / --meta-access-token)"
            )

    def wake(self) -> None:
        self._wakeup.set()

    async def stop(self) -> None:
        """Let the sends in flight finish (within what is left of --drain-timeout), then stop."""
        self._stopping = True
        self._wakeup.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, self._ctx.drain_time_left())
            except TimeoutError:
                log.warning(
                    "outbox worker did not finish in time; leased replies are "
                    "retried after the lease"
                )
            self._task = None
        if self._http is not None:
            await self._http.close()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                jobs = await self._ctx.executor.write(
                    lambda: self._ctx.desk.claim_outbox(limit=CLAIM_LIMIT, lease=LEASE)
                )
            except Exception as exc:
                log.error("claiming the outbox failed", extra=fields(error=str(exc)[:300]))
                jobs = []
            if jobs:
                try:
                    await self._send_all(jobs)
                except Exception as exc:  # the worker must outlive any one reply
                    log.exception(
                        "recording a send failed; the lease retries it",
                        extra=fields(error=str(exc)[:300]),
                    )
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), POLL_SECONDS)
            self._wakeup.clear()

    async def _send_all(self, jobs: list[OutboxJob]) -> None:
        # Replies to one chat go one after another, so the customer reads them in order.
        by_chat: dict[str, list[OutboxJob]] = defaultdict(list)
        for job in jobs:
            by_chat[job.chat_id].append(job)

        async def chat_queue(queue: list[OutboxJob]) -> None:
            for job in queue:
                await self._send_one(job)

        await asyncio.gather(*(chat_queue(queue) for queue in by_chat.values()))

    async def _send_one(self, job: OutboxJob) -> None:
        sender = self._senders.get(job.gateway)
        try:
            if sender is None:
                raise GatewaySendError(
                    f"no {job.gateway.value} sender configured on this server", retryable=True
                )
            to = job.chat_id if job.is_group else (job.e164 or job.chat_id)
            result = await sender.send_text(to, job.body, account=job.account)
        except GatewaySendError as exc:
            await self._record_failure(job, exc)
            return
        except Exception as exc:  # a bug in a sender must not kill the worker
            log.exception("sender crashed", extra=fields(message_id=job.message_id))
            await self._record_failure(job, GatewaySendError(repr(exc), retryable=True))
            return
        self.sent += 1
        await self._health.send_accepted(job.gateway, job.account)
        log.info(
            "reply sent",
            extra=fields(message_id=job.message_id, gateway=job.gateway.value, attempt=job.attempt),
        )
        await self._write(
            lambda: self._ctx.desk.record_sent(job.outbox_id, result.provider_message_id)
        )

    async def _record_failure(self, job: OutboxJob, exc: GatewaySendError) -> None:
        config = self._ctx.config
        give_up = not exc.retryable or job.attempt >= config.send_max_attempts
        retry_at = None
        if not give_up:
            delay = retry_delay(job.attempt, config.send_retry_base, config.send_retry_max)
            retry_at = utc_now() + timedelta(seconds=delay)
        else:
            self.failed += 1
        log.warning(
            "reply not sent",
            extra=fields(
                message_id=job.message_id,
                gateway=job.gateway.value,
                attempt=job.attempt,
                status=exc.status,
                retry=not give_up,
                error=exc.message[:300],
            ),
        )
        await self._write(
            lambda: self._ctx.desk.record_send_failure(
                job.outbox_id, exc.message, retry_at=retry_at
            )
        )
        await self._health.send_refused(
            job.gateway, job.account, exc.message, unauthorized=exc.unauthorized
        )
        if retry_at is not None:
            self._schedule_wake((retry_at - utc_now()).total_seconds())

    def _schedule_wake(self, seconds: float) -> None:
        if seconds < POLL_SECONDS:
            asyncio.get_running_loop().call_later(max(0.0, seconds), self._wakeup.set)

    async def _write(self, work: Any) -> None:
        def run() -> tuple[None, list[Any]]:
            result = work()
            return None, (result.events if result is not None else [])

        await self._ctx.executor.write_events(run)
