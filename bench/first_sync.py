"""First connection of a brand-new desktop client to a server with a long history; prints JSON.

1. Fills a SQLite database through the ingestion core (as bench/ingest_core.py does):
   --messages messages from --contacts contacts, then reads most conversations (an operator
   marks them read, one `messageRead` per message: the log grows as on a real desk) and
   resolves a third of the tickets, leaving the newest --unread-contacts conversations unread.
2. Starts a real `sportello server` process on it.
3. Times a fresh SportelloClient (empty cache in a temp dir) from start() until it is online
   and synced up to the server's cursor, in its own process: wall time, the first rows it
   adds, the longest event-loop stall (the UI shares that loop), cache file size, RSS.
4. Posts webhooks while that client is closed (until --gap events were added) and times
   its resume from its cache.

The filled database is kept with --keep-db FILE (reused when it exists), so runs before and
after a client change measure the same history.

Usage: python bench/first_sync.py [--messages 100000] [--contacts 5000] [--gap 1000]
                                  [--unread-contacts 300] [--keep-db /tmp/first_sync.db]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
SECRET = "bench-secret"
BODIES = (
    "Buongiorno, come state?",
    "Grazie mille per la disponibilità",
    "La caldaia non si accende da stamattina",
    "Ok, ci vediamo domani alle 9",
    "URGENTE: perdita d'acqua sotto il lavello",
    "Vi mando la foto del contatore",
    "Quando possibile mi mandate un preventivo?",
    "Perfetto, a presto",
    "Il condizionatore fa un rumore strano",
    "Sì, confermo l'appuntamento",
)


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


# ---- 1. the history -----------------------------------------------------------------------


def fill(db_url: str, messages: int, contacts: int, unread_contacts: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from sportello.domain.rules import TicketRules
    from sportello.domain.values import Gateway, InboundMessage, Role, TicketStatus
    from sportello.ingest.desk import DeskService
    from sportello.ingest.service import IngestService
    from sportello.store.database import Database
    from sportello.store.models import Conversation, Message, Ticket
    from sportello.store.operators import create_operator, create_token

    db = Database(db_url)
    db.upgrade()
    with db.session() as session:
        operator = create_operator(session, "bench", Role.OPERATOR, "bench-password-1")
        create_token(session, "bench")
        session.commit()
        operator_id = operator.id
    service = IngestService(db, TicketRules.default())
    start = datetime(2025, 11, 1, 8, 0, tzinfo=UTC)
    # A year of traffic squeezed into timestamps 5 minutes apart.
    inbound = [
        InboundMessage(
            gateway=Gateway.WPPCONNECT,
            gateway_message_id=f"hist-{n:08d}",
            chat_id=f"39333{(n * 7919) % contacts:07d}@c.us",
            body=BODIES[n % len(BODIES)],
            timestamp=start + timedelta(minutes=5 * n),
            sender_name=f"Cliente {(n * 7919) % contacts}",
            raw={"id": f"hist-{n:08d}", "event": "onmessage"},
        )
        for n in range(messages)
    ]
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in pool.map(service.ingest, inbound, chunksize=64):
            pass
    desk = DeskService(db)
    with db.read_session() as session:
        newest = session.execute(
            select(Conversation.id, func.max(Message.id))
            .join(Message, Message.conversation_id == Conversation.id)
            .group_by(Conversation.id)
            .order_by(Conversation.last_message_at)
        ).all()
        ticket_ids = list(session.execute(select(Ticket.id).order_by(Ticket.id)).scalars())
    read = newest[: max(0, len(newest) - unread_contacts)]
    for _, message_id in read:
        desk.mark_read(message_id, operator_id)
    for ticket_id in ticket_ids[::3]:
        desk.update_ticket(ticket_id, operator_id, status=TicketStatus.RESOLVED)
    db.dispose()
    return {"fill_s": round(time.perf_counter() - began, 1)}


def server_facts(db_url: str) -> dict[str, Any]:
    from sqlalchemy import func, select, text

    from sportello.store.database import Database
    from sportello.store.events import last_seq
    from sportello.store.models import Conversation, Message, Ticket

    db = Database(db_url)
    with db.read_session() as session:
        facts = {
            "events": last_seq(session),
            "messages": session.execute(select(func.count()).select_from(Message)).scalar_one(),
            "conversations": session.execute(
                select(func.count()).select_from(Conversation)
            ).scalar_one(),
            "tickets": session.execute(select(func.count()).select_from(Ticket)).scalar_one(),
            "unread": session.execute(
                select(func.count())
                .select_from(Message)
                .where(text("direction = 'incoming' AND read_at IS NULL"))
            ).scalar_one(),
        }
    db.dispose()
    return facts


def bench_token(db_url: str) -> tuple[str, str]:
    from sportello.store.database import Database
    from sportello.store.operators import create_token, find_operator

    db = Database(db_url)
    with db.session() as session:
        operator = find_operator(session, "bench")
        assert operator is not None
        token = create_token(session, "bench")
        session.commit()
        result = (str(operator.id), token)
    db.dispose()
    return result


# ---- 3. one client, in its own process ------------------------------------------------------


async def measure_client(
    url: str, user_id: str, token: str, cache: Path, cursor: int, timeout: float
) -> dict[str, Any]:
    from sportello.client.api import SportelloClient
    from sportello.client.changes import ConnectionState
    from sportello.client.records import ServerProfile

    rss_before = rss_mb()
    stall = [0.0]

    async def ticker() -> None:
        # The app's UI runs on this loop: the longest stretch it could not repaint.
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            stall[0] = max(stall[0], now - last - 0.005)
            last = now

    ticking = asyncio.get_running_loop().create_task(ticker())
    client = SportelloClient(
        ServerProfile(url=url, token=token, user_id=user_id), cache, sync_timeout=30.0
    )
    began = time.perf_counter()
    await client.start()
    started = time.perf_counter() - began
    online_at = None
    rows_at = None
    rows_before = len(client.state.conversations)
    deadline = began + timeout
    while True:
        now = time.perf_counter()
        if online_at is None and client.connection_state is ConnectionState.ONLINE:
            online_at = now - began
        if rows_at is None and len(client.state.conversations) > rows_before:
            rows_at = now - began  # the first rows this run added (fresh: the first paint)
        session = client.session
        if (
            session is not None
            and session.sequencer.last_applied >= cursor
            and not client.state.syncing
            and client.connection_state is ConnectionState.ONLINE
        ):
            break
        if now > deadline:
            await client.stop()
            return {"error": f"not synced within {timeout} s"}
        await asyncio.sleep(0.01)
    synced = time.perf_counter() - began
    ticking.cancel()
    await client.cache.flush()
    result = {
        "start_returned_s": round(started, 3),
        "online_s": round(online_at or synced, 3),
        "first_new_rows_s": round(rows_at, 3) if rows_at is not None else None,
        "synced_s": round(synced, 3),
        "max_loop_stall_ms": round(stall[0] * 1000, 1),
        "conversations": len(client.state.conversations),
        "unread": client.state.total_unread,
        "tickets": len(client.state.tickets),
        "rss_mb": rss_mb(),
        "rss_growth_mb": round(rss_mb() - rss_before, 1),
    }
    await client.stop()
    size = sum(p.stat().st_size for p in cache.parent.glob(cache.name + "*"))
    result["cache_mb"] = round(size / 1e6, 1)
    return result


def run_client(
    args: argparse.Namespace, url: str, user: tuple[str, str], cache: Path, cursor: int
) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--client", url, user[0], user[1], str(cache), str(cursor)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=args.timeout + 60,
        env=dict(os.environ, PYTHONPATH=str(REPO / "src")),
    )
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1:]}
    result: dict[str, Any] = json.loads(out.stdout)
    return result


# ---- 4. the gap -----------------------------------------------------------------------------


async def post_gap(url: str, count: int) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        queue = list(range(count))

        async def worker() -> None:
            while queue:
                n = queue.pop()
                body = {
                    "id": f"gap-{time.time_ns()}-{n}",
                    "from": f"+39347{n % 500:07d}",
                    "body": BODIES[n % len(BODIES)],
                    "senderName": f"Nuovo {n % 500}",
                }
                async with http.post(
                    f"{url}/webhooks/generic", json=body, headers={"X-Webhook-Token": SECRET}
                ) as response:
                    assert response.status == 200, await response.text()

        await asyncio.gather(*(worker() for _ in range(16)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=5_000)
    parser.add_argument("--unread-contacts", type=int, default=300)
    parser.add_argument("--gap", type=int, default=1_000)
    parser.add_argument("--keep-db", type=Path, help="keep (and reuse) the filled database here")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--client", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.client:
        url, user_id, token, cache, cursor = args.client
        print(
            json.dumps(
                asyncio.run(
                    measure_client(url, user_id, token, Path(cache), int(cursor), args.timeout)
                )
            )
        )
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="sportello-first-sync-"))
    db_path = args.keep_db or tmp / "server.db"
    db_url = f"sqlite:///{db_path}"
    result: dict[str, Any] = {"cpus": os.cpu_count(), "load_average_before": os.getloadavg()[0]}
    if not db_path.exists():
        result.update(fill(db_url, args.messages, args.contacts, args.unread_contacts))
    elif args.keep_db is not None:
        # Reused: drop the gap messages an earlier run added by copying from a pristine file.
        pristine = db_path.with_suffix(".pristine")
        if pristine.exists():
            pristine.with_name(db_path.name).write_bytes(pristine.read_bytes())
    if args.keep_db is not None and not db_path.with_suffix(".pristine").exists():
        db_path.with_suffix(".pristine").write_bytes(db_path.read_bytes())
    result["server"] = server_facts(db_url)
    user = bench_token(db_url)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
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
            SECRET,
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO / "src")),
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(url, server)
        cache = tmp / "client" / "cache.db"
        cache.parent.mkdir()
        result["fresh_client"] = run_client(args, url, user, cache, result["server"]["events"])
        cursor = result["server"]["events"]
        while cursor - result["server"]["events"] < args.gap:  # ~1.3 events per webhook
            asyncio.run(post_gap(url, 100))
            cursor = server_facts(db_url)["events"]
        result["gap_events"] = cursor - result["server"]["events"]
        result["resume_after_gap"] = run_client(args, url, user, cache, cursor)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(json.dumps(result, indent=1))
    return 0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("server did not start") from None
            time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
