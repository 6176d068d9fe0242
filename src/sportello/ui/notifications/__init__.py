"""Desktop notifications: one interface, three ways to show them.

- `freedesktop.FreedesktopNotifier`: Linux, org.freedesktop.Notifications on the session
  bus, with actions (Apri / Segna come letto) and urgency;
- `balloon.TrayBalloonNotifier`: Windows and macOS, the tray icon's own notification API;
- `toast.ToastNotifier`: an in-app toast in the main window when neither exists.

Every notifier shows a `NotificationView` under a key: showing the same key again
replaces the notification in place (a burst from one contact stays one notification).
"""

from __future__ import annotations

from sportello.ui.notifications.base import NotificationView, Notifier

__all__ = ["NotificationView", "Notifier"]
