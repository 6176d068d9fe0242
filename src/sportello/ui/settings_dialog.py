"""Settings: server profiles, notifications and sound, local server, start at login, language.

Everything is saved on "Save" only, after validation: a ticket rules file with an error is
shown inline as `file:line: reason` and nothing is saved until it is fixed or cleared;
changed gateway fields are first checked with the gateway (ui/gateway_form.py), and
nothing is saved while it refuses them.
The Servers tab is the exception (its actions sign in and out at once): it is
`ServerProfilesTab` (server_profiles_tab.py).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from sportello.desktop import autostart as autostart_module
from sportello.desktop.local_gateway import GatewayKind
from sportello.domain.escalation import MAX_INTERVAL, interval_problem
from sportello.ui.error_texts import reason
from sportello.ui.gateway_form import GatewayForm
from sportello.ui.local_server_panel import LocalServerPanel
from sportello.ui.login_dialog import LoginFunction
from sportello.ui.preferences import Language, NotificationPreferences, Preferences
from sportello.ui.server_profiles_tab import ServerProfilesTab

log = logging.getLogger(__name__)

ERROR_STYLE = "color: #9b1c1c; background: #fdecec; padding: 6px 8px; border-radius: 4px;"


def validate_rules_file(path: Path) -> str | None:
    """None when the TOML rules file is usable, else `file:line: reason` in one line."""
    from sportello.domain.rules import RulesError, TicketRules

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return f"{path}: {exc.strerror or exc}"
    except UnicodeDecodeError as exc:
        return f"{path}: not UTF-8 text ({exc.reason})"
    try:
        TicketRules.from_toml(text, source=str(path))
    except RulesError as exc:
        return str(exc)
    return None


class SettingsDialog(QDialog):
    """The operator's preferences; emits what changed after a successful save."""

    rules_file_changed = Signal(object)  # Path | None: the local server must restart
    local_port_changed = Signal(int)
    language_changed = Signal(str)  # the app reopens the window in that language
    profile_logged_out = Signal(str)
    profiles_changed = Signal()
    notifications_changed = Signal()  # alert choices saved (re-alert intervals apply at once)
    gateway_changed = Signal()  # the local server's gateway was checked and saved: restart it
    connect_whatsapp_requested = Signal()  # "Connect WhatsApp…": the console's QR window

    def __init__(
        self,
        preferences: Preferences,
        *,
        autostart: autostart_module.Autostart | None = None,
        webhook_url: str = "",
        webhook_secret: str = "",
        login: LoginFunction | None = None,
        may_configure_local_server: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        """`may_configure_local_server`: the signed-in role allows it (domain/permissions.py)."""
        super().__init__(parent)
        self.preferences = preferences
        self.may_configure_local_server = may_configure_local_server
        self._autostart = autostart
        self.setWindowTitle(self.tr("Sportello: settings"))
        self.setMinimumSize(620, 460)
        self.tabs = QTabWidget(self)
        self.servers_tab = ServerProfilesTab(preferences, login, self)
        self.servers_tab.logged_out.connect(self.profile_logged_out)
        self.servers_tab.changed.connect(self.profiles_changed)
        self.servers_tab.problem.connect(self._show_error)
        self.tabs.addTab(self.servers_tab, self.tr("Servers"))
        self.tabs.addTab(self._build_notifications(), self.tr("Notifications"))
        self.tabs.addTab(self._build_local(webhook_url, webhook_secret), self.tr("Local server"))
        self.tabs.addTab(self._build_general(), self.tr("General"))
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setVisible(False)
        self.error.setAccessibleName(self.tr("Error"))
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(
            self.tr("Save"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = buttons.addButton(
            self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    # ---- tabs ---------------------------------------------------------------------------

    def _build_notifications(self) -> QWidget:
        page = QWidget(self)
        prefs = self.preferences.notifications()
        self.notify_enabled = QCheckBox(self.tr("Show a desktop notification for new messages"))
        self.notify_enabled.setChecked(prefs.enabled)
        self.only_new_tickets = QCheckBox(self.tr("Only for messages that open a new ticket"))
        self.only_new_tickets.setChecked(prefs.only_new_tickets)
        self.sound_enabled = QCheckBox(self.tr("Play a sound"))
        self.sound_enabled.setChecked(prefs.sound)
        self.volume = QSlider(Qt.Orientation.Horizontal, page)
        self.volume.setRange(0, 100)
        self.volume.setValue(prefs.volume)
        self.volume.setAccessibleName(self.tr("Volume"))
        self.quiet_hours = QCheckBox(self.tr("Quiet hours: no sound between"))
        self.quiet_hours.setChecked(prefs.quiet_hours)
        self.quiet_start = QTimeEdit(_parse_time(prefs.quiet_start, QTime(22, 0)), page)
        self.quiet_end = QTimeEdit(_parse_time(prefs.quiet_end, QTime(7, 0)), page)
        for edit in (self.quiet_start, self.quiet_end):
            edit.setDisplayFormat("HH:mm")
        self.quiet_start.setAccessibleName(self.tr("Quiet hours start"))
        self.quiet_end.setAccessibleName(self.tr("Quiet hours end"))
        quiet = QHBoxLayout()
        quiet.addWidget(self.quiet_hours)
        quiet.addWidget(self.quiet_start)
        quiet.addWidget(QLabel(self.tr("and"), page))
        quiet.addWidget(self.quiet_end)
        quiet.addStretch(1)
        reminders = QGroupBox(self.tr("Remind me of tickets nobody has opened"), page)
        form = QFormLayout(reminders)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.remind: dict[str, QSpinBox] = {}
        default = NotificationPreferences()
        for field, label, value, fallback in (
            ("remind_urgent", self.tr("URGENT, every"), prefs.remind_urgent, default.remind_urgent),
            ("remind_high", self.tr("High, every"), prefs.remind_high, default.remind_high),
            ("remind_medium", self.tr("Medium, every"), prefs.remind_medium, default.remind_medium),
            ("remind_low", self.tr("Low, every"), prefs.remind_low, default.remind_low),
        ):
            box = QSpinBox(reminders)
            box.setRange(0, MAX_INTERVAL)
            box.setSuffix(self.tr(" s"))
            box.setSpecialValueText(self.tr("never"))  # 0 switches the reminder off
            # A damaged stored value shows the default, which is what applies (alert_settings).
            box.setValue(value if interval_problem(value) is None else fallback)
            box.setAccessibleName(label)
            # As wide as "86400 s" needs, in every style: a number of seconds does not
            # deserve the dialog's whole width; right-aligned, the values line up.
            box.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            box.setFixedWidth(box.sizeHint().width())
            form.addRow(label, box)
            self.remind[field] = box
        self.urgent_ignores_quiet = QCheckBox(
            self.tr("URGENT reminders ring even when paused or in quiet hours"), reminders
        )
        self.urgent_ignores_quiet.setChecked(prefs.urgent_ignores_quiet)
        form.addRow(self.urgent_ignores_quiet)
        volume_row = QHBoxLayout()
        volume_row.addWidget(QLabel(self.tr("Volume"), page))
        volume_row.addWidget(self.volume, 1)
        volume_value = QLabel(page)
        volume_value.setMinimumWidth(44)
        self.volume.valueChanged.connect(lambda v: volume_value.setText(f"{v} %"))
        volume_value.setText(f"{self.volume.value()} %")
        volume_row.addWidget(volume_value)
        layout = QVBoxLayout(page)
        layout.addWidget(self.notify_enabled)
        layout.addWidget(self.only_new_tickets)
        layout.addWidget(self.sound_enabled)
        layout.addLayout(volume_row)
        layout.addLayout(quiet)
        layout.addWidget(reminders)
        layout.addStretch(1)
        self.sound_enabled.toggled.connect(self.volume.setEnabled)
        self.volume.setEnabled(prefs.sound)
        return page

    def _build_local(self, webhook_url: str, secret: str) -> QWidget:
        page = QWidget(self)
        rules = self.preferences.rules_file
        self.rules_path = QLineEdit(str(rules) if rules else "", page)
        self.rules_path.setPlaceholderText(self.tr("built-in Italian rules"))
        self.rules_path.setAccessibleName(self.tr("Ticket rules file"))
        self.rules_path.textEdited.connect(self._clear_rules_error)
        browse = QPushButton(self.tr("Browse…"), page)
        browse.clicked.connect(self._browse_rules)
        self.rules_error = QLabel(page)
        self.rules_error.setWordWrap(True)
        self.rules_error.setStyleSheet(ERROR_STYLE)
        self.rules_error.setVisible(False)
        self.rules_error.setAccessibleName(self.tr("Rules file error"))
        self.rules_error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        rules_row = QHBoxLayout()
        rules_row.addWidget(self.rules_path, 1)
        rules_row.addWidget(browse)
        self.port = QSpinBox(page)
        self.port.setRange(1024, 65535)
        self.port.setValue(self.preferences.local_port)
        self.port.setAccessibleName(self.tr("Port"))
        self.port.setMaximumWidth(120)
        form = QFormLayout()
        form.addRow(self.tr("Ticket rules file"), rules_row)
        form.addRow("", self.rules_error)
        form.addRow(self.tr("Port"), self.port)
        note = QLabel(
            self.tr("Changes to the rules file or the port restart the local server."), page
        )
        note.setWordWrap(True)
        gateway_box = QGroupBox(self.tr("WhatsApp gateway"), page)
        self.gateway_form = GatewayForm(self.preferences, gateway_box)
        self.gateway_form.saved.connect(self._gateway_saved)
        self.gateway_form.busy_changed.connect(lambda busy: self.save_button.setEnabled(not busy))
        self._gateway_was_saved = False
        self.connect_button = QPushButton(self.tr("Connect WhatsApp…"), gateway_box)
        self.connect_button.clicked.connect(self.connect_whatsapp_requested)
        connect_row = QHBoxLayout()
        connect_row.addWidget(self.connect_button)
        connect_row.addStretch(1)
        gateway_layout = QVBoxLayout(gateway_box)
        gateway_layout.addWidget(self.gateway_form)
        gateway_layout.addLayout(connect_row)
        self.local_panel = LocalServerPanel(webhook_url, secret, page)
        # The webhook to paste by hand: only without a gateway the server sets up itself.
        self.local_panel.setVisible(bool(webhook_url) and self._manual_webhooks())
        self.gateway_form.kind.currentIndexChanged.connect(
            lambda _i: self.local_panel.setVisible(bool(webhook_url) and self._manual_webhooks())
        )
        self.local_restricted = QLabel(
            self.tr(
                "Only an administrator can change the ticket rules, the port and the "
                "webhook secret of the local server."
            ),
            page,
        )
        self.local_restricted.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.addWidget(self.local_restricted)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(gateway_box)
        layout.addWidget(self.local_panel)
        layout.addStretch(1)
        self.local_restricted.setVisible(not self.may_configure_local_server)
        if not self.may_configure_local_server:
            for row in range(form.rowCount()):
                form.setRowVisible(row, False)
            note.setVisible(False)
            gateway_box.setVisible(False)
            self.local_panel.setVisible(False)  # it shows the webhook secret
        return page

    def _build_general(self) -> QWidget:
        page = QWidget(self)
        self.start_at_login = QCheckBox(self.tr("Start Sportello when I log in to this computer"))
        enabled = self.preferences.start_at_login
        if self._autostart is not None:
            try:
                enabled = self._autostart.enabled()
            except OSError as exc:
                log.warning("cannot read the start-at-login setting: %s", exc)
        self.start_at_login.setChecked(enabled)
        self.language = QComboBox(page)
        self.language.setAccessibleName(self.tr("Language"))
        self.language.addItem(self.tr("System language"), Language.SYSTEM.value)
        self.language.addItem("Italiano", Language.ITALIAN.value)
        self.language.addItem("English", Language.ENGLISH.value)
        self.language.setCurrentIndex(
            max(0, self.language.findData(self.preferences.language.value))
        )
        language_note = QLabel(self.tr("The window reopens in the chosen language when you save."))
        language_note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Language"), self.language)
        form.addRow("", language_note)
        layout = QVBoxLayout(page)
        layout.addWidget(self.start_at_login)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    # ---- local --------------------------------------------------------------------------

    def _manual_webhooks(self) -> bool:
        return self.gateway_form.chosen_kind is GatewayKind.NONE

    def _browse_rules(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            self.tr("Ticket rules file"),
            self.rules_path.text(),
            self.tr("TOML files (*.toml);;All files (*)"),
        )
        if path:
            self.rules_path.setText(path)
            self._check_rules()

    def _clear_rules_error(self, _text: str = "") -> None:
        self.rules_error.setVisible(False)

    def _check_rules(self) -> bool:
        text = self.rules_path.text().strip()
        problem = validate_rules_file(Path(text)) if text else None
        self.rules_error.setText(problem or "")
        self.rules_error.setVisible(problem is not None)
        return problem is None

    # ---- save ---------------------------------------------------------------------------

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def save(self) -> None:
        """Validate, persist, apply start-at-login; stay open on any problem."""
        self._show_error("")
        if self.may_configure_local_server and not self._check_rules():
            self.tabs.setCurrentIndex(2)
            self.rules_path.setFocus()
            return
        if self.may_configure_local_server and self.gateway_form.dirty:
            # Checked with the gateway first; `_gateway_saved` comes back here if it agrees.
            self.tabs.setCurrentIndex(2)
            self.gateway_form.submit()
            return
        for box in self.remind.values():
            problem = interval_problem(box.value())
            if problem is not None:
                self._show_error(
                    self.tr("Reminder interval (%1): %2")
                    .replace("%1", box.accessibleName())
                    .replace("%2", problem)
                )
                self.tabs.setCurrentIndex(1)
                box.setFocus()
                return
        prefs = self.preferences
        prefs.save_notifications(
            NotificationPreferences(
                enabled=self.notify_enabled.isChecked(),
                sound=self.sound_enabled.isChecked(),
                volume=self.volume.value(),
                only_new_tickets=self.only_new_tickets.isChecked(),
                quiet_hours=self.quiet_hours.isChecked(),
                quiet_start=self.quiet_start.time().toString("HH:mm"),
                quiet_end=self.quiet_end.time().toString("HH:mm"),
                remind_urgent=self.remind["remind_urgent"].value(),
                remind_high=self.remind["remind_high"].value(),
                remind_medium=self.remind["remind_medium"].value(),
                remind_low=self.remind["remind_low"].value(),
                urgent_ignores_quiet=self.urgent_ignores_quiet.isChecked(),
            )
        )
        self.notifications_changed.emit()
        want_autostart = self.start_at_login.isChecked()
        if self._autostart is not None:
            try:
                if want_autostart != self._autostart.enabled():
                    if want_autostart:
                        self._autostart.enable()
                    else:
                        self._autostart.disable()
            except (autostart_module.AutostartError, OSError) as exc:
                self._show_error(self.tr("Start at login: %1.").replace("%1", reason(exc)))
                self.tabs.setCurrentIndex(3)
                return
        prefs.start_at_login = want_autostart
        rules_changed = port_changed = False
        rules: Path | None = None
        if self.may_configure_local_server:
            text = self.rules_path.text().strip()
            rules = Path(text) if text else None
            rules_changed = rules != prefs.rules_file
            prefs.rules_file = rules
            port_changed = self.port.value() != prefs.local_port
            prefs.local_port = self.port.value()
        language = Language(self.language.currentData())
        language_changed = language != prefs.language
        prefs.language = language
        prefs.sync()
        if rules_changed:
            self.rules_file_changed.emit(rules)
        if port_changed:
            self.local_port_changed.emit(self.port.value())
        if language_changed:
            self.language_changed.emit(language.value)
        if self._gateway_was_saved:
            self.gateway_changed.emit()
        self.accept()

    def _gateway_saved(self, _settings: object) -> None:
        self._gateway_was_saved = True
        self.save()  # the rest of the dialog, now that nothing is left to check


def _parse_time(text: str, fallback: QTime) -> QTime:
    parsed = QTime.fromString(text, "HH:mm")
    return parsed if parsed.isValid() else fallback
