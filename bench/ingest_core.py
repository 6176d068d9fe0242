"""Ingestion throughput of the core (no HTTP): messages/s, one transaction per message.

Prints one JSON object per engine, then a summary line, e.g.
    python bench/ingest_core.py --count 100000 --contacts 5000 --engine both

Every message is its own durable transaction (no batching, synchronous commit). Threads
(--sqlite-workers, --pg-workers) only overlap independent transactions.

PostgreSQL runs in a throwaway database created on 127.0.0.1:5432 (or --pg-url's server)
and dropped afterwards; SQLite in a file in a temporary directory.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import func, select

from sportello.domain.rules import TicketRules
from sportello.domain.values import Gateway, InboundMessage
from sportello.ingest.service import IngestService
from sportello.store.database import Database
from sportello.store.events import last_seq
from sportello.store.models import Ticket

# A realistic mix: mostly conversation, some requests (a few urgent), some media captions.
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
TARGETS = {"sqlite": 1000.0, "postgres": 700.0}


def make_messages(count: int, contacts: int) -> list[InboundMessage]:
    start = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    return [
        InboundMessage(
            gateway=Gateway.WPPCONNECT,
            gateway_message_id=f"bench-{n:08d}",
            chat_id=f"39333{(n * 7919) % contacts:07d}@c.us",
            body=BODIES[n % len(BODIES)],
            timestamp=start + timedelta(milliseconds=250 * n),
            sender_name=f"Cliente {(n * 7919) % contacts}",
            raw={"id": f"bench-{n:08d}", "event": "onmessage"},
        )
        for n in range(count)
    ]


def run(
    engine: str, url: str, messages: list[InboundMessage], profile: bool, workers: int
) -> dict[str, Any]:
    db = Database(url)
    db.upgrade()
    service = IngestService(db, TicketRules.default())
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    began = time.perf_counter()
    if workers == 1:
        for message in messages:
            service.ingest(message)
    else:
        # Each worker thread runs its own transactions, as the server's DB executor does.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for _ in pool.map(service.ingest, messages, chunksize=64):
                pass
    elapsed = time.perf_counter() - began
    if profiler:
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    with db.read_session() as session:
        tickets = session.execute(select(func.count()).select_from(Ticket)).scalar_one()
        events = last_seq(session)
    db.dispose()
    rate = len(messages) / elapsed
    return {
        "engine": engine,
        "workers": workers,
        "transactions": "one per message",
        "messages": len(messages),
        "contacts": len({m.chat_id for m in messages}),
        "seconds": round(elapsed, 2),
        "messages_per_s": round(rate, 1),
        "target_per_s": TARGETS[engine],
        "meets_target": rate >= TARGETS[engine],
        "tickets": tickets,
        "events": events,
    }


def _pg_admin(server_url: str) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(server_url)
    parts = [f"host={parsed.host or '127.0.0.1'}", f"port={parsed.port or 5432}"]
    parts.append(f"user={parsed.username or 'postgres'}")
    if parsed.password:
        parts.append(f"password={parsed.password}")
    return " ".join([*parts, "dbname=postgres"])


def run_postgres(
    server_url: str, messages: list[InboundMessage], profile: bool, workers: int
) -> dict[str, Any]:
    import psycopg
    from sqlalchemy.engine import make_url

    name = "sportello_bench_" + uuid.uuid4().hex[:10]
    admin = _pg_admin(server_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        return run("postgres", url, messages, profile, workers)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=5_000)
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    # SQLite has one writer at a time: extra threads only add lock hand-offs. PostgreSQL
    # overlaps one transaction's round trips with another's commit, as the server's
    # executor threads do.
    parser.add_argument(
        "--sqlite-workers", type=int, default=1, help="concurrent ingesting threads (default 1)"
    )
    parser.add_argument(
        "--pg-workers", type=int, default=2, help="concurrent ingesting threads (default 2)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the run (to stderr)")
    args = parser.parse_args()

    messages = make_messages(args.count, args.contacts)
    results = []
    if args.engine in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="sportello-bench-") as folder:
            url = "sqlite:///" + (Path(folder) / "bench.db").as_posix()
            results.append(run("sqlite", url, messages, args.profile, args.sqlite_workers))
        print(json.dumps(results[-1]), flush=True)
    if args.engine in ("postgres", "both"):
        results.append(run_postgres(args.pg_url, messages, args.profile, args.pg_workers))
        print(json.dumps(results[-1]), flush=True)
    print(json.dumps({"all_meet_targets": all(r["meets_target"] for r in results)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
