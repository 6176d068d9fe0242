"""SIGTERM and SIGINT delivered to the Qt loop at once, even while nothing else happens.

Python runs a signal handler only when the interpreter next executes bytecode; a Qt app
idling in its C++ event loop (a dialog waiting for a click) would not quit until the next
click or timer. The standard cure: `signal.set_wakeup_fd` makes the C-level handler
write the signal's number to one end of a socket pair, a `QSocketNotifier` on the other
end wakes the loop, and `received` is emitted from there: at a clean point of the event
loop (any nested one too), never in the middle of whatever Python code was running when
the signal came. Sockets, not a pipe, so the same code works on Windows.
"""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, Signal

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
        self._signals = {int(s) for s in signals}
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        self._previous: dict[int, _Handler] = {}
        for signum in self._signals:
            # A Python handler must be installed for the C handler to write to the fd; it
            # does nothing itself: the work happens in `_drain`, on the loop.
            self._previous[signum] = signal.signal(signum, _noted)

    def _drain(self) -> None:
        try:
            data = self._reader.recv(512)
        except (BlockingIOError, InterruptedError):
            return
        for signum in data:
            if signum in self._signals:
                log.info("got signal %s", signal.Signals(signum).name)
                self.received.emit(signum)

    def close(self) -> None:
        """Put back the handlers and the wakeup fd that were there before; idempotent."""
        if not self._previous:
            return
        for signum, handler in self._previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        self._previous.clear()
        signal.set_wakeup_fd(self._previous_fd)
        self._notifier.setEnabled(False)
        self._reader.close()
        self._writer.close()


def _noted(_signum: int, _frame: FrameType | None) -> None:
    """The Python-level half of the handler: nothing to do (see `SignalWakeup._drain`)."""
