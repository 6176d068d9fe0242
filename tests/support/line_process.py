"""A subprocess whose stdout lines (`KIND [name] <json>`) are parsed in a thread and can be
waited for. Every wait has a timeout and fails with the tail of the process output, so a red
test says what the other side did instead of hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT = 15.0
# Lines whose second word is an event name: "EVENT newMessage {...}", "ACK markAsRead {...}".
_NAMED_KINDS = frozenset({"EVENT", "ACK", "ACK_TIMEOUT"})


@dataclass(frozen=True, slots=True)
class Line:
    """One stdout line: `KIND [name] <json>`; `data` is the decoded JSON (or the raw rest)."""

    kind: str
    name: str | None
    data: Any
    raw: str


def parse_line(raw: str) -> Line:
    kind, _, rest = raw.partition(" ")
    name: str | None = None
    if kind in _NAMED_KINDS:
        name, _, rest = rest.partition(" ")
    try:
        data: Any = json.loads(rest) if rest else None
    except json.JSONDecodeError:
        data = rest
    return Line(kind=kind, name=name, data=data, raw=raw)


class LineProcess:
    """A subprocess whose stdout is parsed line by line in a thread, with waits on the lines."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        label: str,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        with_stdin: bool = True,
    ) -> None:
        self.label = label
        self.lines: list[Line] = []
        self.stderr_lines: list[str] = []
        self._cond = threading.Condition()
        self._stdout_closed = False
        self.proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.PIPE if with_stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        self._threads = [
            threading.Thread(target=self._read_stdout, name=f"{label}-stdout", daemon=True),
            threading.Thread(target=self._read_stderr, name=f"{label}-stderr", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = parse_line(raw.rstrip("\r\n"))
            with self._cond:
                self.lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self._stdout_closed = True
            self._cond.notify_all()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            with self._cond:
                self.stderr_lines.append(raw.rstrip("\r\n"))

    def mark(self) -> int:
        """Index of the next line: pass it as `start` to wait only for what comes after now."""
        with self._cond:
            return len(self.lines)

    def snapshot(self) -> list[Line]:
        with self._cond:
            return list(self.lines)

    def wait_for(
        self, predicate: Callable[[Line], bool], timeout: float = DEFAULT_TIMEOUT, start: int = 0
    ) -> Line:
        """The first line from index `start` matching `predicate`; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        index = start
        with self._cond:
            while True:
                while index < len(self.lines):
                    line = self.lines[index]
                    index += 1
                    if predicate(line):
                        return line
                remaining = deadline - time.monotonic()
                if self._stdout_closed:
                    raise AssertionError(
                        f"{self.label} exited before the awaited line\n{self._tail()}"
                    )
                if remaining <= 0:
                    raise AssertionError(
                        f"{self.label}: nothing matched in {timeout} s\n{self._tail()}"
                    )
                self._cond.wait(remaining)

    async def wait_for_async(
        self, predicate: Callable[[Line], bool], timeout: float = DEFAULT_TIMEOUT, start: int = 0
    ) -> Line:
        """`wait_for` off the event loop, so asyncio clients keep running meanwhile."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout, start)

    def send(self, command: Mapping[str, Any]) -> None:
        """Write one JSON command line to the process's stdin."""
        assert self.proc.stdin is not None, f"{self.label} has no stdin"
        self.proc.stdin.write(json.dumps(command, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()

    def _tail(self, count: int = 40) -> str:
        out = "\n".join(f"  {line.raw}" for line in self.lines[-count:])
        err = "\n".join(f"  {line}" for line in self.stderr_lines[-count:])
        return f"--- {self.label} stdout (tail)\n{out}\n--- {self.label} stderr (tail)\n{err}"

    def describe(self) -> str:
        with self._cond:
            return self._tail()

    def stop(self, timeout: float = 10.0, sig: int | None = None) -> int | None:
        """Close stdin (or send `sig`), wait, then kill; return the exit code."""
        if self.proc.poll() is None:
            if sig is not None:
                self.proc.send_signal(sig)
            elif self.proc.stdin is not None:
                # Already closed by a broken pipe: the process is exiting anyway.
                with contextlib.suppress(OSError):
                    self.proc.stdin.close()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        for thread in self._threads:
            thread.join(timeout)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None and not stream.closed:
                stream.close()
        return self.proc.returncode
