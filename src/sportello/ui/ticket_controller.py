"""The console's ticket side: which ticket the ticket pane shows, and the ticket commands.

Kept apart from `MainWindow` (main_window.py), which lays out the panes and follows the
open conversation: this class decides what the pane shows for it (the conversation's
newest ticket, or one the operator picked from its other tickets), fills the history and
the assignee names from the server, and runs "change a field" and "create from a
message" through the window's TaskRunner. It owns no facts either: tickets come from
`client.state`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject

from sportello.client.changes import TicketChanged
from sportello.client.errors import ClientError
from sportello.client.features import TICKET_EDITS
from sportello.client.records import Conversation, Message, Operator, Ticket, TicketEvent
from sportello.domain.values import Priority, TicketStatus
from sportello.ui.client_port import ConsoleClient
from sportello.ui.conversation_pane import ConversationPane
from sportello.ui.error_texts import reason
from sportello.ui.status_bar import ConsoleStatusBar
from sportello.ui.tasks import TaskRunner
from sportello.ui.thread_view import ThreadView
from sportello.ui.ticket_history import TicketHistory, format_events
from sportello.ui.ticket_pane import TicketPane

log = logging.getLogger(__name__)


class TicketController(QObject):
    """Keeps the ticket pane in step with the open conversation and runs its commands."""

    def __init__(
        self,
        client: ConsoleClient,
        pane: TicketPane,
        thread_view: ThreadView,
        conversations: ConversationPane,
        status: ConsoleStatusBar,
        runner: TaskRunner,
        open_id: Callable[[], str | None],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.state = client.state
        self.pane = pane
        self.history = TicketHistory()
        self._thread_view = thread_view
        self._conversations = conversations
        self._status = status
        self._runner = runner
        self._open_id = open_id  # the window's open conversation: it has one home, there
        self._chosen_id: str | None = None  # a ticket the operator picked, else the newest
        self._operators_loaded = False

    # ---- following the window -----------------------------------------------------------

    def show_conversation(self, conv: Conversation | None) -> None:
        """A conversation was opened: show its ticket (forgetting one picked before)."""
        self._chosen_id = None
        self._show_ticket_of(conv)

    def conversation_ticket_changed(self, conv: Conversation) -> None:
        """The open conversation's newest ticket changed: show it unless one was picked."""
        if self._chosen_id is None:
            self._show_ticket_of(conv)

    def ticket_changed(self, change: TicketChanged) -> None:
        self.history.record(change)
        shown = self.pane.ticket
        if shown is not None and shown.id == change.ticket.id:
            self._render(change.ticket, self._open_conversation())

    def update_editable(self) -> None:
        """Offer editing and creating only when the server allows them."""
        edits_missing = any(f.key == TICKET_EDITS.key for f in self.state.missing_features)
        self.pane.set_editable(
            not edits_missing, self.tr("This server does not allow editing tickets from here.")
        )
        if edits_missing:
            self.pane.set_create_available(
                False, self.tr("This server cannot create tickets from the console.")
            )
        else:
            self._update_create_button(self.pane.ticket)

    # ---- what the pane shows ------------------------------------------------------------

    def _show_ticket_of(self, conv: Conversation | None) -> None:
        ticket = None
        if self._chosen_id is not None:
            ticket = self.state.tickets.get(self._chosen_id)
        if ticket is None and conv is not None:
            ticket = conv.ticket
            if ticket is not None:
                ticket = self.state.tickets.get(ticket.id, ticket)
        self._render(ticket, conv)

    def _render(self, ticket: Ticket | None, conv: Conversation | None) -> None:
        self.pane.note_assignees({t.assignee_id or "" for t in self.state.tickets.values()})
        others: list[Ticket] = []
        if ticket is not None or conv is not None:
            contact = ticket.contact_id if ticket is not None else None
            conv_id = conv.id if conv is not None else None
            others = [
                t
                for t in self.state.tickets.values()
                if (ticket is None or t.id != ticket.id)
                and (
                    (contact and t.contact_id == contact)
                    or (conv_id and t.conversation_id == conv_id)
                )
            ]
            others.sort(key=lambda t: t.created_at, reverse=True)
        history = self.history.lines(ticket) if ticket is not None else []
        self.pane.show_ticket(ticket, history, others)
        self._update_create_button(ticket)
        if ticket is not None and self._server_has_ticket_edits():
            self._load_history(ticket.id)

    def _update_create_button(self, ticket: Ticket | None) -> None:
        """One open ticket per contact: say so instead of offering a button that fails."""
        if not self._server_has_ticket_edits():
            return  # update_editable already disabled it with the server's reason
        if ticket is not None and ticket.is_open:
            self.pane.set_create_available(
                False,
                self.tr("This contact already has an open ticket: resolve or close it first."),
            )
        else:
            self.pane.set_create_available(
                True, self.tr("Create a ticket from the selected message")
            )

    def _server_has_ticket_edits(self) -> bool:
        return not any(f.key == TICKET_EDITS.key for f in self.state.missing_features)

    def _load_history(self, ticket_id: str) -> None:
        """The server's full history replaces the session-local lines when it answers."""

        def done(events: list[TicketEvent]) -> None:
            shown = self.pane.ticket
            if shown is not None and shown.id == ticket_id and events:
                self.pane.set_history(format_events(events, self.pane.operator_name))

        def failed(error: ClientError) -> None:
            log.info("ticket history not loaded: %s", error)  # the local lines stay

        self._runner.run(self.client.ticket_history(ticket_id), on_done=done, on_error=failed)

    def reload_operators(self) -> None:
        """The operators changed (an admin's Operators window): ask the server again."""
        self._operators_loaded = False
        self.load_operators()

    def load_operators(self) -> None:
        """The assignee picker's names, asked once per connection."""
        if self._operators_loaded or not self._server_has_ticket_edits():
            return
        self._operators_loaded = True

        def done(operators: list[Operator]) -> None:
            self.pane.set_operators(operators)
            shown = self.pane.ticket
            if shown is not None:
                self._load_history(shown.id)  # names of who did what

        def failed(error: ClientError) -> None:
            self._operators_loaded = False  # ask again on the next connection
            log.info("operator list not loaded: %s", error)

        self._runner.run(self.client.operators(), on_done=done, on_error=failed)

    # ---- the pane's commands ------------------------------------------------------------

    def update_ticket(self, ticket_id: str, field: str, value: object) -> None:
        # The pane's signal carries one field's new value as a Qt `object`: back to its type.
        status = value if field == "status" and isinstance(value, TicketStatus) else None
        priority = value if field == "priority" and isinstance(value, Priority) else None
        assignee_id = value if field == "assignee_id" and isinstance(value, str) else None

        def done(ticket: Ticket) -> None:
            self.pane.clear_error()
            if self.pane.ticket is not None and self.pane.ticket.id == ticket.id:
                self._render(ticket, self._open_conversation())

        def failed(error: ClientError) -> None:
            self.pane.show_error(
                self.tr("The ticket was not changed: %1.").replace("%1", reason(error))
            )

        self._runner.run(
            self.client.update_ticket(
                ticket_id, status=status, priority=priority, assignee_id=assignee_id
            ),
            on_done=done,
            on_error=failed,
        )

    def create_from_selection(self) -> None:
        message = self._thread_view.current_message()
        if message is None:
            incoming = [
                m for m in self.state.thread if m.direction == "incoming" and not m.is_local
            ]
            message = incoming[-1] if incoming else None
        if message is None:
            self.pane.show_error(self.tr("Select a message of the customer first."))
            return
        self.create_ticket(message)

    def create_ticket(self, message: Message) -> None:
        def done(ticket: Ticket) -> None:
            self.pane.clear_error()
            self._chosen_id = ticket.id
            self._render(ticket, self._open_conversation())
            self._status.showMessage(
                self.tr("Ticket #%1 created").replace("%1", ticket.number), 5000
            )

        def failed(error: ClientError) -> None:
            self.pane.show_error(self.tr("No ticket was created: %1.").replace("%1", reason(error)))

        self._runner.run(
            self.client.create_ticket_from_message(message.id), on_done=done, on_error=failed
        )

    def show_other_ticket(self, ticket_id: str) -> None:
        ticket = self.state.tickets.get(ticket_id)
        if ticket is None:
            return
        if ticket.conversation_id and ticket.conversation_id != self._open_id():
            self._conversations.select_conversation(ticket.conversation_id)
        self._chosen_id = ticket_id
        self._render(ticket, self._open_conversation())

    def _open_conversation(self) -> Conversation | None:
        open_id = self._open_id()
        return self.state.conversation(open_id) if open_id else None
