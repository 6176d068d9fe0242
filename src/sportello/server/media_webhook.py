"""The body of `/webhooks/wppconnect`: as big as WhatsApp's media limits allow, its file on disk.

WPPConnect Server posts a media message with the whole file, base64, in `body`
(autoDownload), once, and never again if we refuse it. So this endpoint takes bodies up
to the largest media limit (`domain/media_limits.py`) plus the base64 third, while
every other endpoint keeps 1 MiB (`responses.read_body`). The body is streamed through
`ingest/wppconnect_stream.BodySplitter`: the file goes, decoded, to a private spool file
(`store/media_storage.py`); the rest of the JSON (at most 1 MiB) stays in memory for the
usual parser path. Then, once the JSON says the message type, its own limit applies, and
a body over 1 MiB that is not a media message is refused as before. Every refusal is a
413 with the JSON error shape, and the spool file is removed whatever happens: nothing is
half-stored.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from aiohttp import web

from sportello.domain.media_limits import LARGEST_MEDIA, base64_length, media_limit
from sportello.domain.values import MediaFile
from sportello.ingest.parsed import ParsedWebhook
from sportello.ingest.wppconnect import media_type_of
from sportello.ingest.wppconnect_stream import BodySplitter, SplitBody, SplitRefused
from sportello.server.responses import MAX_BODY_BYTES, ApiError
from sportello.store.media_storage import MediaStorage, SpoolFile, sync_file

# The largest body worth reading: the largest file in base64, the rest of the JSON (1 MiB
# at most) and, while its type is unknown, a short `body` held in memory (1 MiB at most).
MAX_WPPCONNECT_BODY = base64_length(LARGEST_MEDIA) + 2 * MAX_BODY_BYTES
_CHUNK = 64 * 1024


@dataclass(slots=True)
class ReceivedBody:
    """A WPPConnect webhook as read: the JSON without its diverted file, and that file."""

    split: SplitBody
    spooled: Path | None  # the decoded file of `body`, when it was diverted
    storage: MediaStorage
    spools: list[SpoolFile]  # every spool file of this request, removed at the end

    @property
    def head(self) -> bytes:
        return self.split.head

    async def spool_bytes(self, data: bytes) -> Path:
        """A spool file holding `data` (a short body's file), removed with the others."""
        spool = self.storage.spool_file()
        self.spools.append(spool)
        spool.handle.write(data)
        if not self.storage.in_database:
            await asyncio.to_thread(sync_file, spool.handle)
        spool.handle.close()
        return spool.path


def check_announced_size(request: web.Request) -> None:
    """413 before anything is read when the announced body is beyond any media limit."""
    if request.content_length is not None and request.content_length > MAX_WPPCONNECT_BODY:
        raise ApiError(
            413,
            "body_too_large",
            f"request body exceeds {MAX_WPPCONNECT_BODY} bytes (the largest media file in base64)",
        )


@asynccontextmanager
async def received_body(request: web.Request, storage: MediaStorage) -> AsyncIterator[ReceivedBody]:
    """Read the request's body; the spool files it made are removed when the block ends."""
    spooled: list[SpoolFile] = []

    def open_file() -> IO[bytes]:
        spool = storage.spool_file()
        spooled.append(spool)
        return spool.handle

    splitter = BodySplitter(open_file, head_limit=MAX_BODY_BYTES, inline_limit=MAX_BODY_BYTES)
    try:
        try:
            async for chunk in request.content.iter_chunked(_CHUNK):
                splitter.feed(chunk)
            split = splitter.finish()
        except SplitRefused as exc:
            raise ApiError(exc.status, exc.code, exc.message) from None
        path = None
        if split.file is not None and spooled:
            if not storage.in_database:  # the bytes must be on disk before a row names them
                await asyncio.to_thread(sync_file, spooled[0].handle)
            path = spooled[0].path
        for spool in spooled:
            spool.handle.close()
        yield ReceivedBody(split, path, storage, spooled)
    finally:
        for spool in spooled:
            spool.discard()


async def media_file_of(body: object, received: ReceivedBody) -> MediaFile | None:
    """The message's file, checked against its type's limit (413); None when it has none.

    A short `body` stayed in the JSON: when it is base64 it is the file (or its thumbnail),
    written to the spool like a long one.
    """
    obj: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
    word = obj.get("type")
    mtype = media_type_of(word)
    if mtype is None:
        if received.split.received > MAX_BODY_BYTES:
            raise ApiError(
                413,
                "body_too_large",
                "request body exceeds 1 MiB (only a media message may be bigger)",
            )
        return None
    limit = media_limit(mtype)
    if received.split.file is not None and received.spooled is not None:
        size, sha256, path = received.split.file.size, received.split.file.sha256, received.spooled
        _check_limit(word, size, limit)
    else:
        data = _base64_bytes(obj.get("body"))
        if not data:
            return None
        _check_limit(word, len(data), limit)
        size, sha256 = len(data), hashlib.sha256(data).hexdigest()
        path = await received.spool_bytes(data)
    declared = obj.get("size")
    known = isinstance(declared, int) and not isinstance(declared, bool)
    return MediaFile(str(path), size, sha256, complete=not known or declared == size)


def _check_limit(word: object, size: int, limit: int) -> None:
    if size > limit:
        raise ApiError(
            413,
            "body_too_large",
            f"{word} file of {size} bytes exceeds WhatsApp's {limit // (1024 * 1024)} MiB",
        )


def _base64_bytes(text: object) -> bytes | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        # Not base64: a body that is no file (a test's text, a gateway's placeholder).
        return None


def with_media_file(parsed: ParsedWebhook, file: MediaFile | None) -> ParsedWebhook:
    """The parsed message with its file, and a short note instead of the base64 in raw."""
    if file is None or len(parsed.messages) != 1 or parsed.messages[0].media is None:
        return parsed
    message = parsed.messages[0]
    assert message.media is not None
    raw = {**message.raw, "body": f"<media {file.size} bytes sha256={file.sha256}>"}
    media = replace(message.media, file=file)
    return replace(parsed, messages=(replace(message, media=media, raw=raw),))
