"""The console's main window: conversation list, thread, ticket pane, status bar.

It owns no facts: everything shown comes from `client.state` and its changes; every
action is a client coroutine started through the TaskRunner, so the UI thread never waits.
The ticket pane's side (which ticket it shows, the ticket commands) is `TicketController`
(ticket_controller.py); this window follows the open conversation and tells it.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QSplitter, QVBoxLayout, QWidget

from sportello.client.changes import (
    ConnectionState,
    ConnectionStateChanged,
    ConversationChanged,
    DeskSettingsChanged,
    OperatorsTypingChanged,
    OwnRoleChanged,
    ProfileChanged,
    StateChange,
    SyncStateChanged,
    ThreadOpened,
    TicketChanged,
)
from sportello.client.errors import ClientError
from sportello.client.features import SENDING
from sportello.client.records import Conversation, Message, SearchHit, Ticket
from sportello.domain.permissions import DeskAction, allowed
from sportello.ui import labels
from sportello.ui.client_port import ConsoleClient
from sportello.ui.conversation_pane import ConversationPane
from sportello.ui.desk_awareness_view import DeskAwarenessView
from sportello.ui.error_texts import reason, sentence
from sportello.ui.line_prompt import LinePrompt
from sportello.ui.status_bar import ConsoleStatusBar
from sportello.ui.tasks import TaskRunner
from sportello.ui.thread_pane import ThreadPane
from sportello.ui.ticket_controller import TicketController
from sportello.ui.ticket_pane import TicketPane

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    # "Connect WhatsApp" beside the composer's "replies cannot go out": the app opens
    # where the line is connected (app/desktop.py).
    connect_whatsapp_requested = Signal()

    def __init__(self, client: ConsoleClient, runner: TaskRunner | None = None) -> None:
        super().__init__()
        self.client = client
        self.state = client.state
        self.runner = runner or TaskRunner(self)
        self.setWindowTitle(self.tr("Sportello"))
        self.setAccessibleName(self.tr("Sportello console"))
        self.resize(1280, 800)

        self.conversations = ConversationPane(self.state, self)
        self.thread_pane = ThreadPane(self.state, self)
        self.ticket_pane = TicketPane(self.state.own_user_id, self)
        self.status = ConsoleStatusBar(client.profile.url, self)
        self.setStatusBar(self.status)
        self.tickets = TicketController(
            client,
            self.ticket_pane,
            self.thread_pane.view,
            self.conversations,
            self.status,
            self.runner,
            lambda: self._open_id,
            self,
        )
        # Presence, the 24-hour window and gateway health, beside the messages.
        self.awareness_view = DeskAwarenessView(
            self.state,
            client.awareness,
            self.thread_pane,
            self.status,
            on_block_changed=lambda: self._update_composer(),
        )
        self.thread_pane.composer.send_guard = self.awareness_view.confirm_send
        # The Connect WhatsApp window, and its button beside the gateway-down warning.
        self.line_prompt = LinePrompt(self, client, self.runner, self.status)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.conversations)
        splitter.addWidget(self.thread_pane)
        splitter.addWidget(self.ticket_pane)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 0)
        splitter.setSizes([380, 720, 320])
        self.conversations.setMinimumWidth(300)
        self.ticket_pane.setMinimumWidth(250)
        central = QWidget(self)
        # Bars across the top of the panes (the local server being down): `add_bar`.
        self._bars = QVBoxLayout(central)
        self._bars.setContentsMargins(0, 0, 0, 0)
        self._bars.setSpacing(0)
        self._bars.addWidget(splitter, 1)
        self.setCentralWidget(central)

        self._open_id: str | None = None
        self._drafts: dict[str, str] = {}
        self._marking = False

        self.conversations.conversation_chosen.connect(self.open_conversation)
        self.conversations.conversation_activated.connect(lambda _id: self.focus_composer())
        self.conversations.search_requested.connect(self._search)
        self.thread_pane.view.older_wanted.connect(self._load_older)
        self.thread_pane.view.retry_requested.connect(self.retry)
        self.thread_pane.view.create_ticket_requested.connect(self.tickets.create_ticket)
        self.thread_pane.composer.send_requested.connect(self.send)
        self.thread_pane.composer.typing_started.connect(self._typing_started)
        self.thread_pane.composer.typing_stopped.connect(self._typing_stopped)
        self.thread_pane.composer.connect_requested.connect(self.connect_whatsapp_requested)
        self.ticket_pane.update_requested.connect(self.tickets.update_ticket)
        self.ticket_pane.create_requested.connect(self.tickets.create_from_selection)
        self.ticket_pane.ticket_selected.connect(self.tickets.show_other_ticket)
        self.runner.failed.connect(lambda text: self.status.showMessage(text, 10_000))

        self._install_shortcuts()
        self._unsubscribe = self.state.subscribe(self._on_change)
        self._render_connection()
        self._update_permissions()
        self.status.set_operators_typing(tuple(sorted(self.state.operators_typing)))
        self.status.set_missing_features(self.state.missing_features)
        self._update_composer()
        if self.state.connection_state is ConnectionState.ONLINE:
            # A client already connected (a profile brought back from the background)
            # sends no "online" change: load what that change would have loaded.
            QTimer.singleShot(0, self.tickets.load_operators)

    def add_bar(self, bar: QWidget) -> None:
        """Put a full-width bar above the panes (it shows and hides itself)."""
        self._bars.insertWidget(self._bars.count() - 1, bar)

    # ---- keyboard -----------------------------------------------------------------------

    def _install_shortcuts(self) -> None:
        bindings = [
            ("Ctrl+K", self.conversations.focus_search),
            ("Alt+Up", lambda: self.conversations.step(-1)),
            ("Alt+Down", lambda: self.conversations.step(1)),
            ("Ctrl+Shift+U", self.conversations.next_unread),
            ("Esc", self.back_to_list),
            ("Ctrl+E", self.focus_composer),
            (
                "Ctrl+T",
                lambda: self.ticket_pane.status_combo.setFocus(Qt.FocusReason.ShortcutFocusReason),
            ),
        ]
        self.shortcuts: dict[str, QShortcut] = {}
        for keys, slot in bindings:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts[keys] = shortcut

    def back_to_list(self) -> None:
        if self.conversations.searching or self.conversations.search.hasFocus():
            self.conversations.leave_search()
        else:
            self.conversations.list_view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_composer(self) -> None:
        if self._open_id is not None and self.thread_pane.composer.blocked_reason is None:
            self.thread_pane.composer.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # ---- opening and reading ------------------------------------------------------------

    def open_conversation(self, conversation_id: str) -> None:
        if conversation_id == self._open_id:
            return
        if self._open_id is not None:
            self._drafts[self._open_id] = self.thread_pane.composer.text()
            self._typing_stopped()
        self._open_id = conversation_id
        unread = self.state.unread_ids(conversation_id)
        self._first_unread = unread[0] if unread else None
        conv = self.state.conversation(conversation_id)
        self.thread_pane.show_conversation(conv)
        self.thread_pane.composer.set_text(self._drafts.pop(conversation_id, ""))
        self._update_composer()
        self.tickets.show_conversation(conv)
        if self.conversations.current_id != conversation_id:
            self.conversations.select_conversation(conversation_id, emit=False)
        self.runner.run(self.client.open_thread(conversation_id))
        self.awareness_view.show_conversation(conversation_id)
        self.runner.run(self.client.awareness.view(conversation_id), on_error=lambda e: None)

    def _thread_opened(self, change: ThreadOpened) -> None:
        if change.conversation_id != self._open_id:
            return
        if self._first_unread and self.thread_pane.model.row_of(self._first_unread) is not None:
            self.thread_pane.model.set_unread_marker(self._first_unread)
            self.thread_pane.view.scroll_to_message(self._first_unread)
        self._mark_read_if_reading()

    def _mark_read_if_reading(self) -> None:
        """Reading means: this conversation is open in the active window."""
        conv_id = self._open_id
        if conv_id is None or self._marking or not self.isActiveWindow():
            return
        conv = self.state.conversation(conv_id)
        if conv is None or conv.unread_count == 0:
            return
        self._marking = True

        def done(_: object = None) -> None:
            self._marking = False

        def failed(error: ClientError) -> None:
            self._marking = False
            log.info("mark as read failed: %s", error)

        self.runner.run(self.client.mark_read(conv_id), on_done=done, on_error=failed)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self._mark_read_if_reading()

    def _load_older(self) -> None:
        conv_id = self._open_id
        if conv_id is None:
            self.thread_pane.set_loading_older(False)
            return
        self.thread_pane.set_loading_older(True)

        def done(_count: int) -> None:
            self.thread_pane.set_loading_older(False)

        def failed(error: ClientError) -> None:
            self.thread_pane.loading.setText(
                self.tr("Older messages cannot be loaded right now. Scroll up again to retry.")
            )
            self.thread_pane.loading.setToolTip(sentence(reason(error)))
            # Do not ask again at once: the next scroll to the top retries.
            QTimer.singleShot(5000, lambda: self.thread_pane.view.set_loading_older(False))

        self.runner.run(self.client.load_older(conv_id), on_done=done, on_error=failed)

    # ---- sending ------------------------------------------------------------------------

    def send(self, text: str) -> None:
        conv_id = self._open_id
        if conv_id is None:
            return

        def failed(error: ClientError) -> None:
            # Nothing typed is lost: put the text back where the operator left it.
            if self._open_id == conv_id and not self.thread_pane.composer.text():
                self.thread_pane.composer.set_text(text)
            else:
                self._drafts[conv_id] = text
            self.status.showMessage(self.tr("Not sent: %1.").replace("%1", reason(error)), 10_000)

        self.runner.run(self.client.send_message(conv_id, text), on_error=failed)

    def retry(self, message: Message) -> None:
        def failed(error: ClientError) -> None:
            self.status.showMessage(
                self.tr("Retry failed: %1.").replace("%1", reason(error)), 10_000
            )

        self.runner.run(self.client.retry(message), on_error=failed)

    def _typing_started(self) -> None:
        if self._open_id is not None:
            self.runner.run(self.client.typing(self._open_id), on_error=lambda e: None)

    def _typing_stopped(self) -> None:
        if self._open_id is not None:
            self.runner.run(self.client.stop_typing(self._open_id), on_error=lambda e: None)

    def composer_block_reason(self) -> str | None:
        """Why the open conversation cannot be answered; None when it can (offline can)."""
        if self._open_id is None:
            return self.tr("Choose a conversation to reply.")
        if any(f.key == SENDING.key for f in self.state.missing_features):
            return self.tr(
                "This server cannot send messages: it is the legacy back end. Reply"
                " from its web page."
            )
        if self.state.connection_state is ConnectionState.UNAUTHORIZED:
            return self.tr(
                "The server refused this console's access token. Sign in again to reply."
            )
        conv = self.state.conversation(self._open_id)
        if conv is not None and conv.is_group:
            return self.tr("Group chats are read-only in Sportello. Reply from the phone.")
        return self.awareness_view.block_reason()

    def _update_composer(self) -> None:
        reason = self.composer_block_reason()
        # "Connect WhatsApp" only beside the reason it fixes, and for whoever may use it.
        view = self.awareness_view
        cannot_send = reason is not None and reason == view.sending_block()
        self.thread_pane.composer.set_blocked(
            reason, alert=cannot_send, connect=cannot_send and view.may_connect()
        )
        self.tickets.update_editable()

    # ---- search -------------------------------------------------------------------------

    def _search(self, query: str) -> None:
        def done(hits: list[SearchHit]) -> None:
            self.conversations.show_hits(query, hits)

        def failed(error: ClientError) -> None:
            self.conversations.show_search_error(
                self.tr("Search failed: %1.").replace("%1", reason(error))
            )

        self.runner.run(self.client.search(query), on_done=done, on_error=failed)

    # ---- state changes ------------------------------------------------------------------

    def _on_change(self, change: StateChange) -> None:
        if isinstance(change, ConversationChanged):
            if change.conversation.id == self._open_id:
                if "typing" in change.fields:
                    self.thread_pane.show_typing(change.conversation)
                if "unread_count" in change.fields and change.conversation.unread_count:
                    # A new message while the operator is looking at it: it is read.
                    QTimer.singleShot(0, self._mark_read_if_reading)
                if "ticket" in change.fields:
                    self.tickets.conversation_ticket_changed(change.conversation)
                if change.fields & {"title", "phone", "is_group"}:
                    self.thread_pane.show_conversation(change.conversation)
                    self._update_composer()
        elif isinstance(change, ThreadOpened):
            self._thread_opened(change)
        elif isinstance(change, TicketChanged):
            self.tickets.ticket_changed(change)
        elif isinstance(change, ConnectionStateChanged):
            self.status.set_connection(change.state, change.detail, change.retry_in)
            self._update_composer()
            if change.state is ConnectionState.ONLINE:
                QTimer.singleShot(0, self.tickets.load_operators)
        elif isinstance(change, ProfileChanged):
            self.status.set_missing_features(change.missing)
            self._update_composer()
        elif isinstance(change, OperatorsTypingChanged):
            self.status.set_operators_typing(change.who)
        elif isinstance(change, SyncStateChanged):
            self.status.set_syncing(change.syncing)
        elif isinstance(change, OwnRoleChanged | DeskSettingsChanged):
            self._update_permissions()

    def _update_permissions(self) -> None:
        """Offer only what the server would accept from this operator's role."""
        assignee_only = self.client.awareness.assignee_only_replies
        self.ticket_pane.set_may_reassign(
            not assignee_only or allowed(self.state.own_role, DeskAction.REASSIGN_TICKETS)
        )

    def _render_connection(self) -> None:
        self.status.set_connection(self.state.connection_state, self.state.connection_detail)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._open_id is not None:
            self._drafts[self._open_id] = self.thread_pane.composer.text()
        self._unsubscribe()
        self.awareness_view.detach()
        self.line_prompt.detach()
        self.conversations.model.detach()
        self.thread_pane.model.detach()
        super().closeEvent(event)


def with_ticket(conv: Conversation, ticket: Ticket) -> Conversation:
    return replace(conv, ticket=ticket)


__all__ = ["MainWindow", "labels"]
