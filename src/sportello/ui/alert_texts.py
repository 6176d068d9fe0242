"""What a desktop notification says: pure builders from domain decisions to `NotificationView`s.

One home for every alert text and key, whether the profile is on screen or connected in
the background (`ui/profile_alerts.ProfileAlerts` builds both through here), so the two
can never word the same message differently again. A background profile's notification is
the on-screen one with the profile's name in front of its title and its key in the
profile's own space (`profile_key`), nothing else.

No widgets and no objects: only Qt's translator (the words are Italian for the operator).
The words keep the contexts they were translated in ("DesktopAlerts", "ConnectedProfiles").
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication

from sportello.client.desk_records import GatewayInfo
from sportello.client.records import Message, Ticket, conversation_preview
from sportello.client.state import ClientState
from sportello.domain.alerts import Alert, IncomingFact, ServerHint, TicketFact, Urgency
from sportello.domain.escalation import Reminder, ReminderBurst
from sportello.ui import labels
from sportello.ui.alert_resources import notification_icon
from sportello.ui.conversation_model import shown_preview
from sportello.ui.error_texts import delivery_failure_reason, sentence
from sportello.ui.escalation import wait_text
from sportello.ui.gateway_advice import gateway_advice, gateway_problem
from sportello.ui.notifications.base import NotificationView

GATEWAY_KEY = "gateway:"  # notification keys of the gateway-down warnings
FAILED_KEY = "failed:"  # a reply that did not go out: one notification per conversation
BURST_KEY = "remind:burst"  # the one notification of reminders due together
LOCAL_SERVER_KEY = "local-server:down"  # the local server gave up: it needs a restart
BURST_LISTED = 5  # tickets named in a burst's notification; the rest are "…"
KEY_PREFIX = "profile:"  # keys of background profiles: "profile:NAME\x1fKEY"
_KEY_SEPARATOR = "\x1f"
_PLACEHOLDER = re.compile(r"%(\d)")
# Called by this name, with the context written out, so pyside6-lupdate finds the words.
translate = QCoreApplication.translate


def fill(text: str, *args: str) -> str:
    """`%1`..`%9` replaced in one pass: a profile or contact name holding "%2" stays as
    written (chained `.replace` would substitute inside it)."""

    def one(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return args[index] if 0 <= index < len(args) else match.group(0)

    return _PLACEHOLDER.sub(one, text)


def profile_key(profile: str, key: str) -> str:
    """A notification key in a background profile's own space ("" = the profile on screen)."""
    return f"{KEY_PREFIX}{profile}{_KEY_SEPARATOR}{key}" if profile else key


def named(profile: str, title: str) -> str:
    """A background profile's title says which server it is about: "Roma: Mario Rossi"."""
    if not profile:
        return title
    return fill(translate("ConnectedProfiles", "%1: %2"), profile, title)


def ticket_fact(ticket: Ticket | None) -> TicketFact | None:
    if ticket is None:
        return None
    return TicketFact(ticket.id, ticket.number, ticket.conversation_id, ticket.priority)


def message_body(message: Message) -> str:
    """The notification's one line: the list's preview words ("Photo", "Unsupported
    message"), else the media word for a type the list leaves blank."""
    return shown_preview(conversation_preview(message)) or labels.media_label(str(message.type))


def incoming_fact(message: Message, state: ClientState, replayed: bool) -> IncomingFact:
    """What the alert policy is told about a customer's message."""
    conv = state.conversation(message.conversation_id)
    ticket = state.tickets.get(message.ticket_id) if message.ticket_id else None
    hint = message.notification
    sender = (
        message.sender_name
        or (conv.title if conv else "")
        or message.phone
        or translate("DesktopAlerts", "Unknown contact")
    )
    return IncomingFact(
        message_id=message.id,
        conversation_id=message.conversation_id,
        sender=sender,
        body=message_body(message),
        ticket=ticket_fact(ticket),
        hint=ServerHint(hint.title, hint.body, hint.icon, hint.sound) if hint else None,
        replayed=replayed,
    )


def _view(key: str, title: str, body: str, critical: bool) -> NotificationView:
    return NotificationView(
        key=key,
        title=title,
        body=body,
        critical=critical,
        icon=notification_icon(critical),
        open_label=translate("DesktopAlerts", "Open"),
        mark_read_label=translate("DesktopAlerts", "Mark as read"),
    )


def message_view(alert: Alert, profile: str = "") -> NotificationView:
    """The texts of a message alert (Italian: "3 nuovi messaggi da Mario Rossi")."""
    critical = alert.urgency is Urgency.CRITICAL
    if alert.count > 1:
        title = fill(
            translate("DesktopAlerts", "%n new messages from %1", "", alert.count), alert.sender
        )
        if critical:
            title = fill(translate("DesktopAlerts", "URGENT: %1"), title)
    elif alert.new_ticket and alert.ticket is not None:
        title = fill(
            translate("DesktopAlerts", "New ticket #%1 (%2): %3"),
            alert.ticket.number,
            labels.priority_label(alert.ticket.priority),
            alert.sender,
        )
    else:
        title = alert.server_title or alert.sender
        if critical:
            title = fill(translate("DesktopAlerts", "URGENT: %1"), title)
    return _view(profile_key(profile, alert.key), named(profile, title), alert.body, critical)


