"""The one table of who may do what (domain/permissions.py), as the server and UI read it."""

from __future__ import annotations

import pytest

from sportello.domain.permissions import (
    ADMIN_ONLY,
    DeskAction,
    allowed,
    is_reassignment,
    refusal,
    role_of,
)
from sportello.domain.values import Role


@pytest.mark.parametrize("action", list(DeskAction))
def test_every_desk_wide_action_is_an_admins_and_refused_in_one_english_line(
    action: DeskAction,
) -> None:
    assert action in ADMIN_ONLY
    assert allowed(Role.ADMIN, action) and allowed("admin", action)
    assert not allowed(Role.OPERATOR, action)
    reason = refusal(Role.OPERATOR, action)
    assert reason is not None and reason.startswith("only an administrator may ")
    assert "\n" not in reason
    assert refusal(Role.ADMIN, action) is None


@pytest.mark.parametrize("role", [None, "", "SUPER_ADMIN", "boss", 7])
def test_an_unknown_or_missing_role_is_a_plain_operator(role: object) -> None:
    assert role_of(role) is Role.OPERATOR
    assert not allowed(role, DeskAction.CHANGE_RULES)  # type: ignore[arg-type]


def test_the_seeds_admin_words_are_read_case_blind_only_for_our_own() -> None:
    assert role_of("ADMIN") is Role.ADMIN


ME, COLLEAGUE, OTHER = 1, 2, 3


@pytest.mark.parametrize(
    ("current", "new", "unassign", "expected"),
    [
        (None, ME, False, False),  # taking an unassigned ticket
        (ME, None, True, False),  # letting go of one's own
        (ME, ME, False, False),  # unchanged
        (COLLEAGUE, COLLEAGUE, False, False),  # unchanged, even a colleague's
        (COLLEAGUE, None, False, False),  # status/priority only: assignment untouched
        (None, COLLEAGUE, False, True),  # giving it to someone else
        (ME, COLLEAGUE, False, True),  # handing one's own to someone else
        (COLLEAGUE, ME, False, True),  # taking a colleague's
        (COLLEAGUE, None, True, True),  # unassigning a colleague's
        (COLLEAGUE, OTHER, False, True),  # moving it between two others
        (None, None, True, False),  # unassigning an unassigned ticket
    ],
)
def test_which_assignment_changes_are_dispatching(
    current: int | None, new: int | None, unassign: bool, expected: bool
) -> None:
    assert is_reassignment(ME, current, new, unassign) is expected
