"""The ticket of the open conversation: edit status, priority and assignee; see history.

Edits are requests: the pane emits `update_requested` and shows the server's answer when
it comes (a TicketChanged) or, on failure, goes back to the ticket as it was and says why.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QStringListModel, Qt, Signal
from PySide6.QtGui import QResizeEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sportello.client.records import Operator, Ticket
from sportello.domain.values import Priority, TicketStatus
from sportello.ui import labels, theme

TICKET_ID_ROLE = Qt.ItemDataRole.UserRole + 1
HISTORY_MAX_H = 220
OTHERS_MAX_H = 160
WRAP = int(Qt.TextFlag.TextWordWrap)


def _fit_to_rows(view: QListView, max_height: int) -> None:
    """As tall as its wrapped rows (no big empty box under one line), scrolling beyond."""
    model = view.model()
    rows = min(model.rowCount(), 20) if model is not None else 0
    metrics = view.fontMetrics()
    width = max(view.viewport().width(), 120) - 8
    content = 0
    for row in range(rows):
        text = str(model.index(row, 0).data() or "")
        box = metrics.boundingRect(QRect(0, 0, width, 10_000), WRAP, text)
        content += box.height() + 2 * view.spacing() + 2
    frame = 2 * view.frameWidth() + 4
    view.setFixedHeight(min(max_height, max(content, metrics.height()) + frame))


class TicketPane(QWidget):
    """Shows one ticket (or none) and the contact's other tickets."""

    update_requested = Signal(str, str, object)  # ticket id, field name, new value
    create_requested = Signal()
    ticket_selected = Signal(str)  # ticket id of one of the contact's other tickets

    def __init__(self, own_user_id: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ticketPane")
        self.setAccessibleName(self.tr("Ticket"))
        self.own_user_id = own_user_id
        self._ticket: Ticket | None = None
        self._known_assignees: set[str] = set()
        self._operator_names: dict[str, str] = {}
        self._others: list[Ticket] = []
        self._editable = True
        self._may_reassign = True  # False: the assignee picker offers "Nobody" and me only

        self.heading = QLabel(self)
        self.heading.setObjectName("ticketHeading")
        self.heading.setAccessibleName(self.tr("Ticket number and title"))
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setStyleSheet("QLabel#ticketHeading { font-size: 12pt; font-weight: bold; }")
        self.subtitle = QLabel(self)
        self.subtitle.setAccessibleName(self.tr("Ticket dates"))
        self.subtitle.setStyleSheet(f"color: {theme.TEXT_MUTED.name()};")
        self.subtitle.setWordWrap(True)

        self.status_combo = QComboBox(self)
        self.status_combo.setAccessibleName(self.tr("Ticket status"))
        for status in TicketStatus:
            self.status_combo.addItem(labels.status_label(status), status)
        self.priority_combo = QComboBox(self)
        self.priority_combo.setAccessibleName(self.tr("Ticket priority"))
        for priority in Priority:
            self.priority_combo.addItem(labels.priority_label(priority), priority)
        self.assignee_combo = QComboBox(self)
        self.assignee_combo.setAccessibleName(self.tr("Ticket assignee"))

        self.error = QLabel(self)
        self.error.setObjectName("ticketError")
        self.error.setAccessibleName(self.tr("Ticket error"))
        self.error.setWordWrap(True)
        self.error.setStyleSheet(
            f"QLabel#ticketError {{ color: {theme.FAILED.name()}; background:"
            f" {theme.FAILED_BACKGROUND.name()}; padding: 6px; border-radius: 4px; }}"
        )
        self.error.hide()

        self.form = QWidget(self)
        form = QFormLayout(self.form)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("Status"), self.status_combo)
        form.addRow(self.tr("Priority"), self.priority_combo)
        form.addRow(self.tr("Assignee"), self.assignee_combo)

        self.empty = QLabel(self.tr("This conversation has no ticket."), self)
        self.empty.setAccessibleName(self.tr("No ticket"))
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet(f"color: {theme.TEXT_MUTED.name()};")
        self.create_button = QPushButton(self.tr("New ticket from message"), self)
        self.create_button.setAccessibleName(self.tr("Create a ticket from the selected message"))
        self.create_button.setToolTip(self.tr("Create a ticket from the selected message"))
        self.create_button.clicked.connect(self.create_requested)

        self.history_model = QStringListModel(self)
        self.history_view = QListView(self)
        self.history_view.setModel(self.history_model)
        self.history_view.setAccessibleName(self.tr("Ticket history"))
        self.history_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.history_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.history_view.setWordWrap(True)
        self.history_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.history_view.setSpacing(2)
        self.history_view.setWordWrap(True)
        self.others_model = QStandardItemModel(self)
        self.others_view = QListView(self)
        self.others_view.setModel(self.others_model)
        self.others_view.setAccessibleName(self.tr("Other tickets of this contact"))
        self.others_view.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.others_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.others_view.setWordWrap(True)
        self.others_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.others_view.setSpacing(2)
        self.others_view.activated.connect(self._other_activated)
        self.others_view.clicked.connect(self._other_activated)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        layout.addWidget(self.heading)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.empty)
        layout.addWidget(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.create_button)
        self.history_title = self._section(self.tr("History"))
        layout.addWidget(self.history_title)
        layout.addWidget(self.history_view)
        self.others_title = self._section(self.tr("Other tickets of this contact"))
        layout.addWidget(self.others_title)
        layout.addWidget(self.others_view)
        layout.addStretch(1)

        self.status_combo.activated.connect(lambda _i: self._edited("status", self.status_combo))
        self.priority_combo.activated.connect(
            lambda _i: self._edited("priority", self.priority_combo)
        )
        self.assignee_combo.activated.connect(
            lambda _i: self._edited("assignee_id", self.assignee_combo)
        )
        self.show_ticket(None)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        _fit_to_rows(self.history_view, HISTORY_MAX_H)  # wrapping changed with the width
        _fit_to_rows(self.others_view, OTHERS_MAX_H)

    def _section(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setStyleSheet(
            f"font-weight: bold; color: {theme.TEXT_MUTED.name()}; margin-top: 6px;"
        )
        return label

    @property
    def ticket(self) -> Ticket | None:
        return self._ticket

    # ---- showing ------------------------------------------------------------------------

    def show_ticket(
        self,
        ticket: Ticket | None,
        history: list[str] | None = None,
        others: list[Ticket] | None = None,
    ) -> None:
        """Show `ticket` (None: "no ticket"), its history lines and the contact's other tickets."""
        self._ticket = ticket
        has = ticket is not None
        self.form.setVisible(has)
        self.empty.setVisible(not has)
        self.history_title.setVisible(has)
        self.history_view.setVisible(has)
        if ticket is None:
            self.heading.setText(self.tr("No ticket"))
            self.subtitle.setText("")
        else:
            self.heading.setText(
                self.tr("#%1 %2").replace("%1", ticket.number).replace("%2", ticket.title)
            )
            self.subtitle.setText(
                self.tr("Opened %1, updated %2")
                .replace("%1", self._when(ticket.created_at))
                .replace("%2", self._when(ticket.updated_at))
            )
            self._select(self.status_combo, ticket.status)
            self._select(self.priority_combo, ticket.priority)
            self._fill_assignees(ticket)
        self._others = list(others or [])
        self.history_model.setStringList(history or [])
        _fit_to_rows(self.history_view, HISTORY_MAX_H)
        self._fill_others(self._others)

    @staticmethod
    def _when(stamp: str) -> str:
        text = labels.list_time(stamp)
        return text or "—"

    @staticmethod
    def _select(combo: QComboBox, value: object) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(index)

    def note_assignees(self, ids: set[str]) -> None:
        """Operator ids seen on tickets, offered as assignees besides the server's list."""
        self._known_assignees |= {i for i in ids if i}

    def set_operators(self, operators: list[Operator]) -> None:
        """The server's operators (GET /api/operators): names in the picker and history."""
        self._operator_names = {op.id: op.display_name or op.name for op in operators}
        self._known_assignees |= set(self._operator_names)
        if self._ticket is not None:
            self._fill_assignees(self._ticket)

    def operator_name(self, operator_id: str | None) -> str:
        """A colleague's name when the server told us, else "Operator 7"."""
        if not operator_id:
            return self.tr("Nobody")
        name = self._operator_names.get(operator_id)
        return name or self.tr("Operator %1").replace("%1", operator_id)

    def assignee_label(self, assignee_id: str | None) -> str:
        if assignee_id and assignee_id == self.own_user_id:
            name = self._operator_names.get(assignee_id)
            return self.tr("Me (%1)").replace("%1", name) if name else self.tr("Me")
        return self.operator_name(assignee_id)

    def set_history(self, lines: list[str]) -> None:
        """Replace the history lines (the server's full history arrived)."""
        self.history_model.setStringList(lines)
        _fit_to_rows(self.history_view, HISTORY_MAX_H)

    def set_may_reassign(self, may: bool) -> None:
        """Whether this operator may give tickets to colleagues or take them from one.

        False on a desk where only the assignee replies, for an operator who is not an
        admin (domain/permissions.py): the picker then offers what the server accepts.
        """
        if may == self._may_reassign:
            return
        self._may_reassign = may
        if self._ticket is not None:
            self._fill_assignees(self._ticket)

    def _fill_assignees(self, ticket: Ticket) -> None:
        combo = self.assignee_combo
        combo.clear()
        colleagues = self._known_assignees if self._may_reassign else set()
        ids = sorted(
            colleagues | {self.own_user_id} - {""},
            key=lambda i: (i != self.own_user_id, self.assignee_label(i).lower()),
        )
        combo.addItem(self.assignee_label(None), "")  # "Nobody": also how to unassign
        for assignee in ids:
            combo.addItem(self.assignee_label(assignee), assignee)
        if ticket.assignee_id and combo.findData(ticket.assignee_id) < 0:
            combo.addItem(self.assignee_label(ticket.assignee_id), ticket.assignee_id)
        self._select(combo, ticket.assignee_id or "")
        held_by_colleague = bool(ticket.assignee_id) and ticket.assignee_id != self.own_user_id
        locked = not self._may_reassign and held_by_colleague
        combo.setEnabled(self._editable and not locked)
        if locked:
            combo.setToolTip(self.tr("Only an administrator can take a ticket from its assignee."))
        elif self._editable:
            combo.setToolTip("")

    def _fill_others(self, others: list[Ticket]) -> None:
        self.others_model.clear()
        for other in others:
            text = (
                self.tr("#%1 %2 (%3)")
                .replace("%1", other.number)
                .replace("%2", other.title)
                .replace("%3", labels.status_label(other.status))
            )
            item = QStandardItem(text)
            item.setData(other.id, TICKET_ID_ROLE)
            item.setEditable(False)
            self.others_model.appendRow(item)
        _fit_to_rows(self.others_view, OTHERS_MAX_H)
        visible = bool(others)
        self.others_title.setVisible(visible)
        self.others_view.setVisible(visible)

    # ---- editing ------------------------------------------------------------------------

    def _edited(self, field: str, combo: QComboBox) -> None:
        ticket = self._ticket
        if ticket is None:
            return
        raw = combo.currentData()
        # Qt hands enum data back as plain strings: turn them into the domain values again.
        value: object = raw
        if raw is not None and field == "status":
            value = TicketStatus(raw)
        elif raw is not None and field == "priority":
            value = Priority(raw)
        current = {
            "status": ticket.status,
            "priority": ticket.priority,
            "assignee_id": ticket.assignee_id or "",  # "" is "nobody" (unassign)
        }
        if value == current[field] or value is None:
            return
        self.error.hide()
        self.update_requested.emit(ticket.id, field, value)

    def show_error(self, message: str) -> None:
        """An edit failed: go back to the ticket as it is and say why."""
        self.show_ticket(self._ticket, self.history_model.stringList(), self._current_others())
        self.error.setText(message)
        self.error.show()

    def clear_error(self) -> None:
        self.error.hide()

    def set_editable(self, editable: bool, reason: str = "") -> None:
        """Disable the combos when the server cannot change tickets, and say why."""
        self._editable = editable
        for combo in (self.status_combo, self.priority_combo, self.assignee_combo):
            combo.setEnabled(editable)
            combo.setToolTip("" if editable else reason)
        if editable and self._ticket is not None:
            self._fill_assignees(self._ticket)  # a colleague's ticket may stay locked

    def set_create_available(self, available: bool, reason: str = "") -> None:
        self.create_button.setEnabled(available)
        self.create_button.setToolTip(reason)

    def _current_others(self) -> list[Ticket]:
        return list(self._others)

    def _other_activated(self, index: QModelIndex) -> None:
        ticket_id = self.others_model.data(index, TICKET_ID_ROLE)
        if ticket_id:
            self.ticket_selected.emit(str(ticket_id))
