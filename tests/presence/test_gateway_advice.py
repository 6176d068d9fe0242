"""One text per gateway state for the status bar, the tray and the notification (issue 8):
what is wrong and what to do, in the operator's language, UNREACHABLE included."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication

from sportello.client.desk_records import GatewayInfo
from sportello.ui.gateway_advice import gateway_advice, gateway_line, gateway_problem, gateway_text
from sportello.ui.i18n import install_translators

STATES = ("DISCONNECTED", "UNPAIRED", "CONFLICT", "BLOCKED", "UNAUTHORIZED", "UNREACHABLE")


def down(state: str, action: str = "") -> GatewayInfo:
    return GatewayInfo("wppconnect:sportello", "wppconnect", "sportello", state, True, action)


def gateway_problem_english(state: str) -> str:
    install_translators(QCoreApplication.instance(), "en")  # type: ignore[arg-type]
    try:
        return gateway_problem(down(state))
    finally:
        install_translators(QCoreApplication.instance(), "it")  # type: ignore[arg-type]


@pytest.fixture
def italian(qapp: QCoreApplication) -> Iterator[None]:
    try:
        assert install_translators(qapp, "it") == "it"
        yield
    finally:
        install_translators(qapp, "en")


def test_every_state_says_what_is_wrong_and_what_to_do_the_same_way_everywhere() -> None:
    for state in STATES:
        info = down(state)
        problem, advice = gateway_problem(info), gateway_advice(info)
        assert state not in problem and advice != "check the gateway connection."
        assert gateway_text(info) == f"{problem}: {advice}"  # the status bar
        assert gateway_line(info) == f"{problem} (sportello, {state}): {advice}"  # the tray
    assert gateway_text(down("UNREACHABLE")) == (
        "The server cannot reach WPPConnect Server: check that it is running and that the"
        " server's --wppconnect-url is right."
    )


def test_a_state_we_do_not_know_uses_the_servers_words_then_a_generic_line() -> None:
    assert gateway_text(down("TIMEOUT", "restart the phone.")) == (
        "WhatsApp gateway down (TIMEOUT): restart the phone."
    )
    assert gateway_advice(down("TIMEOUT")) == "check the gateway connection."


@pytest.mark.usefixtures("italian")
def test_the_italian_operator_reads_the_same_advice_in_italian() -> None:
    texts = {state: gateway_text(down(state)) for state in STATES}
    assert texts["DISCONNECTED"] == (
        "Gateway WhatsApp disconnesso: verifica che il telefono aziendale sia connesso e che"
        " WPPConnect Server sia in funzione."
    )
    assert texts["UNREACHABLE"] == (
        "Il server non raggiunge WPPConnect Server: controlla che sia avviato e che"
        " --wppconnect-url del server sia corretto."
    )
    assert "codice QR" in texts["UNPAIRED"] and "bloccato" in texts["BLOCKED"]
    assert not [s for s in STATES if texts[s].split(":")[0] in gateway_problem_english(s)]
    # A state we do not know: the server's English advice is not pasted into Italian.
    unknown = gateway_text(down("TIMEOUT", "restart the phone."))
    assert "restart the phone" not in unknown
    assert unknown.endswith(gateway_advice(down("TIMEOUT")))
    assert gateway_line(down("UNPAIRED")).startswith(
        "Il gateway WhatsApp è uscito dall'account (sportello, UNPAIRED): inquadra"
    )
