"""Operators log in with a scrypt-checked password; API tokens are stored hashed and revocable."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from sportello.domain.values import Role
from sportello.store.database import Database
from sportello.store.models import ApiToken, Operator
from sportello.store.operators import (
    OperatorExists,
    OperatorNotFound,
    create_operator,
    create_token,
    hash_password,
    operator_for_token,
    password_matches,
    revoke_operator_tokens,
    revoke_token,
    verify_password,
)


def test_password_hash_is_salted_scrypt() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first != second  # a fresh salt each time
    assert first.startswith("scrypt$")
    assert password_matches(first, "correct horse")
    assert not password_matches(first, "correct horsE")
    assert not password_matches("garbage", "correct horse")


def test_login_with_right_and_wrong_password(db: Database) -> None:
    with db.session() as session:
        create_operator(session, "anna", Role.ADMIN, "la-mia-password", display_name="Anna Verdi")
        session.commit()
    with db.session() as session:
        operator = verify_password(session, "anna", "la-mia-password")
        assert operator is not None
        assert (operator.name, operator.display_name, operator.role) == (
            "anna",
            "Anna Verdi",
            Role.ADMIN,
        )
        assert "la-mia-password" not in operator.password_hash
        assert verify_password(session, "anna", "sbagliata") is None
        assert verify_password(session, "nessuno", "la-mia-password") is None


def test_operator_names_are_unique(db: Database) -> None:
    with db.session() as session:
        create_operator(session, "anna", Role.OPERATOR, "password-1")
        session.commit()
    with db.session() as session, pytest.raises(OperatorExists, match="anna"):
        create_operator(session, "anna", Role.ADMIN, "password-2")


def test_token_is_shown_once_and_stored_hashed(db: Database) -> None:
    with db.session() as session:
        operator = create_operator(session, "marco", Role.OPERATOR, "password-1")
        token = create_token(session, "marco", label="desk")
        session.commit()
        operator_id = operator.id
    with db.session() as session:
        stored = session.execute(select(ApiToken)).scalar_one()
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in stored.token_hash
        found = operator_for_token(session, token)
        assert found is not None and found.id == operator_id
        session.commit()
    with db.read_session() as session:
        assert session.execute(select(ApiToken.last_used_at)).scalar_one() is not None
    with db.session() as session:
        assert operator_for_token(session, token + "x") is None
        assert operator_for_token(session, "") is None


def test_revoked_token_no_longer_authenticates(db: Database) -> None:
    with db.session() as session:
        create_operator(session, "marco", Role.OPERATOR, "password-1")
        kept, revoked = create_token(session, "marco"), create_token(session, "marco")
        session.commit()
    with db.session() as session:
        assert revoke_token(session, revoked)
        assert not revoke_token(session, revoked)  # already revoked
        session.commit()
    with db.session() as session:
        assert operator_for_token(session, revoked) is None
        assert operator_for_token(session, kept) is not None
        assert revoke_operator_tokens(session, "marco") == 1
        session.commit()
    with db.session() as session:
        assert operator_for_token(session, kept) is None


def test_inactive_operator_cannot_log_in_or_use_tokens(db: Database) -> None:
    with db.session() as session:
        operator = create_operator(session, "ex", Role.OPERATOR, "password-1")
        token = create_token(session, "ex")
        operator.active = False
        session.commit()
    with db.session() as session:
        assert verify_password(session, "ex", "password-1") is None
        assert operator_for_token(session, token) is None


def test_deactivating_revokes_the_tokens_so_reactivating_does_not_revive_them(
    db: Database,
) -> None:
    from sportello.store.operators import deactivate_operator

    with db.session() as session:
        create_operator(session, "ex2", Role.OPERATOR, "password-1")
        token = create_token(session, "ex2")
        session.commit()
    with db.session() as session:
        assert deactivate_operator(session, "ex2") is True
        assert deactivate_operator(session, "ex2") is False
        session.commit()
    with db.session() as session:  # an administrator sets it back by hand
        operator = session.scalars(select(Operator).where(Operator.name == "ex2")).one()
        operator.active = True
        session.commit()
    with db.session() as session:
        assert operator_for_token(session, token) is None
        assert verify_password(session, "ex2", "password-1") is not None
        assert operator_for_token(session, create_token(session, "ex2")) is not None


def test_token_for_unknown_operator_is_refused(db: Database) -> None:
    with db.session() as session, pytest.raises(OperatorNotFound, match="ghost"):
        create_token(session, "ghost")
    with db.read_session() as session:
        assert session.execute(select(Operator)).first() is None
