"""Who may do what: the one table of admin-only actions, read by the server and the UI.

An operator does the desk's daily work: reads and answers conversations, opens, moves and
closes tickets, signs themselves out. What changes the desk for everyone (who may use it,
how tickets are made, how the gateways are reached) is for administrators. The server
enforces this table (REST 403 / Socket.IO ack `code: "forbidden"`); the console reads the
same table to hide what the signed-in operator may not do. docs/protocol.md section 5.
"""

from __future__ import annotations

from enum import StrEnum

from sportello.domain.values import Role


class DeskAction(StrEnum):
    """An action that depends on the role; anything not listed here is for every operator."""

    LIST_ALL_OPERATORS = "list_all_operators"  # deactivated ones included
    CREATE_OPERATOR = "create_operator"
    DEACTIVATE_OPERATOR = "deactivate_operator"
    REVOKE_OTHERS_ACCESS = "revoke_others_access"  # another operator's tokens
    CHANGE_RULES = "change_rules"
    VIEW_GATEWAY_SETTINGS = "view_gateway_settings"
    # The WhatsApp line: its state, its QR code (whoever scans it owns the desk's number),
    # starting its session again.
    CONNECT_WHATSAPP_LINE = "connect_whatsapp_line"
    # Only with --assignee-only-replies, where an assignment is the right to reply:
    # giving a ticket to someone else, or taking it from its assignee, is dispatching.
    REASSIGN_TICKETS = "reassign_tickets"
    # The server this computer runs in local-server mode: its rules file, port, webhook
    # secret. Its operator is an admin (local_operator.py); a desk's operator is not.
    CONFIGURE_LOCAL_SERVER = "configure_local_server"


# Every action named above is for administrators today; the table is the place to say
# otherwise for a new one.
ADMIN_ONLY: frozenset[DeskAction] = frozenset(
    {
        DeskAction.LIST_ALL_OPERATORS,
        DeskAction.CREATE_OPERATOR,
        DeskAction.DEACTIVATE_OPERATOR,
        DeskAction.REVOKE_OTHERS_ACCESS,
        DeskAction.CHANGE_RULES,
        DeskAction.VIEW_GATEWAY_SETTINGS,
        DeskAction.CONNECT_WHATSAPP_LINE,
        DeskAction.REASSIGN_TICKETS,
        DeskAction.CONFIGURE_LOCAL_SERVER,
    }
)

_WHAT = {
    DeskAction.LIST_ALL_OPERATORS: "list deactivated operators",
    DeskAction.CREATE_OPERATOR: "create operators",
    DeskAction.DEACTIVATE_OPERATOR: "deactivate operators",
    DeskAction.REVOKE_OTHERS_ACCESS: "revoke another operator's access",
    DeskAction.CHANGE_RULES: "change the ticket rules",
    DeskAction.VIEW_GATEWAY_SETTINGS: "see the gateway settings",
    DeskAction.CONNECT_WHATSAPP_LINE: "see or connect the WhatsApp line (its QR code)",
    DeskAction.REASSIGN_TICKETS: "assign a ticket to someone else or take it from its "
    "assignee (this desk lets only the assignee reply)",
    DeskAction.CONFIGURE_LOCAL_SERVER: "configure the local server",
}


def role_of(value: object) -> Role:
    """Our role for a wire value; anything unknown (or missing) is a plain operator."""
    try:
        return Role(str(value).lower())
    except ValueError:
        return Role.OPERATOR


def allowed(role: Role | str | None, action: DeskAction) -> bool:
    """May someone with this role do it?"""
    return action not in ADMIN_ONLY or role_of(role) is Role.ADMIN


def refusal(role: Role | str | None, action: DeskAction) -> str | None:
    """None when allowed, else the one-line English reason (for logs and API clients)."""
    if allowed(role, action):
        return None
    return f"only an administrator may {_WHAT[action]}"


def is_reassignment(
    actor_id: int, current_assignee: int | None, new_assignee: int | None, unassign: bool
) -> bool:
    """Does this assignment change move a ticket to or from someone other than the actor?

    Taking an unassigned ticket, and letting go of one's own, are not reassignments.
    """
    if new_assignee is None and not unassign:
        return False  # the assignment is not touched
    if new_assignee == current_assignee and not unassign:
        return False  # unchanged
    others = {current_assignee, new_assignee} - {None, actor_id}
    return bool(others)
