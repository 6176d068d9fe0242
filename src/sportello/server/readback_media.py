"""The files of media messages read back from WPPConnect's history, kept like a webhook's.

A read-back message carries only a thumbnail in `body` (autoDownload applies to webhooks
only), so the reconciler fetches the file with `download-media` and hands it here before
the message is ingested: the bytes go to a spool file and the message gets its `MediaFile`,
exactly what server/media_webhook.py gives a webhook's message, and the store keeps them
the same way (files beside SQLite, rows on PostgreSQL). A file beyond WhatsApp's limit for
its type is not kept (the message is, with its thumbnail). Spool files are removed once the
chat's messages are stored (`discard`): stored ones were moved or copied by then.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import replace

from sportello.domain.media_limits import media_limit
from sportello.domain.values import InboundMessage, MediaFile
from sportello.server.gateways.wppconnect_readback import MediaDownload
from sportello.server.logs import fields
from sportello.store.media_storage import MediaStorage, SpoolFile, sync_file

log = logging.getLogger(__name__)


class ReadbackMedia:
    """`GatewayReconciler.media_sink`: spools each downloaded file onto its message."""

    def __init__(self, storage: MediaStorage) -> None:
        self._storage = storage
        self._spools: dict[str, SpoolFile] = {}  # path -> its spool file, until stored

    async def __call__(self, message: InboundMessage, download: MediaDownload) -> InboundMessage:
        media = message.media
        if media is None or not download.data:
            return message
        size = len(download.data)
        if size > media_limit(media.type):
            log.warning(
                "read-back file beyond WhatsApp's limit not kept",
                extra=fields(message=message.gateway_message_id, size=size),
            )
            return message
        spool = self._storage.spool_file()
        self._spools[str(spool.path)] = spool
        await asyncio.to_thread(self._write, spool, download.data)
        sha256 = hashlib.sha256(download.data).hexdigest()
        file = MediaFile(str(spool.path), size, sha256)
        mime = media.mime_type or download.mimetype
        raw = {**message.raw, "body": f"<media {size} bytes sha256={sha256}>"}
        return replace(message, media=replace(media, file=file, mime_type=mime), raw=raw)

    def _write(self, spool: SpoolFile, data: bytes) -> None:
        spool.handle.write(data)
        if not self._storage.in_database:
            sync_file(spool.handle)
        spool.handle.close()

    def discard(self, messages: list[InboundMessage]) -> None:
        """These messages were stored (or failed): remove what is left of their files in the
        spool (chats are read side by side: only theirs)."""
        for message in messages:
            file = message.media.file if message.media is not None else None
            spool = self._spools.pop(file.path, None) if file is not None else None
            if spool is not None:
                spool.discard()
