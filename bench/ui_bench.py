"""Console performance with a big cache; prints one JSON object.

Cache: N conversations and M messages (one conversation holds BIG of them). Measures cold
start to a usable window, opening the big conversation, p99 frame time while scrolling it
and while 1,000 incoming events per second are applied, and peak RSS.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/ui_bench.py [--conversations 10000]
        [--messages 1000000] [--big 100000] [--cache PATH]

The cache file is built once (through the client's cache API) and reused when it exists.
Events in the burst are applied through ClientState (what the client does per wire event);
socket and disk costs are measured by the client's own benchmarks, not here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
T0 = time.perf_counter()


def stamp(base: datetime, seconds: float) -> str:
    from sportello.domain.values import iso_utc

    return iso_utc(base + timedelta(seconds=seconds))


async def build_cache(path: Path, conversations: int, messages: int, big: int) -> None:
    from sportello.client.cache import Cache
    from sportello.client.records import Message
    from sportello.domain.values import DeliveryStatus, Direction

    base = datetime(2024, 1, 1, tzinfo=UTC)
    cache = Cache(path)
    await cache.open()
    rest = messages - big
    per_conv = max(1, rest // max(1, conversations - 1))
    batch: list[Message] = []

    async def flush() -> None:
        cache.put_messages(list(batch))
        batch.clear()
        await cache.flush()

    def add(conv: str, n: int, t: float) -> None:
        incoming = n % 3 != 0
        batch.append(
            Message(
                id=f"{conv}-{n}",
                conversation_id=conv,
                timestamp=stamp(base, t),
                direction=Direction.INCOMING if incoming else Direction.OUTGOING,
                status=DeliveryStatus.READ,
                body=f"Messaggio {n}: la caldaia fa un rumore strano " * (1 + n % 3),
                sender_name=f"Cliente {conv}" if incoming else None,
                phone=f"+39333{conv[1:]:0>7}",
            )
        )

    for n in range(big):
        add("c0", n, n * 60.0)
        if len(batch) >= 20_000:
            await flush()
    for c in range(1, conversations):
        for n in range(per_conv):
            add(f"c{c}", n, c * 7.0 + n * 3600.0)
        if len(batch) >= 20_000:
            await flush()
    await flush()
    await cache.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0


async def measure(cache_path: Path, t_import_start: float) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from sportello.client.api import SportelloClient
    from sportello.client.connection import Backoff
    from sportello.client.records import Message, ServerProfile
    from sportello.domain.values import DeliveryStatus, Direction
    from sportello.ui.main_window import MainWindow

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    profile = ServerProfile("http://127.0.0.1:9", "bench", "op1", "bench")
    client = SportelloClient(
        profile, cache_path, backoff=Backoff(base=30, factor=2, cap=60, jitter=0)
    )
    window = MainWindow(client)
    window.resize(1440, 880)
    await client.start()
    window.show()
    await asyncio.sleep(0)  # yields to Qt: never processEvents() inside a task (re-entrancy)
    window.repaint()
    cold_start = time.perf_counter() - t_import_start

    # Open the big conversation: from the click to its newest page painted.
    t = time.perf_counter()
    window.conversations.select_conversation("c0")
    while window.thread_pane.model.rowCount() == 0:
        await asyncio.sleep(0)
    window.thread_pane.view.viewport().repaint()
    open_big = time.perf_counter() - t

    # Scroll to the top repeatedly: older pages load, every frame is a full repaint.
    view = window.thread_pane.view
    bar = view.verticalScrollBar()
    scroll_frames: list[float] = []
    for _ in range(400):
        t = time.perf_counter()
        bar.setValue(max(0, bar.value() - 180))
        await asyncio.sleep(0)
        view.viewport().repaint()
        scroll_frames.append(time.perf_counter() - t)
    loaded_rows = window.thread_pane.model.rowCount()

    # 1,000 incoming events per second for 3 s, painted at 60 frames per second.
    base = datetime(2025, 1, 1, tzinfo=UTC)
    burst_frames: list[float] = []
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < 3.0:
        due = int((time.perf_counter() - start) * 1000)
        t = time.perf_counter()
        while n < due:
            conv = "c0" if n % 10 == 0 else f"c{1 + (n * 7919) % 9999}"
            client.state.apply_message(
                Message(
                    id=f"burst-{n}",
                    conversation_id=conv,
                    timestamp=stamp(base, n / 1000),
                    direction=Direction.INCOMING,
                    status=DeliveryStatus.RECEIVED,
                    body=f"Nuovo messaggio {n}",
                    sender_name="Cliente",
                    phone="+393330000000",
                )
            )
            n += 1
        await asyncio.sleep(0)
        window.repaint()
        burst_frames.append(time.perf_counter() - t)
        await asyncio.sleep(max(0.0, 1 / 60 - (time.perf_counter() - t)))
    window.close()
    await client.stop()
    return {
        "cold_start_s": round(cold_start, 3),
        "open_big_conversation_ms": round(open_big * 1000, 1),
        "scroll_p99_frame_ms": round(percentile(scroll_frames, 0.99) * 1000, 2),
        "scroll_loaded_rows": loaded_rows,
        "burst_events_applied": n,
        "burst_p99_frame_ms": round(percentile(burst_frames, 0.99) * 1000, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/sportello-ui-bench.sqlite3"))
    parser.add_argument("--build-only", action="store_true")
    args = parser.parse_args()
    if not args.cache.exists():
        t = time.perf_counter()
        asyncio.run(build_cache(args.cache, args.conversations, args.messages, args.big))
        print(json.dumps({"cache_built_s": round(time.perf_counter() - t, 1)}), file=sys.stderr)
        if args.build_only:
            return 0
        # Measure in a fresh process, so the cold start and RSS are not the builder's.
        os.execv(sys.executable, [sys.executable, *sys.argv])
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        result = loop.run_until_complete(measure(args.cache, T0))
    result.update(conversations=args.conversations, messages=args.messages, big=args.big)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
