"""The resume rule, as pure bookkeeping: every event applied once, in seq order."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from sportello.client.sequencer import EventSequencer, WireEvent


def ev(seq: int | None, name: str = "newMessage") -> WireEvent:
    return WireEvent(name, {"seq": seq} if seq is not None else {}, seq)


def seqs(events: tuple[WireEvent, ...] | list[WireEvent]) -> list[int | None]:
    return [e.seq for e in events]


def test_live_events_in_order_are_applied_at_once() -> None:
    s = EventSequencer(last_applied=5)
    assert seqs(s.live(ev(6)).apply) == [6]
    assert seqs(s.live(ev(7)).apply) == [7]
    assert s.last_applied == 7


def test_duplicate_live_event_is_dropped() -> None:
    s = EventSequencer(last_applied=5)
    s.live(ev(6))
    verdict = s.live(ev(6))
    assert verdict.apply == () and not verdict.need_sync
    assert s.live(ev(3)).apply == ()


def test_gap_asks_for_sync_instead_of_applying_out_of_order() -> None:
    s = EventSequencer(last_applied=5)
    verdict = s.live(ev(8))
    assert verdict.apply == () and verdict.need_sync
    assert s.begin_sync() == 5
    assert seqs(s.sync_page([ev(6), ev(7), ev(8)], cursor=8)) == [6, 7, 8]
    done = s.end_sync()
    assert done.apply == () and not done.need_sync  # 8 came by sync: not applied twice


def test_live_events_during_sync_wait_and_follow_in_seq_order() -> None:
    s = EventSequencer(last_applied=0)
    assert s.begin_sync() == 0
    assert s.live(ev(12)).apply == ()  # arrives out of order, during the sync
    assert s.live(ev(11)).apply == ()
    assert s.live(ev(10)).apply == ()  # also in the sync page below
    assert seqs(s.sync_page([ev(1), ev(2)], cursor=2)) == [1, 2]
    assert s.begin_sync() == 2  # more: true
    assert seqs(s.sync_page([ev(n) for n in range(3, 11)], cursor=10)) == list(range(3, 11))
    done = s.end_sync()
    assert seqs(done.apply) == [11, 12]
    assert not done.need_sync and s.last_applied == 12


def test_buffer_with_a_hole_after_sync_asks_for_another_sync() -> None:
    s = EventSequencer(last_applied=0)
    s.begin_sync()
    s.live(ev(4))
    s.sync_page([ev(1), ev(2)], cursor=2)
    done = s.end_sync()
    assert done.apply == () and done.need_sync
    s.begin_sync()
    s.sync_page([ev(3), ev(4)], cursor=4)
    assert s.end_sync().apply == ()
    assert s.last_applied == 4


def test_cursor_closes_holes_that_hold_nothing_for_us() -> None:
    s = EventSequencer(last_applied=0)
    s.begin_sync()
    assert seqs(s.sync_page([ev(2), ev(5)], cursor=9)) == [2, 5]
    s.end_sync()
    assert seqs(s.live(ev(10)).apply) == [10]


def test_events_without_seq_are_applied_at_once_even_during_sync() -> None:
    s = EventSequencer(last_applied=3)
    s.begin_sync()
    assert seqs(s.live(ev(None, "userTyping")).apply) == [None]


def test_connection_drop_mid_sync_resumes_from_last_applied() -> None:
    s = EventSequencer(last_applied=0)
    s.begin_sync()
    s.sync_page([ev(1), ev(2)], cursor=2)
    s.abort_sync()
    s.reset_buffer()
    assert s.begin_sync() == 2


@settings(max_examples=200, deadline=None)
@given(
    total=st.integers(min_value=1, max_value=60),
    seed=st.integers(min_value=0, max_value=10_000),
    page=st.integers(min_value=1, max_value=7),
)
def test_any_delivery_order_applies_each_event_exactly_once_in_order(
    total: int, seed: int, page: int
) -> None:
    """The log grows while live copies are lost, duplicated and reordered; syncs fill in."""
    rng = random.Random(seed)
    log: list[WireEvent] = []
    in_flight: list[WireEvent] = []  # live copies on their way, delivered in random order
    s = EventSequencer()
    applied: list[int | None] = []

    def run_sync() -> None:
        while True:
            since = s.begin_sync()
            chunk = log[since : since + page]
            applied.extend(seqs(s.sync_page(chunk, chunk[-1].seq if chunk else since)))
            if in_flight and rng.random() < 0.4:  # live events keep coming during the sync
                applied.extend(seqs(s.live(in_flight.pop(rng.randrange(len(in_flight)))).apply))
            if since + page < len(log):
                continue  # "more": true
            done = s.end_sync()
            applied.extend(seqs(done.apply))
            if not done.need_sync:
                return

    def deliver_one() -> None:
        verdict = s.live(in_flight.pop(rng.randrange(len(in_flight))))
        applied.extend(seqs(verdict.apply))
        if verdict.need_sync:
            run_sync()

    run_sync()  # the connection starts with a sync
    for n in range(1, total + 1):
        log.append(ev(n))
        if rng.random() < 0.85:
            in_flight.append(ev(n))
        if rng.random() < 0.1:
            in_flight.append(ev(n))  # delivered twice
        while in_flight and rng.random() < 0.6:
            deliver_one()
    while in_flight:
        deliver_one()
    run_sync()  # a reconnect catches up whatever live delivery lost at the end
    assert applied == list(range(1, total + 1))
