"""Before the gateway's settings are saved: does the gateway answer, and accept them?

WPPConnect Server: `POST {url}/api/{session}/{secret}/generate-token` answers 201 with a
token for the right secret key and 400 `"The SECRET_KEY is incorrect"` for a wrong one
(encryptController.ts, ../shared/WPPCONNECT_FACTS.md 1); it changes nothing on the
gateway (tokens are bcrypt hashes, every one stays valid). Cloud API: `GET
{graph}/{phone-number-id}` with the access token answers 200 with the number, 401
`OAuthException` (code 190) for a bad or expired token, 400 (code 100) for an id the
token cannot see.

Errors are values: `check_*` returns None when all is well, else a `GatewayProblem` whose
`code` the dialog words in the operator's language (ui/gateway_form.py) and whose English
`detail` goes to the log. Nothing here raises for what the gateway answers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import aiohttp

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=15, connect=8)
_SESSION_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_NUMBER_ID = re.compile(r"[0-9]{5,32}")
_WRONG_KEY = "the secret_key is incorrect"


@dataclass(frozen=True, slots=True)
class GatewayProblem:
    """What is wrong. `field` names the field to fix ("" when it is the gateway itself)."""

    code: str  # missing_field, bad_url, bad_session, unreachable, bad_secret, not_wppconnect,
    #            bad_token, unknown_number, unexpected_answer
    field: str = ""
    detail: str = ""  # English, for the log


def normal_url(text: str) -> str:
    """An address as typed ("localhost:21465/") as the base URL ("http://localhost:21465")."""
    url = text.strip().rstrip("/")
    if url and "://" not in url:
        url = "http://" + url
    return url


def _url_problem(url: str, field: str) -> GatewayProblem | None:
    if not url:
        return GatewayProblem("missing_field", field, f"{field} is empty")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        return GatewayProblem("bad_url", field, f"{url!r} is not an http(s) address")
    return None


async def check_wppconnect(url: str, session: str, secret_key: str) -> GatewayProblem | None:
    """None when WPPConnect Server at `url` answers and accepts `secret_key`."""
    problem = _url_problem(url, "wppconnect_url")
    if problem is not None:
        return problem
    if not _SESSION_NAME.fullmatch(session):
        return GatewayProblem(
            "bad_session", "wppconnect_session", f"session name {session!r}: letters, digits, - _"
        )
    if not secret_key:
        return GatewayProblem("missing_field", "wppconnect_secret_key", "no secret key")
    # The key travels in the path, as WPPConnect wants it; it is never logged.
    target = f"{url}/api/{quote(session, safe='')}/{quote(secret_key, safe='')}/generate-token"
    shown = f"{url}/api/{session}/…/generate-token"
    try:
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as http,
            http.post(target, json={}) as response,
        ):
            status = response.status
            body = await _json(response)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return GatewayProblem(
            "unreachable", "wppconnect_url", f"POST {shown}: {exc or type(exc).__name__}"
        )
    if status == 201 and isinstance(body, Mapping) and body.get("token"):
        log.info("WPPConnect Server at %s accepted the secret key (session %s)", url, session)
        return None
    message = str(body.get("message") or "") if isinstance(body, Mapping) else ""
    if status == 400 and message.strip().lower() == _WRONG_KEY:
        return GatewayProblem("bad_secret", "wppconnect_secret_key", f"POST {shown}: {message}")
    return GatewayProblem(
        "not_wppconnect", "wppconnect_url", f"POST {shown}: HTTP {status} {str(body)[:120]}"
    )


async def check_cloud_api(
    graph_url: str, phone_number_id: str, access_token: str, app_secret: str, verify_token: str
) -> GatewayProblem | None:
    """None when the Graph API knows `phone_number_id` for `access_token`. The app secret
    and the verify token are Meta's to check when it posts or subscribes: only required."""
    if not _NUMBER_ID.fullmatch(phone_number_id):
        code = "missing_field" if not phone_number_id else "unknown_number"
        return GatewayProblem(code, "meta_phone_number_id", "the phone number id is digits")
    for field, value in (
        ("meta_access_token", access_token),
        ("meta_app_secret", app_secret),
        ("meta_verify_token", verify_token),
    ):
        if not value:
            return GatewayProblem("missing_field", field, f"{field} is empty")
    problem = _url_problem(graph_url, "meta_graph_url")
    if problem is not None:
        return problem
    target = f"{graph_url.rstrip('/')}/{phone_number_id}"
    headers = {"Authorization": f"Bearer {access_token}"}
    try:
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as http,
            http.get(target, headers=headers) as response,
        ):
            status = response.status
            body = await _json(response)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return GatewayProblem("unreachable", "meta_graph_url", f"GET {target}: {exc}")
    error = body.get("error") if isinstance(body, Mapping) else None
    error_code = error.get("code") if isinstance(error, Mapping) else None
    message = str(error.get("message") or "") if isinstance(error, Mapping) else ""
    if status == 200 and isinstance(body, Mapping) and str(body.get("id")) == phone_number_id:
        log.info("the Graph API knows phone number id %s", phone_number_id)
        return None
    if status == 401 or error_code == 190:
        return GatewayProblem("bad_token", "meta_access_token", f"GET {target}: {message}")
    if status in (400, 404) and error is not None:
        return GatewayProblem("unknown_number", "meta_phone_number_id", f"GET {target}: {message}")
    return GatewayProblem(
        "unexpected_answer", "meta_graph_url", f"GET {target}: HTTP {status} {str(body)[:120]}"
    )


async def _json(response: aiohttp.ClientResponse) -> object:
    try:
        return await response.json(content_type=None)
    except ValueError:
        return None
