"""The notifier interface shared by the D-Bus, tray-balloon and in-app toast back ends."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

ACTION_OPEN = "open"
ACTION_MARK_READ = "mark-read"
ACTION_DEFAULT = "default"  # a click on the notification itself: the same as "open"


@dataclass(frozen=True, slots=True)
class NotificationView:
    """A notification ready to show: texts already translated."""

    key: str
    title: str
    body: str
    critical: bool
    icon: Path | None
    open_label: str  # "Apri"
    mark_read_label: str  # "Segna come letto"
    mark_read: bool = True  # offer "Segna come letto" (not on a gateway warning)
    category: str = "im.received"  # the freedesktop category hint


class Notifier(QObject):
    """Shows and withdraws notifications; reports what the operator did with them."""

    open_requested = Signal(str)  # key
    mark_read_requested = Signal(str)  # key
    closed = Signal(str)  # key: dismissed by the operator (or expired)
    shown = Signal(str)  # key: the desktop accepted it (for tests and the latency bench)

    name = "none"

    def show(self, view: NotificationView) -> None:
        raise NotImplementedError

    def withdraw(self, key: str) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Release what the notifier holds (connections, timers). Idempotent."""
