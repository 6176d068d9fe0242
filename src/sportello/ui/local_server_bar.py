"""The red bar across the console while the local server is down, with "Restart the server".

Shown by the app (app.py) when its supervisor gave up restarting the server: nothing
receives the gateway's webhooks until the operator acts, so it stays in view (not a status
bar message that scrolls away). Hidden again once the server runs.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from sportello.ui import theme


class LocalServerDownBar(QFrame):
    """Says why the local server is down; its button asks to start it again."""

    restart_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("localServerDown")
        self.setAccessibleName(self.tr("Local server down"))
        self.setStyleSheet(
            f"QFrame#localServerDown {{ background: {theme.FAILED.name()}; }}"
            " QFrame#localServerDown QLabel { color: white; font-weight: bold; }"
        )
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.restart_button = QPushButton(self.tr("Restart the server"), self)
        self.restart_button.clicked.connect(self._restart)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 6, 14, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.restart_button)
        self.hide()

    @staticmethod
    def down_text(port_in_use: int | None, log_path: str) -> str:
        """Why it is down and what to do, in the operator's language (the supervisor's
        English detail stays in the log): the bar's and the notification's sentence."""
        if port_in_use is not None:
            text = QCoreApplication.translate(
                "LocalServerDownBar",
                "The local server is down: port %1 is used by another program. Close that "
                "program, then restart the server.",
            )
            return text.replace("%1", str(port_in_use))
        text = QCoreApplication.translate(
            "LocalServerDownBar",
            "The local server is down: it stopped and restarting it did not help. Its log "
            "says why: %1",
        )
        return text.replace("%1", log_path)

    def show_down(self, text: str) -> None:
        """The server is down: say why, offer the restart."""
        self.text.setText(text)
        self.restart_button.setEnabled(True)
        self.show()

    def show_starting(self) -> None:
        """A restart is under way: no second click while it starts."""
        self.text.setText(self.tr("Starting the local server…"))
        self.restart_button.setEnabled(False)

    def _restart(self) -> None:
        self.show_starting()
        self.restart_requested.emit()
