"""Failures the client reports to the UI: one exception family, one-line messages."""

from __future__ import annotations


class ClientError(Exception):
    """Base of every failure the UI may show; `str(error)` is one line saying what and why."""


class ServerUnreachable(ClientError):
    """No answer from the server (down, wrong address, no network)."""


class BadCredentials(ClientError):
    """The server refused the username/password or the token (HTTP 401 / `unauthorized`)."""


class TwoFactorRequired(ClientError):
    """The password was right; the server (the seed back end) wants the 2FA code too."""


class TwoFactorRejected(BadCredentials):
    """The two-factor code was wrong or expired."""


class ServerRejected(ClientError):
    """The server answered with an error: `code` is its snake_case code when it sent one."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class FeatureUnavailable(ClientError):
    """The connected server (the legacy seed back end) does not offer this feature."""

    def __init__(self, feature_key: str, message: str) -> None:
        super().__init__(message)
        self.feature_key = feature_key


class NotConnected(ClientError):
    """The action needs a live connection and there is none right now."""


class NoAnswer(ClientError, TimeoutError):
    """The server did not acknowledge a request in time (a TimeoutError too, for waits that
    treat silence as an answer, such as `sync` telling the seed back end apart)."""


class UnexpectedFailure(ClientError):
    """A bug, not a condition: wrapped so that whoever waits for an outcome still gets one
    (and releases what it holds) instead of waiting forever. Logged with its traceback."""
