"""Memory and time of receiving a 16 MB voice note as WPPConnect posts it (autoDownload).

Prints one JSON object per run and engine, then a summary line, e.g.
    python bench/media_body.py --engine both --runs 3

A real `sportello server` process, a real Ogg Opus file (sox + opusenc) posted as the
base64 `body` of an `onmessage` webhook (~21 MB of JSON). Before each post the server's
peak RSS is reset (`/proc/<pid>/clear_refs` = 5, Linux 4.0+, as the process's owner);
after the 200 its VmHWM says how high it went: `peak_growth` is VmHWM after minus VmRSS
before. A sampler reading VmRSS every 2 ms gives a cross-check. Target (issue 13): the
growth stays under 2x the body size. PostgreSQL runs in a throwaway database on
127.0.0.1:5432, dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

from tests.server.server_harness import add_operator, open_db  # noqa: E402
from tests.support.databases import create_postgres_database, drop_postgres_database  # noqa: E402
from tests.support.media_files import media_webhook, noise_jpeg, noise_voice_note  # noqa: E402
from tests.support.payloads import wpp_message  # noqa: E402
from tests.support.server_process import ServerProcess  # noqa: E402

SECRET = "bench-secret"
VOICE_NOTE_BYTES = 16 * 1000 * 1000  # "16 MB", under the 16 MiB audio limit
TARGET_RATIO = 2.0


def status_bytes(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


class RssSampler:
    """VmRSS of a process every `interval` seconds, from another thread; keeps the highest."""

    def __init__(self, pid: int, interval: float = 0.002) -> None:
        self.pid, self.interval, self.highest = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.highest = max(self.highest, status_bytes(self.pid, "VmRSS"))
            time.sleep(self.interval)


async def post(http: aiohttp.ClientSession, url: str, data: bytes) -> tuple[int, Any]:
    async with http.post(
        f"{url}/webhooks/wppconnect",
        data=data,
        headers={"Content-Type": "application/json", "X-Webhook-Token": SECRET},
    ) as response:
        return response.status, await response.json()


async def measure(engine: str, url: str, pid: int, voice: bytes, runs: int) -> list[dict[str, Any]]:
    results = []
    async with aiohttp.ClientSession() as http:
        # Warm up: the first text and media messages load and allocate what every later
        # message reuses, so what follows is the cost of the big body alone.
        for n, body in enumerate(
            [
                wpp_message(body="Buongiorno"),
                media_webhook(noise_jpeg(100_000), "image", "image/jpeg"),
            ]
        ):
            status, answer = await post(http, url, json.dumps(body).encode())
            assert status == 200, (n, answer)
        for run in range(runs):
            # Each run a different file (its last bytes changed): no deduplication shortcut.
            data = voice[:-4] + run.to_bytes(4, "big")
            raw = json.dumps(media_webhook(data, "ptt", "audio/ogg; codecs=opus")).encode()
            await asyncio.sleep(0.3)
            reset_peak(pid)
            before = status_bytes(pid, "VmRSS")
            with RssSampler(pid) as sampler:
                started = time.perf_counter()
                status, answer = await post(http, url, raw)
                elapsed = time.perf_counter() - started
            assert status == 200 and answer["messages"][0]["created"], answer
            peak = status_bytes(pid, "VmHWM")
            growth = peak - before
            results.append(
                {
                    "bench": "media_body",
                    "engine": engine,
                    "run": run + 1,
                    "file_bytes": len(data),
                    "body_bytes": len(raw),
                    "rss_before_mb": round(before / 1e6, 1),
                    "peak_rss_mb": round(peak / 1e6, 1),
                    "peak_growth_mb": round(growth / 1e6, 2),
                    "sampled_growth_mb": round((sampler.highest - before) / 1e6, 2),
                    "growth_per_body_byte": round(growth / len(raw), 3),
                    "accept_s": round(elapsed, 3),
                    "accept_mb_per_s": round(len(raw) / elapsed / 1e6, 1),
                    "target_ratio": TARGET_RATIO,
                    "ok": growth < TARGET_RATIO * len(raw),
                }
            )
    return results


def run_engine(engine: str, voice: bytes, runs: int, folder: Path) -> list[dict[str, Any]]:
    dropped = None
    if engine == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
    else:
        url, dropped = create_postgres_database()
    db = open_db(url)
    add_operator(db, "bench")
    db.dispose()
    server = ServerProcess(url, SECRET, env={"TMPDIR": str(folder)})
    try:
        server.wait_healthy()
        return asyncio.run(measure(engine, server.url, server.proc.pid, voice, runs))
    finally:
        server.stop()
        if dropped is not None:
            drop_postgres_database(dropped)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    engines = ["sqlite", "postgres"] if args.engine == "both" else [args.engine]
    voice = noise_voice_note(VOICE_NOTE_BYTES)
    results: list[dict[str, Any]] = []
    for engine in engines:
        with tempfile.TemporaryDirectory(prefix=f"sportello-bench-media-{engine}-") as folder:
            for result in run_engine(engine, voice, args.runs, Path(folder)):
                print(json.dumps(result), flush=True)
                results.append(result)
    summary = {
        "bench": "media_body",
        "summary": True,
        "worst_growth_per_body_byte": max(r["growth_per_body_byte"] for r in results),
        "median_accept_s": statistics.median(r["accept_s"] for r in results),
        "ok": all(r["ok"] for r in results),
    }
    print(json.dumps(summary), flush=True)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
