"""A child process for the crash test: ingests a deterministic stream of messages, one
transaction each, printing how many are committed, until it finishes or is killed.

Usage: python ingest_worker.py DATABASE_URL COUNT [START]  (src/ on PYTHONPATH)
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

from sportello.domain.rules import TicketRules
from sportello.domain.values import Gateway, InboundMessage
from sportello.ingest.service import IngestService
from sportello.store.database import Database

CONTACTS = 500
BODIES = (
    "Buongiorno, vorrei un preventivo per la caldaia",
    "grazie mille",
    "URGENTE: allagamento in cantina",
    "ok, a domani",
    "la lavatrice non si accende",
    "Va bene così",
)
_START = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


def message(n: int) -> InboundMessage:
    """The n-th message of the stream (the same n always gives the same message)."""
    return InboundMessage(
        gateway=Gateway.WPPCONNECT,
        gateway_message_id=f"crash-{n:06d}",
        chat_id=f"39333{n % CONTACTS:07d}@c.us",
        body=BODIES[n % len(BODIES)],
        timestamp=_START + timedelta(seconds=n),
        sender_name=f"Cliente {n % CONTACTS}",
    )


def main() -> None:
    url, count = sys.argv[1], int(sys.argv[2])
    start = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    db = Database(url)
    service = IngestService(db, TicketRules.default())
    for n in range(start, start + count):
        service.ingest(message(n))
        if n % 50 == 49:
            print(n + 1, flush=True)
    print("done", flush=True)


if __name__ == "__main__":
    main()
