"""Status bar: connection state with a live retry countdown, server URL, missing features."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget

from sportello.client.changes import ConnectionState, MissingFeature
from sportello.ui import theme

_DOT = {
    ConnectionState.ONLINE: "#2f9e44",
    ConnectionState.CONNECTING: "#f0a000",
    ConnectionState.RECONNECTING: "#f0a000",
    ConnectionState.OFFLINE: "#868e96",
    ConnectionState.UNAUTHORIZED: "#d32f2f",
    ConnectionState.STOPPED: "#868e96",
}


class ConsoleStatusBar(QStatusBar):
    def __init__(self, server_url: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Status bar"))
        self.connection_label = QLabel(self)
        self.connection_label.setAccessibleName(self.tr("Connection state"))
        self.sync_label = QLabel(self)
        self.sync_label.setAccessibleName(self.tr("Synchronization"))
        self.sync_label.hide()
        self.url_label = QLabel(server_url, self)
        self.url_label.setAccessibleName(self.tr("Server address"))
        self.url_label.setStyleSheet(f"color: {theme.TEXT_MUTED.name()};")
        # The seed back end says only which operator types, never where.
        self.operators_typing_label = QLabel(self)
        self.operators_typing_label.setAccessibleName(self.tr("Operators typing"))
        self.operators_typing_label.setStyleSheet(f"color: {theme.TEXT_MUTED.name()};")
        self.operators_typing_label.hide()
        self.features_label = QLabel(self)
        self.features_label.setObjectName("missingFeatures")
        self.features_label.setAccessibleName(self.tr("Features this server lacks"))
        self.features_label.setStyleSheet(
            "QLabel#missingFeatures"
            " { color: #8a5a00; background: #fff4d6; padding: 1px 6px; border-radius: 3px; }"
        )
        self.features_label.hide()
        # Never let a long list widen the window: it clips, the tooltip has it all.
        self.features_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.addWidget(self.connection_label)
        self.addWidget(self.sync_label)
        self.addWidget(self.operators_typing_label)
        self.addWidget(self.features_label, 1)
        self.addPermanentWidget(self.url_label)
        self._state = ConnectionState.STOPPED
        self._retry_at: float | None = None
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._render)
        self._render()

    @property
    def connection_text(self) -> str:
        return self.connection_label.text()

    def set_server_url(self, url: str) -> None:
        self.url_label.setText(url)

    def set_connection(
        self, state: ConnectionState, detail: str = "", retry_in: float | None = None
    ) -> None:
        """Show the state in the operator's words; `detail` (English) is the client's log's."""
        del detail
        self._state = state
        self._retry_at = time.monotonic() + retry_in if retry_in is not None else None
        if self._retry_at is not None:
            self._countdown.start()
        else:
            self._countdown.stop()
        self._render()

    def set_syncing(self, syncing: bool) -> None:
        self.sync_label.setText(self.tr("Catching up…") if syncing else "")
        self.sync_label.setVisible(syncing)

    def set_operators_typing(self, who: tuple[str, ...]) -> None:
        """Operators of the back end writing, in no conversation it tells us (the seed's)."""
        names = ", ".join(self.tr("Operator %1").replace("%1", user_id) for user_id in who)
        if len(who) == 1:
            text = self.tr("%1 of this server is typing…").replace("%1", names)
        else:
            text = self.tr("%1 of this server are typing…").replace("%1", names)
        self.operators_typing_label.setText(text if who else "")
        self.operators_typing_label.setVisible(bool(who))

    def set_missing_features(self, missing: tuple[MissingFeature, ...]) -> None:
        if not missing:
            self.features_label.hide()
            return
        short = [self._short_name(feature) for feature in missing]
        self.features_label.setText(
            self.tr("Legacy server. Not available: %1.").replace("%1", ", ".join(short))
        )
        self.features_label.setToolTip("\n".join(self.tr(feature.english) for feature in missing))
        self.features_label.show()

    def _short_name(self, feature: MissingFeature) -> str:
        names = {
            "history_sync": self.tr("history sync"),
            "resume": self.tr("resume after reconnection"),
            "sending": self.tr("sending"),
            "ticket_edits": self.tr("ticket edits"),
            "search": self.tr("search"),
            "older_history": self.tr("older messages"),
        }
        return names.get(feature.key, self.tr(feature.english))

    def _render(self) -> None:
        state = self._state
        seconds = (
            max(0, round(self._retry_at - time.monotonic())) if self._retry_at is not None else None
        )
        if state is ConnectionState.ONLINE:
            text = self.tr("Online")
        elif state is ConnectionState.CONNECTING:
            text = self.tr("Connecting…")
        elif state is ConnectionState.RECONNECTING:
            text = (
                self.tr("Reconnecting in %1 s").replace("%1", str(seconds))
                if seconds
                else self.tr("Reconnecting…")
            )
        elif state is ConnectionState.OFFLINE:
            text = self.tr("Offline, showing cached data")
            if seconds:
                text += " · " + self.tr("next attempt in %1 s").replace("%1", str(seconds))
        elif state is ConnectionState.UNAUTHORIZED:
            text = self.tr("Not authorized: the access token was refused. Sign in again.")
        else:
            text = self.tr("Not connected")
        self.connection_label.setText(f"<span style='color:{_DOT[state]}'>●</span> {_escape(text)}")
        # The detail (why it is offline, in English) is in the log, not in the operator's way.
        self.connection_label.setToolTip(text)
        self.connection_label.setAccessibleDescription(text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
