"""How fast a server that was down catches up with WPPConnect's history (issue 13).

    .venv/bin/python bench/reconcile.py [--chats 500] [--per-chat 20] [--engine sqlite|postgres]

A WPPConnect Server simulator (tests/fakes/wppconnect_sim, in a thread) links a session
whose webhook points at a `sportello server` that is not running: `--chats` customers
write `--per-chat` messages each, every webhook fails and is never retried. Then the real
server process starts (SQLite file, or a throwaway PostgreSQL database) and its start
round reads everything back (list-chats, get-messages) and ingests it. Measured:

- `reconcile_s`: the round, as the server times it (its `gateway reconciled` log line);
- `messages_per_s`: missed messages / `reconcile_s`;
- `spawn_to_done_s`: from spawning the process until that line (start-up included).

Then a second round is asked for (it must store nothing) and the database is counted:
every message once, one ticket at most per chat. Target: under 20 s for 10,000 messages
over 500 chats on this machine. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]  # tests.fakes and tests.support

from sqlalchemy import func, select  # noqa: E402
from tests.fakes.wppconnect_sim import WppConnectSim  # noqa: E402
from tests.support.databases import create_postgres_database, drop_postgres_database  # noqa: E402
from tests.support.sportello_server import WEBHOOK_SECRET, RestartableServer  # noqa: E402

from sportello.store.database import Database  # noqa: E402
from sportello.store.models import Message, Ticket  # noqa: E402

SESSION = "bench"
TARGET_S = 20.0
BODIES = (
    "Buongiorno, la caldaia non si accende",
    "Grazie, a che ora passate?",
    "Vi mando la foto del contatore",
    "Ok perfetto",
)


def reconciled_lines(server: RestartableServer) -> list[dict[str, Any]]:
    assert server.process is not None
    found = []
    for line in list(server.process.stderr_lines):
        if line.startswith("{") and '"gateway reconciled"' in line:
            found.append(json.loads(line))
    return found


def wait_rounds(server: RestartableServer, count: int, timeout: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rounds = reconciled_lines(server)
        if len(rounds) >= count:
            return rounds
        time.sleep(0.01)  # a poll interval; the deadline bounds the wait
    assert server.process is not None
    tail = "\n".join(server.process.stderr_lines[-15:])
    raise SystemExit(f"no reconcile round {count} within {timeout} s:\n{tail}")


def run(args: argparse.Namespace, db_url: str) -> dict[str, Any]:
    server = RestartableServer(db_url)
    webhook = f"{server.url}/webhooks/wppconnect?token={WEBHOOK_SECRET}"
    missed = args.chats * args.per_chat
    with WppConnectSim.start_in_thread(read_message=False) as sim:
        sim.run(sim.link(SESSION, webhook=webhook))
        began = time.perf_counter()
        for n in range(missed):
            chat, k = n % args.chats, n // args.chats
            phone = f"39333{chat:07d}"
            sim.customer_writes(SESSION, phone, f"{BODIES[k % len(BODIES)]} ({k})", name=phone)
        sim.run(sim.settle(), timeout=600)
        written_s = time.perf_counter() - began
        failed = sum(1 for post in sim.webhook_posts if post.event == "onmessage" and not post.ok)
        server.extra_args = [
            "--wppconnect-url",
            sim.url,
            "--wppconnect-session",
            SESSION,
            "--wppconnect-token",
            sim.token_for(SESSION),
            "--gateway-poll-interval",
            "0",
            "--gateway-reconcile-interval",
            "0",
            "--log-level",
            "info",
        ]
        spawned = time.perf_counter()
        server.start()
        first = wait_rounds(server, 1, timeout=300)[0]
        spawn_to_done = time.perf_counter() - spawned
        # A second round, from a restart: it reads the same history and stores nothing.
        server.stop()
        server.start()
        second = wait_rounds(server, 1, timeout=120)[0]
        server.stop()
    db = Database(db_url)
    try:
        with db.read_session() as session:
            stored = session.scalar(select(func.count()).select_from(Message))
            distinct = session.scalar(select(func.count(func.distinct(Message.gateway_message_id))))
            tickets = session.scalar(select(func.count()).select_from(Ticket))
    finally:
        db.dispose()
    seconds = float(first["seconds"])
    return {
        "engine": args.engine,
        "chats": args.chats,
        "missed_messages": missed,
        "webhooks_failed": failed,
        "written_s": round(written_s, 2),
        "reconcile_s": round(seconds, 3),
        "messages_per_s": round(first["ingested"] / seconds, 1) if seconds else None,
        "spawn_to_done_s": round(spawn_to_done, 3),
        "round": {k: first[k] for k in ("ingested", "chats_read", "messages_read", "requests")},
        "second_round": {k: second[k] for k in ("ingested", "statuses", "seconds", "requests")},
        "stored_messages": stored,
        "distinct_gateway_ids": distinct,
        "tickets": tickets,
        "target_s": TARGET_S,
        "ok": (
            first["ingested"] == missed
            and stored == distinct == missed
            and second["ingested"] == 0
            and seconds < TARGET_S
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--per-chat", type=int, default=20)
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    if args.engine == "postgres":
        url, name = create_postgres_database()
        try:
            result = run(args, url)
        finally:
            drop_postgres_database(name)
    else:
        with tempfile.TemporaryDirectory() as folder:
            result = run(args, f"sqlite:///{Path(folder) / 'sportello.db'}")
    print(json.dumps(result, indent=2))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
