"""Every refusal code the server can send a console has its own words in ui/error_texts.py.

The codes are read from the server's source (every `ApiError`, `CommandError`, `DeskError`
and ack `_fail` with a literal code, and the status table of the error middleware), so a
code added there without a text here fails this test instead of reaching the operator as
the generic "the server refused it".
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from sportello.client.errors import BadCredentials, ServerRejected, ServerUnreachable, refused
from sportello.desktop.autostart import AutostartError
from sportello.desktop.credentials import CredentialsUnavailable
from sportello.ui.error_texts import (
    delivery_failure_reason,
    known_codes,
    reason,
    reason_for_code,
)
from sportello.ui.i18n import install_translators

SRC = Path(__file__).resolve().parents[2] / "src" / "sportello"
# Where the codes a console can receive are made (webhook-only codes, for gateways, are not).
CONSOLE_FACING = [
    SRC / "server" / name
    for name in (
        "http_api.py",
        "responses.py",
        "realtime.py",
        "desk_awareness.py",
        "commands.py",
        "service_window.py",
        "send_gate.py",
        "line_routes.py",
        "wpp_line.py",
    )
] + [SRC / "ingest" / "desk.py"]
RAISERS = {
    "ApiError",
    "CommandError",
    "DeskError",
    "_fail",
    "error_response",
    "SendRefusal",
    "LineNotStartable",
}
# Made by parse_id for its argument names: handled by the invalid_/missing_ rule.
GENERATED_PREFIXES = ("invalid_", "missing_")
# Codes other parts of issue 11 are adding now (sync, roles): they must have words too.
ANNOUNCED = {"invalid_since", "forbidden"}


def _codes_in(path: Path) -> set[str]:
    codes: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name in RAISERS:
                codes |= {
                    a.value
                    for a in node.args
                    if isinstance(a, ast.Constant)
                    and isinstance(a.value, str)
                    and a.value.replace("_", "").isalpha()
                    and a.value.islower()
                }
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "_CODES" for t in node.targets
        ):
            assert isinstance(node.value, ast.Dict)
            codes |= {v.value for v in node.value.values if isinstance(v, ast.Constant)}
    return codes


def test_every_code_the_server_sends_a_console_has_its_own_text() -> None:
    codes = set().union(*(_codes_in(path) for path in CONSOLE_FACING)) | ANNOUNCED
    assert {"not_found", "window_closed", "body_too_long", "too_many_attempts"} <= codes
    assert {"no_gateway", "line_not_linked", "gateway_down", "line_connected"} <= codes
    missing = sorted(c for c in codes - known_codes() if not c.startswith(GENERATED_PREFIXES))
    assert missing == []
    assert not (ANNOUNCED - known_codes())


@pytest.fixture
def italian(qapp: QApplication):
    install_translators(qapp, "it")
    yield
    install_translators(qapp, "en")


def test_an_unknown_code_gets_a_translated_generic_text_not_the_english_detail(
    italian: None, caplog: pytest.LogCaptureFixture
) -> None:
    error = refused("update ticket 7", {"ok": False, "code": "brand_new", "error": "a new rule"})
    assert reason(error) == "il server l'ha rifiutato (i dettagli sono nel registro)"
    assert "a new rule" in caplog.text
    nested = refused("sync", {"ok": False, "error": {"code": "invalid_since", "message": "x"}})
    assert nested.code == "invalid_since"
    assert "Sportello" in reason(nested)  # a fault of ours: said so, in Italian


def test_client_failures_have_italian_words_too(italian: None) -> None:
    assert reason(ServerUnreachable("login: cannot reach http://x (refused)")).startswith(
        "il server non risponde"
    )
    assert reason(BadCredentials("login: wrong", "bad_credentials")) == (
        "nome utente o password errati"
    )
    assert "GNOME Keyring o KWallet" in reason(CredentialsUnavailable("no keyring"))
    assert reason(AutostartError("cannot write ~/.config/autostart")).startswith(
        "non è possibile modificare l'avvio all'accesso"
    )
    assert reason(TimeoutError()) == "il server non ha risposto in tempo"
    assert reason_for_code("missing_ticket_id") == reason_for_code("invalid_json")
    assert reason(ServerRejected("x", "forbidden")).startswith("il tuo ruolo non lo consente")
    not_ours = ServerRejected("login: http://x does not look like a Sportello server")
    assert reason(not_ours).endswith("(è un server Sportello?)")
    seed_refusal = refused("mark as read", {"ok": False, "error": "Message not found"})
    assert reason(seed_refusal) == "il server l'ha rifiutato"


def test_a_reply_the_gateway_refused_is_named_without_its_english_text(italian: None) -> None:
    assert delivery_failure_reason("window_closed").startswith("il cliente ha scritto")
    assert delivery_failure_reason("wppconnect answered 500: session closed") == (
        "WhatsApp non l'ha accettato"
    )
    generic = "il server l'ha rifiutato (i dettagli sono nel registro)"
    assert delivery_failure_reason(None) == generic


def test_replies_that_cannot_go_out_say_why_in_italian(italian: None) -> None:
    assert reason_for_code("no_gateway").startswith("questo server non ha un collegamento")
    assert "Collega WhatsApp" in reason_for_code("line_not_linked")
    assert reason_for_code("gateway_down").startswith("il gateway WhatsApp non risponde")
    assert reason_for_code("line_connected") == "la linea WhatsApp è già collegata"
