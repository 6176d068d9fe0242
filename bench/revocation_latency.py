"""Withdrawn access -> socket ended: latency of both paths, and what the re-check costs.

1. REST logout (the immediate path): time from sending `POST /api/auth/logout` to the
   socket's `sessionEnded`, and to its disconnect.
2. Revocation by another process (the periodic path): the bench process revokes the
   operator's tokens in the database (what `sportello token revoke` does, without the
   ~1 s start-up of a Python process) at a random phase of the interval and times
   commit -> `sessionEnded`. Expected: uniform over one `--token-recheck-interval` (mean
   half of it, worst the whole interval), plus the check itself.
3. Cost of one periodic re-check with N (default 500) connected sockets, each with its own
   token: the server's debug line `tokens re-checked` (total and query time, in ms).

The server runs as its own process (`sportello server`, SQLite in a temp dir unless --db).
The N background sockets are the raw WebSocket operators of bench/server_load.py, in
worker processes; the measured sockets are python-socketio clients in this process.
Prints one JSON object.

Usage: python bench/revocation_latency.py [--sockets 500] [--interval 2] [--repeats 10]
                                          [--checks 10] [--db URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import socketio

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(BENCH))

from server_load import Operators, free_port, make_operators  # noqa: E402

NAMESPACE = "/whatsapp"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median_ms": round(statistics.median(values), 2),
        "p95_ms": round(percentile(values, 95), 2),
        "max_ms": round(max(values), 2),
    }


class LogTail:
    """Collects the server's `tokens re-checked` lines from its stderr (a thread)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.checks: list[dict[str, Any]] = []
        self.lines = 0
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            self.lines += 1
            if '"tokens re-checked"' in line:
                self.checks.append(json.loads(line))


class Victim:
    """One python-socketio client timing `sessionEnded` and its disconnect."""

    def __init__(self, url: str, user: tuple[str, str]) -> None:
        self.url, self.user = url, user
        self.sio = socketio.AsyncClient(reconnection=False)
        self.ended_at: float | None = None
        self.reason: str | None = None
        self.ended = asyncio.Event()
        self.gone_at: float | None = None
        self.gone = asyncio.Event()

        def on_ended(data: Any) -> None:
            self.ended_at = time.perf_counter()
            self.reason = data.get("reason")
            self.ended.set()

        def on_disconnect(*_: Any) -> None:
            self.gone_at = time.perf_counter()
            self.gone.set()

        self.sio.on("sessionEnded", on_ended, namespace=NAMESPACE)
        self.sio.on("disconnect", on_disconnect, namespace=NAMESPACE)

    async def connect(self) -> None:
        await self.sio.connect(
            self.url,
            namespaces=[NAMESPACE],
            transports=["websocket"],
            auth={"token": self.user[1]},
            wait_timeout=15,
        )

    async def wait(self, timeout: float) -> None:
        await asyncio.wait_for(self.ended.wait(), timeout)
        await asyncio.wait_for(self.gone.wait(), timeout)

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
        await self.sio.shutdown()


async def logout_path(url: str, users: list[tuple[str, str]]) -> dict[str, Any]:
    to_event, to_close = [], []
    async with aiohttp.ClientSession() as http:
        for user in users:
            victim = Victim(url, user)
            await victim.connect()
            start = time.perf_counter()
            async with http.post(
                f"{url}/api/auth/logout", headers={"Authorization": f"Bearer {user[1]}"}
            ) as answer:
                assert answer.status == 200, await answer.text()
            await victim.wait(15)
            assert victim.reason == "logged_out", victim.reason
            assert victim.ended_at is not None and victim.gone_at is not None
            to_event.append((victim.ended_at - start) * 1000)
            to_close.append((victim.gone_at - start) * 1000)
            await victim.close()
    return {"to_session_ended": summary(to_event), "to_disconnect": summary(to_close)}


