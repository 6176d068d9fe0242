"""Load test of the realtime server; prints one JSON object.

1. Sustained webhook ingest rate with N connected operators (target >= 1,500/s on SQLite).
2. Latency from webhook POST to `newMessage` received by ALL operators, at a fixed rate
   (200 msg/s) with 50 and 500 operators (targets p99 < 50 ms / < 150 ms).

The server runs as its own process (`sportello server`, SQLite in a temp dir). Operators
are raw Socket.IO-over-WebSocket clients (asyncio protocols that only scan the frames
for what is measured) spread over worker processes: a full python-socketio client per
operator would measure the load generator, not the server. The JSON also reports the CPU
the operator sockets and the server used, and the machine's load before the run, so a
result taken on a busy machine can be recognized as such.
Receive times use time.monotonic(), which is one system-wide clock on Linux.

Usage: python bench/server_load.py [--ingest-count 6000] [--rate 200] [--duration 8]
                                   [--operators 50,500] [--workers 2] [--db URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
SECRET = "bench-secret"
MARK_B = b'"message":"bench-'
NEW_MESSAGE_B = b'42/whatsapp,["newMessage"'
UNREAD_B = b'42/whatsapp,["unreadMessages"'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_operators(db_url: str, count: int) -> list[tuple[str, str]]:
    from sportello.domain.values import Role
    from sportello.store.database import Database
    from sportello.store.operators import create_operator, create_token

    db = Database(db_url)
    db.upgrade()
    out = []
    with db.session() as session:
        for n in range(count):
            op = create_operator(session, f"bench{n}", Role.OPERATOR, "bench-password-1")
            out.append((str(op.id), create_token(session, op.name)))
        session.commit()
    db.dispose()
    return out


# -- operator sockets (worker processes) ----------------------------------------------


def _client_frame(text: str) -> bytes:
    """A masked client-to-server WebSocket text frame (mask of zeros: payload unchanged)."""
    body = text.encode()
    size = len(body)
    short = size < 126
    length = bytes((0x80 | size,)) if short else bytes((0xFE,)) + size.to_bytes(2, "big")
    return b"\x81" + length + b"\0\0\0\0" + body


class _OperatorProtocol(asyncio.Protocol):
    """One operator socket read as raw bytes: the WebSocket frames of the server are only
    scanned for what the bench needs, so the load generator costs little per event (a
    full client per operator would measure the generator, not the server)."""

    def __init__(
        self,
        user: tuple[str, str],
        port: int,
        seen: dict[int, float],
        counts: dict[int, int],
        on_ready: Any,
    ) -> None:
        self.user, self.port, self.seen, self.counts = user, port, seen, counts
        self.on_ready = on_ready
        self.buffer = b""
        self.upgraded = False
        self.authenticated = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write(
            (
                f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{self.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: c3BvcnRlbGxvLWJlbmNoLQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self.upgraded = True
            self.buffer = self.buffer[end + 4 :]
        buf, at = self.buffer, 0
        while len(buf) - at >= 2:
            size, head = buf[at + 1] & 0x7F, 2
            if size == 126:
                if len(buf) - at < 4:
                    break
                size, head = int.from_bytes(buf[at + 2 : at + 4], "big"), 4
            elif size == 127:
                if len(buf) - at < 10:
                    break
                size, head = int.from_bytes(buf[at + 2 : at + 10], "big"), 10
            if len(buf) - at < head + size:
                break
            self._frame(buf, at + head, at + head + size, now)
            at += head + size
        self.buffer = buf[at:]

    def _frame(self, buf: bytes, start: int, end: int, now: float) -> None:
        assert self.transport is not None
        if buf.startswith(NEW_MESSAGE_B, start, end):
            mark = buf.find(MARK_B, start, end)
            if mark >= 0:
                first = mark + len(MARK_B)
                n = int(buf[first : buf.index(b" ", first, end)])
                self.counts[n] = self.counts.get(n, 0) + 1
                if now > self.seen.get(n, 0.0):
                    self.seen[n] = now
        elif buf[start:end] == b"2":
            self.transport.write(_client_frame("3"))
        elif buf.startswith(b"0", start, end):  # engine.io open: join the namespace
            auth = json.dumps({"token": self.user[1]})
            self.transport.write(_client_frame("40/whatsapp," + auth))
        elif buf.startswith(b"40/whatsapp", start, end):
            self.transport.write(
                _client_frame(
                    '42/whatsapp,["authenticate",' + json.dumps({"userId": self.user[0]}) + "]"
                )
            )
        elif not self.authenticated and buf.startswith(UNREAD_B, start, end):
            self.authenticated = True
            self.on_ready()


async def _operator(
    port: int,
    user: tuple[str, str],
    seen: dict[int, float],
    counts: dict[int, int],
    on_ready: Any,
    stop: asyncio.Event,
) -> None:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_connection(
        lambda: _OperatorProtocol(user, port, seen, counts, on_ready), "127.0.0.1", port
    )
    try:
        await stop.wait()
    finally:
        transport.close()


def _worker(url: str, users: list[tuple[str, str]], conn: Any) -> None:
    async def main() -> None:
        seen: dict[int, float] = {}
        counts: dict[int, int] = {}
        ready, stop = asyncio.Event(), asyncio.Event()
        ready_count = [0]

        def on_ready() -> None:
            ready_count[0] += 1
            if ready_count[0] == len(users):
                ready.set()

        port = int(url.rsplit(":", 1)[1])
        tasks = []
        for user in users:
            tasks.append(asyncio.create_task(_operator(port, user, seen, counts, on_ready, stop)))
            await asyncio.sleep(0.002)
        await asyncio.wait_for(ready.wait(), 120)
        conn.send(("ready", cpu_seconds(os.getpid())))
        loop = asyncio.get_running_loop()
        while await loop.run_in_executor(None, conn.recv) == "report":
            conn.send((dict(seen), dict(counts), cpu_seconds(os.getpid())))
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())


class Operators:
    """N operator sockets over `workers` processes."""

    def __init__(self, url: str, users: list[tuple[str, str]], workers: int) -> None:
        ctx = mp.get_context("spawn")
        self.pipes = []
        self.procs = []
        for w in range(workers):
            mine = users[w::workers]
            if not mine:
                continue
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(url, mine, child), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)
        self.count = len(users)
        self.cpu_at_ready = 0.0  # CPU seconds the operator processes had used when ready
        self.cpu_used = 0.0  # ... and used since, as of the last report()

    def wait_ready(self) -> None:
        for pipe in self.pipes:
            if not pipe.poll(180):
                raise RuntimeError("operator sockets did not connect in time")
            word, cpu = pipe.recv()
            assert word == "ready"
            self.cpu_at_ready += cpu

    def report(self) -> tuple[dict[int, float], dict[int, int]]:
        latest: dict[int, float] = {}
        counts: dict[int, int] = {}
        cpu_now = 0.0
        for pipe in self.pipes:
            pipe.send("report")
        for pipe in self.pipes:
            seen, cnt, cpu = pipe.recv()
            cpu_now += cpu
            for n, t in seen.items():
                latest[n] = max(latest.get(n, 0.0), t)
            for n, c in cnt.items():
                counts[n] = counts.get(n, 0) + c
        self.cpu_used = cpu_now - self.cpu_at_ready
        return latest, counts

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.send("stop")
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()


# -- webhooks -------------------------------------------------------------------------


def webhook(n: int) -> dict[str, Any]:
    number = f"39333{n % 5000:07d}"
    jid = f"{number}@c.us"
    t = int(time.time())
    return {
        "event": "onmessage",
        "session": "bench",
        "id": f"false_{jid}_BENCH{n:010d}",
        "body": f"bench-{n} grazie, a dopo",
        "type": "chat",
        "t": t,
        "notifyName": "Cliente Bench",
        "from": jid,
        "to": "390612345678@c.us",
        "self": "in",
        "ack": 1,
        "isNewMsg": True,
        "chatId": jid,
        "fromMe": False,
        "isGroupMsg": False,
        "timestamp": t,
    }


async def post_all(
    url: str, numbers: list[int], *, rate: float | None, concurrency: int = 256
) -> tuple[dict[int, float], float, int]:
    sent_at: dict[int, float] = {}
    errors = 0
    bodies = {n: json.dumps(webhook(n)).encode() for n in numbers}
    headers = {"Content-Type": "application/json", "X-Webhook-Token": SECRET}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        sem = asyncio.Semaphore(concurrency)

        async def one(n: int) -> None:
            nonlocal errors
            async with sem:
                sent_at[n] = time.monotonic()
                async with http.post(
                    f"{url}/webhooks/wppconnect", data=bodies[n], headers=headers
                ) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1

        start = time.monotonic()
        tasks = []
        for i, n in enumerate(numbers):
            if rate is not None:
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - start
    return sent_at, elapsed, errors


def cpu_seconds(pid: int) -> float:
    """User+system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def wait_all_delivered(
    ops: Operators, numbers: list[int], timeout: float = 60
) -> tuple[dict[int, float], dict[int, int]]:
    deadline = time.monotonic() + timeout
    while True:
        latest, counts = ops.report()
        if all(counts.get(n, 0) >= ops.count for n in numbers) or time.monotonic() > deadline:
            return latest, counts
        time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ingest-count", type=int, default=6000)
    parser.add_argument("--ingest-operators", type=int, default=50)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--operators", default="50,500")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", help="database URL (default: SQLite in a temp dir)")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="sportello-bench-")
    db_url = args.db or f"sqlite:///{tmp}/bench.db"
    sizes = [int(s) for s in args.operators.split(",") if s]
    users = make_operators(db_url, 20)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    server = subprocess.Popen(
        [
            sys.executable,
            *(
                ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]]
                if os.environ.get("BENCH_PROFILE")
                else []
            ),
            "-m",
            "sportello.cli",
            "server",
            "--port",
            str(port),
            "--db",
            db_url,
            "--webhook-secret",
            SECRET,
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    result: dict[str, Any] = {
        "db": "sqlite" if db_url.startswith("sqlite") else "other",
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg()[0],
    }
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.2)
        next_n = 0

        # 1. ingest throughput
        ops = Operators(
            url, [users[i % len(users)] for i in range(args.ingest_operators)], args.workers
        )
        ops.wait_ready()
        numbers = list(range(next_n, next_n + args.ingest_count))
        next_n += len(numbers)
        cpu = cpu_seconds(server.pid)
        _, elapsed, errors = asyncio.run(post_all(url, numbers, rate=None))
        _, counts = wait_all_delivered(ops, numbers)
        cpu = cpu_seconds(server.pid) - cpu
        ops.close()
        result["ingest"] = {
            "operators": args.ingest_operators,
            "messages": len(numbers),
            "seconds": round(elapsed, 2),
            "per_second": round(len(numbers) / elapsed),
            "errors": errors,
            "fully_delivered": sum(1 for n in numbers if counts.get(n, 0) >= ops.count),
            "server_cpu_ms_per_message": round(cpu * 1000 / len(numbers), 3),
            "operator_sockets_cpu_s": round(ops.cpu_used, 2),
        }

        # 2. latency at a fixed rate
        result["latency"] = []
        for size in sizes:
            ops = Operators(url, [users[i % len(users)] for i in range(size)], args.workers)
            ops.wait_ready()
            count = int(args.rate * args.duration)
            numbers = list(range(next_n, next_n + count))
            next_n += count
            cpu = cpu_seconds(server.pid)
            sent_at, elapsed, errors = asyncio.run(post_all(url, numbers, rate=args.rate))
            latest, counts = wait_all_delivered(ops, numbers)
            cpu = cpu_seconds(server.pid) - cpu
            ops.close()
            lat = [
                (latest[n] - sent_at[n]) * 1000
                for n in numbers
                if counts.get(n, 0) >= size and n in latest
            ]
            result["latency"].append(
                {
                    "operators": size,
                    "rate": args.rate,
                    "messages": count,
                    "errors": errors,
                    "fully_delivered": len(lat),
                    "p50_ms": round(statistics.median(lat), 1) if lat else None,
                    "p99_ms": round(percentile(lat, 99), 1) if lat else None,
                    "max_ms": round(max(lat), 1) if lat else None,
                    "server_cpu_share": round(cpu / (elapsed + 1e-9), 2),
                    "operator_sockets_cpu_share": round(ops.cpu_used / (elapsed + 1e-9), 2),
                }
            )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
