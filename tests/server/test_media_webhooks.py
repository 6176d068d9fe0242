"""A customer's photo and voice note, posted as WPPConnect posts them with autoDownload on, are
stored with their bytes; a file beyond WhatsApp's limit for its type is refused with nothing kept.

One real `sportello server` process per database engine for the whole module.
"""

from __future__ import annotations

import asyncio
import base64
import json
import random
import stat
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from sportello.domain.media_limits import MIB
from sportello.store.database import Database
from sportello.store.media import read_media_bytes
from sportello.store.media_storage import MediaStorage
from sportello.store.models import MediaBlob, MediaChunk, Message, MessageMedia
from tests.server.server_harness import WEBHOOK_SECRET, add_operator, open_db
from tests.support.databases import (
    create_postgres_database,
    drop_postgres_database,
    require_postgres,
)
from tests.support.media_files import (
    media_webhook,
    noise_jpeg,
    noise_voice_note,
    require_voice_tools,
)
from tests.support.payloads import wpp_message
from tests.support.server_process import ServerProcess

JPEG = "image/jpeg"
OPUS = "audio/ogg; codecs=opus"


@dataclass
class MediaServer:
    process: ServerProcess
    db: Database
    storage: MediaStorage
    token: str
    tmp: Path  # the server's TMPDIR: where a PostgreSQL server spools what it receives

    @property
    def url(self) -> str:
        return self.process.url

    def spooled(self) -> list[Path]:
        """Every file still waiting in a spool (none once a request is answered)."""
        places = [self.tmp]
        if self.storage.root is not None:
            places.append(self.storage.root / "incoming")
        return [p for place in places if place.exists() for p in place.rglob("*") if p.is_file()]

    def media_files(self) -> list[Path]:
        """The stored media files beside a SQLite database (none on PostgreSQL)."""
        root = self.storage.root
        if root is None or not root.exists():
            return []
        return [p for p in root.rglob("*") if p.is_file() and p.parent.name != "incoming"]

    def count(self, model: Any) -> int:
        with self.db.read_session() as session:
            return int(session.execute(select(func.count()).select_from(model)).scalar_one())

    def stored_message(self, message_id: str) -> Message | None:
        with self.db.read_session() as session:
            return session.get(Message, int(message_id))

    def bytes_of(self, message_id: str) -> bytes | None:
        with self.db.read_session() as session:
            return read_media_bytes(session, self.storage, int(message_id))


@pytest.fixture(scope="module")
def photo() -> bytes:
    return noise_jpeg(3 * 1000 * 1000)


@pytest.fixture(scope="module")
def voice_note() -> bytes:
    require_voice_tools()
    return noise_voice_note(12 * 1000 * 1000)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def media_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MediaServer]:
    folder = tmp_path_factory.mktemp(f"media-{request.param}")
    dropped: str | None = None
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'sportello.db'}"
    else:
        require_postgres()
        url, dropped = create_postgres_database()
    db = open_db(url)
    token = add_operator(db, "giulia").token
    tmp = folder / "tmp"
    tmp.mkdir()
    process = ServerProcess(url, WEBHOOK_SECRET, env={"TMPDIR": str(tmp)})
    try:
        process.wait_healthy()
        yield MediaServer(process, db, MediaStorage.for_url(db.url), token, tmp)
    finally:
        code = process.stop()
        db.dispose()
        if dropped is not None:
            drop_postgres_database(dropped)
    assert code == 0


async def post_webhook(
    server: MediaServer, body: Any, token: str = WEBHOOK_SECRET
) -> tuple[int, Any]:
    data = json.dumps(body, separators=(",", ":")).encode()
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{server.url}/webhooks/wppconnect",
            data=data,
            headers={"Content-Type": "application/json", "X-Webhook-Token": token},
        ) as response,
    ):
        text = await response.text()
        return response.status, json.loads(text)


async def get_media(server: MediaServer, message_id: str) -> tuple[int, bytes, dict[str, str]]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{server.url}/api/messages/{message_id}/media",
            headers={"Authorization": f"Bearer {server.token}"},
        ) as response,
    ):
        return response.status, await response.read(), dict(response.headers)


def fresh_id(phone: str = "393331234567") -> str:
    return f"false_{phone}@c.us_3EB0{uuid.uuid4().hex[:16].upper()}"


async def test_a_3_mb_photo_is_stored_with_its_bytes(media_server, photo):
    body = media_webhook(photo, "image", JPEG, message_id=fresh_id(), caption="Il contatore")

    status, answer = await post_webhook(media_server, body)

    assert status == 200, answer
    (stored,) = answer["messages"]
    assert stored["created"] is True
    assert media_server.bytes_of(stored["id"]) == photo
    status, served, headers = await get_media(media_server, stored["id"])
    assert (status, served) == (200, photo)
    assert headers["Content-Type"] == JPEG
    assert headers["X-Content-Type-Options"] == "nosniff"
    message = media_server.stored_message(stored["id"])
    assert message is not None and message.media_caption == "Il contatore"
    assert message.raw is not None
    assert message.raw["body"].startswith(f"<media {len(photo)} bytes sha256=")
    assert "/9j/" not in json.dumps(message.raw)  # no base64 of a JPEG in the raw copy
    assert media_server.spooled() == []


async def test_a_12_mb_voice_note_is_stored_with_its_bytes(media_server, voice_note):
    body = media_webhook(voice_note, "ptt", OPUS, message_id=fresh_id("393339876543"))

    status, answer = await post_webhook(media_server, body)

    assert status == 200, answer
    message_id = answer["messages"][0]["id"]
    assert media_server.bytes_of(message_id) == voice_note
    status, served, headers = await get_media(media_server, message_id)
    assert (status, served) == (200, voice_note)
    assert headers["Content-Type"] == "audio/ogg"
    assert media_server.spooled() == []


