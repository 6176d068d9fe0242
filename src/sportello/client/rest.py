"""The server's HTTP API as the client uses it: login, older history pages, search, and the
lists a first start reads instead of replaying the event log (client/snapshot.py).

Every failure becomes a `ClientError` with one line saying what failed and why: the server
is unreachable, the credentials are wrong, or the server's own `{"error": {...}}` message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import aiohttp

from sportello.client.errors import (
    BadCredentials,
    ClientError,
    FeatureUnavailable,
    ServerRejected,
    ServerUnreachable,
    TwoFactorRejected,
    TwoFactorRequired,
)
from sportello.client.records import (
    LoginResult,
    Message,
    Operator,
    SearchHit,
    Ticket,
    TicketEvent,
)
from sportello.client.wire import (
    WireError,
    parse_message,
    parse_operators,
    parse_search_hits,
    parse_ticket,
    parse_ticket_history,
    parse_user,
)

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=20, connect=8)


# The code an error answer without one gets (a seed back end, a proxy), from its status.
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    413: "body_too_large",
    429: "too_many_requests",
    500: "internal_error",
    502: "unavailable",
    503: "unavailable",
    504: "unavailable",
}


def _server_error(status: int, body: object) -> tuple[str, str]:
    """(code, message) from the contract's error body, or from the status alone.

    The seed's ResponseFormatter puts the message beside `error: {code, details}` and
    spells codes in capitals (`ACCOUNT_LOCKED`): codes come out snake_case either way. The
    code is "" when the body says none: the caller takes the status's.
    """
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        err = body["error"]
        message = err.get("message") or body.get("message") or f"HTTP {status}"
        return str(err.get("code") or "").lower(), str(message)
    if isinstance(body, Mapping) and isinstance(body.get("error"), str):
        fields = body.get("errors")
        if isinstance(fields, list) and fields:
            # The seed's body validation: {error: "Validation error", errors: [{field, ...}]}.
            named = [str(f.get("field")) for f in fields if isinstance(f, Mapping)]
            return "validation_error", f"{body['error']} ({', '.join(named)})"
        return "", str(body["error"])
    return "", f"HTTP {status}"


async def request_json(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    token: str | None = None,
    json: object = None,
    params: Mapping[str, str] | None = None,
    what: str,
) -> Any:
    """One HTTP call; the answer's JSON, or a ClientError naming `what` failed and why."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with session.request(
            method, url, json=json, params=params, headers=headers, timeout=DEFAULT_TIMEOUT
        ) as response:
            try:
                body: object = await response.json(content_type=None)
            except ValueError:
                body = None
            if response.status < 400:
                return body
            code, message = _server_error(response.status, body)
            if response.status == 401:
                raise BadCredentials(f"{what}: {message}", code)
            if response.status == 404 and not code:
                raise FeatureUnavailable(what, f"{what}: this server does not offer it")
            raise ServerRejected(
                f"{what}: {message}", code or _STATUS_CODES.get(response.status, "refused")
            )
    except (aiohttp.ClientConnectionError, TimeoutError) as exc:
        raise ServerUnreachable(
            f"{what}: cannot reach {url} ({exc or type(exc).__name__})"
        ) from exc
    except aiohttp.InvalidURL as exc:
        raise ServerUnreachable(f"{what}: not a valid server address: {url}") from exc


