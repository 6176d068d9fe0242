"""Translatable words for domain values (priorities, statuses, times), in one place.

Every string goes through QCoreApplication.translate with English source text, so the
Italian translation file can cover them later without touching the widgets.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import QCoreApplication, QDate, QLocale

from sportello.domain.values import Priority, TicketStatus

_CTX = "labels"


def tr(text: str) -> str:
    """Translate text written as a bare `tr("...")` (module functions) or `labels.tr("...")`.

    pyside6-lupdate files bare `tr()` calls under the empty context and `labels.tr()` calls
    from other modules under "labels"; the translation is looked up in both.
    """
    found = QCoreApplication.translate("", text)
    return found if found != text else QCoreApplication.translate(_CTX, text)


def priority_label(priority: Priority) -> str:
    return {
        Priority.URGENT: tr("Urgent"),
        Priority.HIGH: tr("High"),
        Priority.MEDIUM: tr("Medium"),
        Priority.LOW: tr("Low"),
    }[priority]


def status_label(status: TicketStatus) -> str:
    return {
        TicketStatus.PENDING: tr("Pending"),
        TicketStatus.ASSIGNED: tr("Assigned"),
        TicketStatus.IN_PROGRESS: tr("In progress"),
        TicketStatus.RESOLVED: tr("Resolved"),
        TicketStatus.CLOSED: tr("Closed"),
    }[status]


def parse_timestamp(stamp: str) -> datetime | None:
    """Wire timestamps (ISO 8601 UTC with Z) as local, aware datetimes; None if unparsable."""
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone()


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def list_time(stamp: str, today: date | None = None) -> str:
    """Conversation list time: HH:MM today, "Yesterday", else the short date."""
    moment = parse_timestamp(stamp)
    if moment is None:
        return ""
    today = today or date.today()
    day = moment.date()
    if day == today:
        return moment.strftime("%H:%M")
    if day == today - timedelta(days=1):
        return tr("Yesterday")
    # Day/month/year: what Italian operators read without thinking, whatever the OS locale.
    return moment.strftime("%d/%m/%y")


def clock_time(stamp: str) -> str:
    moment = parse_timestamp(stamp)
    return moment.strftime("%H:%M") if moment else ""


def day_label(day: date, today: date | None = None) -> str:
    """Thread day separator: "Today", "Yesterday", else the long date."""
    today = today or date.today()
    if day == today:
        return tr("Today")
    if day == today - timedelta(days=1):
        return tr("Yesterday")
    return QLocale().toString(_qdate(day), "dddd d MMMM yyyy")


def media_label(kind: str) -> str:
    return {
        "image": tr("Photo"),
        "audio": tr("Voice message"),
        "video": tr("Video"),
        "document": tr("Document"),
        "sticker": tr("Sticker"),
        "location": tr("Location"),
        "contact": tr("Contact card"),
    }.get(kind, tr("Attachment"))
