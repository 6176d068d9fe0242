"""Tray, native notifications and sound on a real (virtual) Linux desktop.

A customer writes through a webhook to a real `sportello server`; the console (a child
process on Xvfb with dunst, trayer and a PulseAudio null sink) must call Notify on the
session bus with the right texts, urgency and actions, update the tray badge, ring, and
open the conversation when the operator clicks "Apri" in the notification daemon.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.desktop.alerts_app import start_alerts_app
from tests.desktop.bus_monitor import NotifyMonitor
from tests.desktop.desktop_session import AUDIO, DesktopSession
from tests.support.sportello_server import Operator, RestartableServer

pytestmark = pytest.mark.slow


def test_webhook_notifies_on_the_bus_rings_badges_and_apri_opens_the_conversation(
    desktop: DesktopSession,
    server: tuple[RestartableServer, Operator],
    monitor: NotifyMonitor,
    tmp_path: Path,
) -> None:
    running, operator = server
    app = start_alerts_app(desktop, running, operator, tmp_path)
    try:
        ready = app.wait_for("ready")
        assert ready["notifier"] == "freedesktop", ready
        assert ready["tray"] is True and ready["sound_effects"] == 2
        app.wait_for("online")
        app.wait_for("tray", unread=0)
        app.send("hide")  # the operator closes the window: it goes to the tray
        assert app.wait_for("hidden")["visible"] is False

        # A plain message, then a burst from the same contact.
        running.customer_writes(
            "Buongiorno, volevo sapere gli orari", phone="+393331112222", name="Mario Rossi"
        )
        first = monitor.wait_for(lambda c: c.body == "Buongiorno, volevo sapere gli orari")
        assert first.signature == "susssasa{sv}i"
        assert first.title == "Mario Rossi" and first.app_name == "Sportello"
        assert first.urgency == 1
        assert first.action_labels() == {
            "default": "Apri",
            "open": "Apri",
            "mark-read": "Segna come letto",
        }
        assert first.icon.startswith("file://") and first.icon.endswith(".png")
        assert app.wait_for("tray", unread=1)["corner"] != "#000000"
        if desktop.pulse_server:  # the null sink: the effect really plays
            assert app.wait_for("sound")["cue"] == "message"
        else:  # no audio stack installed: the chime is skipped, nothing breaks
            assert app.wait_for("sound_unavailable")["cue"] == "message"

        for text in ("Sono al negozio", "Ci siete?"):
            running.customer_writes(text, phone="+393331112222", name="Mario Rossi")
        burst = monitor.wait_for(lambda c: c.title.startswith("3 nuovi messaggi"))
        assert burst.title == "3 nuovi messaggi da Mario Rossi"
        assert burst.body == "Ci siete?" and burst.replaces_id != 0  # replaced in place
        app.wait_for("tray", unread=3)

        # An URGENT ticket from another contact: its own notification, critical, red tray.
        running.customer_writes(
            "Aiuto, allagamento in cantina, venite subito",
            phone="+393339998888",
            name="Anna Bianchi",
        )
        urgent = monitor.wait_for(lambda c: "Anna Bianchi" in c.title)
        assert urgent.urgency == 2
        assert urgent.title.startswith("Nuovo ticket n. ") and "(Urgente)" in urgent.title
        assert urgent.replaces_id == 0
        tray = app.wait_for("tray", unread=4, alert=True)
        assert "URGENT" in tray["tooltip"] or "URGENTE" in tray["tooltip"]
        if desktop.pulse_server:
            assert app.wait_for("sound")["cue"] == "urgent"

        # The operator clicks the notification in dunst: the window opens on Anna's chat.
        desktop.dunstctl("action", "0")
        opened = app.wait_for("opened")
        assert opened["visible"] is True and opened["minimized"] is False
        assert opened["conversation"] is not None
        assert opened["key"].startswith(opened["conversation"])
    finally:
        app.stop()


def test_no_sound_during_pause_or_quiet_hours_and_none_without_audio(
    desktop: DesktopSession,
    server: tuple[RestartableServer, Operator],
    monitor: NotifyMonitor,
    tmp_path: Path,
) -> None:
    if shutil.which(AUDIO) is None:
        reason = "pulseaudio is not installed: no null sink to play into"
        if os.environ.get("SPORTELLO_REQUIRE_DESKTOP") == "1":
            pytest.fail(f"{reason} (and SPORTELLO_REQUIRE_DESKTOP=1)")
        pytest.skip(reason)
    running, operator = server
    app = start_alerts_app(desktop, running, operator, tmp_path)
    try:
        app.wait_for("ready")
        app.wait_for("online")
        app.send("hide")
        app.wait_for("hidden")
        unread = app.unread_now()

        app.send("pause")
        app.wait_for("paused")
        before = len(monitor.snapshot())
        running.customer_writes("In pausa", phone="+393330000001", name="Paola Neri")
        app.wait_for("tray", unread=unread + 1)  # the badge still counts
        events = app.drain(1.5)
        assert not [e for e in events if e["event"] in ("sound", "shown")], events
        assert len(monitor.snapshot()) == before  # and nothing went to the bus

        app.send("resume")
        app.wait_for("resumed")
        app.send("quiet")
        app.wait_for("quiet")
        running.customer_writes("Di notte", phone="+393330000002", name="Luca Verdi")
        monitor.wait_for(lambda c: c.body == "Di notte")  # quiet hours: shown, silently
        events = app.drain(1.5)
        assert not [e for e in events if e["event"] == "sound"], events

        app.send("noquiet")
        app.wait_for("noquiet")
        running.customer_writes("Di giorno", phone="+393330000003", name="Sara Gialli")
        monitor.wait_for(lambda c: c.body == "Di giorno")
        assert app.wait_for("sound")["cue"] == "message"
    finally:
        app.stop()


def test_without_an_audio_device_the_sound_degrades_and_notifications_go_on(
    desktop: DesktopSession,
    server: tuple[RestartableServer, Operator],
    monitor: NotifyMonitor,
    tmp_path: Path,
) -> None:
    running, operator = server
    app = start_alerts_app(desktop, running, operator, tmp_path, audio=False)
    try:
        app.wait_for("ready")
        app.wait_for("online")
        app.send("hide")
        app.wait_for("hidden")
        running.customer_writes("Senza casse", phone="+393330000004", name="Elena Blu")
        call = monitor.wait_for(lambda c: c.body == "Senza casse")
        assert call.title == "Elena Blu"
        gone = app.wait_for("sound_unavailable")
        assert gone["cue"] == "message" and gone["why"]
        assert app.proc.poll() is None  # still running
    finally:
        app.stop()
