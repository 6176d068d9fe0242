"""The Connect WhatsApp panel: the QR code to scan with the office phone, until it is linked.

It shows what the server says of the line (client/line_state.py), and nothing else: the
QR code, large and crisp, with the steps to follow on the phone; the code to type when
WhatsApp asks for one; "Connected" with the number once linked; what is wrong otherwise,
with "New code" when the session closed (a QR not scanned in time, a phone that unlinked
it). Only administrators see the code: whoever scans it owns the office's number; other
operators are told to ask one. Reading the line and asking for a new code run as tasks,
so the window never waits.

Shown in local mode's first run, from Settings, from the status bar while a gateway is
down, and again by itself when the phone unlinks (ui/line_prompt.py).
"""

from __future__ import annotations

import base64
import binascii
import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QImage, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sportello.client.changes import (
    ConnectionState,
    ConnectionStateChanged,
    LineChanged,
    OwnRoleChanged,
    StateChange,
)
from sportello.client.errors import ClientError
from sportello.client.line_info import LineInfo, LineStatus
from sportello.client.line_state import WhatsAppLine, may_connect_line
from sportello.client.state import ClientState
from sportello.ui import theme
from sportello.ui.error_texts import error_code, reason
from sportello.ui.line_texts import (
    LineWords,
    Tone,
    ask_admin_words,
    line_words,
    loading_words,
    not_offered_words,
    read_receipts_advice,
    unreadable_words,
)
from sportello.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

QR_SIDE = 300  # logical pixels the code aims at: big enough to scan from a phone at arm's length
_TONE_COLOURS = {
    Tone.OK: "#1f7a4d",
    Tone.WAIT: "#5c6670",
    Tone.ACT: "#1d4f91",
    Tone.ERROR: "#b42318",
}
_GLYPHS = {Tone.OK: "✓", Tone.WAIT: "…", Tone.ACT: "↻", Tone.ERROR: "⚠"}


