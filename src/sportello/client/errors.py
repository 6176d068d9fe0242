"""Failures the client reports to the UI: one exception family, one-line messages.

`str(error)` is English detail for the log; `error.code` is what the UI translates for the
operator (ui/error_texts.py): the server's snake_case code when it sent one, else the
client's own code for the family (`unreachable`, `not_connected`...).
"""

from __future__ import annotations

from collections.abc import Mapping


class ClientError(Exception):
    """Base of every failure the UI may show; `str(error)` is one line saying what and why."""

    default_code = ""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code or self.default_code


class ServerUnreachable(ClientError):
    """No answer from the server (down, wrong address, no network)."""

    default_code = "unreachable"


class BadCredentials(ClientError):
    """The server refused the username/password or the token (HTTP 401 / `unauthorized`)."""

    default_code = "unauthorized"


class TwoFactorRequired(ClientError):
    """The password was right; the server (the seed back end) wants the 2FA code too."""


class TwoFactorRejected(BadCredentials):
    """The two-factor code was wrong or expired."""


class ServerRejected(ClientError):
    """The server answered with an error: `code` is its snake_case code when it sent one.

    Without one, the answer was not what the client expects (`unexpected_answer`).
    """

    default_code = "unexpected_answer"


class FeatureUnavailable(ClientError):
    """The connected server (the legacy seed back end) does not offer this feature."""

    default_code = "not_offered"

    def __init__(self, feature_key: str, message: str) -> None:
        super().__init__(message)
        self.feature_key = feature_key


class NotConnected(ClientError):
    """The action needs a live connection and there is none right now."""


class NoAnswer(ClientError, TimeoutError):
    """The server did not acknowledge a request in time (a TimeoutError too, for waits that
    treat silence as an answer, such as `sync` telling the seed back end apart)."""

    default_code = "timeout"


class UnexpectedFailure(ClientError):
    """A bug, not a condition: wrapped so that whoever waits for an outcome still gets one
    (and releases what it holds) instead of waiting forever. Logged with its traceback."""

    default_code = "unexpected_failure"

    default_code = "not_connected"


def ack_code_and_detail(ack: object) -> tuple[str, str]:
    """(code, English detail) of a refused Socket.IO ack, whichever shape it has.

    Our commands ack `{ok: false, code, error: "<text>"}`; `sync` and some peers put both in
    an object: `{ok: false, error: {code, message}}`. A missing ack has neither.
    """
    if not isinstance(ack, Mapping):
        return "", f"no usable answer ({type(ack).__name__})"
    error = ack.get("error")
    if isinstance(error, Mapping):
        code = error.get("code") or ack.get("code") or ""
        detail = error.get("message") or code or "refused"
        return str(code), str(detail)
    code = ack.get("code") or ""
    return str(code), str(error or code or "refused")


def refused(what: str, ack: object) -> ServerRejected:
    """The ServerRejected for a refused ack of `what` (e.g. "update ticket 7")."""
    code, detail = ack_code_and_detail(ack)
    if not code and isinstance(ack, Mapping):
        code = "refused"  # a peer that refuses without saying why (the seed back end)
    return ServerRejected(f"{what}: {detail}", code)