class RestApi:
    """Authenticated REST calls to one server; one aiohttp session, opened lazily."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        json: object = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        """One authenticated call to `path` (client/desk_admin.py); see `request_json`."""
        return await request_json(
            self._http(),
            method,
            f"{self.url}{path}",
            token=self.token,
            json=json,
            params=params,
            what=what,
        )

    async def messages_page(
        self, conversation_id: str, limit: int, before: str | None
    ) -> tuple[list[Message], str | None]:
        """GET /api/conversations/{id}/messages: (page newest first, cursor of the next page).

        `before` is the opaque `next` cursor of the previous page (None: the newest page).
        """
        params = {"limit": str(limit)}
        if before:
            params["before"] = before
        body = await request_json(
            self._http(),
            "GET",
            f"{self.url}/api/conversations/{conversation_id}/messages",
            token=self.token,
            params=params,
            what="loading older messages",
        )
        items = body.get("messages", body.get("items")) if isinstance(body, Mapping) else body
        if not isinstance(items, list):
            raise ServerRejected("loading older messages: the answer holds no message list")
        messages: list[Message] = []
        for item in items:
            parsed = parse_message(item, "conversation messages")
            if isinstance(parsed, WireError):
                log.warning("%s", parsed)
                continue
            if isinstance(item, Mapping) and "conversationId" not in item:
                parsed = _with_conversation(parsed, conversation_id)
            messages.append(parsed)
        cursor = body.get("next") if isinstance(body, Mapping) else None
        return messages, cursor if isinstance(cursor, str) and cursor else None

    async def list_page(
        self, path: str, key: str, limit: int, before: str | None, what: str
    ) -> tuple[list[Any], str | None]:
        """One page of a keyset-paged list (docs/protocol.md 2): (items, cursor of the next)."""
        params = {"limit": str(limit)}
        if before:
            params["before"] = before
        try:
            body = await request_json(
                self._http(),
                "GET",
                f"{self.url}{path}",
                token=self.token,
                params=params,
                what=what,
            )
        except ServerRejected as exc:
            if exc.code != "not_found":
                raise
            # A list never answers 404 itself: an older server without this list does.
            raise FeatureUnavailable(path, f"{what}: this server does not offer it") from exc
        items = body.get(key) if isinstance(body, Mapping) else None
        if not isinstance(items, list):
            raise ServerRejected(f"{what}: the answer holds no {key} list")
        cursor = body.get("next")  # a string; the ticket list's is a ticket number
        return items, str(cursor) if isinstance(cursor, str | int) and cursor != "" else None

    async def tickets_page(self, limit: int, before: str | None) -> tuple[list[Ticket], str | None]:
        """GET /api/tickets (every status), newest first."""
        items, cursor = await self.list_page(
            "/api/tickets", "tickets", limit, before, "loading the tickets"
        )
        tickets: list[Ticket] = []
        for item in items:
            parsed = parse_ticket(item, "ticket list")
            if isinstance(parsed, WireError):
                log.warning("%s", parsed)
                continue
            tickets.append(parsed)
        return tickets, None if cursor is None else str(cursor)

    async def unread_page(self, limit: int, before: str | None) -> tuple[list[Message], str | None]:
        """GET /api/unread (ours): unread incoming messages, newest first."""
        items, cursor = await self.list_page(
            "/api/unread", "messages", limit, before, "loading the unread messages"
        )
        messages: list[Message] = []
        for item in items:
            parsed = parse_message(item, "unread list")
            if isinstance(parsed, WireError):
                log.warning("%s", parsed)
                continue
            messages.append(parsed)
        return messages, None if cursor is None else str(cursor)

    async def search(self, q: str) -> list[SearchHit]:
        body = await request_json(
            self._http(),
            "GET",
            f"{self.url}/api/search",
            token=self.token,
            params={"q": q},
            what="search",
        )
        hits = parse_search_hits(body)
        if isinstance(hits, WireError):
            raise ServerRejected(f"search: {hits.reason}")
        return hits

    async def operators(self) -> list[Operator]:
        """GET /api/operators (FeatureUnavailable from a server without it)."""
        body = await request_json(
            self._http(),
            "GET",
            f"{self.url}/api/operators",
            token=self.token,
            what="loading the operator list",
        )
        found = parse_operators(body)
        if isinstance(found, WireError):
            raise ServerRejected(f"loading the operator list: {found.reason}")
        return found

    async def ticket_history(self, ticket_id: str) -> list[TicketEvent]:
        """GET /api/tickets/{id}/history, oldest first."""
        body = await request_json(
            self._http(),
            "GET",
            f"{self.url}/api/tickets/{ticket_id}/history",
            token=self.token,
            what="loading the ticket history",
        )
        events = parse_ticket_history(body)
        if isinstance(events, WireError):
            raise ServerRejected(f"loading the ticket history: {events.reason}")
        return events


def _with_conversation(message: Message, conversation_id: str) -> Message:
    return replace(message, conversation_id=conversation_id)


async def login(
    url: str, username: str, password: str, two_factor_code: str | None = None
) -> LoginResult:
    """POST /api/auth/login -> token and user, from our server or from the seed back end.

    Ours takes `username`; the seed takes `email` (and `twoFactorCode` when it asked for
    one): both are sent, each server reads its own. Raises ServerUnreachable, BadCredentials
    (TwoFactorRejected for a wrong code), TwoFactorRequired or ServerRejected.
    """
    base = url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ServerUnreachable(
            f"login: the server address must start with http:// or https://: {url}"
        )
    request: dict[str, str] = {"username": username, "email": username, "password": password}
    if two_factor_code:
        request["twoFactorCode"] = two_factor_code
    async with aiohttp.ClientSession() as session:
        try:
            body = await request_json(
                session, "POST", f"{base}/api/auth/login", json=request, what="login"
            )
        except FeatureUnavailable as exc:
            raise ServerRejected(f"login: {base} does not look like a Sportello server") from exc
        except BadCredentials as exc:
            if two_factor_code:
                raise TwoFactorRejected("login: the two-factor code is wrong or expired") from exc
            raise BadCredentials("login: wrong username or password") from exc
        except ServerRejected as exc:
            if exc.code == "validation_error" and "email" in str(exc):
                # The seed's users sign in by email: say so rather than "Validation error".
                raise ServerRejected(
                    "login: this server signs in with an email address as the username",
                    "email_required",
                ) from exc
            raise
    return _login_result(body)


def _login_result(body: object) -> LoginResult:
    """Ours: `{token, user}`. The seed: `{success, data: {User, accessToken}}`, or
    `data: {requiresTwoFactor: true}` when the password was right and a code is due."""
    data = body.get("data") if isinstance(body, Mapping) else None
    if isinstance(data, Mapping):
        if data.get("requiresTwoFactor") is True:
            raise TwoFactorRequired("login: this account needs its two-factor code")
        token, user_data = data.get("accessToken"), data.get("User")
    elif isinstance(body, Mapping):
        token, user_data = body.get("token"), body.get("user")
    else:
        token = user_data = None
    if not isinstance(token, str) or not token:
        raise ServerRejected("login: the server's answer holds no token")
    user = parse_user(user_data)
    if isinstance(user, WireError):
        raise ServerRejected(f"login: {user}")
    return LoginResult(token=token, user=user)


__all__ = ["ClientError", "RestApi", "login", "request_json"]
