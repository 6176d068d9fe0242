"""The profile switcher: a strip at the top of the console, one button per server profile.

Each button names the profile, its unread count (a green pill, like the conversation
list's; read aloud as "3 unread messages") and, by a coloured dot and the tooltip, whether
it is connected. The counts come from `ConnectedProfiles` and
change live, also for profiles in the background. Clicking another profile asks the app to
bring it to the foreground (`switch_requested`); the one on screen stays pressed.
Ctrl+1 … Ctrl+9 choose the first nine profiles from the keyboard, as in a browser's tabs.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QStyle,
    QStyleOptionToolButton,
    QStylePainter,
    QToolBar,
    QToolButton,
    QWidget,
)

from sportello.client.changes import ConnectionState
from sportello.ui import theme
from sportello.ui.background_profiles import ConnectedProfiles, ProfileActivity
from sportello.ui.preferences import ProfileKind, ProfileRecord

DOT_SIZE = 12
PILL_INSET = 7  # the pill starts this far inside the plain button's right padding
PILL_MARGIN = 6  # after the pill, to the button's edge

# Connection state -> dot colour; "" is a saved profile that is not connected in this run.
_COLOURS = {
    ConnectionState.ONLINE: "#2e9d4f",
    ConnectionState.CONNECTING: "#d99a1e",
    ConnectionState.RECONNECTING: "#d99a1e",
    ConnectionState.OFFLINE: "#c0392b",
    ConnectionState.UNAUTHORIZED: "#c0392b",
    ConnectionState.STOPPED: "#8a8f98",
}


def state_dot(state: ConnectionState | None) -> QIcon:
    """A filled dot in the state's colour; a hollow grey ring for "not connected"."""
    pixmap = QPixmap(DOT_SIZE * 2, DOT_SIZE * 2)  # drawn at 2x: crisp on HiDPI screens
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    inset = 5
    rect = pixmap.rect().adjusted(inset, inset, -inset, -inset)
    if state is None:
        pen = painter.pen()
        pen.setColor(QColor("#8a8f98"))
        pen.setWidth(3)
        painter.setPen(pen)
        painter.drawEllipse(rect)
    else:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(_COLOURS.get(state, "#8a8f98")))
        painter.drawEllipse(rect)
    painter.end()
    pixmap.setDevicePixelRatio(2.0)
    return QIcon(pixmap)


def badge_label(unread: int) -> str:
    return str(unread) if unread < 1000 else "999+"


