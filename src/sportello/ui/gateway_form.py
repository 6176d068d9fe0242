"""The gateway fields of local-server mode, checked before they are saved.

WPPConnect Server (address, session, secret key) or the WhatsApp Cloud API (phone number
id, access token, app secret, verify token). `submit()` asks the gateway whether it
answers and accepts them (desktop/gateway_check.py) and saves only then: the address and
names in the preferences, the secrets in the keyring (desktop/local_gateway.py). What is
wrong is said in one sentence under the fields. The secret fields start empty: a stored
secret is never shown again, and an empty field keeps it.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from sportello.desktop import local_gateway
from sportello.desktop.credentials import CredentialsUnavailable
from sportello.desktop.gateway_check import (
    GatewayProblem,
    check_cloud_api,
    check_wppconnect,
    normal_url,
)
from sportello.desktop.local_gateway import GatewayKind, GatewaySecrets, GatewaySettings
from sportello.desktop.local_operator import off_the_loop
from sportello.ui.error_texts import reason
from sportello.ui.labels import tr
from sportello.ui.preferences import Preferences
from sportello.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

ERROR_STYLE = "color: #9b1c1c; background: #fdecec; padding: 6px 8px; border-radius: 4px;"
OK_STYLE = "color: #1f5c45; background: #e3f2ec; padding: 6px 8px; border-radius: 4px;"


class GatewayForm(QWidget):
    """Choose and fill in the gateway; `submit()` checks and saves, then emits `saved`."""

    saved = Signal(object)  # the GatewaySettings now stored
    busy_changed = Signal(bool)

    def __init__(self, preferences: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preferences = preferences
        self.runner = TaskRunner(self)
        self.busy = False
        start = preferences.local_gateway()
        self._start = start
        self.kind = QComboBox(self)
        self.kind.setAccessibleName(self.tr("WhatsApp gateway"))
        self.kind.addItem(self.tr("None for now (webhooks only)"), GatewayKind.NONE.value)
        self.kind.addItem(self.tr("WPPConnect Server"), GatewayKind.WPPCONNECT.value)
        self.kind.addItem(self.tr("WhatsApp Cloud API (Meta)"), GatewayKind.CLOUD_API.value)
        self.kind.setCurrentIndex(max(0, self.kind.findData(start.kind.value)))
        self.kind.currentIndexChanged.connect(self._kind_chosen)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(self.tr("Gateway check"))
        self.message.setVisible(False)
        # One form, its rows shown by gateway: the labels of every row line up.
        self.grid = QFormLayout()
        self.grid.addRow(self.tr("Gateway"), self.kind)
        self._rows: dict[GatewayKind, list[int]] = {GatewayKind.NONE: []}
        self._add_wppconnect_rows(start)
        self._add_cloud_rows(start)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.grid)
        layout.addWidget(self.message)
        self._kind_chosen()

    def _secret_field(self, name: str, saved: bool) -> QLineEdit:
        field = QLineEdit(self)
        field.setEchoMode(QLineEdit.EchoMode.Password)
        field.setAccessibleName(name)
        if saved:
            field.setPlaceholderText(self.tr("saved: leave empty to keep it"))
        field.textEdited.connect(self._edited)
        return field

    def _text_field(self, text: str, name: str, placeholder: str) -> QLineEdit:
        field = QLineEdit(text, self)
        field.setAccessibleName(name)
        field.setPlaceholderText(placeholder)
        field.textEdited.connect(self._edited)
        return field

    def _add_rows(self, kind: GatewayKind, rows: list[tuple[str, QWidget]]) -> None:
        first = self.grid.rowCount()
        for label, widget in rows:
            self.grid.addRow(label, widget)
        self._rows[kind] = list(range(first, self.grid.rowCount()))

    def _add_wppconnect_rows(self, start: GatewaySettings) -> None:
        self.wpp_url = self._text_field(
            start.wppconnect_url, self.tr("WPPConnect Server address"), "http://localhost:21465"
        )
        self.wpp_session = self._text_field(
            start.wppconnect_session, self.tr("Session name"), local_gateway.DEFAULT_SESSION
        )
        saved = start.kind is GatewayKind.WPPCONNECT
        self.wpp_secret = self._secret_field(self.tr("Secret key"), saved)
        hint = QLabel(
            self.tr(
                "The secret key is SECRET_KEY in WPPConnect Server's configuration. "
                "WPPConnect Server must run on this computer: Sportello gives it its own "
                "address for the webhooks."
            ),
            self,
        )
        hint.setWordWrap(True)
        self._add_rows(
            GatewayKind.WPPCONNECT,
            [
                (self.tr("Address"), self.wpp_url),
                (self.tr("Session"), self.wpp_session),
                (self.tr("Secret key"), self.wpp_secret),
                ("", hint),
            ],
        )

    def _add_cloud_rows(self, start: GatewaySettings) -> None:
        self.meta_number = self._text_field(
            start.meta_phone_number_id, self.tr("Phone number ID"), "109876543210987"
        )
        saved = start.kind is GatewayKind.CLOUD_API
        self.meta_token = self._secret_field(self.tr("Access token"), saved)
        self.meta_app_secret = self._secret_field(self.tr("App secret"), saved)
        self.meta_verify = self._secret_field(self.tr("Verify token"), saved)
        self._add_rows(
            GatewayKind.CLOUD_API,
            [
                (self.tr("Phone number ID"), self.meta_number),
                (self.tr("Access token"), self.meta_token),
                (self.tr("App secret"), self.meta_app_secret),
                (self.tr("Verify token"), self.meta_verify),
            ],
        )

    # ---- reading ------------------------------------------------------------------------

    @property
    def chosen_kind(self) -> GatewayKind:
        return GatewayKind(self.kind.currentData())

    def settings(self) -> GatewaySettings:
        """What the fields say now (not secret)."""
        return replace(
            self._start,
            kind=self.chosen_kind,
            wppconnect_url=normal_url(self.wpp_url.text()),
            wppconnect_session=self.wpp_session.text().strip(),
            meta_phone_number_id=self.meta_number.text().strip(),
        )

    def typed_secrets(self) -> GatewaySecrets:
        return GatewaySecrets(
            wppconnect_secret_key=self.wpp_secret.text(),
            meta_access_token=self.meta_token.text().strip(),
            meta_app_secret=self.meta_app_secret.text().strip(),
            meta_verify_token=self.meta_verify.text().strip(),
        )

    @property
    def dirty(self) -> bool:
        """Something differs from what is saved (a typed secret always does)."""
        typed = self.typed_secrets()
        return self.settings() != self._start or any(
            getattr(typed, name) for name in local_gateway.SECRETS_OF[self.chosen_kind]
        )

    # ---- checking and saving ------------------------------------------------------------

    def submit(self) -> None:
        """Check the fields with the gateway and save them if it accepts them."""
        if self.busy:
            return
        self._set_busy(True)
        self.show_message(self.tr("Checking with the gateway…"), OK_STYLE)
        self.runner.run(self.check_and_save(), on_done=self._checked, on_error=self._failed)

    async def check_and_save(self) -> GatewayProblem | None:
        """None once checked and saved; the problem otherwise (nothing saved then)."""
        settings, typed = self.settings(), self.typed_secrets()
        stored = await off_the_loop(local_gateway.load_secrets)
        # An empty secret field keeps the stored one (it is never shown back).
        secrets = GatewaySecrets(
            **{
                name: getattr(typed, name) or getattr(stored, name)
                for name in GatewaySecrets.__dataclass_fields__
            }
        )
        problem = await _check(settings, secrets)
        if problem is not None:
            log.info("gateway settings refused (%s): %s", problem.code, problem.detail)
            return problem
        try:
            await off_the_loop(lambda: local_gateway.save_secrets(settings.kind, secrets))
        except (CredentialsUnavailable, OSError) as exc:
            # Checked but not kept: the detail is the operator's words for why, this once.
            return GatewayProblem("not_saved", "", reason(exc))
        self.preferences.save_local_gateway(settings)
        self._start = settings
        return None

    def _checked(self, problem: GatewayProblem | None) -> None:
        self._set_busy(False)
        if problem is not None:
            self.show_message(problem_text(problem, self.settings()), ERROR_STYLE)
            focus = self._field(problem.field)
            if focus is not None:
                focus.setFocus()
            return
        for field in (self.wpp_secret, self.meta_token, self.meta_app_secret, self.meta_verify):
            field.clear()
        self.show_message(self.tr("Checked: the gateway accepts them. Saved."), OK_STYLE)
        self.saved.emit(self._start)

    def _failed(self, error: Exception) -> None:
        self._set_busy(False)
        self.show_message(
            self.tr("The gateway cannot be checked: %1.").replace("%1", reason(error)), ERROR_STYLE
        )

    def show_message(self, text: str, style: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(style)
        self.message.setVisible(bool(text))

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for row in range(self.grid.rowCount()):
            item = self.grid.itemAt(row, QFormLayout.ItemRole.FieldRole)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setEnabled(not busy)
        self.busy_changed.emit(busy)

    def _field(self, name: str) -> QLineEdit | None:
        return {
            "wppconnect_url": self.wpp_url,
            "wppconnect_session": self.wpp_session,
            "wppconnect_secret_key": self.wpp_secret,
            "meta_phone_number_id": self.meta_number,
            "meta_access_token": self.meta_token,
            "meta_app_secret": self.meta_app_secret,
            "meta_verify_token": self.meta_verify,
        }.get(name)

    def _kind_chosen(self, _index: int = 0) -> None:
        chosen = self.chosen_kind
        for kind, rows in self._rows.items():
            for row in rows:
                self.grid.setRowVisible(row, kind is chosen)
        self._edited()

    def _edited(self, _text: str = "") -> None:
        if not self.busy:
            self.message.setVisible(False)


async def _check(settings: GatewaySettings, secrets: GatewaySecrets) -> GatewayProblem | None:
    if settings.kind is GatewayKind.WPPCONNECT:
        return await check_wppconnect(
            settings.wppconnect_url, settings.wppconnect_session, secrets.wppconnect_secret_key
        )
    if settings.kind is GatewayKind.CLOUD_API:
        return await check_cloud_api(
            settings.meta_graph_url,
            settings.meta_phone_number_id,
            secrets.meta_access_token,
            secrets.meta_app_secret,
            secrets.meta_verify_token,
        )
    return None


def problem_text(problem: GatewayProblem, settings: GatewaySettings) -> str:
    """What is wrong, in one sentence of the operator's language."""
    wpp = settings.wppconnect_url
    missing = {
        "wppconnect_url": tr("Enter the address of WPPConnect Server."),
        "wppconnect_session": tr("Enter the name of the WhatsApp session."),
        "wppconnect_secret_key": tr("Enter the secret key of WPPConnect Server."),
        "meta_phone_number_id": tr("Enter the phone number ID of the Cloud API."),
        "meta_access_token": tr("Enter the access token of the Cloud API."),
        "meta_app_secret": tr("Enter the app secret of the Meta app."),
        "meta_verify_token": tr("Enter the verify token of the Meta webhook."),
    }
    if problem.code == "missing_field":
        return missing.get(problem.field, tr("Fill in every field."))
    texts = {
        "bad_url": tr("%1 is not a web address: write it as http://computer:21465."),
        "bad_session": tr("The session name may hold only letters, digits, - and _."),
        "bad_secret": tr(
            "WPPConnect's secret key is not correct: copy SECRET_KEY from WPPConnect "
            "Server's configuration."
        ),
        "not_wppconnect": tr(
            "%1 answers, but it is not WPPConnect Server: check the address and the port."
        ),
        "bad_token": tr(
            "Meta refused the access token: it is wrong or has expired. Make a new one in "
            "Meta's developer pages."
        ),
        "unknown_number": tr(
            "Meta does not know this phone number ID with this token: copy it from "
            "WhatsApp > API Setup."
        ),
        "unexpected_answer": tr("The Graph API gave an answer Sportello does not expect."),
        "not_saved": tr("Checked, but not saved: %1.").replace("%1", problem.detail),
    }
    if problem.code == "unreachable":
        if problem.field == "wppconnect_url":
            return tr(
                "WPPConnect Server does not answer at %1: check the address and that it is running."
            ).replace("%1", wpp)
        return tr("The Graph API does not answer: check the internet connection.")
    text = texts.get(problem.code, tr("The gateway refused these settings."))
    return text.replace("%1", wpp)


