"""Centre pane: who we are talking to, the messages, who is typing, and the reply box."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from sportello.client.records import Conversation
from sportello.client.state import ClientState
from sportello.ui import labels, theme
from sportello.ui.composer import Composer
from sportello.ui.thread_model import ThreadModel
from sportello.ui.thread_view import ThreadView


class ThreadPane(QWidget):
    def __init__(self, state: ClientState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Conversation"))
        self._state = state
        self.model = ThreadModel(state, self)
        self.view = ThreadView(self.model, self)
        self.composer = Composer(self)

        header = QFrame(self)
        header.setObjectName("threadHeader")
        header.setStyleSheet(
            f"QFrame#threadHeader {{ background: #ffffff; border-bottom: 1px solid"
            f" {theme.DIVIDER.name()}; }}"
        )
        self.title = QLabel(header)
        self.title.setAccessibleName(self.tr("Contact name"))
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setStyleSheet("font-size: 12pt; font-weight: bold;")
        self.subtitle = QLabel(header)
        self.subtitle.setAccessibleName(self.tr("Contact phone number"))
        self.subtitle.setTextFormat(Qt.TextFormat.PlainText)
        self.subtitle.setStyleSheet(f"color: {theme.TEXT_MUTED.name()};")
        head = QVBoxLayout(header)
        head.setContentsMargins(14, 8, 14, 8)
        head.setSpacing(0)
        head.addWidget(self.title)
        head.addWidget(self.subtitle)

        self.typing = QLabel(self)
        self.typing.setObjectName("typingIndicator")
        self.typing.setAccessibleName(self.tr("Typing indicator"))
        self.typing.setStyleSheet(
            f"QLabel#typingIndicator {{ color: {theme.TYPING.name()}; font-style:"
            f" italic; padding: 2px 14px; background: {theme.THREAD_BACKGROUND.name()}; }}"
        )
        self.typing.setFixedHeight(22)
        self.loading = QLabel(self.tr("Loading older messages…"), self)
        self.loading.setAccessibleName(self.tr("Loading older messages"))
        self.loading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.loading.setWordWrap(True)
        # A long error must wrap, never widen the window.
        self.loading.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.loading.setStyleSheet(
            f"color: {theme.TEXT_MUTED.name()}; background:"
            f" {theme.THREAD_BACKGROUND.name()}; padding: 3px;"
        )
        self.loading.hide()

        conversation_page = QWidget(self)
        page = QVBoxLayout(conversation_page)
        page.setContentsMargins(0, 0, 0, 0)
        page.setSpacing(0)
        page.addWidget(header)
        page.addWidget(self.loading)
        page.addWidget(self.view, 1)
        page.addWidget(self.typing)
        page.addWidget(self.composer)

        self.placeholder = QLabel(
            self.tr(
                "Choose a conversation on the left.\n\n"
                "Ctrl+K searches, Alt+Up and Alt+Down move between conversations, "
                "Ctrl+Shift+U jumps to the next unread one."
            ),
            self,
        )
        self.placeholder.setAccessibleName(self.tr("No conversation open"))
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet(
            f"color: {theme.TEXT_MUTED.name()}; background:"
            f" {theme.THREAD_BACKGROUND.name()}; padding: 40px;"
        )
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(conversation_page)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.show_conversation(None)

    def show_conversation(self, conv: Conversation | None) -> None:
        self.stack.setCurrentIndex(0 if conv is None else 1)
        if conv is None:
            return
        self.loading.hide()
        self.title.setText(conv.title or conv.phone or "")
        details = [conv.phone or ""]
        if conv.is_group:
            details.append(self.tr("Group chat"))
        self.subtitle.setText("  ·  ".join(d for d in details if d))
        self.show_typing(conv)

    def show_typing(self, conv: Conversation) -> None:
        customers = [who for who in conv.typing if who == conv.phone or who.startswith("+")]
        colleagues = [who for who in conv.typing if who not in customers]
        if customers:
            text = self.tr("%1 is typing…").replace("%1", conv.title or conv.phone or "")
        elif colleagues:
            text = self.tr("A colleague is writing a reply…")
        else:
            text = ""
        self.typing.setText(text)

    def set_loading_older(self, loading: bool) -> None:
        self.loading.setText(self.tr("Loading older messages…"))
        self.loading.setVisible(loading)
        self.view.set_loading_older(loading)


def conversation_heading(conv: Conversation) -> str:
    return conv.title or conv.phone or labels.tr("Unknown contact")
