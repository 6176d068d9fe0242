"""What is wrong with a WhatsApp gateway that is down, and what to do, in one place.

The status bar (ui/desk_awareness_view.py), the tray tooltip and the one-time notification
(ui/alert_texts.py) all say it with these words, so the operator reads the same advice
wherever they look, and a new state is added once. Keyed by the gateway's `state`
(client/desk_records.GatewayInfo); a state we do not know falls back to the server's own
English `action` when the operator reads English (never inside an Italian sentence), then
to a generic line.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from sportello.client.desk_records import GatewayInfo
from sportello.ui.i18n import current_language


def gateway_problem(info: GatewayInfo) -> str:
    """What is wrong, in a few words: "WhatsApp gateway disconnected"."""
    translate = QCoreApplication.translate
    problem = {
        "DISCONNECTED": translate("GatewayAdvice", "WhatsApp gateway disconnected"),
        "UNPAIRED": translate("GatewayAdvice", "WhatsApp gateway logged out"),
        "CONFLICT": translate("GatewayAdvice", "WhatsApp is open elsewhere (another WhatsApp Web)"),
        "BLOCKED": translate("GatewayAdvice", "The WhatsApp number is blocked"),
        "UNAUTHORIZED": translate("GatewayAdvice", "The WhatsApp gateway refused the access token"),
        "UNREACHABLE": translate("GatewayAdvice", "The server cannot reach WPPConnect Server"),
    }
    return problem.get(info.state) or translate(
        "GatewayAdvice", "WhatsApp gateway down (%1)"
    ).replace("%1", info.state)


def gateway_advice(info: GatewayInfo) -> str:
    """What to do about it, as the end of a sentence: "check that the business phone ..."."""
    translate = QCoreApplication.translate
    advice = {
        "DISCONNECTED": translate(
            "GatewayAdvice",
            "check that the business phone is online and that WPPConnect Server is running.",
        ),
        "UNPAIRED": translate(
            "GatewayAdvice",
            "scan the new QR code with the business phone: an administrator opens it with "
            "Connect WhatsApp.",
        ),
        "CONFLICT": translate("GatewayAdvice", "close it there to receive messages here."),
        "BLOCKED": translate("GatewayAdvice", "check the business phone."),
        "UNAUTHORIZED": translate(
            "GatewayAdvice", "an administrator must renew it. Replies are not sent."
        ),
        "UNREACHABLE": translate(
            "GatewayAdvice",
            "check that it is running and that the server's --wppconnect-url is right.",
        ),
    }
    return (
        advice.get(info.state)
        or (info.action if current_language() == "en" else "")
        or translate("GatewayAdvice", "check the gateway connection.")
    )


def gateway_text(info: GatewayInfo) -> str:
    """The whole sentence (the status bar): "WhatsApp gateway disconnected: check that ..."."""
    return (
        QCoreApplication.translate("GatewayAdvice", "%1: %2")
        .replace("%1", gateway_problem(info))
        .replace("%2", gateway_advice(info))
    )


def gateway_line(info: GatewayInfo) -> str:
    """The tray's line, naming the account and the raw state for whoever fixes it:
    "WhatsApp gateway disconnected (sportello, DISCONNECTED): check that ..."."""
    return (
        QCoreApplication.translate("GatewayAdvice", "%1 (%2, %3): %4")
        .replace("%1", gateway_problem(info))
        .replace("%2", info.account or info.gateway or info.key)
        .replace("%3", info.state)
        .replace("%4", gateway_advice(info))
    )


__all__ = ["gateway_advice", "gateway_line", "gateway_problem", "gateway_text"]
