"""Who is calling: bearer tokens, password login with a rate limit, legacy seed auth.

Tokens are checked against the store (only their digest is stored there) and cached for
a few seconds so that 500 sockets reconnecting at once do not queue 500 writes; a revoked
token stops working within `TOKEN_CACHE_SECONDS`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from collections import deque
from dataclasses import dataclass

from sportello.domain.values import Role
from sportello.server.db_executor import DbExecutor
from sportello.store.database import Database
from sportello.store.models import Operator
from sportello.store.operators import get_operator, operator_for_token, verify_password

TOKEN_CACHE_SECONDS = 10.0
_TOKEN_CACHE_SIZE = 4096
MAX_TOKEN_LENGTH = 512


@dataclass(frozen=True, slots=True)
class OperatorInfo:
    """The authenticated caller, detached from any database session."""

    id: int
    name: str
    display_name: str
    role: Role

    @property
    def user_json(self) -> dict[str, str]:
        """The `user` object of `authenticated` and of the login answer."""
        return {"id": str(self.id), "name": self.name, "role": self.role.value}

    @classmethod
    def of(cls, operator: Operator) -> OperatorInfo:
        return cls(operator.id, operator.name, operator.display_name, operator.role)


class TokenAuthenticator:
    """Resolves API tokens and passwords to operators, off the event loop."""

    def __init__(self, db: Database, executor: DbExecutor) -> None:
        self._db = db
        self._executor = executor
        self._cache: dict[str, tuple[float, OperatorInfo | None]] = {}

    async def operator_for_token(self, token: object) -> OperatorInfo | None:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        try:
            key = hashlib.sha256(token.encode("utf-8")).hexdigest()
        except UnicodeEncodeError:  # a lone surrogate: JSON can carry it, no token holds it
            return None
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        info = await self._executor.write(lambda: self._lookup(token))
        if len(self._cache) >= _TOKEN_CACHE_SIZE:
            self._cache.clear()
        self._cache[key] = (now + TOKEN_CACHE_SECONDS, info)
        return info

    def forget(self, digest: str) -> None:
        """Drop a revoked token (by its sha256 digest) from the cache: 401 from now on."""
        self._cache.pop(digest, None)

    def forget_operator(self, operator_id: int) -> None:
        """Drop every cached token of an operator whose access was withdrawn here."""
        for key in [k for k, (_, info) in self._cache.items() if info and info.id == operator_id]:
            del self._cache[key]

    def _lookup(self, token: str) -> OperatorInfo | None:
        with self._db.session() as session:
            operator = operator_for_token(session, token)
            info = None if operator is None else OperatorInfo.of(operator)
            session.commit()  # records when the token was last used
            return info

    async def operator_by_id(self, user_id: object) -> OperatorInfo | None:
        """An active operator by id (legacy `authenticate {userId}`)."""
        try:
            operator_id = int(str(user_id))
        except ValueError:
            return None
        if not 0 < operator_id < 2**31:
            return None

        def lookup() -> OperatorInfo | None:
            with self._db.read_session() as session:
                operator = get_operator(session, operator_id)
                if operator is None or not operator.active:
                    return None
                return OperatorInfo.of(operator)

        return await self._executor.read(lookup)

    async def login(self, username: str, password: str) -> tuple[OperatorInfo, str] | None:
        """(operator, new token) when the password matches, else None."""
        from sportello.store.operators import create_token

        def verify() -> OperatorInfo | None:
            # Password hashing is deliberately slow: a reader thread pays for it, so the
            # writer (and every webhook behind it) never waits on a login.
            with self._db.read_session() as session:
                operator = verify_password(session, username, password)
                return None if operator is None else OperatorInfo.of(operator)

        info = await self._executor.read(verify)
        if info is None:
            return None

        def issue() -> str:
            with self._db.session() as session:
                token = create_token(session, info.name, label="login")
                session.commit()
                return token

        return info, await self._executor.write(issue)


class LoginLimiter:
    """At most `attempts` failed logins per (IP, username) within `window` seconds."""

    def __init__(self, attempts: int, window: float) -> None:
        self._attempts = attempts
        self._window = window
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def retry_after(self, ip: str, username: str) -> float:
        """Seconds to wait before trying again; 0 when allowed now."""
        failures = self._failures.get((ip, username.lower()))
        if not failures:
            return 0.0
        now = time.monotonic()
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        if len(failures) < self._attempts:
            return 0.0
        return max(0.1, failures[0] + self._window - now)

    def failed(self, ip: str, username: str) -> None:
        if len(self._failures) > 100_000:
            self._failures.clear()  # a flood of distinct names must not grow memory forever
        self._failures.setdefault((ip, username.lower()), deque()).append(time.monotonic())

    def succeeded(self, ip: str, username: str) -> None:
        self._failures.pop((ip, username.lower()), None)


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    value = value.strip()
    return value or None


def is_loopback(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    # A dual-stack listener ("::") sees IPv4 loopback as ::ffff:127.0.0.1.
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))