def _who(state: ClientState, conversation_id: str, fallback: str) -> str:
    conv = state.conversation(conversation_id)
    return (conv.title if conv is not None else "") or fallback


def reminder_view(
    reminder: Reminder, state: ClientState, key: str, profile: str = ""
) -> NotificationView:
    """A ticket nobody opened, again: "Ticket #12 (Urgente) in attesa da 3 min: Mario"."""
    ticket = reminder.ticket
    who = _who(state, ticket.conversation_id, ticket.title)
    title = fill(
        translate("DesktopAlerts", "Ticket #%1 (%2) waiting for %3: %4"),
        ticket.number,
        labels.priority_label(ticket.priority),
        wait_text(reminder.waited),
        who,
    )
    body = translate("DesktopAlerts", "Nobody has opened it yet.")
    if ticket.title and ticket.title != who:
        body = f"{ticket.title}\n{body}"
    return _view(profile_key(profile, key), named(profile, title), body, reminder.critical)


def burst_text(burst: ReminderBurst, state: ClientState) -> tuple[str, str]:
    """Title and body of the one notification of reminders due together: "3 ticket in
    attesa di essere aperti: n. 12 Urgente, n. 15 Alta, …" and a line per ticket."""
    reminders = burst.reminders
    listed = [
        fill(
            translate("DesktopAlerts", "#%1 %2"),
            r.ticket.number,
            labels.priority_label(r.ticket.priority),
        )
        for r in reminders[:3]
    ]
    listing = ", ".join(listed) + (", …" if len(reminders) > 3 else "")
    title = fill(
        translate("DesktopAlerts", "%n ticket(s) waiting to be opened: %1", "", len(reminders)),
        listing,
    )
    lines = []
    for reminder in reminders[:BURST_LISTED]:
        ticket = reminder.ticket
        lines.append(
            fill(
                translate("DesktopAlerts", "#%1 (%2) %3, waiting for %4"),
                ticket.number,
                labels.priority_label(ticket.priority),
                _who(state, ticket.conversation_id, ticket.title),
                wait_text(reminder.waited),
            )
        )
    if len(reminders) > BURST_LISTED:
        lines.append("…")
    lines.append(translate("DesktopAlerts", "Nobody has opened them yet."))
    return title, "\n".join(lines)


def burst_view(burst: ReminderBurst, state: ClientState, profile: str = "") -> NotificationView:
    title, body = burst_text(burst, state)
    return _view(profile_key(profile, BURST_KEY), named(profile, title), body, burst.critical)


def gateway_view(info: GatewayInfo, profile: str = "") -> NotificationView:
    """A WhatsApp line stopped: what happened and what to do (no "Mark as read")."""
    return NotificationView(
        key=profile_key(profile, GATEWAY_KEY + info.key),
        title=named(profile, gateway_problem(info)),
        body=fill(
            translate("DesktopAlerts", "%1: %2"), info.account or info.key, gateway_advice(info)
        ),
        critical=True,
        icon=notification_icon(True),
        open_label=translate("DesktopAlerts", "Open"),
        mark_read_label="",
        mark_read=False,
        category="network.disconnected",
    )


def failed_reply_view(
    conversation_id: str, error: str | None, state: ClientState, profile: str = ""
) -> NotificationView:
    """A reply did not go out: "Messaggio non inviato a Mario Rossi", why, and what to do
    ("Apri" opens the conversation, where Retry is; nothing to mark as read)."""
    who = _who(state, conversation_id, translate("DesktopAlerts", "Unknown contact"))
    title = fill(translate("DesktopAlerts", "Message not sent to %1"), who)
    body = fill(
        translate("DesktopAlerts", "%1 Open the conversation to send it again."),
        sentence(delivery_failure_reason(error)),
    )
    return NotificationView(
        key=profile_key(profile, FAILED_KEY + conversation_id),
        title=named(profile, title),
        body=body,
        critical=True,
        icon=notification_icon(True),
        open_label=translate("DesktopAlerts", "Open"),
        mark_read_label="",
        mark_read=False,
        category="im.error",
    )


__all__ = [
    "BURST_KEY",
    "FAILED_KEY",
    "GATEWAY_KEY",
    "LOCAL_SERVER_KEY",
    "burst_text",
    "burst_view",
    "failed_reply_view",
    "fill",
    "gateway_view",
    "incoming_fact",
    "message_body",
    "message_view",
    "named",
    "profile_key",
    "reminder_view",
    "ticket_fact",
]