class GatewaySetupDialog(QDialog):
    """Local mode's first run: which WhatsApp gateway, checked before the server starts.

    "Check and save" closes it once the gateway accepted the fields (accepted); "Later"
    starts the server without a gateway (rejected): Settings > Local server has the same
    fields.
    """

    def __init__(self, preferences: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Sportello: WhatsApp gateway"))
        self.setMinimumWidth(600)
        title = QLabel(self.tr("How does this computer reach WhatsApp?"), self)
        title.setStyleSheet("font-size: 13pt; font-weight: bold;")
        intro = QLabel(
            self.tr(
                "Sportello's server runs on this computer. Tell it which WhatsApp gateway to "
                "use: it checks the settings now, then links the office number (with "
                "WPPConnect Server you scan a QR code with the office phone)."
            ),
            self,
        )
        intro.setWordWrap(True)
        self.form = GatewayForm(preferences, self)
        if self.form.chosen_kind is GatewayKind.NONE:
            self.form.kind.setCurrentIndex(self.form.kind.findData(GatewayKind.WPPCONNECT.value))
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(
            self.tr("Check and save"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.later_button = buttons.addButton(
            self.tr("Later"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.save_button.setDefault(True)
        buttons.accepted.connect(self.form.submit)
        buttons.rejected.connect(self.reject)
        self.form.saved.connect(lambda _settings: self.accept())
        self.form.busy_changed.connect(lambda busy: self.save_button.setEnabled(not busy))
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.form)
        layout.addWidget(buttons)
