"""Files that hold customer data or credentials: 0600 files in 0700 directories, whatever the umask.

The one home of that decision for the server, the CLI and the desktop app: the SQLite
database and its -wal/-shm, the client cache (and the outbox inside it), local-server
logs and state, and any other private file. A file or directory made here never exists,
even for a moment, with a looser mode (it is created with the tight mode and then set to
exactly that mode, since the umask can only remove bits); one found looser is tightened
when it is opened. Standard library only, so every layer may use it.

On Windows modes mean little (the profile's ACLs protect these files): nothing is changed.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
# SQLite's companions of a database file: it creates them with the database file's mode.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
_POSIX = os.name != "nt"


def make_private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create `path` and its missing parents as 0700 directories; return it.

    `tighten` also sets an existing `path` to 0700: for directories that are ours (the
    app's data, cache and log directories), not for one an administrator chose for a
    database.
    """
    path = Path(path)
    missing: list[Path] = []
    folder = path
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made by someone else meanwhile
            folder.mkdir(mode=PRIVATE_DIR_MODE)
            _set_mode(folder, PRIVATE_DIR_MODE)
    if tighten and path not in missing:
        _tighten(path, PRIVATE_DIR_MODE)
    return path


def tighten_private_file(path: Path) -> None:
    """Set an existing file to 0600 when it allows more; nothing when it does not exist."""
    _tighten(Path(path), PRIVATE_FILE_MODE)


def create_private_file(path: Path) -> Path:
    """Make sure `path` exists as a 0600 file (contents kept; created empty if missing)."""
    os.close(_open_fd(Path(path), os.O_WRONLY | os.O_CREAT))
    return Path(path)


@contextlib.contextmanager
def open_private(path: Path, mode: str = "wb") -> Iterator[IO[bytes]]:
    """`open(path, mode)` for "wb" or "ab", the file being 0600 before a byte is written."""
    flags = {
        "wb": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
        "ab": os.O_WRONLY | os.O_CREAT | os.O_APPEND,
    }
    if mode not in flags:
        raise ValueError(f"open_private: mode {mode!r} is not 'wb' or 'ab'")
    with os.fdopen(_open_fd(Path(path), flags[mode]), mode) as handle:
        yield handle


def write_private_text(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8) atomically; the new file is 0600 from the start."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open_private(tmp, "wb") as handle:
        handle.write(text.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())  # a crash right after the rename finds the new text
    tmp.replace(path)


def prepare_private_sqlite(database: Path) -> None:
    """Before SQLite opens `database`: its folder exists, it is 0600, and so are its companions.

    SQLite gives a -wal/-shm/-journal it creates the mode of the database file (whatever
    the umask), so a 0600 database keeps them private; ones left by an older install are
    tightened here.
    """
    database = Path(database)
    make_private_dir(database.parent, tighten=False)
    create_private_file(database)
    for suffix in SQLITE_COMPANIONS:
        tighten_private_file(database.with_name(database.name + suffix))


def _open_fd(path: Path, flags: int) -> int:
    # Created as 0600 (the umask can only take bits away), then set to exactly 0600: a
    # file that already existed with a looser mode is tightened too.
    # O_BINARY: Windows would otherwise translate newlines in what is written.
    extra = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags | extra, PRIVATE_FILE_MODE)
    if _POSIX:
        try:
            if stat.S_IMODE(os.fstat(fd).st_mode) != PRIVATE_FILE_MODE:
                os.fchmod(fd, PRIVATE_FILE_MODE)
        except OSError:
            os.close(fd)
            raise
    return fd


def _tighten(path: Path, mode: int) -> None:
    if not _POSIX:
        return
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if current & ~mode:
        path.chmod(current & mode)


def _set_mode(path: Path, mode: int) -> None:
    if _POSIX:
        path.chmod(mode)
