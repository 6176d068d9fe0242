"""Where media bytes live on disk: the files beside a SQLite database, and the spool.

A SQLite database `<dir>/sportello.db` keeps its media files in `<dir>/sportello-media/`,
one file per content, named by its sha256 (`ab/abcdef...`): 0600 files in 0700 folders
(`system/private_files.py`). PostgreSQL keeps the bytes in the database itself
(`media_chunks`), so every node has them; nothing is kept on disk.

The spool is where a file being received waits until it is stored: `incoming/` inside
the media folder (the same filesystem, so storing it is a rename), or, for a database
without a folder, a private temporary folder this process makes and removes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy.engine import URL

from sportello.store.database import sqlite_file
from sportello.system.private_files import create_private_file, make_private_dir

log = logging.getLogger(__name__)

# A spool file older than this at start was left by a process that died while receiving.
STALE_SPOOL_SECONDS = 3600.0
_POSIX = os.name != "nt"


@dataclass(slots=True)
class SpoolFile:
    """A private file being written; `discard()` removes it unless it was stored (moved)."""

    path: Path
    handle: IO[bytes]

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.handle.close()
        self.path.unlink(missing_ok=True)


class MediaStorage:
    """The media folder of one database (None: the bytes go into the database) and its spool."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._spool: Path | None = None
        self._own_spool = False

    @classmethod
    def for_url(cls, url: URL) -> MediaStorage:
        """Files beside a SQLite database file; in the database for anything else."""
        database = sqlite_file(url)
        if database is None:
            return cls(None)
        return cls(database.parent / f"{database.stem}-media")

    @property
    def in_database(self) -> bool:
        return self.root is None

    def relative_path(self, sha256: str) -> str:
        """Where the file of this content goes, relative to the media folder."""
        return f"{sha256[:2]}/{sha256}"

    def path_of(self, relative: str) -> Path:
        if self.root is None:
            raise RuntimeError("this database keeps its media in the database, not in files")
        return self.root / relative

    def spool_file(self) -> SpoolFile:
        """A new empty 0600 file in the spool, open for writing."""
        path = create_private_file(self._spool_dir() / f"{secrets.token_hex(16)}.part")
        return SpoolFile(path, path.open("r+b"))

    def place(self, sha256: str, spooled: Path) -> str:
        """Move a received file to its place (or find it there already); its relative path.

        Idempotent: a retried transaction finds the file placed by the first attempt.
        """
        relative = self.relative_path(sha256)
        final = self.path_of(relative)
        if final.exists():
            return relative
        make_private_dir(final.parent)
        os.replace(spooled, final)
        _sync_dir(final.parent)
        return relative

    def sweep_spool(self) -> None:
        """Remove what a process that died while receiving left in the spool folder."""
        if self.root is None:
            return
        folder = self.root / "incoming"
        if not folder.is_dir():
            return
        cutoff = time.time() - STALE_SPOOL_SECONDS
        for entry in folder.iterdir():
            with contextlib.suppress(OSError):
                if entry.is_file() and entry.stat().st_mtime < cutoff:
                    entry.unlink()
                    log.info("removed a stale spool file %s", entry.name)

    def close(self) -> None:
        """Remove the temporary spool folder this process made, if any."""
        if self._own_spool and self._spool is not None:
            shutil.rmtree(self._spool, ignore_errors=True)
            self._spool = None

    def _spool_dir(self) -> Path:
        if self._spool is None:
            if self.root is not None:
                self._spool = make_private_dir(self.root / "incoming")
            else:
                # mkdtemp makes the folder 0700; TMPDIR decides where.
                self._spool = Path(tempfile.mkdtemp(prefix="sportello-spool-"))
                self._own_spool = True
        return self._spool


def sync_file(handle: IO[bytes]) -> None:
    """The file's bytes on disk before a database row points at them."""
    handle.flush()
    os.fsync(handle.fileno())


def _sync_dir(folder: Path) -> None:
    # The rename itself must survive a crash once the row that names the file is committed.
    if not _POSIX:
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