def qr_pixmap(data_url: str, side: int, device_ratio: float = 1.0) -> QPixmap | None:
    """The QR code of a data URL at about `side` pixels, every module the same whole number
    of pixels: a smoothed or uneven scale blurs the edges a phone's camera looks for."""
    _, _, payload = data_url.partition(",")
    try:
        raw = base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        return None
    image = QImage()
    if not raw or not image.loadFromData(raw):
        return None
    physical = max(1, round(side * device_ratio))
    natural = max(image.width(), image.height())
    modules = _module_count(image)
    if modules is not None and physical >= modules:
        # Nearest-neighbour from N*a to N*b pixels maps module j onto pixels j*b..(j+1)*b.
        size = modules * (physical // modules)
    else:
        size = natural * max(1, physical // natural)
    if size != natural:
        image = image.scaled(
            size,
            size,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation,
        )
    pixmap = QPixmap.fromImage(image)
    pixmap.setDevicePixelRatio(device_ratio)
    return pixmap


def _module_count(image: QImage) -> int | None:
    """Modules across the code, quiet zone included, read from the top-left finder square
    (7 modules wide); None when the image does not look like a square QR code."""
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width = grey.width()
    if width != grey.height() or width < 21:
        return None
    for y in range(width // 2):
        dark = [x for x in range(width // 2) if grey.pixelColor(x, y).value() < 128]
        if not dark:
            continue
        start = dark[0]
        run = 0
        while start + run < width and grey.pixelColor(start + run, y).value() < 128:
            run += 1
        module = run / 7
        count = width / module if module >= 1 else 0
        if module >= 1 and abs(count - round(count)) < 0.01 and round(count) >= 21:
            return round(count)
        return None
    return None


class ConnectWhatsAppPanel(QWidget):
    """The line's state, its QR code and "New code", redrawn from the client's state."""

    def __init__(
        self,
        line: WhatsAppLine,
        state: ClientState,
        runner: TaskRunner | None = None,
        *,
        local: bool = False,
        gateway_url: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.line = line
        self.state = state
        self.runner = runner or TaskRunner(self)
        self.local = local
        self.gateway_url = gateway_url
        self._problem: ClientError | None = None  # why the line could not be read
        self._reading = False
        self._starting = False

        title = QLabel(self.tr("Connect WhatsApp"), self)
        title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.picture = QLabel(self)
        self.picture.setObjectName("lineQr")
        self.picture.setAccessibleName(self.tr("QR code to scan with the office phone"))
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setFixedSize(QR_SIDE + 24, QR_SIDE + 24)
        self.headline = self._label("lineHeadline", self.tr("WhatsApp line"))
        self.steps = self._label("lineSteps", self.tr("Steps on the office phone"))
        self.steps.setTextFormat(Qt.TextFormat.RichText)
        self.code = self._label("linePhoneCode", self.tr("Code to type on the phone"))
        code_font = QFont(self.code.font())
        code_font.setPointSize(26)
        code_font.setBold(True)
        code_font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 4)
        self.code.setFont(code_font)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.number = self._label("lineNumber", self.tr("The linked WhatsApp number"))
        self.number.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explanation = self._label("lineExplanation", self.tr("What it means"))
        self.new_code = QPushButton(self.tr("New code"), self)
        self.new_code.setAccessibleName(self.tr("Ask for a new QR code"))
        self.new_code.clicked.connect(self.ask_new_code)
        self.new_code.setObjectName("lineNewCode")
        self.new_code.setStyleSheet(
            "QPushButton#lineNewCode { color: #ffffff; background: #1d4f91; border: none;"
            " border-radius: 4px; padding: 7px 18px; font-weight: bold; font-size: 11pt; }"
            " QPushButton#lineNewCode:hover { background: #163d70; }"
            " QPushButton#lineNewCode:disabled { background: #8a9bb5; }"
        )
        self.error = self._label("lineError", self.tr("Error"))
        self.error.setStyleSheet(
            "color: #9b1c1c; background: #fdecec; padding: 6px 8px; border-radius: 4px;"
        )
        self.error.hide()
        self.steps.setStyleSheet("font-size: 11pt;")
        self.explanation.setStyleSheet("font-size: 10pt;")
        self.advice = self._label("lineAdvice", self.tr("WPPConnect configuration advice"))
        self.advice.setText(read_receipts_advice())
        self.advice.setStyleSheet(f"color: {theme.TEXT_MUTED.name()}; font-size: 9pt;")

        text = QVBoxLayout()
        text.setSpacing(10)
        text.addWidget(self.headline)
        text.addWidget(self.number)
        text.addWidget(self.steps)
        text.addWidget(self.code)
        text.addWidget(self.explanation)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_code)
        buttons.addStretch(1)
        text.addLayout(buttons)
        text.addWidget(self.error)
        text.addStretch(1)
        row = QHBoxLayout()
        row.setSpacing(20)
        row.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignTop)
        row.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(row)
        layout.addWidget(self.advice)
        self.setMinimumWidth(720)
        unsubscribe = state.subscribe(self._on_change)
        self.destroyed.connect(lambda _obj=None: unsubscribe())  # no call into a deleted widget
        self.redraw()

    def _label(self, name: str, accessible: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setAccessibleName(accessible)
        label.setWordWrap(True)
        return label

    # ---- what to show -------------------------------------------------------------------

    @property
    def may_connect(self) -> bool:
        return may_connect_line(self.state.own_role)

    def words(self) -> LineWords:
        """What the panel says now."""
        info = self.line.info
        refused = self._problem is not None and error_code(self._problem) == "forbidden"
        if refused or (self.state.own_role is not None and not self.may_connect):
            return ask_admin_words()
        if info is not None:
            return line_words(
                info, local=self.local, gateway_url=self.gateway_url, was_linked=self.line.lost_link
            )
        if self.line.offered is False:
            return not_offered_words()
        if self._problem is not None:
            return unreadable_words(reason(self._problem))
        return loading_words()

    def redraw(self) -> None:
        words = self.words()
        info = self.line.info if self.may_connect else None
        status = info.status if info is not None else None
        colour = _TONE_COLOURS[words.tone]
        self.headline.setText(words.headline)
        self.headline.setStyleSheet(f"font-size: 14pt; font-weight: bold; color: {colour};")
        self.steps.setText(
            "".join(
                f"<p style='margin: 0 0 6px 0'><b>{n}.</b> {_escape(step)}</p>"
                for n, step in enumerate(words.steps, 1)
            )
        )
        self.steps.setVisible(bool(words.steps))
        self.number.setText(words.number)
        self.number.setVisible(bool(words.number))
        self.explanation.setText(words.explanation)
        self.explanation.setVisible(bool(words.explanation))
        self.code.setText((info.phone_code or "") if info is not None else "")
        self.code.setVisible(status is LineStatus.PHONECODE and bool(self.code.text()))
        self.new_code.setVisible(status is LineStatus.CLOSED)
        self.new_code.setEnabled(not self._starting)
        self.new_code.setText(
            self.tr("Asking for a new code…") if self._starting else self.tr("New code")
        )
        self.advice.setVisible(info is not None and info.gateway == "wppconnect")
        self._render_picture(info, words)

    def _render_picture(self, info: LineInfo | None, words: LineWords) -> None:
        qr = qr_pixmap(info.qr, QR_SIDE, self.devicePixelRatioF()) if info and info.qr else None
        if qr is not None:
            self.picture.setPixmap(qr)
            self.picture.setStyleSheet("background: #ffffff; border: 1px solid #d0d7de;")
            return
        self.picture.setPixmap(QPixmap())
        self.picture.setText(_GLYPHS[words.tone])
        colour = _TONE_COLOURS[words.tone]
        self.picture.setStyleSheet(
            f"color: {colour}; background: #f6f8fa; font-size: 96pt; border-radius: 12px;"
        )

    # ---- actions ------------------------------------------------------------------------

    def read_line(self) -> None:
        """Ask the server for the line (when shown and nothing is known yet)."""
        if self._reading or not self.may_connect:
            return
        self._reading = True

        def done(_info: LineInfo | None) -> None:
            self._reading = False
            self._problem = None
            self.redraw()

        def failed(error: ClientError) -> None:
            self._reading = False
            self._problem = error
            self.redraw()

        self.runner.run(self.line.refresh(), on_done=done, on_error=failed)

    def ask_new_code(self) -> None:
        """ "New code": the server starts the session again, and a new QR code follows."""
        if self._starting:
            return
        self._starting = True
        self.error.hide()

        def done(_info: LineInfo | None) -> None:
            self._starting = False
            self.redraw()

        def failed(error: ClientError) -> None:
            self._starting = False
            self.error.setText(
                self.tr("A new code cannot be asked for: %1.").replace("%1", reason(error))
            )
            self.error.show()
            self.redraw()

        self.redraw()
        self.runner.run(self.line.start(), on_done=done, on_error=failed)

    # ---- changes ------------------------------------------------------------------------

    def _on_change(self, change: StateChange) -> None:
        if isinstance(change, LineChanged):
            self._problem = None
            self.error.hide()
            self.redraw()
        elif isinstance(change, OwnRoleChanged):
            self.redraw()
            if self.isVisible() and self.line.info is None:
                self.read_line()
        elif (
            isinstance(change, ConnectionStateChanged)
            and change.state is ConnectionState.ONLINE
            and self.isVisible()
            and self.line.info is None
        ):
            self.read_line()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.line.info is None and self.state.connection_state is ConnectionState.ONLINE:
            self.read_line()


class ConnectWhatsAppDialog(QDialog):
    """The panel in a window of its own, over the console (modeless)."""

    def __init__(
        self,
        line: WhatsAppLine,
        state: ClientState,
        runner: TaskRunner | None = None,
        *,
        local: bool = False,
        gateway_url: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Sportello: connect WhatsApp"))
        self.panel = ConnectWhatsAppPanel(
            line, state, runner, local=local, gateway_url=gateway_url, parent=self
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        layout.addWidget(buttons)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
