"""WPPConnect Server's session routes, as Sportello calls them to run its own WhatsApp line.

From wppconnect-server v2.10.4 (`src/routes/index.ts`, `controller/encryptController.ts`,
`controller/sessionController.ts`, `controller/deviceController.ts`):
- `POST /api/{session}/{secretkey}/generate-token` (no bearer): 201 `{token}`; a wrong key
  is 400 `{"response": false, "message": "The SECRET_KEY is incorrect"}`;
- `POST /api/{session}/start-session {webhook, waitQrCode, phone?}`: answers the state the
  session had *before* (`{"status": "CLOSED", "qrcode": null}` when there was none, and
  then it is created with this body), and changes nothing for a session that runs;
- `GET /api/{session}/status-session`: `{status, qrcode: data URL or null, ...}`;
- `POST /api/{session}/close-session`; `GET /api/{session}/get-phone-number` (`response`:
  the linked number's chat id); `POST /api/{session}/send-seen {phone, isGroup}` (201).

The secret key travels in a URL path, so it never reaches an error text or a log line:
every message made here is scrubbed of it (`SessionCallError.detail`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from sportello.domain.text_repair import repair_tree
from sportello.server.gateways.base import GatewaySendError, parse_recipient, snippet

DEFAULT_TIMEOUT_S = 15.0
_LABEL = "WPPConnect"
SECRET_KEY_WRONG = "The SECRET_KEY is incorrect"


class SessionToken:
    """The bearer token of one WPPConnect session: given (`--wppconnect-token`) or made by
    the line from the secret key. Shared by the line, the poller, the sender and the read
    receipts; `refused()` tells the line to make a new one."""

    def __init__(self, value: str | None = None) -> None:
        self.value = value or None
        self._on_refused: Callable[[], None] | None = None

    def when_refused(self, callback: Callable[[], None]) -> None:
        """Who makes tokens (the line) wants to hear of a refused one."""
        self._on_refused = callback

    def refused(self, value: str | None) -> None:
        """WPPConnect answered 401 to `value`: forget it, unless a newer one replaced it."""
        if value is not None and value == self.value and self._on_refused is not None:
            self.value = None
            self._on_refused()

    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.value or ''}", "Accept": "application/json"}


class SessionCallError(Exception):
    """A session call that did not do what was asked. `kind`: `bad_secret` (the secret key
    was refused), `unauthorized` (the token was), `unreachable` (no answer at all), or
    `refused` (any other answer). `detail` is English, one line, without any secret."""

    def __init__(self, kind: str, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.status = status


@dataclass(frozen=True, slots=True)
class SessionAnswer:
    """What start-session / status-session said: `status` as WPPConnect spells it
    (`CLOSED`, `INITIALIZING`, `QRCODE`, `PHONECODE`, `CONNECTED`...) and the QR image as
    a `data:image/png;base64,...` URL when it gave one."""

    status: str
    qr_data_url: str | None = None


class WppSessionApi:
    """The session routes of one WPPConnect Server and session."""

    def __init__(
        self,
        base_url: str,
        session: str,
        token: SessionToken,
        http: aiohttp.ClientSession,
        *,
        secret_key: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.token = token
        self._http = http
        self._secret_key = secret_key or None
        self.timeout_s = timeout_s

    # -- the routes -------------------------------------------------------------------

    async def generate_token(self) -> str:
        """A new token from the secret key (every one stays valid: tokens are never revoked)."""
        if self._secret_key is None:
            raise SessionCallError("bad_secret", "no WPPConnect secret key is configured")
        path = f"{quote(self._secret_key, safe='')}/generate-token"
        status, data, text = await self._call("POST", path, None, bearer=False)
        if status == 400 and _message(data) == SECRET_KEY_WRONG:
            raise SessionCallError(
                "bad_secret",
                'WPPConnect Server refused the secret key ("The SECRET_KEY is incorrect"): '
                "set the SECRET_KEY of its configuration as --wppconnect-secret-key",
                status,
            )
        token = data.get("token") if isinstance(data, Mapping) else None
        if status != 201 or not isinstance(token, str) or not token:
            raise self._refused("generate-token", status, data, text)
        return token

    async def start_session(self, webhook: str | None, phone: str | None = None) -> SessionAnswer:
        """Start the session (with our webhook) unless it runs; the answer is its state before."""
        body: dict[str, Any] = {"waitQrCode": False}
        if webhook is not None:
            body["webhook"] = webhook
        if phone is not None:
            body["phone"] = phone  # link with a code typed on the phone instead of a QR
        status, data, text = await self._call("POST", "start-session", body)
        return self._session_answer("start-session", status, data, text)

    async def status_session(self) -> SessionAnswer:
        status, data, text = await self._call("GET", "status-session", None)
        return self._session_answer("status-session", status, data, text)

    async def close_session(self) -> None:
        """Close the running session (the phone stays linked: the next start restores it)."""
        status, data, text = await self._call("POST", "close-session", None)
        if status != 200:
            raise self._refused("close-session", status, data, text)

    async def phone_number(self) -> str | None:
        """The linked phone's number (digits), None when WPPConnect cannot say."""
        status, data, text = await self._call("GET", "get-phone-number", None)
        if status != 200 or not isinstance(data, Mapping):
            raise self._refused("get-phone-number", status, data, text)
        wid = data.get("response")
        if isinstance(wid, Mapping):
            wid = wid.get("_serialized") or wid.get("user")
        if not isinstance(wid, str):
            return None
        digits = wid.split("@", 1)[0].split(":", 1)[0]
        return digits if digits.isdigit() else None

    async def send_seen(self, chat: str) -> None:
        """Mark a chat read on the phone (blue ticks); raise GatewaySendError on failure."""
        recipient = parse_recipient(chat)
        body: dict[str, Any] = {"phone": recipient.value, "isGroup": recipient.is_group}
        if recipient.is_lid:
            body["isLid"] = True
        try:
            status, data, text = await self._call("POST", "send-seen", body)
        except SessionCallError as exc:
            raise GatewaySendError(exc.detail, retryable=True) from None
        if not 200 <= status < 300:
            error = self._refused("send-seen", status, data, text)
            raise GatewaySendError(error.detail, retryable=status >= 500, status=status)

    # -- plumbing ---------------------------------------------------------------------

    def _session_answer(self, what: str, status: int, data: object, text: str) -> SessionAnswer:
        word = data.get("status") if isinstance(data, Mapping) else None
        if status != 200 or not isinstance(word, str) or not word.strip():
            raise self._refused(what, status, data, text)
        qr = data.get("qrcode") if isinstance(data, Mapping) else None
        qr_url = qr if isinstance(qr, str) and qr.startswith("data:image/png;base64,") else None
        return SessionAnswer(word.strip()[:64], qr_url)

    def _refused(self, what: str, status: int, data: object, text: str) -> SessionCallError:
        if status in (401, 403):
            return SessionCallError(
                "unauthorized", f"{what}: WPPConnect refused the session token ({status})", status
            )
        detail = _message(data) or snippet(text, 120) or "no details"
        return SessionCallError(
            "refused", self._scrub(f"{what} answered {status}: {detail}"), status
        )

    async def _call(
        self, method: str, path: str, body: Mapping[str, Any] | None, *, bearer: bool = True
    ) -> tuple[int, object, str]:
        url = f"{self.base_url}/api/{quote(self.session, safe='')}/{path}"
        headers = self.token.bearer() if bearer else {"Accept": "application/json"}
        try:
            async with self._http.request(
                method,
                url,
                json=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            ) as response:
                text = await response.text(errors="replace")
                status = response.status
        except TimeoutError:
            raise SessionCallError(
                "unreachable", f"{_LABEL} did not answer within {self.timeout_s:g} s"
            ) from None
        except aiohttp.ClientError as exc:
            why = self._scrub(
                f"{_LABEL} unreachable at {self.base_url}: {type(exc).__name__}: {exc}"
            )
            raise SessionCallError("unreachable", why[:300]) from None
        if bearer and status in (401, 403):
            self.token.refused(headers["Authorization"].removeprefix("Bearer ") or None)
        try:
            data: object = repair_tree(json.loads(text))[0] if text else None
        except ValueError:
            data = None
        return status, data, text

    def _scrub(self, text: str) -> str:
        """The text without the secret key (as typed or as it is quoted in a URL path)."""
        key = self._secret_key
        if not key:
            return text
        for form in {key, quote(key, safe="")}:
            text = text.replace(form, "***")
        return text


def _message(data: object) -> str | None:
    if not isinstance(data, Mapping):
        return None
    for key in ("message", "error"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return snippet(value, 120)
    return None