async def periodic_path(
    url: str, db_url: str, users: list[tuple[str, str]], interval: float
) -> dict[str, Any]:
    from sportello.store.database import Database
    from sportello.store.operators import get_operator, revoke_operator_tokens

    db = Database(db_url)
    to_event, to_close = [], []
    loop = asyncio.get_running_loop()
    try:
        for user in users:
            victim = Victim(url, user)
            await victim.connect()
            # Revocations land at a random phase of the interval, as real ones do (right
            # after the previous end, they would all land just after a check: the worst case).
            await asyncio.sleep(random.uniform(0, interval))

            def revoke(operator_id: int = int(user[0])) -> float:
                with db.session() as session:
                    operator = get_operator(session, operator_id)
                    assert operator is not None
                    revoke_operator_tokens(session, operator.name)
                    session.commit()
                return time.perf_counter()

            committed = await loop.run_in_executor(None, revoke)
            await victim.wait(interval * 3 + 15)
            assert victim.reason == "token_revoked", victim.reason
            assert victim.ended_at is not None and victim.gone_at is not None
            to_event.append((victim.ended_at - committed) * 1000)
            to_close.append((victim.gone_at - committed) * 1000)
            await victim.close()
    finally:
        db.dispose()
    return {
        "interval_s": interval,
        "to_session_ended": summary(to_event),
        "to_disconnect": summary(to_close),
    }


def wait_healthy(url: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited before it was healthy")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if json.loads(answer.read())["db"] == "ok":
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server not healthy within 60 s")


async def wait_checks(tail: LogTail, count: int, sockets: int, timeout: float) -> list[dict]:
    """The next `count` re-checks that saw at least `sockets` sockets."""
    start = len(tail.checks)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = [c for c in tail.checks[start:] if c["sockets"] >= sockets]
        if len(seen) >= count:
            return seen[:count]
        await asyncio.sleep(0.05)
    raise RuntimeError(f"fewer than {count} re-checks with {sockets} sockets in {timeout} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument(
        "--interval", type=float, default=2.0, help="--token-recheck-interval of the server (s)"
    )
    parser.add_argument("--repeats", type=int, default=10, help="revocations per path")
    parser.add_argument("--checks", type=int, default=10, help="re-checks to time")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", help="database URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    load_before = round(os.getloadavg()[0], 2)

    with tempfile.TemporaryDirectory() as tmp:
        db_url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        users = make_operators(db_url, args.sockets + 2 * args.repeats)
        background, victims = users[: args.sockets], users[args.sockets :]
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPORTELLO_")}
        env["PYTHONPATH"] = str(REPO / "src")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sportello.cli",
                "server",
                "--port",
                str(port),
                "--db",
                db_url,
                "--webhook-secret",
                "bench-secret",
                "--log-level",
                "debug",
                "--log-format",
                "json",
                "--token-recheck-interval",
                str(args.interval),
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        tail = LogTail(server)
        operators: Operators | None = None
        try:
            wait_healthy(url, server)
            idle = asyncio.run(wait_checks(tail, 3, 0, args.interval * 5 + 10))
            operators = Operators(url, background, args.workers)
            operators.wait_ready()
            checks = asyncio.run(
                wait_checks(tail, args.checks, args.sockets, args.interval * (args.checks + 5))
            )
            logout = asyncio.run(logout_path(url, victims[: args.repeats]))
            periodic = asyncio.run(
                periodic_path(url, db_url, victims[args.repeats :], args.interval)
            )
        finally:
            if operators is not None:
                operators.close()
            server.terminate()
            server.wait(30)

    result = {
        "db": "sqlite" if db_url.startswith("sqlite") else db_url.split(":", 1)[0],
        "cpus": os.cpu_count(),
        "load_avg_1m_before": load_before,
        "rest_logout": logout,
        "periodic_recheck": periodic,
        "recheck_cost": {
            "sockets": args.sockets,
            "distinct_tokens": checks[0]["tokens"],
            "total_ms": summary([c["total_ms"] for c in checks]),
            "query_ms": summary([c["query_ms"] for c in checks]),
            "idle_total_ms": summary([c["total_ms"] for c in idle]),
        },
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
