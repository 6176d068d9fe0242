"""Media bytes of messages: stored once per content (sha256), read back by message.

`attach_media` runs inside the ingestion's transaction (savepoint) of the message it
belongs to: the message, its blob row and its link commit together or not at all, so a
duplicate webhook of a message stores its bytes once, and the same file sent in two
messages is kept once. The file itself is placed before the commit that names it (see
store/media_storage.py); a failure after that leaves at worst an unnamed file, never a
row without its bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.orm import Session

from sportello.domain.values import Media, MediaFile
from sportello.store.dialect import connection_of, dialect_insert
from sportello.store.media_storage import MediaStorage
from sportello.store.models import MediaBlob, MediaChunk, Message, MessageMedia, table_of

# Bytes per `media_chunks` row: what one statement holds in memory, whatever the file's size.
CHUNK_BYTES = 1024 * 1024

_blobs = table_of(MediaBlob)
_chunks = table_of(MediaChunk)
_links = table_of(MessageMedia)
_messages = table_of(Message)


@dataclass(frozen=True, slots=True)
class StoredMedia:
    """A message's stored file: what it is, and where its bytes are (`path`, else chunks)."""

    message_id: int
    blob_id: int
    sha256: str
    size: int
    mime: str | None
    filename: str | None
    complete: bool
    path: Path | None  # None: the bytes are rows of media_chunks


def attach_media(
    session: Session | Connection,
    storage: MediaStorage,
    message_id: int,
    media: Media,
    now: datetime,
) -> int:
    """Keep the received file of `media` as the bytes of `message_id`; the blob's id."""
    received = media.file
    if received is None:
        raise ValueError(f"message {message_id}: its media carries no file")
    connection = connection_of(session)
    blob_id = _blob_for(connection, storage, received, media.mime_type, now)
    connection.execute(
        insert(_links).values(
            message_id=message_id,
            blob_id=blob_id,
            complete=received.complete,
            created_at=now,
        )
    )
    return blob_id


def _blob_for(
    connection: Connection,
    storage: MediaStorage,
    received: MediaFile,
    mime: str | None,
    now: datetime,
) -> int:
    relative = None if storage.in_database else storage.relative_path(received.sha256)
    created = connection.execute(
        dialect_insert(connection.dialect.name, _blobs)
        .values(
            sha256=received.sha256,
            size=received.size,
            mime=mime,
            path=relative,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=[_blobs.c.sha256])
        .returning(_blobs.c.id)
    ).scalar_one_or_none()
    if created is None:
        # Kept already (the same file in another message, or another node's commit).
        existing = connection.execute(
            select(_blobs.c.id, _blobs.c.path).where(_blobs.c.sha256 == received.sha256)
        ).one()
        if existing.path is not None and not storage.in_database:
            storage.place(received.sha256, Path(received.path))  # put back if it went missing
        return int(existing.id)
    if storage.in_database:
        _write_chunks(connection, int(created), Path(received.path))
    else:
        storage.place(received.sha256, Path(received.path))
    return int(created)


def _write_chunks(connection: Connection, blob_id: int, path: Path) -> None:
    with path.open("rb") as handle:
        seq = 0
        while piece := handle.read(CHUNK_BYTES):
            connection.execute(insert(_chunks).values(blob_id=blob_id, seq=seq, data=piece))
            seq += 1


def stored_media(
    session: Session | Connection, storage: MediaStorage, message_id: int
) -> StoredMedia | None:
    """What is stored of a message's file; None when it has none."""
    connection = connection_of(session)
    row = connection.execute(
        select(
            _links.c.blob_id,
            _links.c.complete,
            _blobs.c.sha256,
            _blobs.c.size,
            _blobs.c.path,
            func.coalesce(_messages.c.media_mime, _blobs.c.mime).label("mime"),
            _messages.c.media_filename,
        )
        .join(_blobs, _blobs.c.id == _links.c.blob_id)
        .join(_messages, _messages.c.id == _links.c.message_id)
        .where(_links.c.message_id == message_id)
    ).one_or_none()
    if row is None:
        return None
    return StoredMedia(
        message_id=message_id,
        blob_id=int(row.blob_id),
        sha256=row.sha256,
        size=int(row.size),
        mime=row.mime,
        filename=row.media_filename,
        complete=bool(row.complete),
        path=storage.path_of(row.path) if row.path is not None else None,
    )


def chunk_count(session: Session | Connection, blob_id: int) -> int:
    """How many `media_chunks` rows a blob kept in the database has."""
    connection = connection_of(session)
    return int(
        connection.execute(
            select(func.count()).select_from(_chunks).where(_chunks.c.blob_id == blob_id)
        ).scalar_one()
    )


def read_chunk(session: Session | Connection, blob_id: int, seq: int) -> bytes:
    """One piece of a blob kept in the database (pieces are numbered from 0)."""
    connection = connection_of(session)
    data = connection.execute(
        select(_chunks.c.data).where(_chunks.c.blob_id == blob_id, _chunks.c.seq == seq)
    ).scalar_one()
    return bytes(data)


def iter_media_bytes(session: Session | Connection, found: StoredMedia) -> Iterator[bytes]:
    """The file's bytes in pieces of at most CHUNK_BYTES, from its file or its rows."""
    if found.path is not None:
        with found.path.open("rb") as handle:
            while piece := handle.read(CHUNK_BYTES):
                yield piece
        return
    for seq in range(chunk_count(session, found.blob_id)):
        yield read_chunk(session, found.blob_id, seq)


def read_media_bytes(
    session: Session | Connection, storage: MediaStorage, message_id: int
) -> bytes | None:
    """The whole stored file of a message (for tests and small files); None when it has none."""
    found = stored_media(session, storage, message_id)
    if found is None:
        return None
    return b"".join(iter_media_bytes(session, found))
