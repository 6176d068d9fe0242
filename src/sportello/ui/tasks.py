"""Run client coroutines from Qt slots without blocking the UI thread.

Slots are synchronous; the client's actions are coroutines on the qasync loop. The runner
starts them as tasks, keeps a reference (so they are not garbage collected mid-flight),
and reports the outcome through callbacks on the same (UI) thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from sportello.client.errors import ClientError, UnexpectedFailure
from sportello.ui.error_texts import reason, sentence

log = logging.getLogger(__name__)

T = TypeVar("T")


class TaskRunner(QObject):
    """Starts coroutines as asyncio tasks; `failed` carries a one-line message for the user."""

    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: set[asyncio.Task[Any]] = set()

    def run(
        self,
        coro: Coroutine[Any, Any, T],
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[ClientError], None] | None = None,
    ) -> asyncio.Task[T] | None:
        """Start `coro`; call `on_done(result)` or `on_error(error)` when it ends.

        Returns None, without running `coro`, when there is no usable event loop: a Qt
        timer (the composer's typing timer, say) can still fire while the application is
        shutting down, after the asyncio loop was closed.
        """
        try:
            loop = asyncio.get_event_loop_policy().get_event_loop()
        except RuntimeError:
            loop = None
        if loop is None or loop.is_closed():
            coro.close()
            log.debug("no event loop: %s dropped", getattr(coro, "__qualname__", coro))
            return None
        task: asyncio.Task[T] = loop.create_task(coro)
        self._tasks.add(task)

        def finished(done: asyncio.Task[T]) -> None:
            self._tasks.discard(done)
            if done.cancelled():
                return
            error = done.exception()
            if error is None:
                if on_done is not None:
                    on_done(done.result())
                return
            if not isinstance(error, ClientError):
                # A bug, not a condition the user can act on: log it with its traceback
                # once, and still report it: a caller that holds a flag until its action
                # ends (one mark-as-read at a time) must hear of the end, or wedge for good.
                log.error("background action failed", exc_info=error)
                error = UnexpectedFailure(f"{type(error).__name__}: {error}")
            if on_error is not None:
                on_error(error)
            else:
                self.failed.emit(sentence(reason(error)))

        task.add_done_callback(finished)
        return task

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def cancel_all(self) -> None:
        for task in list(self._tasks):
            task.cancel()
