"""Operators (who may use the desk), their passwords and their API tokens.

Passwords are kept as scrypt hashes with a per-user salt; tokens as sha256 digests of a
random 256-bit secret that is shown once. Neither can be read back from the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sportello.domain.text_repair import needs_repair
from sportello.domain.values import Role, utc_now
from sportello.store.models import ApiToken, Operator

# scrypt cost: 16 MiB of memory and a few tens of ms per check; stored in each hash so it
# can be raised later without invalidating existing passwords.
_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1
_KEY_BYTES = 32
_SALT_BYTES = 16
# Writing last_used_at on every request would turn reads into writes; once a minute is enough.
_TOUCH_INTERVAL = timedelta(minutes=1)
# What `POST /api/auth/login` accepts (longer names and passwords are refused there), and
# the columns: an operator made longer could never sign in.
MAX_NAME_CHARS = 64
MAX_DISPLAY_NAME_CHARS = 128
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024


class OperatorExists(Exception):
    """An operator with that name already exists."""


class OperatorNotFound(Exception):
    """No operator with that name."""


def name_problem(name: str) -> str | None:
    """Why this login name cannot be an operator's, or None (CLI and REST alike)."""
    if not name.strip():
        return "operator name is empty"
    if name != name.strip():
        return "operator name starts or ends with a space"
    if len(name) > MAX_NAME_CHARS:
        return f"operator name longer than {MAX_NAME_CHARS} characters"
    return None


def display_name_problem(display_name: str) -> str | None:
    if len(display_name) > MAX_DISPLAY_NAME_CHARS:
        return f"display name longer than {MAX_DISPLAY_NAME_CHARS} characters"
    return None


def password_problem(password: str) -> str | None:
    """Why this password is refused, or None (CLI and REST alike)."""
    if needs_repair(password):
        return "the password is not UTF-8 text"
    if len(password) < MIN_PASSWORD_CHARS:
        return f"password too short: use at least {MIN_PASSWORD_CHARS} characters"
    if len(password) > MAX_PASSWORD_CHARS:
        return f"password longer than {MAX_PASSWORD_CHARS} characters"
    return None


def hash_password(password: str) -> str:
    """`scrypt$N$r$p$salt$key` with a fresh random salt (base64 fields)."""
    salt = secrets.token_bytes(_SALT_BYTES)
    key = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return "$".join(
        ("scrypt", str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P), _b64(salt), _b64(key))
    )


def password_matches(stored_hash: str, password: str) -> bool:
    """Recompute and compare in constant time; a malformed stored hash never matches."""
    parts = stored_hash.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except ValueError:
        return False
    return hmac.compare_digest(_scrypt(password, salt, n, r, p, len(expected)), expected)


def create_operator(
    session: Session,
    name: str,
    role: Role,
    password: str,
    *,
    display_name: str | None = None,
) -> Operator:
    """Add an operator (flushed, not committed); raises OperatorExists for a taken name.

    The caller checks `name_problem`/`password_problem` first; a bad name raises ValueError.
    """
    name = name.strip()
    problem = name_problem(name) or display_name_problem(display_name or "")
    if problem is not None:
        raise ValueError(problem)
    if find_operator(session, name) is not None:
        raise OperatorExists(f"operator {name!r} already exists")
    operator = Operator(
        name=name,
        display_name=(display_name or name).strip() or name,
        role=role,
        password_hash=hash_password(password),
        active=True,
        created_at=utc_now(),
    )
    session.add(operator)
    session.flush()
    return operator


def find_operator(session: Session, name: str) -> Operator | None:
    return session.execute(select(Operator).where(Operator.name == name)).scalar_one_or_none()


def get_operator(session: Session, operator_id: int) -> Operator | None:
    return session.get(Operator, operator_id)


def list_operators(session: Session) -> list[Operator]:
    return list(session.execute(select(Operator).order_by(Operator.name)).scalars())


def verify_password(session: Session, name: str, password: str) -> Operator | None:
    """The active operator when name and password match, else None (same cost either way)."""
    operator = find_operator(session, name)
    if operator is None or not operator.active:
        # Spend the same time as a real check so response times do not reveal names.
        password_matches(_dummy_hash(), password)
        return None
    return operator if password_matches(operator.password_hash, password) else None


def set_password(session: Session, operator: Operator, password: str) -> None:
    operator.password_hash = hash_password(password)
    session.flush()


