"""Blue ticks mean a person read it: when an operator marks a conversation read, the
customer's WhatsApp is told so, and only then.

WPPConnect: `POST /api/{session}/send-seen {phone}` marks the whole chat read on the phone
(with `webhook.readMessage` off in WPPConnect's configuration, nothing else does: it would
mark each chat read as soon as our webhook answered). Cloud API: the Graph API marks the
newest message the read covered, which marks the earlier ones too (gateways/meta.py).

Each receipt is a background call made after the read is committed: the operator's
`markAsRead` never waits for the gateway, and a failure logs one line and changes nothing
else. `--no-send-seen` turns receipts off for both gateways.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import aiohttp

from sportello.domain.values import Gateway
from sportello.ingest.desk import ReadReceipt
from sportello.server.gateways.base import GatewaySendError
from sportello.server.gateways.meta import MetaCloudSender
from sportello.server.logs import fields

if TYPE_CHECKING:
    from sportello.server.config import ServerConfig
    from sportello.server.wpp_line import WppLine

log = logging.getLogger(__name__)

_CLOSE_WAIT = 2.0  # seconds receipts in flight get at shutdown


class ReadReceipts:
    """Passes operators' reads on to the gateways, one background call per read."""

    def __init__(self, config: ServerConfig, line: WppLine | None) -> None:
        self._config = config
        self._line = line
        self._enabled = not config.no_send_seen
        self._http: aiohttp.ClientSession | None = None
        self._meta: MetaCloudSender | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.sent = 0

    def start(self) -> None:
        config = self._config
        if self._enabled and config.meta_access_token and config.meta_phone_number_id:
            self._http = aiohttp.ClientSession()
            self._meta = MetaCloudSender(
                config.meta_phone_number_id,
                config.meta_access_token,
                self._http,
                base_url=config.meta_graph_url,
            )

    def read(self, receipt: ReadReceipt | None) -> None:
        """Called right after a read committed; returns at once."""
        if receipt is None or not self._enabled:
            return
        task = asyncio.get_running_loop().create_task(self._send(receipt), name="read-receipt")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, receipt: ReadReceipt) -> None:
        try:
            if receipt.gateway is Gateway.WPPCONNECT:
                await self._wppconnect(receipt)
            elif receipt.gateway is Gateway.META and self._meta is not None:
                await self._meta.mark_read(receipt.gateway_message_id, account=receipt.account)
            else:
                return
        except GatewaySendError as exc:
            self._failed(receipt, exc.message)
            return
        except Exception as exc:  # a receipt is best effort: it must not end as a task error
            self._failed(receipt, repr(exc))
            return
        self.sent += 1

    @staticmethod
    def _failed(receipt: ReadReceipt, error: str) -> None:
        log.warning(
            "read receipt not sent",
            extra=fields(gateway=receipt.gateway.value, error=error[:300]),
        )

    async def _wppconnect(self, receipt: ReadReceipt) -> None:
        line = self._line
        if line is None or line.api is None:
            return
        if receipt.account is not None and receipt.account != line.session:
            return  # another session's chat: our token is not valid there
        chat = receipt.chat_id if receipt.is_group else (receipt.e164 or receipt.chat_id)
        await line.api.send_seen(chat)

    async def close(self) -> None:
        """Let receipts in flight finish for a moment, then cut them."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=_CLOSE_WAIT)
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._http is not None:
            await self._http.close()
            self._http = None