class ProfileButton(QToolButton):
    """A tool button with an unread pill after its text (none at zero)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.unread = 0

    def set_unread(self, unread: int) -> None:
        if unread != self.unread:
            self.unread = unread
            self.updateGeometry()
            self.update()

    def _pill_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSizeF(max(font.pointSizeF() - 1.0, 7.0))
        return font

    def _pill_size(self) -> QSize:
        if self.unread == 0:
            return QSize(0, 0)
        metrics = QFontMetrics(self._pill_font())
        height = metrics.height() + 4
        return QSize(max(height, metrics.horizontalAdvance(badge_label(self.unread)) + 12), height)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        pill = self._pill_size()
        if pill.width():
            hint.setWidth(hint.width() - PILL_INSET + pill.width() + PILL_MARGIN)
        return hint

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionToolButton()
        self.initStyleOption(option)
        pill = self._pill_size()
        # The frame over the whole button, the dot and the name left of the pill.
        frame = QStyleOptionToolButton(option)
        frame.text = ""
        frame.icon = QIcon()
        painter.drawComplexControl(QStyle.ComplexControl.CC_ToolButton, frame)
        label = QStyleOptionToolButton(option)
        plain = super().sizeHint().width()  # the dot and the name, with their padding
        if pill.width():
            label.rect = QRect(option.rect.left(), option.rect.top(), plain, option.rect.height())
        painter.drawControl(QStyle.ControlElement.CE_ToolButtonLabel, label)
        if not pill.width():
            return
        top = option.rect.top() + (option.rect.height() - pill.height()) // 2
        rect = QRect(option.rect.left() + plain - PILL_INSET, top, pill.width(), pill.height())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.ACCENT)
        painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
        painter.setPen(QColor("#ffffff"))
        painter.setFont(self._pill_font())
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, badge_label(self.unread))


class ProfileSwitcher(QToolBar):
    """One checkable button per saved profile; shown when there is more than one."""

    switch_requested = Signal(str)  # profile name

    def __init__(
        self,
        window: QMainWindow,
        connected: ConnectedProfiles,
        profiles: list[ProfileRecord],
        current: str,
    ) -> None:
        super().__init__(window)
        self.connected = connected
        self.setObjectName("profile_switcher")
        self.setWindowTitle(self.tr("Server profiles"))
        self.setAccessibleName(self.tr("Server profiles"))
        self.setMovable(False)
        self.setFloatable(False)
        self.setIconSize(QSize(DOT_SIZE, DOT_SIZE))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggleViewAction().setVisible(False)  # not something to hide by mistake
        self.label = QLabel(self.tr("Servers:"), self)
        self.label.setContentsMargins(6, 0, 6, 0)
        self.addWidget(self.label)
        self.buttons: dict[str, ProfileButton] = {}
        self.shortcuts: list[QShortcut] = []
        self._records: list[ProfileRecord] = []
        self.current = current
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self)
        self.set_profiles(profiles, current)
        connected.changed.connect(self.refresh)

    def set_profiles(self, profiles: list[ProfileRecord], current: str) -> None:
        """Rebuild the buttons (a profile added or removed)."""
        self.current = current
        for action in self.actions():
            if self.widgetForAction(action) is not self.label:
                self.removeAction(action)
        for button in self.buttons.values():
            button.deleteLater()
        self.buttons.clear()
        for shortcut in self.shortcuts:
            shortcut.setEnabled(False)
            shortcut.deleteLater()
        self.shortcuts.clear()
        self._records = list(profiles)
        for record in self._records:
            button = ProfileButton(self)
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # reachable with Tab
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            name = record.name
            button.clicked.connect(lambda _checked=False, n=name: self._clicked(n))
            self.addWidget(button)
            self.buttons[name] = button
            if len(self._records) > 1 and len(self.shortcuts) < 9:
                keys = QKeySequence(f"Ctrl+{len(self.shortcuts) + 1}")
                shortcut = QShortcut(keys, self.parentWidget() or self)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.activated.connect(lambda n=name: self._clicked(n))
                self.shortcuts.append(shortcut)
        self.setVisible(len(self._records) > 1)
        self.refresh()

    def refresh(self) -> None:
        """Texts, dots and tooltips from the connected profiles' current counts."""
        for record in self._records:
            button = self.buttons.get(record.name)
            if button is None:
                continue
            activity = self.connected.activity(record.name)
            unread = activity.unread if activity is not None else 0
            title = self.display_name(record)
            button.setText(title)
            button.set_unread(unread)
            button.setIcon(state_dot(activity.state if activity is not None else None))
            font = QFont(button.font())
            font.setBold(unread > 0)
            button.setFont(font)
            button.setChecked(record.name == self.current)
            state_text = self.state_text(activity)
            tip = self.tr("%1: %2").replace("%1", title).replace("%2", state_text)
            index = list(self.buttons).index(record.name)
            if index < len(self.shortcuts):
                keys = self.shortcuts[index].key().toString(QKeySequence.SequenceFormat.NativeText)
                tip = f"{tip} ({keys})"
            button.setToolTip(tip)
            button.setAccessibleName(title)
            button.setAccessibleDescription(
                self.tr("%n unread message(s), %1", "", unread).replace("%1", state_text)
            )

    def display_name(self, record: ProfileRecord) -> str:
        if record.kind is ProfileKind.LOCAL:
            return self.tr("This computer")
        return record.name

    def state_text(self, activity: ProfileActivity | None) -> str:
        if activity is None:
            return self.tr("not connected")
        texts = {
            ConnectionState.ONLINE: self.tr("connected"),
            ConnectionState.CONNECTING: self.tr("connecting…"),
            ConnectionState.RECONNECTING: self.tr("reconnecting…"),
            ConnectionState.OFFLINE: self.tr("offline, retrying"),
            ConnectionState.UNAUTHORIZED: self.tr("signed out by the server"),
            ConnectionState.STOPPED: self.tr("not connected"),
        }
        text = texts.get(activity.state, activity.state.value)
        if activity.foreground:
            text = self.tr("%1, on screen").replace("%1", text)
        return text

    def button_text(self, name: str) -> str:
        """What the button shows, the badge written as "(3)": "Ufficio Milano (3)"."""
        button = self.buttons.get(name)
        if button is None:
            return ""
        if button.unread == 0:
            return button.text()
        return (
            self.tr("%1 (%2)")
            .replace("%1", button.text())
            .replace("%2", badge_label(button.unread))
        )

    def _clicked(self, name: str) -> None:
        button = self.buttons.get(name)
        if button is not None:
            button.setChecked(name == self.current)  # pressed = on screen, until it is
        if name != self.current:
            self.switch_requested.emit(name)


__all__ = ["ProfileSwitcher", "state_dot"]
