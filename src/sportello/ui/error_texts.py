"""Why something failed, in the operator's language: one text per error code, in one place.

The server says why it refused something with a snake_case code (REST `{"error": {"code",
"message"}}`, Socket.IO acks `{ok: false, code, error}`); the client adds its own codes
(`unreachable`, `not_connected`, `keyring_unavailable`...). The English `message`/detail is
for the log only: widgets show `reason(error)` inside their own translated sentence, so an
Italian sentence never carries English words. An unknown code gets a translated generic
text, never the server's English.

The texts are clauses ("the message is empty"), to follow "Not sent: " and the like;
`sentence()` makes one stand alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sportello.client.errors import ClientError
from sportello.desktop.autostart import AutostartError
from sportello.desktop.credentials import CredentialsUnavailable
from sportello.ui.labels import tr

log = logging.getLogger(__name__)

# The failures that name their code for this table (each says so where it is defined).
_CODED = (ClientError, CredentialsUnavailable, AutostartError)


def _texts() -> dict[str, Callable[[], str]]:
    """Code -> its text (built on each call: the language can change while the app runs)."""
    fault = _client_fault
    return {
        # the client's own
        "unreachable": lambda: tr(
            "the server does not answer: check the network and that the server is running"
        ),
        "not_connected": lambda: tr("there is no connection to the server right now"),
        "timeout": lambda: tr("the server did not answer in time"),
        "not_offered": lambda: tr("this server does not offer it"),
        "keyring_unavailable": keyring_missing_text,
        "autostart_failed": lambda: tr(
            "the start-at-login entry cannot be changed (see the log for the details)"
        ),
        "file_error": lambda: tr("a file cannot be read or written (see the log for which)"),
        "refused": lambda: tr("the server refused it"),
        "unexpected_failure": lambda: tr("something went wrong (see the log for the details)"),
        "unexpected_answer": lambda: tr(
            "the server's answer is not what Sportello expects (is it a Sportello server?)"
        ),
        # sign-in and access
        "unauthorized": lambda: tr("the server no longer accepts your access: sign in again"),
        "bad_credentials": lambda: tr("wrong username or password"),
        "forbidden": lambda: tr("your role does not allow it: ask an administrator"),
        # the seed back end's sign-in (its codes in snake_case)
        "account_locked": lambda: tr(
            "the account is locked after too many failed sign-ins: try again later"
        ),
        "invalid_2fa_code": lambda: tr("the two-factor code is wrong or has expired"),
        "email_required": lambda: tr("this server signs in with an email address"),
        "validation_error": lambda: tr("the server did not accept what was entered"),
        "too_many_attempts": lambda: tr("too many failed sign-ins: wait a minute, then try again"),
        "too_many_requests": lambda: tr("too many requests: wait a moment, then try again"),
        # sending a reply
        "empty_body": lambda: tr("the message is empty"),
        "body_too_long": lambda: tr("the message is too long (at most 4096 characters)"),
        "missing_recipient": lambda: tr("the message has no recipient"),
        "invalid_phone": lambda: tr("the phone number is not valid"),
        "window_closed": lambda: tr(
            "the customer last wrote more than 24 hours ago: WhatsApp no longer accepts a "
            "free reply in this conversation"
        ),
        "not_assignee": lambda: tr("the ticket of this conversation is assigned to a colleague"),
        "no_gateway": lambda: tr("this server has no WhatsApp connection to send replies through"),
        "line_not_linked": lambda: tr(
            "the WhatsApp line is not connected: an administrator must connect it "
            "(Connect WhatsApp)"
        ),
        "gateway_down": lambda: tr(
            "the WhatsApp gateway does not answer, or refuses the server's key"
        ),
        # the WhatsApp line (admins)
        "line_not_configured": lambda: tr("this server has no WhatsApp gateway configured"),
        "line_not_managed": lambda: tr(
            "this server cannot start the WhatsApp session itself (its secret key is not set)"
        ),
        "line_connected": lambda: tr("the WhatsApp line is already connected"),
        # tickets
        "not_found": lambda: tr("it no longer exists on the server"),
        "already_open": lambda: tr("this contact already has an open ticket"),
        "invalid_status": lambda: tr("the server does not accept that status"),
        "invalid_priority": lambda: tr("the server does not accept that priority"),
        "invalid_assignee": lambda: tr("that operator does not exist on the server"),
        "unknown_operator": lambda: tr("that operator does not exist on the server"),
        "invalid_title": lambda: tr("the ticket title is not valid"),
        # search
        "missing_query": lambda: tr("enter the words to search for"),
        "query_too_long": lambda: tr("the search is too long (at most 200 characters)"),
        # requests the client built wrong: a fault of ours, not of the operator
        "invalid_since": fault,
        "unknown_event": fault,
        "invalid_json": fault,
        "invalid_body": fault,
        "invalid_limit": fault,
        "invalid_cursor": fault,
        "invalid_client_id": fault,
        "missing_client_id": fault,
        "invalid_conversation_id": fault,
        "bad_request": fault,
        "body_too_large": lambda: tr("the request is too large for the server"),
        "method_not_allowed": fault,
        "unsupported_media_type": fault,
        # the server's own trouble
        "shutting_down": lambda: tr("the server is restarting: try again in a moment"),
        "database_unavailable": lambda: tr(
            "the server cannot reach its database: try again in a moment"
        ),
        "unavailable": lambda: tr("the server is not available: try again in a moment"),
        "internal_error": lambda: tr("the server failed (its log says why)"),
    }


def _client_fault() -> str:
    return tr("the server did not understand the request (a fault of Sportello, see the log)")


def _generic() -> str:
    return tr("the server refused it (see the log for the details)")


def keyring_missing_text() -> str:
    """Why a sign-in cannot be saved here, and what to install."""
    return tr(
        "no system keyring works on this computer: install GNOME Keyring or KWallet "
        "(a Secret Service) to save the sign-in to a server"
    )


def known_codes() -> frozenset[str]:
    """Every code with its own text (the tests check the server's codes are all here)."""
    return frozenset(_texts())


def reason_for_code(code: str) -> str:
    """The operator's words for a code; a generic one (never the English detail) if unknown."""
    text = _texts().get(code)
    if text is not None:
        return text()
    if code.startswith(("invalid_", "missing_")):
        return _client_fault()  # parse_id's missing_ticket_id, invalid_message_id, ...
    return _generic()


def error_code(error: BaseException) -> str:
    """The code of a failure: the server's or the client's, `timeout`, or "" (a bug)."""
    if isinstance(error, _CODED) and error.code:
        return error.code
    if isinstance(error, TimeoutError):
        return "timeout"
    if isinstance(error, OSError):
        return "file_error"
    return "refused" if isinstance(error, ClientError) else ""


def reason(error: BaseException) -> str:
    """Why `error` happened, in the operator's language; its English detail goes to the log."""
    code = error_code(error)
    if not code:
        log.error("unexpected failure shown to the operator", exc_info=error)
        return tr("something went wrong (see the log for the details)")
    log.warning("shown to the operator as %s: %s", code, error)
    return reason_for_code(code)


def delivery_failure_reason(error: str | None) -> str:
    """Why a reply was not delivered: the server's code, or the gateway's own (English) text."""
    if not error:
        return _generic()
    if error in _texts():
        return reason_for_code(error)
    # Free text: the gateway's answer as the server recorded it (logged by client/state).
    return tr("WhatsApp did not accept it")


def sentence(clause: str) -> str:
    """A clause as a sentence of its own: capital first letter, final period."""
    if not clause:
        return clause
    text = clause[0].upper() + clause[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
