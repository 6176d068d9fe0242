"""Exactly-once, in-order application of the server's event log (the resume rule).

Pure bookkeeping, no I/O: the connection feeds it live events and `sync` pages, and it
answers which events to apply now. Rules:
- an event with `seq <= last applied` is a duplicate and is dropped;
- while a sync runs, live events are buffered and applied after it, in seq order;
- a live event that is not the next seq leaves a gap: it is buffered and a sync is asked
  for instead of applying out of order. (Seq values are global to the server; a hole that
  is not an event for us costs one extra `sync`, whose cursor then closes it.)
Events without `seq` (typing, the seed back end's events) are ephemeral: applied at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class WireEvent:
    name: str
    data: Any
    seq: int | None

    @classmethod
    def of(cls, name: str, data: Any) -> WireEvent:
        seq = data.get("seq") if isinstance(data, Mapping) else None
        return cls(name, data, seq if isinstance(seq, int) and not isinstance(seq, bool) else None)


@dataclass(frozen=True, slots=True)
class Verdict:
    apply: tuple[WireEvent, ...] = ()
    need_sync: bool = False


class EventSequencer:
    """Decides, for each incoming event, whether to apply, drop, buffer, or resync."""

    def __init__(self, last_applied: int = 0) -> None:
        self.last_applied = last_applied
        self.syncing = False
        self._buffer: dict[int, WireEvent] = {}

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def live(self, event: WireEvent) -> Verdict:
        """A live event arrived from the socket."""
        if event.seq is None:
            return Verdict(apply=(event,))
        if event.seq <= self.last_applied:
            return Verdict()
        if self.syncing:
            self._buffer[event.seq] = event
            return Verdict()
        if event.seq != self.last_applied + 1:
            self._buffer[event.seq] = event
            return Verdict(need_sync=True)
        self.last_applied = event.seq
        return Verdict(apply=(event, *self._drain_contiguous()))

    def begin_sync(self) -> int:
        """Start (or restart) a sync; returns the `since` to ask for."""
        self.syncing = True
        return self.last_applied

    def sync_page(self, events: Sequence[WireEvent], cursor: int | None) -> tuple[WireEvent, ...]:
        """A `sync` ack page: the events to apply, in order, each at most once."""
        applied: list[WireEvent] = []
        for event in sorted(events, key=lambda e: e.seq if e.seq is not None else -1):
            if event.seq is None:
                applied.append(event)
            elif event.seq > self.last_applied:
                self.last_applied = event.seq
                applied.append(event)
        if cursor is not None and cursor > self.last_applied:
            self.last_applied = cursor  # holes in the log up to the cursor hold nothing for us
        return tuple(applied)

    def end_sync(self) -> Verdict:
        """The last page came (`more` false): apply the buffered live events that now follow."""
        self.syncing = False
        for seq in [s for s in self._buffer if s <= self.last_applied]:
            del self._buffer[seq]
        ready = self._drain_contiguous()
        return Verdict(apply=ready, need_sync=bool(self._buffer))

    def snapshot_at(self, cursor: int) -> None:
        """The state now holds a snapshot read after event `cursor`: continue from there.

        (Events after the cursor that the snapshot already shows come again from `sync`.)
        """
        self.last_applied = max(self.last_applied, cursor)

    def abort_sync(self) -> None:
        """The connection dropped mid-sync: keep the buffer, the next sync resumes from here."""
        self.syncing = False

    def reset_buffer(self) -> None:
        """A new connection: live events buffered on the old one will come back via sync."""
        self._buffer.clear()

    def _drain_contiguous(self) -> tuple[WireEvent, ...]:
        ready: list[WireEvent] = []
        while (nxt := self._buffer.pop(self.last_applied + 1, None)) is not None:
            self.last_applied += 1
            ready.append(nxt)
        return tuple(ready)
