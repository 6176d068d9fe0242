"""A reply the gateway refuses is impossible to miss, and Retry sends that same bubble.

The real window, the real client and the real alerts of its profile (`ProfileAlerts`, on
a desk that records what it is handed) against a real `sportello server` on loopback whose
WPPConnect is the fake gateway answering the next send with WPPConnect's own 400 body. In
Italian, as the operator reads it.
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sportello.client.changes import ConnectionState
from sportello.domain.alerts import AlertSettings, SoundCue
from sportello.domain.escalation import EscalationSettings
from sportello.domain.values import DeliveryStatus
from sportello.ui import theme
from sportello.ui.i18n import install_translators
from sportello.ui.main_window import MainWindow
from sportello.ui.notifications.base import NotificationView
from sportello.ui.profile_alerts import ProfileAlerts
from sportello.ui.tasks import TaskRunner
from tests.fakes.fake_gateway import FakeGateway
from tests.support.sportello_server import (
    Operator,
    RestartableServer,
    create_operator,
    server_module_missing,
)
from tests.ui.test_e2e_console import WAIT_MS, make_client, thread_messages, type_and_send

pytestmark = pytest.mark.slow


class RecordingDesk:
    """The desk a profile's alerts show through (ui/profile_alerts.AlertDesk), recording."""

    def __init__(self) -> None:
        self.shown: list[NotificationView] = []
        self.withdrawn: list[str] = []

    def settings(self) -> AlertSettings:
        return AlertSettings()

    def escalation_settings(self) -> EscalationSettings:
        return EscalationSettings()

    def reading_conversation(self) -> str | None:
        return None

    def show(self, view: NotificationView) -> None:
        self.shown.append(view)

    def withdraw(self, key: str) -> None:
        self.withdrawn.append(key)

    def play(self, cue: SoundCue) -> None:
        pass

    def open_conversation(self, conversation_id: str) -> None:
        pass

    def show_window(self) -> None:
        pass

    def mark_read_on_screen(self, work: Coroutine[Any, Any, object]) -> None:
        work.close()


@pytest.fixture
def italian(qapp: QApplication) -> Iterator[None]:
    install_translators(qapp, "it")
    try:
        yield
    finally:
        install_translators(qapp, "en")


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    with FakeGateway.start_in_thread() as gw:
        yield gw


@pytest.fixture
def desk(tmp_path: Path, gateway: FakeGateway) -> Iterator[tuple[RestartableServer, Operator]]:
    if server_module_missing():
        pytest.skip("no server")
    db_url = f"sqlite:///{tmp_path / 'server.db'}"
    giulia = create_operator(db_url, "giulia")
    running = RestartableServer(
        db_url,
        [
            "--wppconnect-url",
            gateway.wpp_base_url,
            "--wppconnect-session",
            gateway.session,
            "--wppconnect-token",
            gateway.wpp_token,
        ],
    )
    running.start()
    try:
        yield running, giulia
    finally:
        running.kill()


