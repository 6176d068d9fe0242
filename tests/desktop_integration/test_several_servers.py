"""Several servers at once: two real `sportello server` processes, the app signed in to both.

The profile on screen has the console; the other stays connected in the background, its
unread badge in the profile switcher follows webhooks live, its messages raise a
notification named after the profile, and "Open" on it brings that profile forward with
the conversation open. Logging out of one server disconnects only that one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import pytest
from PySide6.QtCore import Qt

from sportello.app import OpenStored
from sportello.app.alerts import AlertsAttachment, attach_desktop_alerts
from sportello.client.api import login
from sportello.client.changes import ConnectionState
from sportello.desktop import credentials
from sportello.ui.login_dialog import LoginDialog
from sportello.ui.preferences import Preferences, ProfileRecord
from sportello.ui.settings_dialog import SettingsDialog
from sportello.ui.thread_model import unsupported_text
from tests.desktop_integration.app_driver import (
    WAIT_MS,
    AppUnderTest,
    add_operator,
    office_server,
    run,
    server_accepts,
    toast_notifier,
)
from tests.desktop_integration.local_harness import post_webhook
from tests.support.payloads import numbered_wpp_message
from tests.support.ports import free_port

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

PASSWORD = "Due-Server-Insieme-2024"
SECRET = "office-secret-1"  # what app_driver.office_server gives its webhook


def _sign_in(qtbot, name: str, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    """What the first-run dialog stores: the profile in the settings, the token in the keyring."""
    result = run(qtbot, login(url, username, PASSWORD))
    credentials.save_token(name, result.token)  # type: ignore[attr-defined]
    Preferences().save_profile(ProfileRecord(name, url, username, result.user.id))  # type: ignore[attr-defined]


@contextmanager
def _two_offices(home, qtbot, username: str) -> Iterator[tuple[Any, Any]]:  # type: ignore[no-untyped-def]
    """Two real servers, Milano and Roma, with `username` on both and signed in to both."""
    with (
        office_server(home.root / "milano", free_port(), qtbot) as milano,
        office_server(home.root / "roma", free_port(), qtbot) as roma,
    ):
        add_operator(milano.config.database_url, username, PASSWORD)
        add_operator(roma.config.database_url, username, PASSWORD)
        _sign_in(qtbot, "Milano", milano.base_url, username)
        _sign_in(qtbot, "Roma", roma.base_url, username)
        yield milano, roma


async def _post(base_url: str, n: int, body: str, phone: str) -> int:
    async with aiohttp.ClientSession() as http:
        message = numbered_wpp_message(n, body, phone=phone)
        return await post_webhook(http, base_url, SECRET, message)


def _online(app: AppUnderTest, name: str) -> bool:
    client = app.desktop.connected.client(name)
    return client is not None and client.connection_state is ConnectionState.ONLINE


def _on_screen(app: AppUnderTest, name: str) -> bool:
    desktop = app.desktop
    return (
        desktop.client is not None
        and desktop.client.profile.name == name
        and desktop.window is not None
        and desktop.switcher is not None
        and desktop.client.connection_state is ConnectionState.ONLINE
    )


def _badge(app: AppUnderTest, name: str) -> str:
    switcher = app.desktop.switcher
    return switcher.button_text(name) if switcher is not None else ""


def test_two_servers_stay_connected_with_live_badges_and_notifications(home, qapp, qtbot, qt_loop):
    with _two_offices(home, qtbot, "giulia") as (milano, roma):
        app = AppUnderTest(qapp, qtbot, OpenStored("Milano"))
        attach_desktop_alerts(app.desktop)
        qtbot.waitUntil(lambda: _on_screen(app, "Milano"), timeout=WAIT_MS)
        switcher = app.desktop.switcher
        assert switcher.isVisible() and list(switcher.buttons) == ["Milano", "Roma"]
        assert switcher.buttons["Milano"].isChecked()
        assert "not connected" in switcher.buttons["Roma"].toolTip()
        milano_client = app.desktop.client

        # Switch to Roma with the switcher: Milano keeps its connection in the background.
        qtbot.mouseClick(switcher.buttons["Roma"], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _on_screen(app, "Roma"), timeout=WAIT_MS)
        roma_client = app.desktop.client
        assert app.desktop.connected.client("Milano") is milano_client
        assert _online(app, "Milano")
        assert app.desktop.switcher.buttons["Roma"].isChecked()
        toast = toast_notifier(app, qtbot)

        # A customer writes to Milano: its badge counts it, live, and a notification says
        # which server it came from.
        posted = run(qtbot, _post(milano.base_url, 1, "La caldaia perde", "393401110001"))
        assert posted == 200
        qtbot.waitUntil(lambda: _badge(app, "Milano") == "Milano (1)", timeout=WAIT_MS)
        assert _badge(app, "Roma") == "Roma"
        assert "1 unread message" in app.desktop.switcher.buttons["Milano"].accessibleDescription()
        qtbot.waitUntil(lambda: toast.toast.isVisible(), timeout=WAIT_MS)
        assert toast.toast.title.text().startswith("Milano: ")
        assert "caldaia" in toast.toast.body.text()
        conversation_id = milano_client.state.conversations[0].id

        # "Open": Milano comes forward on that conversation; Roma stays connected.
        qtbot.mouseClick(toast.toast.open_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _on_screen(app, "Milano"), timeout=WAIT_MS)
        assert app.desktop.client is milano_client  # the same connection, not a new one
        window = app.desktop.window
        qtbot.waitUntil(
            lambda: milano_client.state.open_conversation_id == conversation_id, timeout=WAIT_MS
        )
        assert window.conversations.current_id == conversation_id
        assert app.desktop.connected.client("Roma") is roma_client and _online(app, "Roma")
        assert app.desktop.switcher.buttons["Milano"].isChecked()

        # After the switch the background profile's badge still follows its server.
        toast = toast_notifier(app, qtbot)
        assert run(qtbot, _post(roma.base_url, 2, "Salve, un preventivo?", "393401110002")) == 200
        assert run(qtbot, _post(roma.base_url, 3, "Per domani", "393401110002")) == 200
        qtbot.waitUntil(lambda: _badge(app, "Roma") == "Roma (2)", timeout=WAIT_MS)
        qtbot.waitUntil(lambda: toast.toast.title.text().startswith("Roma: "), timeout=WAIT_MS)
        # The tray counts the whole backlog: the profile on screen plus the background ones.
        tray = app.desktop.findChild(AlertsAttachment).alerts.tray
        qtbot.waitUntil(
            lambda: tray.unread == milano_client.state.total_unread + 2, timeout=WAIT_MS
        )

        # "Mark as read" on it marks the conversation read on Roma's server, from here.
        qtbot.mouseClick(toast.toast.mark_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _badge(app, "Roma") == "Roma", timeout=WAIT_MS)
        assert _on_screen(app, "Milano")
        assert run(qtbot, _post(roma.base_url, 4, "Grazie", "393401110002")) == 200
        qtbot.waitUntil(lambda: _badge(app, "Roma") == "Roma (1)", timeout=WAIT_MS)

        # Log out of Milano: only Milano disconnects; Roma comes on screen, still connected.
        app.desktop.menus.logout_action.trigger()
        qtbot.waitUntil(lambda: _on_screen(app, "Roma"), timeout=WAIT_MS)
        assert app.desktop.client is roma_client
        assert milano_client.connection_state is ConnectionState.STOPPED
        assert credentials.load_token("Milano") is None
        assert credentials.load_token("Roma")
        assert app.desktop.connected.names() == ["Roma"]
        assert "not connected" in app.desktop.switcher.buttons["Milano"].toolTip()
        assert _badge(app, "Roma") == "Roma (1)"
        assert app.quit() == 0
        assert roma_client.connection_state is ConnectionState.STOPPED
        assert Preferences().connected_profiles == ["Roma"]


def test_profiles_connected_at_quit_reconnect_and_one_can_log_out_from_settings(
    home, qapp, qtbot, qt_loop
):
    with _two_offices(home, qtbot, "marco") as (milano, _roma):
        first = AppUnderTest(qapp, qtbot, OpenStored("Milano"))
        qtbot.waitUntil(lambda: _on_screen(first, "Milano"), timeout=WAIT_MS)
        qtbot.mouseClick(first.desktop.switcher.buttons["Roma"], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _on_screen(first, "Roma"), timeout=WAIT_MS)
        assert first.quit() == 0
        assert sorted(Preferences().connected_profiles) == ["Milano", "Roma"]

        # The next start opens the last profile and reconnects the other in the background.
        again = AppUnderTest(qapp, qtbot, OpenStored("Roma"))
        qtbot.waitUntil(lambda: _on_screen(again, "Roma"), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: _online(again, "Milano"), timeout=WAIT_MS)
        assert run(qtbot, _post(milano.base_url, 1, "Ci siete?", "393401110003")) == 200
        qtbot.waitUntil(lambda: _badge(again, "Milano") == "Milano (1)", timeout=WAIT_MS)
        milano_client = again.desktop.connected.client("Milano")
        milano_token = credentials.load_token("Milano")
        assert milano_token and server_accepts(milano.base_url, milano_token, qtbot) == 200

        # Settings > Servers > Log out of the background profile: only that one goes.
        again.desktop.menus.settings_action.trigger()
        qtbot.waitUntil(lambda: again.desktop.window.findChild(SettingsDialog) is not None)
        dialog = again.desktop.window.findChild(SettingsDialog)
        row = [p.name for p in Preferences().profiles()].index("Milano")
        dialog.servers_tab.profiles_view.setCurrentIndex(
            dialog.servers_tab.profiles_model.index(row)
        )
        qtbot.mouseClick(dialog.servers_tab.logout_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: milano_client.connection_state is ConnectionState.STOPPED, timeout=WAIT_MS
        )
        assert again.desktop.connected.names() == ["Roma"]
        assert _on_screen(again, "Roma")
        assert credentials.load_token("Milano") is None
        # ...and its token is revoked on Milano's server (the call runs in the background).
        qtbot.waitUntil(
            lambda: server_accepts(milano.base_url, milano_token, qtbot) == 401, timeout=WAIT_MS
        )
        qtbot.waitUntil(
            lambda: "not connected" in again.desktop.switcher.buttons["Milano"].toolTip(),
            timeout=WAIT_MS,
        )
        dialog.reject()
        assert again.quit() == 0
        assert Preferences().connected_profiles == ["Roma"]


def test_a_token_revoked_on_a_background_server_signs_out_only_that_profile(
    home, qapp, qtbot, qt_loop
):
    from sportello.store.database import Database
    from sportello.store.operators import revoke_token

    with _two_offices(home, qtbot, "anna") as (_milano, roma):
        app = AppUnderTest(qapp, qtbot, OpenStored("Roma"))
        qtbot.waitUntil(lambda: _on_screen(app, "Roma"), timeout=WAIT_MS)
        qtbot.mouseClick(app.desktop.switcher.buttons["Milano"], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _on_screen(app, "Milano"), timeout=WAIT_MS)
        assert _online(app, "Roma")
        milano_client = app.desktop.client
        token = credentials.load_token("Roma")

        # An administrator revokes Roma's token (the restart empties the server's token
        # cache); the background client reconnects and is refused.
        run(qtbot, roma.stop())
        db = Database(roma.config.database_url)
        with db.session() as session:
            assert revoke_token(session, token)
            session.commit()
        db.engine.dispose()
        run(qtbot, roma.start())

        qtbot.waitUntil(lambda: app.desktop.connected.client("Roma") is None, timeout=WAIT_MS)
        assert credentials.load_token("Roma") is None
        assert app.desktop.client is milano_client and _on_screen(app, "Milano")
        assert "Roma" in app.desktop.window.status.currentMessage()
        qtbot.waitUntil(
            lambda: "not connected" in app.desktop.switcher.buttons["Roma"].toolTip(),
            timeout=WAIT_MS,
        )

        # Choosing Roma again asks for the password over the console; cancelling keeps
        # Milano on screen (the app does not quit), signing in brings Roma forward.
        window = app.desktop.window
        qtbot.mouseClick(app.desktop.switcher.buttons["Roma"], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.findChild(LoginDialog) is not None, timeout=WAIT_MS)
        dialog = window.findChild(LoginDialog)
        assert dialog.url.text() == roma.base_url and dialog.username.text() == "anna"
        dialog.reject()
        qtbot.waitUntil(lambda: window.findChild(LoginDialog) is None, timeout=WAIT_MS)
        assert app.desktop.window is window and _on_screen(app, "Milano")
        assert not app.task.done()

        qtbot.mouseClick(app.desktop.switcher.buttons["Roma"], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.findChild(LoginDialog) is not None, timeout=WAIT_MS)
        dialog = window.findChild(LoginDialog)
        dialog.password.setText(PASSWORD)
        qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _on_screen(app, "Roma"), timeout=WAIT_MS)
        assert app.desktop.connected.client("Milano") is milano_client and _online(app, "Milano")
        assert credentials.load_token("Roma") not in (None, token)
        assert app.quit() == 0
        assert sorted(Preferences().connected_profiles) == ["Milano", "Roma"]


def test_an_unopened_urgent_ticket_on_a_background_server_rings_until_opened(
    home, qapp, qtbot, qt_loop
):
    from dataclasses import replace

    with _two_offices(home, qtbot, "luca") as (_milano, roma):
        prefs = Preferences()
        prefs.save_notifications(replace(prefs.notifications(), remind_urgent=1))
        app = AppUnderTest(qapp, qtbot, OpenStored("Roma"))
        attachment = attach_desktop_alerts(app.desktop)
        qtbot.waitUntil(lambda: _on_screen(app, "Roma"), timeout=WAIT_MS)
        qtbot.mouseClick(app.desktop.switcher.buttons["Milano"], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _on_screen(app, "Milano"), timeout=WAIT_MS)
        toast = toast_notifier(app, qtbot)
        titles: list[str] = []
        toast.shown.connect(lambda _key: titles.append(toast.toast.title.text()))

        # An URGENT ticket opens on Roma, in the background: its notification, then reminders
        # every second (the interval chosen above), named after Roma, until someone opens it.
        body = "Perdita d'acqua urgente in cucina, allagamento"
        assert run(qtbot, _post(roma.base_url, 1, body, "393401110009")) == 200
        qtbot.waitUntil(
            lambda: sum(t.startswith("Roma: Ticket #") for t in titles) >= 2, timeout=WAIT_MS
        )
        reminder = next(t for t in titles if t.startswith("Roma: Ticket #"))
        assert "waiting for" in reminder
        assert "#c62828" in toast.toast.styleSheet()  # URGENT: shown as critical
        roma_state = app.desktop.connected.client("Roma").state
        conversation_id = roma_state.conversations[0].id

        # "Open" on the reminder: Roma comes forward on that conversation; opening it is
        # what stops the reminders, on every client.
        qtbot.mouseClick(toast.toast.open_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _on_screen(app, "Roma"), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: roma_state.open_conversation_id == conversation_id, timeout=WAIT_MS)
        escalation = attachment.profiles["Roma"].escalation
        qtbot.waitUntil(lambda: escalation.plan.waiting == [], timeout=WAIT_MS)
        assert app.quit() == 0


def test_overdue_tickets_on_a_background_server_ring_as_one_notification(
    home, qapp, qtbot, qt_loop
):
    from dataclasses import replace

    with _two_offices(home, qtbot, "sara") as (_milano, roma):
        prefs = Preferences()
        prefs.save_notifications(replace(prefs.notifications(), remind_urgent=1))
        prefs.connected_profiles = ["Milano", "Roma"]  # Roma reconnects in the background

        # Two customers write to Roma while the app is not running: two URGENT tickets
        # nobody opens, overdue by the time the app connects Roma in the background.
        first = "Perdita d'acqua urgente in cucina, allagamento"
        second = "Urgente: caldaia guasta, niente riscaldamento"
        assert run(qtbot, _post(roma.base_url, 1, first, "393401110021")) == 200
        assert run(qtbot, _post(roma.base_url, 2, second, "393401110022")) == 200

        app = AppUnderTest(qapp, qtbot, OpenStored("Milano"))
        attach_desktop_alerts(app.desktop)
        qtbot.waitUntil(lambda: _on_screen(app, "Milano"), timeout=WAIT_MS)
        toast = toast_notifier(app, qtbot)
        shown: list[tuple[str, str, str]] = []
        toast.shown.connect(
            lambda key: shown.append((key, toast.toast.title.text(), toast.toast.body.text()))
        )
        qtbot.waitUntil(lambda: _online(app, "Roma"), timeout=WAIT_MS)

        # The reminders fall due together: ONE notification named after Roma lists both
        # tickets; no ticket rings on its own.
        def grouped() -> list[tuple[str, str, str]]:
            return [s for s in shown if s[1].startswith("Roma: 2 ticket")]

        qtbot.waitUntil(lambda: len(grouped()) >= 1, timeout=WAIT_MS)
        _key, title, body = grouped()[0]
        assert "waiting to be opened" in title
        assert body.count("waiting for") == 2 and "Nobody has opened them yet." in body
        assert not [s for s in shown if s[1].startswith("Roma: Ticket #")]
        assert len({s[0] for s in grouped()}) == 1  # the next burst replaces it in place
        assert "#c62828" in toast.toast.styleSheet()  # URGENT: shown as critical
        roma_state = app.desktop.connected.client("Roma").state
        lead = next(c.id for c in roma_state.conversations if "acqua" in c.last_preview)

        # "Open": Roma comes forward on the most pressing ticket (the one waiting longest).
        qtbot.mouseClick(toast.toast.open_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _on_screen(app, "Roma"), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: roma_state.open_conversation_id == lead, timeout=WAIT_MS)
        assert app.quit() == 0


def test_a_gateway_down_on_a_background_server_is_told_once_naming_the_profile(
    home, qapp, qtbot, qt_loop
):
    with _two_offices(home, qtbot, "pia") as (_milano, roma):
        Preferences().connected_profiles = ["Milano", "Roma"]
        app = AppUnderTest(qapp, qtbot, OpenStored("Milano"))
        attach_desktop_alerts(app.desktop)
        qtbot.waitUntil(lambda: _on_screen(app, "Milano"), timeout=WAIT_MS)
        toast = toast_notifier(app, qtbot)
        shown: list[tuple[str, str]] = []
        toast.shown.connect(
            lambda _key: shown.append((toast.toast.title.text(), toast.toast.body.text()))
        )
        qtbot.waitUntil(lambda: _online(app, "Roma"), timeout=WAIT_MS)
        roma_awareness = app.desktop.connected.client("Roma").awareness

        async def state_webhook(state: str) -> int:
            payload = {"event": "onstatechange", "session": "sportello", "state": state}
            async with aiohttp.ClientSession() as http:
                return await post_webhook(http, roma.base_url, SECRET, payload)

        # Roma's WhatsApp session drops: one warning, named after Roma, saying what to do.
        assert run(qtbot, state_webhook("DISCONNECTED")) == 200
        qtbot.waitUntil(lambda: roma_awareness.gateways_down != [], timeout=WAIT_MS)
        qtbot.waitUntil(lambda: any(t.startswith("Roma: ") for t, _b in shown), timeout=WAIT_MS)
        warnings = [(t, b) for t, b in shown if t.startswith("Roma: ")]
        assert warnings[0][0] == "Roma: WhatsApp gateway disconnected"
        assert "check that the business phone is online" in warnings[0][1]

        # The same outage reported again (then a message, so both are surely handled) is
        # not told twice.
        assert run(qtbot, state_webhook("DISCONNECTED")) == 200
        assert run(qtbot, _post(roma.base_url, 1, "Ci siete?", "393401110031")) == 200
        qtbot.waitUntil(lambda: _badge(app, "Roma") == "Roma (1)", timeout=WAIT_MS)
        assert len([t for t, _b in shown if "gateway" in t]) == 1
        assert not any(t.startswith("Milano: ") for t, _b in shown)
        assert app.quit() == 0


def test_switching_to_a_profile_continues_its_reminders_instead_of_ringing_anew(
    home, qapp, qtbot, qt_loop
):
    from dataclasses import replace

    with _two_offices(home, qtbot, "ada") as (_milano, roma):
        prefs = Preferences()
        prefs.save_notifications(replace(prefs.notifications(), remind_urgent=2))
        prefs.connected_profiles = ["Milano", "Roma"]
        app = AppUnderTest(qapp, qtbot, OpenStored("Milano"))
        attachment = attach_desktop_alerts(app.desktop)
        qtbot.waitUntil(lambda: _on_screen(app, "Milano"), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: _online(app, "Roma"), timeout=WAIT_MS)

        # An URGENT ticket on Roma, in the background, rings its first reminder there.
        background = attachment.profiles["Roma"].escalation
        rung_behind: list[int] = []
        background.reminded.connect(lambda r: rung_behind.append(r.count))
        body = "Urgente: perdita d'acqua in bagno"
        assert run(qtbot, _post(roma.base_url, 1, body, "393401110041")) == 200
        qtbot.waitUntil(lambda: rung_behind != [], timeout=WAIT_MS)

        # Roma comes on screen with that ticket still unopened: its console goes on with the
        # same schedule, so its first reminder is the next one, not a fresh first ring.
        rung_on_screen: list[int] = []

        def follow_console(_window: object, _client: object) -> None:
            # Runs right after the attachment made the console's alerts (connected later).
            attachment.alerts.escalation.reminded.connect(lambda r: rung_on_screen.append(r.count))

        app.desktop.console_opened.connect(follow_console)
        qtbot.mouseClick(app.desktop.switcher.buttons["Roma"], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: _on_screen(app, "Roma"), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: rung_on_screen != [], timeout=WAIT_MS)
        assert rung_on_screen[0] > rung_behind[0]
        assert app.quit() == 0


def test_a_message_without_text_reads_the_same_from_a_background_profile_as_on_screen(
    home, qapp, qtbot, qt_loop
):
    with _two_offices(home, qtbot, "eva") as (milano, roma):
        Preferences().connected_profiles = ["Milano", "Roma"]
        app = AppUnderTest(qapp, qtbot, OpenStored("Milano"))
        attach_desktop_alerts(app.desktop)
        qtbot.waitUntil(lambda: _on_screen(app, "Milano"), timeout=WAIT_MS)
        toast = toast_notifier(app, qtbot)
        shown: list[tuple[str, str, str]] = []
        toast.shown.connect(
            lambda key: shown.append((key, toast.toast.title.text(), toast.toast.body.text()))
        )
        qtbot.waitUntil(lambda: _online(app, "Roma"), timeout=WAIT_MS)

        # The same customer sends the same two polls, a kind of message the console cannot
        # show and that carries no text, to both servers: Roma in the background, Milano on
        # screen. The second one is grouped ("2 new messages"), so its notification says the
        # console's words for the message, not the server's hint.
        def poll(n: int) -> dict[str, Any]:
            payload = numbered_wpp_message(n, "", phone="393401110051")
            payload.update(type="poll_creation", content="")
            return payload

        async def post(base_url: str, n: int) -> int:
            async with aiohttp.ClientSession() as http:
                return await post_webhook(http, base_url, SECRET, poll(n))

        def behind() -> list[tuple[str, str]]:
            return [(t, b) for k, t, b in shown if k.startswith("profile:")]

        def on_screen() -> list[tuple[str, str]]:
            return [(t, b) for k, t, b in shown if not k.startswith("profile:")]

        for n in (1, 2):
            assert run(qtbot, post(roma.base_url, n)) == 200
            qtbot.waitUntil(lambda n=n: len(behind()) == n, timeout=WAIT_MS)
        for n in (1, 2):
            assert run(qtbot, post(milano.base_url, n)) == 200
            qtbot.waitUntil(lambda n=n: len(on_screen()) == n, timeout=WAIT_MS)

        # One pipeline: the background notification is the on-screen one named after Roma.
        title, body = on_screen()[-1]
        assert body == unsupported_text("poll_creation")  # the thread's and the list's words
        assert behind()[-1] == (f"Roma: {title}", body)
        assert app.quit() == 0
