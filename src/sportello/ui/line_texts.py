"""What the Connect WhatsApp panel says for each state of the line, in one place.

Keyed by the server's state (client/line_info.py); the server's English `detail` goes to
the log, never on screen. `local` is local-server mode, where the administrator fixes the
gateway in Settings > Local server; elsewhere the server's flags are someone else's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sportello.client.line_info import LineInfo, LineStatus
from sportello.domain.phone import normalize_phone
from sportello.ui.labels import tr


class Tone(StrEnum):
    OK = "ok"  # linked
    WAIT = "wait"  # nothing to do but wait
    ACT = "act"  # the office phone or the admin has something to do
    ERROR = "error"  # something is set up wrong


@dataclass(frozen=True, slots=True)
class LineWords:
    headline: str
    explanation: str = ""
    steps: tuple[str, ...] = ()
    tone: Tone = Tone.WAIT
    number: str = ""  # the linked number, shown large


def phone_display(digits: str) -> str:
    """+39 333 123 4567 for 393331234567 (the digits as they are if not a number)."""
    return normalize_phone(digits + "@c.us").display if digits.isdigit() else digits


def linking_steps(by_code: bool) -> tuple[str, ...]:
    first = tr("Open WhatsApp on the office phone > Linked devices > Link a device")
    if by_code:
        return (first, tr("Tap “Link with phone number instead” and type this code"))
    return (first, tr("Scan this code"))


def line_words(
    info: LineInfo, *, local: bool, gateway_url: str = "", was_linked: bool = False
) -> LineWords:
    """The panel's words for what the server says of the line."""
    status = info.status
    if status is LineStatus.CONNECTED:
        return LineWords(
            tr("Connected"),
            tr("Customers' messages arrive in Sportello and replies go out from this number."),
            tone=Tone.OK,
            number=phone_display(info.phone) if info.phone else "",
        )
    if status is LineStatus.QRCODE:
        return LineWords(
            tr("Scan this code with the office phone"),
            tr(
                "The code changes every 20 seconds or so; if nobody scans it within a minute, "
                "WhatsApp closes the session and Sportello offers a new code."
            ),
            linking_steps(by_code=False),
            Tone.ACT,
        )
    if status is LineStatus.PHONECODE:
        return LineWords(
            tr("Type this code on the office phone"), "", linking_steps(by_code=True), Tone.ACT
        )
    if status is LineStatus.STARTING:
        return LineWords(
            tr("Starting the WhatsApp session…"),
            tr("WPPConnect Server is opening WhatsApp: the code appears here in a few seconds."),
        )
    if status is LineStatus.CLOSED:
        why = (
            tr(
                "The office phone removed this linked device: WhatsApp messages no longer "
                "arrive. Ask for a new code and scan it again."
            )
            if was_linked
            else tr(
                "The code was not scanned in time, or the phone removed this linked device. "
                "Ask for a new code and scan it."
            )
        )
        return LineWords(tr("The WhatsApp session is closed"), why, tone=Tone.ACT)
    if status is LineStatus.UNREACHABLE:
        text = (
            tr(
                "Sportello's server gets no answer from WPPConnect Server at %1: check that "
                "it is running."
            ).replace("%1", gateway_url)
            if gateway_url
            else tr(
                "Sportello's server gets no answer from WPPConnect Server: check that it is "
                "running and that the server's --wppconnect-url is right."
            )
        )
        return LineWords(tr("WPPConnect Server cannot be reached"), text, tone=Tone.ERROR)
    if status is LineStatus.BAD_SECRET:
        text = (
            tr(
                "Correct it in Settings > Local server: it is SECRET_KEY in WPPConnect "
                "Server's configuration."
            )
            if local
            else tr(
                "An administrator must correct the server's --wppconnect-secret-key: it is "
                "SECRET_KEY in WPPConnect Server's configuration."
            )
        )
        return LineWords(tr("WPPConnect's secret key is not correct"), text, tone=Tone.ERROR)
    if status is LineStatus.NOT_CONFIGURED:
        text = (
            tr(
                "Enter WPPConnect Server's address, session and secret key in Settings > "
                "Local server."
            )
            if local
            else tr(
                "The server was started without --wppconnect-url: an administrator must set it."
            )
        )
        return LineWords(tr("No WhatsApp gateway is set up"), text, tone=Tone.ERROR)
    return LineWords(
        tr("The WhatsApp line is in a state this version of Sportello does not know"),
        tr("Update Sportello to see what it means."),
    )


def ask_admin_words() -> LineWords:
    return LineWords(
        tr("Only an administrator can connect WhatsApp"),
        tr("Ask an administrator: whoever scans the code controls the office's WhatsApp number."),
    )


def not_offered_words() -> LineWords:
    return LineWords(
        tr("This server cannot connect WhatsApp from Sportello"),
        tr("It is an older version: link the office phone in WPPConnect Server's own pages."),
        tone=Tone.ERROR,
    )


def loading_words() -> LineWords:
    return LineWords(tr("Reading the state of WhatsApp…"))


def unreadable_words(why: str) -> LineWords:
    return LineWords(
        tr("The state of WhatsApp cannot be read"),
        tr("%1. It is read again when the connection to the server is back.").replace("%1", why),
        tone=Tone.ERROR,
    )


def read_receipts_advice() -> str:
    """Why and how to switch off WPPConnect's own read receipts (issue 13, blue ticks)."""
    return tr(
        "In WPPConnect Server's configuration set webhook.readMessage to false (and keep "
        "autoDownload true): otherwise customers see blue ticks before anyone in the office "
        "has read their message."
    )
