"""SignalWakeup: a real SIGTERM to this process reaches the Qt loop as `received`, inside a
dialog's nested loop too, and after another library took the process's wakeup fd."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSocketNotifier, QTimer
from PySide6.QtWidgets import QDialog

from sportello.desktop.signal_wakeup import SignalWakeup


@pytest.fixture
def wakeup(qapp: object) -> Iterator[SignalWakeup]:
    before = signal.getsignal(signal.SIGTERM)
    watcher = SignalWakeup()
    try:
        yield watcher
    finally:
        watcher.close()
    assert signal.getsignal(signal.SIGTERM) is before  # put back as it was


def test_a_signal_during_a_modal_dialog_reaches_the_loop_inside_it(wakeup, qtbot):
    dialog = QDialog()
    got: list[int] = []

    def received(signum: int) -> None:
        got.append(signum)
        dialog.reject()  # what the app's quit does to an open dialog

    wakeup.received.connect(received)
    QTimer.singleShot(0, lambda: os.kill(os.getpid(), signal.SIGTERM))
    dialog.exec()  # a nested event loop, as a modal dialog runs
    assert got == [signal.SIGTERM]


def test_a_signal_still_arrives_after_another_library_took_the_wakeup_fd(wakeup, qtbot):
    # What asyncio's add_signal_handler does: its own socket as the process's wakeup fd,
    # read by its own reader.
    theirs, their_writer = socket.socketpair()
    theirs.setblocking(False)
    their_writer.setblocking(False)
    reader = QSocketNotifier(theirs.fileno(), QSocketNotifier.Type.Read)
    reader.activated.connect(lambda: theirs.recv(512))
    ours = signal.set_wakeup_fd(their_writer.fileno())
    try:
        with qtbot.waitSignal(wakeup.received, timeout=10_000) as caught:
            os.kill(os.getpid(), signal.SIGTERM)
        assert caught.args == [signal.SIGTERM]
    finally:
        signal.set_wakeup_fd(ours)
        reader.setEnabled(False)
        theirs.close()
        their_writer.close()
