"""The `Desktop` followed by the alerts: a profile's alerts per connection, a desk per
console. Wiring (it knows the app object), so `ui/` does not have to.

`AlertsAttachment` makes a `ProfileAlerts` for every profile `ConnectedProfiles` holds and
keeps it while the profile stays connected (so its reminders and its gateway watch go on
across switches: one controller per client), and a `DesktopAlerts` desk for each console
the app opens, fed by all of them: the profile on screen drives the tray, the background
ones show through it under their names.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from sportello.app.desktop import Desktop
from sportello.client.api import SportelloClient
from sportello.ui.desktop_alerts import DesktopAlerts, install_desktop_alerts
from sportello.ui.main_window import MainWindow
from sportello.ui.profile_alerts import ProfileAlerts


class AlertsAttachment(QObject):
    """Follows the app's `Desktop`: a `ProfileAlerts` for each profile it connects (kept
    while it stays connected, so its reminders go on across switches), and a desk for each
    console it opens, fed by all of them."""

    def __init__(self, desktop: Desktop) -> None:
        super().__init__(desktop)
        self.desktop = desktop
        self.alerts: DesktopAlerts | None = None
        self.profiles: dict[str, ProfileAlerts] = {}
        self.server_status = ""
        self.server_down = ""  # why the local server is down, while it is
        desktop.console_opened.connect(self._opened)
        desktop.console_closed.connect(self._closed)
        desktop.local_server_changed.connect(self._server_changed)
        desktop.local_server_down.connect(self._server_down)
        connected = desktop.connected
        connected.added.connect(self._connected)
        connected.removed.connect(self._disconnected)
        for name in connected.names():
            self._connected(name)

    def _connected(self, name: str) -> None:
        client = self.desktop.connected.client(name)
        if client is None or name in self.profiles:
            return
        profile = ProfileAlerts(client, name, self)
        profile.open_requested.connect(
            lambda conversation_id: self.desktop.connected.request_open(name, conversation_id)
        )
        self.profiles[name] = profile
        if self.alerts is not None:
            self.alerts.attach(profile)

    def _disconnected(self, name: str) -> None:
        profile = self.profiles.pop(name, None)
        if profile is None:
            return
        profile.close()
        if self.alerts is not None:
            self.alerts.forget(profile)
        profile.deleteLater()

    def _opened(self, window: MainWindow, client: SportelloClient) -> None:
        self._closed()
        on_screen = self.profiles.get(client.profile.name)
        if on_screen is not None and on_screen.client is not client:
            on_screen = None  # not a connected profile's (the desk makes its own)
        desktop = self.desktop
        alerts = install_desktop_alerts(desktop.app, window, client, desktop.preferences, on_screen)
        alerts.quit_requested.connect(desktop.request_quit)
        alerts.tray.set_server_status(self.server_status)
        alerts.tray.set_server_down(bool(self.server_down))
        alerts.tray.restart_server_requested.connect(desktop.restart_local_server)
        for profile in self.profiles.values():
            if profile is not on_screen and profile.client is not client:
                alerts.attach(profile)
        alerts.other_unread = desktop.connected.background_unread
        desktop.connected.changed.connect(alerts.refresh_tray)
        self.alerts = alerts

    def _closed(self) -> None:
        alerts, self.alerts = self.alerts, None
        if alerts is not None:
            self.desktop.connected.changed.disconnect(alerts.refresh_tray)
            alerts.shutdown()
            alerts.deleteLater()

    def _server_changed(self, state: str, text: str) -> None:
        self.server_status = text
        back = state == "running" and bool(self.server_down)
        if state in ("running", "stopped"):
            self.server_down = ""
        if self.alerts is not None:
            self.alerts.tray.set_server_status(text)
            self.alerts.tray.set_server_down(bool(self.server_down))
            if back:
                self.alerts.local_server_back()

    def _server_down(self, text: str) -> None:
        told = bool(self.server_down)  # a failed "Restart" is the same outage: told once
        self.server_down = text
        if self.alerts is not None:
            self.alerts.tray.set_server_down(True)
            if not told:
                self.alerts.local_server_down(text)


def attach_desktop_alerts(desktop: Desktop) -> AlertsAttachment:
    """Wire tray, notifications and sound to the app's `Desktop` (see run.py)."""
    return AlertsAttachment(desktop)


__all__ = ["AlertsAttachment", "attach_desktop_alerts"]
