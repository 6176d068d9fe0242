"""SIGTERM and SIGINT delivered to the Qt loop at once, even while nothing else happens.

Python runs a signal handler only when the interpreter next executes bytecode; a Qt app
idling in its C++ event loop (a dialog waiting for a click) would not quit until the next
click or timer. The standard cure: `signal.set_wakeup_fd` makes the C-level handler write
a byte to one end of a socket pair, and a `QSocketNotifier` on the other end wakes the
loop into Python, which runs the pending Python handler at once. That handler only
schedules `received` on the loop, so the quit runs at a clean point of the event loop (a
nested one too), never in the middle of whatever Python code the signal interrupted.

The handler, not the byte, says which signal came: a library that later takes the
process-wide wakeup fd for itself (asyncio's `add_signal_handler`, as python-engineio's
client does for SIGINT) still wakes Python with its own fd, and `received` still comes.
Sockets, not a pipe, so the same code works on Windows.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

log = logging.getLogger(__name__)

QUIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)

_Handler = Callable[[int, FrameType | None], Any] | int | None


class SignalWakeup(QObject):
    """Emits `received(signum)` on the Qt loop for each of `signals` the process gets."""

    received = Signal(int)

    def __init__(
        self, signals: Iterable[signal.Signals] = QUIT_SIGNALS, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._previous: dict[int, _Handler] = {}
        for signum in signals:
            self._previous[int(signum)] = signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        # Python code may have been interrupted anywhere: act from the loop, not here.
        QTimer.singleShot(0, self, lambda: self._deliver(signum))

    def _deliver(self, signum: int) -> None:
        log.info("got signal %s", signal.Signals(signum).name)
        self.received.emit(signum)

    def _drain(self) -> None:
        """The bytes only woke the loop (and with it Python's handler): discard them."""
        with contextlib.suppress(BlockingIOError, InterruptedError):
            self._reader.recv(512)

    def close(self, then: _Handler = None) -> None:
        """Put back the handlers and the wakeup fd that were there before (or install
        `then` for these signals, e.g. SIG_IGN once the quit is done); idempotent."""
        if not self._previous:
            return
        for signum, handler in self._previous.items():
            if then is not None:
                handler = then
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        self._previous.clear()
        signal.set_wakeup_fd(self._previous_fd)
        self._notifier.setEnabled(False)
        self._reader.close()
        self._writer.close()
