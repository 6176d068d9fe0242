"""Settings > Notifications: the re-alert intervals and "URGENT ignores pause and quiet
hours", saved to QSettings and read back into the escalation settings; a damaged stored
value keeps its default (offscreen widgets, a real INI file)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from sportello.domain.escalation import DEFAULT_INTERVALS, MAX_INTERVAL
from sportello.domain.values import Priority
from sportello.ui.desktop_alerts import escalation_of
from sportello.ui.preferences import NotificationPreferences, Preferences
from sportello.ui.settings_dialog import SettingsDialog


def preferences(tmp_path: Path) -> Preferences:
    return Preferences(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def test_intervals_and_the_urgent_option_are_saved_and_used(tmp_path: Path, qtbot: QtBot) -> None:
    dialog = SettingsDialog(preferences(tmp_path))
    qtbot.addWidget(dialog)
    assert dialog.remind["remind_urgent"].value() == 30
    assert dialog.remind["remind_low"].text() == "never"  # 0: no reminder
    assert dialog.urgent_ignores_quiet.isChecked()  # on by default
    assert dialog.remind["remind_high"].maximum() == MAX_INTERVAL
    dialog.remind["remind_urgent"].setValue(15)
    dialog.remind["remind_medium"].setValue(0)
    dialog.urgent_ignores_quiet.setChecked(False)
    with qtbot.waitSignal(dialog.notifications_changed):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    saved = preferences(tmp_path).notifications()
    assert (saved.remind_urgent, saved.remind_high, saved.remind_medium, saved.remind_low) == (
        15,
        120,
        0,
        0,
    )
    settings, problems = escalation_of(saved)
    assert problems == []
    assert settings.interval(Priority.URGENT) == 15 and settings.interval(Priority.MEDIUM) == 0
    assert settings.urgent_ignores_quiet is False
    again = SettingsDialog(preferences(tmp_path))
    qtbot.addWidget(again)
    assert (
        again.remind["remind_urgent"].value() == 15 and not again.urgent_ignores_quiet.isChecked()
    )


def test_a_damaged_stored_interval_keeps_its_default(tmp_path: Path, qtbot: QtBot) -> None:
    prefs = preferences(tmp_path)
    prefs.save_notifications(NotificationPreferences(remind_high=-5))
    prefs.settings.setValue("notifications/remind_urgent", "tra poco")
    prefs.settings.sync()
    settings, problems = escalation_of(preferences(tmp_path).notifications())
    assert settings.interval(Priority.URGENT) == DEFAULT_INTERVALS[Priority.URGENT]
    assert settings.interval(Priority.HIGH) == DEFAULT_INTERVALS[Priority.HIGH]
    assert problems == ["HIGH: -5 s is negative (0 switches the reminder off)"]
    dialog = SettingsDialog(preferences(tmp_path))  # shows something sane, not the damage
    qtbot.addWidget(dialog)
    assert dialog.remind["remind_high"].value() == 120  # the default, which is what applies


def test_interval_fields_are_as_wide_as_a_day_in_seconds_not_the_whole_dialog(
    tmp_path: Path, qtbot: QtBot
) -> None:
    dialog = SettingsDialog(preferences(tmp_path))
    qtbot.addWidget(dialog)
    dialog.resize(680, 500)
    dialog.tabs.setCurrentIndex(1)
    dialog.show()
    qtbot.waitExposed(dialog)
    for box in dialog.remind.values():
        box.setValue(MAX_INTERVAL)  # the widest value it can show: "86400 s"
        assert box.fontMetrics().horizontalAdvance(box.text()) < box.width()
        assert box.width() < dialog.width() // 4
