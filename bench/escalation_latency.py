"""Escalating alerts and gateway health, timed end to end on a private desktop.

    .venv/bin/python bench/escalation_latency.py [--rounds 5] [--interval 1]

Starts Xvfb, dbus-daemon, dunst, trayer, a real `sportello server` on loopback and the
console with desktop alerts (tests/desktop's child app, URGENT re-alert interval set to
`--interval` seconds through the notification preferences), plus a second operator on a
real Socket.IO client. Each round:

1. webhook creating an URGENT ticket -> the first reminder's Notify on the session bus
   (the floor is the interval itself: the ticket's own notification is the first alert);
2. the colleague opens the ticket -> the console's tray says nothing waits (the reminders
   have stopped: `ticketOpened` reached it), and no reminder Notify after that;
3. WPPConnect state webhook DISCONNECTED -> the tray turns to gateway-down (and back).

Prints JSON; times in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]  # tests.support and friends

from tests.desktop.alerts_app import AlertsApp, start_alerts_app  # noqa: E402
from tests.desktop.bus_monitor import NotifyMonitor  # noqa: E402
from tests.desktop.desktop_session import DesktopSession, missing_binaries  # noqa: E402
from tests.server.server_harness import Client  # noqa: E402
from tests.support.sportello_server import Operator, RestartableServer, create_operator  # noqa: E402

REMINDER = "Ticket n. "


def stats(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(statistics.median(values), 1),
        "max": round(max(values), 1),
        "mean": round(statistics.fmean(values), 1),
    }


def wait_event(app: AlertsApp, event: str, timeout: float = 30.0, **match: Any) -> float:
    """time.time() when the child reported `event` (its own stamp, same machine clock)."""
    return float(app.wait_for(event, timeout=timeout, **match)["t"])


async def colleague_session(server: RestartableServer, operator: Operator) -> Client:
    client = Client(server.url, operator.token)
    await client.connect()
    answer = await client.authenticate(operator.id)
    assert answer["success"] is True, answer
    return client


async def colleague_opens(client: Client, who: str) -> float:
    state = await client.call("deskState")
    waiting = [w for w in state["waitingTickets"] if w["priority"] == "URGENT"]
    assert waiting, state["waitingTickets"]
    started = time.time()
    ack = await client.call("viewConversation", {"conversationId": waiting[0]["conversationId"]})
    assert waiting[0]["ticketId"] in ack["opened"], (who, ack)
    return started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--interval", type=int, default=1)
    args = parser.parse_args()
    missing = missing_binaries()
    if missing:
        print(json.dumps({"error": f"missing desktop binaries: {missing}"}))
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="sportello-escalation-bench-"))
    desktop = DesktopSession(tmp / "desktop")
    desktop.start()
    db_url = f"sqlite:///{tmp / 'sportello.db'}"
    operator = create_operator(db_url, "giulia")
    marco = create_operator(db_url, "marco")
    server = RestartableServer(db_url)
    server.start()
    app_dir = tmp / "app"
    app_dir.mkdir()
    app = start_alerts_app(
        desktop,
        server,
        operator,
        app_dir,
        audio=False,
        extra_args=("--remind-urgent", str(args.interval)),
    )
    monitor = NotifyMonitor(desktop.bus_address)
    loop = asyncio.new_event_loop()
    first_reminder: list[float] = []
    stop: list[float] = []
    late_reminders = 0
    gateway_down: list[float] = []
    gateway_up: list[float] = []
    try:
        app.wait_for("ready", timeout=60)
        app.wait_for("online", timeout=60)
        app.send("hide")
        app.wait_for("hidden")
        colleague = loop.run_until_complete(colleague_session(server, marco))
        for i in range(args.rounds):
            who = f"Cliente Urgente {i}"
            started = time.time()
            server.customer_writes(
                "URGENTE: allagamento, venite subito", phone=f"+39333{5000000 + i}", name=who
            )
            call = monitor.wait_for(lambda c, w=who: c.title.startswith(REMINDER) and w in c.title)
            first_reminder.append((call.seen_at - started) * 1000)
            app.drain(0.0)
            opened_at = loop.run_until_complete(colleague_opens(colleague, who))
            stopped_at = wait_event(app, "tray", waiting="")
            stop.append((stopped_at - opened_at) * 1000)
            time.sleep(args.interval * 2.5)  # no reminder may follow the stop
            late_reminders += len(
                [
                    c
                    for c in monitor.snapshot()
                    if c.title.startswith(REMINDER)
                    and who in c.title
                    and c.seen_at > stopped_at + 0.2
                ]
            )

            for state, into in (("DISCONNECTED", gateway_down), ("CONNECTED", gateway_up)):
                app.drain(0.0)
                started = time.time()
                server.post(
                    "/webhooks/wppconnect",
                    {"event": "onstatechange", "session": "sportello", "state": state},
                )
                down = state != "CONNECTED"
                into.append((wait_event(app, "tray", gateway_down=down) - started) * 1000)
        loop.run_until_complete(colleague.close())
        result = {
            "bench": "escalation_latency",
            "rounds": args.rounds,
            "urgent_interval_s": args.interval,
            "webhook_to_first_reminder_notify_ms": stats(first_reminder),
            "first_reminder_over_interval_ms": stats(
                [v - args.interval * 1000 for v in first_reminder]
            ),
            "colleague_opens_to_reminders_stopped_ms": stats(stop),
            "reminders_after_stop": late_reminders,
            "gateway_webhook_to_tray_down_ms": stats(gateway_down),
            "gateway_webhook_to_tray_up_ms": stats(gateway_up),
            "target_gateway_ms": 1000,
            "cores": os.cpu_count(),
        }
        print(json.dumps(result, indent=2))
        return 0
    finally:
        loop.close()
        monitor.close()
        app.stop()
        server.stop()
        desktop.stop()


if __name__ == "__main__":
    raise SystemExit(main())
