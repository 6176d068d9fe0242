"""Tokens and the auth middleware of wppconnect-server.

`encryptController.ts` `encryptSession`: the token is a bcrypt hash (cost 10, new salt every
call) of `session + secretKey`, with `/` written `_` and `+` written `-`, so every token ever
generated for a session stays valid until the secret key changes. `middleware/auth.ts`
`verifyToken` takes it from `:session` written `S:T`, else from the second word of the
`Authorization` header, and bcrypt-compares it with `session + secretKey`.

The simulator keeps the shape (`$2b$10$` + 22 salt characters + 31 hash characters, bcrypt's
alphabet) but hashes with HMAC-SHA256: bcrypt would cost ~60 ms per request and a dependency.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_PREFIX = "$2b$10$"
_SHAPE = re.compile(r"^\$2b\$10\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$")

TOKEN_NOT_PRESENT = {"message": "Token is not present. Check your header and try again"}
TOKEN_WRONG = {"error": "Check that the Session and Token are correct"}
SECRET_KEY_WRONG = {"response": False, "message": "The SECRET_KEY is incorrect"}


def _encode(data: bytes, length: int) -> str:
    number = int.from_bytes(data, "big")
    out = []
    for _ in range(length):
        number, digit = divmod(number, 64)
        out.append(_ALPHABET[digit])
    return "".join(out)


@dataclass(frozen=True, slots=True)
class TokenIssuer:
    """Issues and checks session tokens for one secret key."""

    secret_key: str

    def _digest(self, salt: str, session: str) -> str:
        mac = hmac.new(
            self.secret_key.encode(), f"{salt}|{session}{self.secret_key}".encode(), hashlib.sha256
        )
        return _encode(mac.digest(), 31)

    def issue(self, session: str) -> str:
        """A new token for `session`, as generate-token answers it (`/`->`_`, `+`->`-`)."""
        salt = "".join(secrets.choice(_ALPHABET) for _ in range(22))
        raw = _PREFIX + salt + self._digest(salt, session)
        return raw.replace("/", "_").replace("+", "-")

    def verify(self, session: str, decoded_token: str) -> bool:
        """bcrypt.compare(session + secretKey, token) with the token already decoded."""
        match = _SHAPE.match(decoded_token)
        if match is None:
            return False
        return hmac.compare_digest(match.group(2), self._digest(match.group(1), session))


def decode_token(token: str) -> str:
    """verifyToken's `_`->`/` and `-`->`+`."""
    return token.replace("_", "/").replace("-", "+")


def token_from_request(session_param: str, authorization: str | None) -> str | dict[str, str]:
    """The decoded token of a request, or the 401 body verifyToken answers when none is there.

    `S:T` in the path wins; otherwise the header's second space-separated word, whatever the
    scheme (`Bearer` is only a convention)."""
    parts = session_param.split(":")
    if len(parts) > 1:
        return decode_token(parts[1])
    if not authorization:
        return TOKEN_NOT_PRESENT
    words = authorization.split(" ")
    value = words[1] if len(words) > 1 else ""
    if not value:
        return TOKEN_NOT_PRESENT
    return decode_token(value)


def session_name(session_param: str) -> str:
    """`formatSession`: the part before `:`."""
    return session_param.split(":")[0]