async def test_bytes_beside_sqlite_are_private_and_on_postgres_in_the_database(media_server, photo):
    body = media_webhook(photo[:-1] + b"\x01", "image", JPEG, message_id=fresh_id())
    status, _ = await post_webhook(media_server, body)
    assert status == 200
    files = media_server.media_files()
    if media_server.storage.in_database:
        assert files == [] and media_server.count(MediaChunk) > 0
        return
    assert files and media_server.count(MediaChunk) == 0
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        for folder in (path.parent, path.parent.parent):
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700


async def test_the_same_webhook_twice_stores_the_bytes_once(media_server):
    data = noise_jpeg(200_000, seed=2)
    body = media_webhook(data, "image", JPEG, message_id=fresh_id())
    blobs, links, files = (
        media_server.count(MediaBlob),
        media_server.count(MessageMedia),
        len(media_server.media_files()),
    )

    first = await post_webhook(media_server, body)
    again = await post_webhook(media_server, body)
    other = await post_webhook(
        media_server, media_webhook(data, "image", JPEG, message_id=fresh_id("393330000001"))
    )

    assert first[0] == again[0] == other[0] == 200
    assert again[1]["messages"][0] == {**first[1]["messages"][0], "created": False}
    assert other[1]["messages"][0]["created"] is True
    assert media_server.count(MediaBlob) == blobs + 1  # one file, kept once
    assert media_server.count(MessageMedia) == links + 2  # for two messages
    assert len(media_server.media_files()) == files + (0 if media_server.storage.in_database else 1)
    assert media_server.bytes_of(other[1]["messages"][0]["id"]) == data


@pytest.mark.parametrize(
    ("kind", "mimetype", "size"),
    [("image", JPEG, 5 * MIB + 1), ("sticker", "image/webp", 5 * MIB + 1)],
)
async def test_a_file_beyond_its_type_limit_is_413_and_leaves_nothing(
    media_server, kind, mimetype, size
):
    data = random.Random(3).randbytes(size)
    message_id = fresh_id()
    counts = [media_server.count(m) for m in (Message, MediaBlob, MediaChunk, MessageMedia)]
    files = media_server.media_files()

    status, answer = await post_webhook(
        media_server, media_webhook(data, kind, mimetype, message_id=message_id)
    )

    assert status == 413, answer
    assert answer["error"]["code"] == "body_too_large"
    assert set(answer["error"]) == {"code", "message"}
    assert [media_server.count(m) for m in (Message, MediaBlob, MediaChunk, MessageMedia)] == counts
    assert media_server.media_files() == files
    assert media_server.spooled() == []


async def test_a_text_message_over_1_mib_is_still_413(media_server):
    counts = media_server.count(Message)
    body = wpp_message(body="Buongiorno " * 100_000, message_id=fresh_id())
    status, answer = await post_webhook(media_server, body)
    assert (status, answer["error"]["code"]) == (413, "body_too_large")
    # Also when the long text is base64 letters: over 1 MiB only a media message is taken.
    status, answer = await post_webhook(
        media_server, wpp_message(body="QUJD" * 300_000, message_id=fresh_id())
    )
    assert (status, answer["error"]["code"]) == (413, "body_too_large")
    assert media_server.count(Message) == counts
    assert media_server.spooled() == []


async def test_an_announced_body_beyond_every_limit_is_413_before_it_is_sent(media_server):
    host, port = "127.0.0.1", media_server.process.port
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        b"POST /webhooks/wppconnect HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"X-Webhook-Token: " + WEBHOOK_SECRET.encode() + b"\r\n"
        b"Content-Length: 400000000\r\n\r\n"
    )
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    writer.close()
    assert head.startswith(b"HTTP/1.1 413")


async def test_a_big_body_with_a_wrong_secret_is_401(media_server, photo):
    counts = media_server.count(Message)
    body = media_webhook(photo, "image", JPEG, message_id=fresh_id())
    status, answer = await post_webhook(media_server, body, token="nope")
    assert (status, answer["error"]["code"]) == (401, "unauthorized")
    assert media_server.count(Message) == counts


async def test_a_refused_file_never_harms_the_messages_posted_with_it(media_server, photo):
    too_big = media_webhook(
        random.Random(4).randbytes(5 * MIB + 7), "image", JPEG, message_id=fresh_id()
    )
    good = media_webhook(photo[:-2] + b"\x02\x03", "image", JPEG, message_id=fresh_id())
    texts = [wpp_message(f"39333{n:07d}", "Buongiorno", message_id=fresh_id()) for n in range(8)]

    answers = await asyncio.gather(
        *(post_webhook(media_server, body) for body in [too_big, good, *texts])
    )

    assert [status for status, _ in answers] == [413, 200, *[200] * len(texts)]
    assert media_server.bytes_of(answers[1][1]["messages"][0]["id"]) == base64.b64decode(
        good["body"]
    )
    assert media_server.spooled() == []


async def test_media_of_a_text_message_or_without_a_token_is_refused(media_server):
    status, answer = await post_webhook(media_server, wpp_message(message_id=fresh_id()))
    assert status == 200
    status, _, _ = await get_media(media_server, answer["messages"][0]["id"])
    assert status == 404
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{media_server.url}/api/messages/1/media") as response,
    ):
        assert response.status == 401
