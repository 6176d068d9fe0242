"""The settings dialog: rules file checked on save, start at login, alerts, language, profiles."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTime

from sportello.app import StartLocal
from sportello.desktop.autostart import XdgAutostart
from sportello.domain.values import Priority
from sportello.ui.i18n import install_translators
from sportello.ui.preferences import (
    Language,
    NotificationPreferences,
    Preferences,
    ProfileKind,
    ProfileRecord,
)
from sportello.ui.settings_dialog import SettingsDialog
from tests.desktop_integration.app_driver import WAIT_MS, AppUnderTest, run
from tests.desktop_integration.local_harness import post_webhook
from tests.support.payloads import numbered_wpp_message
from tests.support.ports import free_port

BOILER_RULES = """\
[[priority]]
name = "caldaia"
priority = "HIGH"
keywords = ["caldaia"]
"""


def _dialog(qtbot, home, **kwargs) -> SettingsDialog:  # type: ignore[no-untyped-def]
    dialog = SettingsDialog(Preferences(), autostart=XdgAutostart(home.config), **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_a_broken_rules_file_is_refused_on_save_with_file_and_line(home, qtbot, tmp_path):
    broken = tmp_path / "regole.toml"
    broken.write_text(
        '[[priority]]\nname = "x"\nkeywords = ["guasto"]\npriority = "SUBITO"\n', encoding="utf-8"
    )
    dialog = _dialog(qtbot, home)
    dialog.rules_path.setText(str(broken))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # nothing saved, the operator fixes it
    assert dialog.rules_error.isVisible()
    assert dialog.rules_error.text().startswith(f"{broken}:4:")
    assert dialog.tabs.currentIndex() == 2
    assert Preferences().rules_file is None

    broken.write_text(BOILER_RULES, encoding="utf-8")
    with qtbot.waitSignal(dialog.rules_file_changed) as changed:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert changed.args == [broken]
    assert not dialog.isVisible()
    assert Preferences().rules_file == broken


def test_a_missing_rules_file_is_refused(home, qtbot, tmp_path):
    dialog = _dialog(qtbot, home)
    dialog.rules_path.setText(str(tmp_path / "non-esiste.toml"))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "non-esiste.toml" in dialog.rules_error.text()


def test_start_at_login_writes_and_removes_the_autostart_entry(home, qtbot):
    entry = home.config / "autostart" / "sportello.desktop"
    dialog = _dialog(qtbot, home)
    assert not dialog.start_at_login.isChecked()
    dialog.start_at_login.setChecked(True)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    text = entry.read_text(encoding="utf-8")
    assert "Exec=" in text and "sportello --minimized" in text
    assert "X-GNOME-Autostart-enabled=true" in text
    assert Preferences().start_at_login

    dialog = _dialog(qtbot, home)
    assert dialog.start_at_login.isChecked()
    dialog.start_at_login.setChecked(False)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not entry.exists()


def test_alert_choices_are_saved_and_shown_again(home, qtbot):
    dialog = _dialog(qtbot, home)
    dialog.only_new_tickets.setChecked(True)
    dialog.volume.setValue(35)
    dialog.quiet_hours.setChecked(True)
    dialog.quiet_start.setTime(QTime(21, 30))
    dialog.quiet_end.setTime(QTime(6, 45))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert Preferences().notifications() == NotificationPreferences(
        enabled=True,
        sound=True,
        volume=35,
        only_new_tickets=True,
        quiet_hours=True,
        quiet_start="21:30",
        quiet_end="06:45",
    )
    again = _dialog(qtbot, home)
    assert again.quiet_start.time() == QTime(21, 30) and again.volume.value() == 35


def test_removing_a_profile_forgets_its_token(home, qtbot):
    from sportello.desktop import credentials

    prefs = Preferences()
    prefs.save_profile(ProfileRecord("Magazzino", "http://10.0.0.5:3200", "luca", "7"))
    credentials.save_token("Magazzino", "tok-magazzino-123")
    dialog = _dialog(qtbot, home)
    assert dialog.servers_tab.profiles_model.stringList() == ["Magazzino — luca on 10.0.0.5:3200"]
    with qtbot.waitSignal(dialog.profile_logged_out):
        dialog.servers_tab.remove_profile_named("Magazzino")
    assert credentials.load_token("Magazzino") is None
    assert Preferences().profiles() == []


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_local_mode_settings_apply_rules_and_language_by_reopening(
    home, qapp, qtbot, qt_loop, tmp_path: Path
):
    rules = tmp_path / "regole.toml"
    rules.write_text(BOILER_RULES, encoding="utf-8")
    app = AppUnderTest(qapp, qtbot, StartLocal(free_port()))
    first = app.wait_console()
    try:
        app.desktop.menus.settings_action.trigger()
        dialog = first.findChild(SettingsDialog)
        assert dialog is not None
        assert dialog.local_panel.url_field.text() == app.desktop.supervisor.webhook_url
        dialog.rules_path.setText(str(rules))
        dialog.language.setCurrentIndex(dialog.language.findData(Language.ITALIAN.value))
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

        # The console reopens: in Italian, on a local server that uses the new rules.
        qtbot.waitUntil(lambda: app.desktop.window not in (None, first), timeout=WAIT_MS)
        window = app.wait_console()
        assert app.desktop.menus.settings_action.text() == "&Impostazioni…"
        assert app.desktop.supervisor.config.rules_file == rules
        assert Preferences().profile("local").kind is ProfileKind.LOCAL
        sup = app.desktop.supervisor

        async def post() -> int:
            import aiohttp

            async with aiohttp.ClientSession() as http:
                body = "Buongiorno, la caldaia fa un rumore strano"
                return await post_webhook(
                    http, sup.base_url, sup.webhook_secret, numbered_wpp_message(1, body)
                )

        assert run(qtbot, post()) == 200
        model = window.conversations.model
        qtbot.waitUntil(
            lambda: model.rowCount() == 1 and model.conversation_at(0).ticket is not None,
            timeout=WAIT_MS,
        )
        assert model.conversation_at(0).ticket.priority is Priority.HIGH
        assert app.quit() == 0
    finally:
        install_translators(qapp, "en")