def create_token(session: Session, operator_name: str, *, label: str | None = None) -> str:
    """A new API token for the operator; only its digest is stored, the token is returned."""
    operator = find_operator(session, operator_name)
    if operator is None:
        raise OperatorNotFound(f"no operator named {operator_name!r}")
    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            operator_id=operator.id,
            token_hash=token_digest(token),
            label=label,
            created_at=utc_now(),
        )
    )
    session.flush()
    return token


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def operator_for_token(
    session: Session, token: str, *, now: datetime | None = None
) -> Operator | None:
    """The active operator a valid, unrevoked token belongs to, else None.

    Records the use (at most once a minute per token); the caller commits.
    """
    if not token:
        return None
    row = session.execute(
        select(ApiToken, Operator)
        .join(Operator, Operator.id == ApiToken.operator_id)
        .where(ApiToken.token_hash == token_digest(token))
    ).one_or_none()
    if row is None:
        return None
    api_token, operator = row
    if api_token.revoked_at is not None or not operator.active:
        return None
    now = now or utc_now()
    if api_token.last_used_at is None or now - api_token.last_used_at >= _TOUCH_INTERVAL:
        api_token.last_used_at = now
        session.flush()
    return operator


def revoke_token(session: Session, token: str) -> bool:
    """Revoke one token; False when it is unknown or already revoked."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def revoke_operator_tokens(session: Session, operator_name: str) -> int:
    """Revoke every live token of an operator; returns how many."""
    operator = find_operator(session, operator_name)
    if operator is None:
        raise OperatorNotFound(f"no operator named {operator_name!r}")
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.operator_id == operator.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def deactivate_operator(session: Session, operator_name: str) -> bool:
    """Withdraw an operator's access (tokens and password stop working); False if already."""
    operator = find_operator(session, operator_name)
    if operator is None:
        raise OperatorNotFound(f"no operator named {operator_name!r}")
    if not operator.active:
        return False
    operator.active = False
    # Its tokens are revoked too: setting `active` back by hand must not revive old tokens
    # (the operator signs in again and gets new ones).
    session.execute(
        update(ApiToken)
        .where(ApiToken.operator_id == operator.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    )
    session.flush()
    return True


class Withdrawn(StrEnum):
    """Why a session that was let in must end now (the `reason` of `sessionEnded`)."""

    TOKEN_REVOKED = "token_revoked"
    OPERATOR_DEACTIVATED = "operator_deactivated"


@dataclass(frozen=True, slots=True)
class AccessCheck:
    """The sessions of a batch that must end: token digests and (legacy) operator ids."""

    tokens: dict[str, Withdrawn]
    operators: dict[int, Withdrawn]


# SQLite builds older than 3.32 allow 999 bound parameters per statement.
_IN_CHUNK = 900


def withdrawn_access(
    session: Session, token_digests: Collection[str], operator_ids: Collection[int] = ()
) -> AccessCheck:
    """Which of these token digests and operator ids no longer grant access, and why.

    One query per kind for up to 900 distinct values (what a node's connected sockets hold),
    instead of one per socket. A digest the table no longer has counts as revoked; a
    revoked token of a deactivated operator reports the deactivation (it says more).
    """
    tokens: dict[str, Withdrawn] = {}
    wanted = sorted(set(token_digests))
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        seen: set[str] = set()
        rows = session.execute(
            select(ApiToken.token_hash, ApiToken.revoked_at, Operator.active)
            .join(Operator, Operator.id == ApiToken.operator_id)
            .where(ApiToken.token_hash.in_(chunk))
        )
        for digest, revoked_at, active in rows:
            seen.add(digest)
            if not active:
                tokens[digest] = Withdrawn.OPERATOR_DEACTIVATED
            elif revoked_at is not None:
                tokens[digest] = Withdrawn.TOKEN_REVOKED
        for digest in chunk:
            if digest not in seen:
                tokens[digest] = Withdrawn.TOKEN_REVOKED
    operators: dict[int, Withdrawn] = {}
    ids = sorted(set(operator_ids))
    for start in range(0, len(ids), _IN_CHUNK):
        chunk_ids = ids[start : start + _IN_CHUNK]
        active_ids = set(
            session.execute(
                select(Operator.id).where(Operator.id.in_(chunk_ids), Operator.active)
            ).scalars()
        )
        for operator_id in chunk_ids:
            if operator_id not in active_ids:
                operators[operator_id] = Withdrawn.OPERATOR_DEACTIVATED
    return AccessCheck(tokens, operators)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int = _KEY_BYTES) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen, maxmem=256 * 1024 * 1024
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))
