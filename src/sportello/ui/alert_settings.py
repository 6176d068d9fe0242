"""The operator's notification choices (QSettings) as the alert policy's settings.

Read again before every decision, so a choice saved in Settings applies at once; shared by
the desk (`ui/desktop_alerts.py`) and, through it, every connected profile's alerts.
"""

from __future__ import annotations

from datetime import datetime
from datetime import time as clock_time

from sportello.domain.alerts import AlertSettings
from sportello.domain.escalation import EscalationSettings, escalation_settings
from sportello.domain.values import Priority
from sportello.ui.preferences import NotificationPreferences


def local_now() -> datetime:
    """Local wall-clock time, aware: quiet hours and pauses are local."""
    return datetime.now().astimezone()


def _parse_clock(text: str) -> clock_time | None:
    try:
        hours, minutes = text.strip().split(":")
        return clock_time(int(hours), int(minutes))
    except ValueError:
        return None


def alert_settings(prefs: NotificationPreferences, paused_until: datetime | None) -> AlertSettings:
    """The policy's view of the choices; quiet hours with a damaged clock are off."""
    quiet = None
    if prefs.quiet_hours:
        start, end = _parse_clock(prefs.quiet_start), _parse_clock(prefs.quiet_end)
        if start is not None and end is not None:
            quiet = (start, end)
    return AlertSettings(
        notifications=prefs.enabled,
        sound=prefs.sound,
        only_new_tickets=prefs.only_new_tickets,
        quiet_hours=quiet,
        paused_until=paused_until,
    )


def escalation_of(prefs: NotificationPreferences) -> tuple[EscalationSettings, list[str]]:
    """The re-alert intervals chosen in the settings; a damaged value keeps its default."""
    return escalation_settings(
        {
            Priority.URGENT: prefs.remind_urgent,
            Priority.HIGH: prefs.remind_high,
            Priority.MEDIUM: prefs.remind_medium,
            Priority.LOW: prefs.remind_low,
        },
        prefs.urgent_ignores_quiet,
    )


__all__ = ["alert_settings", "escalation_of", "local_now"]
