"""Colours and metrics shared by the delegates and widgets: one calm, readable palette."""

from __future__ import annotations

from PySide6.QtGui import QColor

from sportello.domain.values import Priority

ACCENT = QColor("#1f7a5c")  # unread time, badges, links
ACCENT_LIGHT = QColor("#e3f2ec")
TEXT = QColor("#1d2126")
TEXT_MUTED = QColor("#66707a")
DIVIDER = QColor("#e6e8eb")
SELECTION = QColor("#dcebf7")
HOVER = QColor("#f2f5f8")
LIST_BACKGROUND = QColor("#ffffff")
THREAD_BACKGROUND = QColor("#f1efe9")
BUBBLE_IN = QColor("#ffffff")
BUBBLE_OUT = QColor("#dcf4dc")
BUBBLE_BORDER = QColor("#d9dcd6")
BUBBLE_SELECTED_BORDER = QColor("#4a90d9")
TICK = QColor("#7d8790")
TICK_READ = QColor("#2b8ee0")
FAILED = QColor("#c62828")
FAILED_BACKGROUND = QColor("#fdecea")
TYPING = QColor("#1f7a5c")
SEPARATOR_BACKGROUND = QColor("#e1ecf2")
UNREAD_MARKER = QColor("#c77800")

# Chip colours: (background, text). URGENT and HIGH are loud on purpose; LOW stays quiet.
PRIORITY_COLORS: dict[Priority, tuple[QColor, QColor]] = {
    Priority.URGENT: (QColor("#d32f2f"), QColor("#ffffff")),
    Priority.HIGH: (QColor("#ef7d00"), QColor("#ffffff")),
    Priority.MEDIUM: (QColor("#e3e9f3"), QColor("#2c4a78")),
    Priority.LOW: (QColor("#eef0f2"), QColor("#7d8790")),
}

AVATAR_COLORS = (
    QColor("#5c7cfa"),
    QColor("#20a4a4"),
    QColor("#e8590c"),
    QColor("#7950f2"),
    QColor("#2f9e44"),
    QColor("#c2255c"),
    QColor("#1c7ed6"),
    QColor("#a0782a"),
)


def avatar_color(key: str) -> QColor:
    """A stable colour per contact, so the same customer always looks the same."""
    return AVATAR_COLORS[sum(key.encode()) % len(AVATAR_COLORS)]


def initials(name: str) -> str:
    words = [w for w in name.replace("+", " ").split() if w]
    if not words:
        return "?"
    if words[0][0].isdigit():
        return "#"
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[1][0]).upper()
