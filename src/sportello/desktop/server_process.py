"""One `sportello server` child at the operating system's level: start it with its output in
a private log, tell whether it lives, stop or kill it, wait until it is gone, read why it
failed.

Kept apart from `LocalServerSupervisor` (local_server.py), which decides when to do these
things (adopt, restart with backoff, give up): this module only knows how, on POSIX and on
Windows. A child is known by its pid, and also by its `Popen` when this app started it; one
adopted from an earlier run has none.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from sportello.system.private_files import make_private_dir, open_private, tighten_private_file

LOG_ROTATE_BYTES = 5 * 1024 * 1024
ERROR_PREFIX = "sportello server: error:"


def pid_alive(pid: int) -> bool:
    """True while a server process of ours runs with this pid (always True on Windows)."""
    if os.name == "nt":
        return True  # os.kill(pid, 0) terminates on Windows; the health check decides there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # someone else's process: not ours to adopt
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():  # guard against pid reuse by an unrelated program
        with contextlib.suppress(OSError):
            return b"server" in cmdline.read_bytes()
    return True


def signal_stop(pid: int, proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None:
        proc.terminate()  # SIGTERM on POSIX; TerminateProcess on Windows (no drain there)
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGTERM)


def signal_kill(pid: int, proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None:
        proc.kill()
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))


async def wait_exit(pid: int, proc: subprocess.Popen[bytes] | None, timeout: float) -> bool:
    """True once the child is gone; False if it still runs after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None:
            if proc.poll() is not None:
                return True
        elif not pid_alive(pid):
            return True
        await asyncio.sleep(0.1)
    return False


def spawn_logged(
    argv: list[str], env: dict[str, str], cwd: Path, log_path: Path
) -> tuple[subprocess.Popen[bytes], int]:
    """Start `argv` in its own session, its output appended to `log_path`; returns the
    process and the offset in the log where its output starts."""
    make_private_dir(log_path.parent)  # server logs quote customers' names and numbers
    rotated = log_path.with_suffix(".log.1")
    if log_path.exists() and log_path.stat().st_size > LOG_ROTATE_BYTES:
        log_path.replace(rotated)
    tighten_private_file(rotated)  # one an older version left readable
    # The child's output goes to a file, not a pipe: a pipe would break (and could
    # block the server) once the UI that reads it is gone.
    with open_private(log_path, "ab") as out:
        offset = out.tell()
        kwargs: dict[str, Any] = {}
        if os.name == "nt":
            kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0) | (
                getattr(subprocess, "CREATE_NO_WINDOW", 0)
            )
        else:
            kwargs["start_new_session"] = True  # no terminal signals from the UI's session
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env=env,
            cwd=str(cwd),
            **kwargs,
        )
    return proc, offset


def last_error_line(log_path: Path, offset: int) -> str:
    """The server's last one-line error written after `offset`, without its prefix, or ""."""
    try:
        with open(log_path, "rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    for line in reversed(text.splitlines()):
        if line.startswith(ERROR_PREFIX):
            return line[len(ERROR_PREFIX) :].strip()
    return ""