def test_a_refused_reply_marks_its_row_names_the_customer_and_retry_resends_the_same_bubble(
    italian: None,
    qt_loop: object,
    qtbot: QtBot,
    tmp_path: Path,
    gateway: FakeGateway,
    desk: tuple[RestartableServer, Operator],
) -> None:
    running, giulia = desk
    client = make_client(running, giulia, tmp_path / "giulia.db")
    runner = TaskRunner()
    window = MainWindow(client, runner)
    qtbot.addWidget(window)
    alerts = ProfileAlerts(client)
    recording = RecordingDesk()
    alerts.attach(recording, on_screen=True)
    started = runner.run(client.start())
    qtbot.waitUntil(started.done, timeout=WAIT_MS)
    window.resize(1200, 700)
    window.show()
    qtbot.waitUntil(lambda: client.connection_state is ConnectionState.ONLINE, timeout=WAIT_MS)
    try:
        running.customer_writes_wpp("Mi mandate il preventivo?", name="Mario Rossi")
        model = window.conversations.model
        qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=WAIT_MS)
        conv = model.conversation_at(0)
        assert conv is not None and conv.title == "Mario Rossi"
        window.conversations.select_conversation(conv.id)
        thread = window.thread_pane.model
        qtbot.waitUntil(lambda: thread.rowCount() == 1, timeout=WAIT_MS)
        gateway.fail_next(1, 400)  # WPPConnect: the number cannot receive it

        type_and_send(window, qtbot, "Ecco il preventivo: 180 euro")

        def reply() -> Any:
            found = [m for m in thread_messages(window) if m.body.startswith("Ecco")]
            return found[0] if len(found) == 1 else None

        qtbot.waitUntil(
            lambda: reply() is not None and reply().status is DeliveryStatus.FAILED,
            timeout=WAIT_MS,
        )
        failed = reply()
        assert not failed.is_local and failed.client_id
        bubbles = thread.rowCount()
        assert bubbles == 2 and gateway.sent == []

        # The list row: the red mark and "Non inviato", whatever row is selected.
        qtbot.waitUntil(lambda: model.conversation_at(0).reply_failed, timeout=WAIT_MS)  # type: ignore[union-attr]
        row_text = model.index(0, 0).data(Qt.ItemDataRole.AccessibleTextRole)
        assert "risposta non inviata" in row_text
        assert red_pixels_in_row(window) > 40

        # The notification names the customer and says why, in the operator's words.
        # (The customer's own message may have been shown too: only the failure counts here.)
        def failures() -> list[NotificationView]:
            return [v for v in recording.shown if v.key.startswith("failed:")]

        qtbot.waitUntil(lambda: bool(failures()), timeout=WAIT_MS)
        (told,) = failures()
        assert told.title == "Messaggio non inviato a Mario Rossi"
        assert told.body == (
            "WhatsApp non l'ha accettato. Apri la conversazione per inviarlo di nuovo."
        )
        assert told.critical and not told.mark_read and told.key == f"failed:{conv.id}"

        # Retry, from the bubble's menu: the same bubble goes queued -> sent.
        statuses: list[DeliveryStatus] = []

        def follow(*_: object) -> None:
            now = reply()
            if now is not None and (not statuses or statuses[-1] is not now.status):
                statuses.append(now.status)

        thread.dataChanged.connect(follow)
        view = window.thread_pane.view
        index = thread.index(thread.row_of(failed.id), 0)  # type: ignore[arg-type]
        view.setCurrentIndex(index)
        retry = [
            a for a in view.build_context_menu(failed).actions() if a.text() == "Riprova a inviare"
        ]
        retry[0].trigger()

        qtbot.waitUntil(lambda: reply().status is DeliveryStatus.SENT, timeout=WAIT_MS)
        again = reply()
        assert (again.id, again.client_id) == (failed.id, failed.client_id)
        assert thread.rowCount() == bubbles and again.error is None
        assert statuses == [DeliveryStatus.QUEUED, DeliveryStatus.SENT]
        assert [m.body for m in gateway.sent] == ["Ecco il preventivo: 180 euro"]
        qtbot.waitUntil(lambda: not model.conversation_at(0).reply_failed, timeout=WAIT_MS)  # type: ignore[union-attr]
        assert [k for k in recording.withdrawn if k.startswith("failed:")] == [f"failed:{conv.id}"]
        assert len(failures()) == 1  # told once, not again when it went out
    finally:
        alerts.close()
        window.close()
        stopped = runner.run(client.stop())
        qtbot.waitUntil(stopped.done, timeout=WAIT_MS)


def red_pixels_in_row(window: MainWindow) -> int:
    """How many pixels of the first list row are the failed mark's red."""
    view = window.conversations.list_view
    rect = view.visualRect(view.model().index(0, 0))
    image = view.viewport().grab(rect).toImage()
    red = theme.FAILED.rgb()
    return sum(
        1 for x in range(image.width()) for y in range(image.height()) if image.pixel(x, y) == red
    )
