"""An administrator's "Operators" window: who may use the desk, add one, withdraw access.

The console opens it only for an admin (domain/permissions.py); the server refuses the
same calls from anyone else. Every call runs as a task: the window never waits.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from sportello.client.desk_admin import DeskAdmin
from sportello.client.errors import ClientError, ServerRejected
from sportello.client.records import Operator
from sportello.domain.permissions import role_of
from sportello.domain.values import Role
from sportello.ui.labels import tr
from sportello.ui.settings_dialog import ERROR_STYLE
from sportello.ui.tasks import TaskRunner

AnyIndex = QModelIndex | QPersistentModelIndex
OPERATOR_ROLE = Qt.ItemDataRole.UserRole + 1


class OperatorTableModel(QAbstractTableModel):
    """Operators by login name: name, shown name, role, whether they may sign in."""

    COLUMN_COUNT = 4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Operator] = []

    def set_operators(self, operators: list[Operator]) -> None:
        """Replace the list: it comes whole from the server after each change."""
        self.beginResetModel()
        self._rows = sorted(operators, key=lambda op: op.name.lower())
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.COLUMN_COUNT

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return (tr("Login name"), tr("Shown as"), tr("Role"), tr("Access"))[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        operator = self._rows[index.row()]
        if role == OPERATOR_ROLE:
            return operator
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        column = index.column()
        if column == 0:
            return operator.name
        if column == 1:
            return operator.display_name
        if column == 2:
            return tr("Administrator") if role_of(operator.role) is Role.ADMIN else tr("Operator")
        return tr("Active") if operator.active else tr("Deactivated")

    def operator_at(self, row: int) -> Operator | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None


def refusal_text(error: ClientError) -> str:
    """The operator's words for what the server refused (its English stays in the log)."""
    code = error.code if isinstance(error, ServerRejected) else ""
    texts = {
        "forbidden": tr("Only an administrator can do this."),
        "operator_exists": tr("An operator with this login name already exists."),
        "invalid_name": tr(
            "The login name must have 1 to 64 characters, without spaces at the start or the end."
        ),
        "invalid_password": tr("The password must have at least 8 characters."),
        "cannot_deactivate_self": tr("You cannot deactivate your own account."),
        "not_found": tr("This operator no longer exists: the list is reloaded."),
    }
    if code in texts:
        return texts[code]
    return tr("The server did not accept the change (%1).").replace("%1", code or "?")


class OperatorsDialog(QDialog):
    """The desk's operators for an admin; `changed` after each accepted change."""

    changed = Signal()

    def __init__(
        self,
        admin: DeskAdmin,
        own_id: str,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._admin = admin
        self._own_id = own_id
        self._runner = runner or TaskRunner(self)
        self.setWindowTitle(self.tr("Sportello: operators"))
        self.setMinimumSize(560, 420)
        self.model = OperatorTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.tr("Operators"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.deactivate_button = QPushButton(self.tr("Deactivate…"), self)
        self.deactivate_button.clicked.connect(self._deactivate_selected)
        self.revoke_button = QPushButton(self.tr("Sign out everywhere"), self)
        self.revoke_button.setToolTip(
            self.tr("Revoke every access token: the operator must sign in again.")
        )
        self.revoke_button.clicked.connect(self._revoke_selected)
        actions = QHBoxLayout()
        actions.addWidget(self.deactivate_button)
        actions.addWidget(self.revoke_button)
        actions.addStretch(1)

        box = QGroupBox(self.tr("New operator"), self)
        self.new_name = QLineEdit(box)
        self.new_name.setAccessibleName(self.tr("Login name"))
        self.new_display = QLineEdit(box)
        self.new_display.setAccessibleName(self.tr("Shown as"))
        self.new_password = QLineEdit(box)
        self.new_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password.setAccessibleName(self.tr("Password"))
        self.new_admin = QCheckBox(self.tr("Administrator"), box)
        self.create_button = QPushButton(self.tr("Create"), box)
        self.create_button.clicked.connect(self._create)
        form = QFormLayout(box)
        form.addRow(self.tr("Login name"), self.new_name)
        form.addRow(self.tr("Shown as"), self.new_display)
        form.addRow(self.tr("Password"), self.new_password)
        form.addRow("", self.new_admin)
        form.addRow("", self.create_button)

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.message.setAccessibleName(self.tr("Result"))
        close = QPushButton(self.tr("Close"), self)
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(box)
        layout.addWidget(self.message)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        self._update_buttons()
        self.reload()

    # ---- actions ------------------------------------------------------------------------

    def reload(self) -> None:
        self._runner.run(self._admin.operators(), on_done=self._loaded, on_error=self._failed)

    def selected(self) -> Operator | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.operator_at(rows[0].row()) if rows else None

    def _create(self) -> None:
        name, password = self.new_name.text().strip(), self.new_password.text()
        if not name or not password:
            self._say(self.tr("Give a login name and a password."), error=True)
            return
        self.create_button.setEnabled(False)

        def done(made: Operator) -> None:
            self.create_button.setEnabled(True)
            for field in (self.new_name, self.new_display, self.new_password):
                field.clear()
            self.new_admin.setChecked(False)
            self._say(
                self.tr("Operator %1 created: they can sign in now.").replace("%1", made.name)
            )
            self._after_change()

        def failed(error: ClientError) -> None:
            self.create_button.setEnabled(True)
            self._failed(error)

        self._runner.run(
            self._admin.create_operator(
                name,
                password,
                admin=self.new_admin.isChecked(),
                display_name=self.new_display.text().strip(),
            ),
            on_done=done,
            on_error=failed,
        )

    def _deactivate_selected(self) -> None:
        operator = self.selected()
        if operator is None or not operator.active or operator.id == self._own_id:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Deactivate operator"),
            self.tr(
                "Deactivate %1? They are signed out at once and can no longer sign in."
            ).replace("%1", operator.display_name or operator.name),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return

        def done(_result: None) -> None:
            self._say(self.tr("%1 is deactivated.").replace("%1", operator.name))
            self._after_change()

        self._runner.run(self._admin.deactivate(operator.id), on_done=done, on_error=self._failed)

    def _revoke_selected(self) -> None:
        operator = self.selected()
        if operator is None:
            return

        def done(count: int) -> None:
            self._say(
                self.tr("%1 is signed out everywhere (%2 access tokens revoked).")
                .replace("%1", operator.name)
                .replace("%2", str(count))
            )
            self._after_change()

        self._runner.run(
            self._admin.revoke_access(operator.id), on_done=done, on_error=self._failed
        )

    # ---- results ------------------------------------------------------------------------

    def _after_change(self) -> None:
        self.changed.emit()
        self.reload()

    def _loaded(self, operators: list[Operator]) -> None:
        self.model.set_operators(operators)
        self._update_buttons()

    def _failed(self, error: ClientError) -> None:
        self._say(refusal_text(error), error=True)
        if isinstance(error, ServerRejected) and error.code == "not_found":
            self.reload()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setVisible(True)

    def _update_buttons(self) -> None:
        operator = self.selected()
        self.deactivate_button.setEnabled(
            operator is not None and operator.active and operator.id != self._own_id
        )
        self.revoke_button.setEnabled(operator is not None and operator.active)
