"""A console that starts with several old unopened tickets: one reminder for all of them.

Three customers wrote while no console was running; their tickets have waited longer than
the re-alert interval. When the console starts, the reminders fall due together: the
notification daemon must get ONE Notify listing the three (critical, since one is URGENT)
and the app must ask for ONE chime (the URGENT one), not three overlapping ones. "Apri"
on it opens the most pressing ticket: the URGENT one that has waited longest.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.desktop.alerts_app import start_alerts_app
from tests.desktop.bus_monitor import NotifyCall, NotifyMonitor
from tests.desktop.desktop_session import DesktopSession
from tests.support.sportello_server import Operator, RestartableServer

pytestmark = pytest.mark.slow

INTERVAL = 2  # seconds, URGENT and HIGH alike
BURST = "3 ticket in attesa di essere aperti: "
SINGLE = "Ticket n. "  # a ticket's own reminder: must not appear for these three


def test_a_start_with_three_overdue_tickets_gives_one_grouped_notification_and_one_chime(
    desktop: DesktopSession,
    server: tuple[RestartableServer, Operator],
    monitor: NotifyMonitor,
    tmp_path: Path,
) -> None:
    running, operator = server
    running.customer_writes(
        "URGENTE: perdita di gas in cucina", phone="+393339990011", name="Bruno Neri"
    )
    running.customer_writes(
        "Guasto importante, richiamatemi al più presto", phone="+393339990012", name="Carla Verdi"
    )
    running.customer_writes(
        "Aiuto, allagamento in cantina, venite subito", phone="+393339990013", name="Anna Bianchi"
    )
    # Overdue by the time the console starts: the wait is the point of the test.
    time.sleep(INTERVAL)
    intervals = ("--remind-urgent", str(INTERVAL), "--remind-high", str(INTERVAL))
    app = start_alerts_app(desktop, running, operator, tmp_path, extra_args=intervals)
    try:
        app.wait_for("ready")

        def reminders() -> list[NotifyCall]:
            return [c for c in monitor.snapshot() if c.title.startswith((BURST, SINGLE))]

        first = monitor.wait_for(lambda c: c.title.startswith(BURST))
        assert reminders()[0] == first  # nothing rang before it, ticket by ticket
        assert not [c for c in reminders() if c.title.startswith(SINGLE)]
        assert first.replaces_id == 0 and first.urgency == 2  # critical: one is URGENT
        assert first.title.startswith(BURST + "n. ")
        assert "Urgente" in first.title and "Alta" in first.title
        for who in ("Bruno Neri", "Carla Verdi", "Anna Bianchi"):
            assert who in first.body
        assert first.body.index("Bruno Neri") < first.body.index("Anna Bianchi")
        assert first.body.index("Anna Bianchi") < first.body.index("Carla Verdi")
        assert "Nessuno li ha ancora aperti." in first.body
        assert first.action_labels()["open"] == "Apri"

        # One chime per burst, the URGENT one; each later burst replaces the notification.
        monitor.wait_for(lambda _c: len(reminders()) >= 2, timeout=30)
        events = app.drain(0.5)
        told = [i for i, e in enumerate(events) if e["event"] == "burst"]
        assert len(told) >= 2 and all(len(events[i]["tickets"]) == 3 for i in told)
        assert not [e for e in events if e["event"] == "reminder" and e["count"] > len(told)]
        chimes = [e["cue"] for e in events[: told[-1]] if e["event"] == "chime"]
        assert chimes == ["urgent"] * len(told)  # one per burst, never one per ticket
        later = [c for c in reminders() if c is not first]
        assert later and all(c.replaces_id != 0 and c.title.startswith(BURST) for c in later)

        desktop.dunstctl("action", "0")  # "Apri" on the burst: the most pressing ticket
        opened = app.wait_for("opened", key="remind:burst")
        assert opened["visible"] is True and opened["title"] == "Bruno Neri"
    finally:
        app.stop()
