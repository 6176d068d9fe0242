"""Who may reply, and whether WhatsApp still lets us: the checks before a reply is queued.

Two refusals, both answered in the `sendMessage` ack before anything is stored (and in the
`retryMessage` ack before a failed reply goes back to the outbox), and after them whatever
`gate` says about the conversation's gateway (send_gate.py):
- `window_closed`: a Cloud API conversation whose customer has not written for 24 hours
  (domain/service_window.py); only a template could reopen it, and templates are not
  supported yet. WPPConnect and generic conversations have no window.
- `not_assignee`: with `--assignee-only-replies`, a conversation whose open ticket is
  assigned to somebody else. A conversation without an open ticket, or whose ticket is
  unassigned, can be answered by anyone (taking the ticket is one click).
A clientId the server already stored is never refused: resending it returns the message,
so an ack lost on the way stays harmless even if the window closed meanwhile.
Blocking functions: run them on the DB executor.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sportello.domain.phone import normalize_phone
from sportello.domain.service_window import ServiceWindow, WindowState, service_window
from sportello.domain.values import DeliveryStatus, Direction, Gateway, iso_utc, utc_now
from sportello.server.commands import CommandError, SendRequest
from sportello.store.database import Database
from sportello.store.messages import find_by_client_id
from sportello.store.models import Contact, Conversation, Message, Operator, Ticket
from sportello.store.tickets import open_ticket_for_contact


def window_json(
    window: ServiceWindow, gateway: Gateway | str, last_inbound_at: datetime | None
) -> dict[str, Any]:
    """The `serviceWindow` object of docs/protocol.md."""
    return {
        "gateway": str(gateway),
        "state": window.state.value,
        "lastInboundAt": iso_utc(last_inbound_at) if last_inbound_at else None,
        "closesAt": iso_utc(window.closes_at) if window.closes_at else None,
    }


def conversation_window(db: Database, conversation_id: int) -> dict[str, Any] | None:
    """The serviceWindow of one conversation now; None when it does not exist."""
    with db.read_session() as session:
        row = session.execute(
            select(Conversation.gateway, Conversation.last_inbound_at).where(
                Conversation.id == conversation_id
            )
        ).one_or_none()
    if row is None:
        return None
    gateway, last_inbound = row
    return window_json(service_window(gateway, last_inbound, utc_now()), gateway, last_inbound)


def check_send(
    db: Database,
    request: SendRequest,
    operator_id: int,
    *,
    assignee_only: bool,
    default_gateway: Gateway,
    now: datetime | None = None,
    gate: Callable[[Gateway, str | None], None] | None = None,
) -> None:
    """Raise CommandError (`window_closed`, `not_assignee`, or the `gate`'s own) when this
    reply must not go out. `gate(gateway, account)` raises when that gateway cannot send."""
    now = now or utc_now()
    with db.read_session() as session:
        if find_by_client_id(session, request.client_id) is not None:
            return  # already queued: the idempotent answer, whatever changed since
        target = _target(session, request)
        if target is None:
            closed = service_window(default_gateway, None, now).state is WindowState.CLOSED
            if request.to is not None and closed:
                raise CommandError(
                    "window_closed",
                    "this customer has never written: WhatsApp (Cloud API) allows only a"
                    " template to start a conversation, and templates are not supported yet",
                )
            if request.to is not None and gate is not None:
                gate(default_gateway, None)
            return  # unknown conversation id: the send itself answers not_found
        conversation, contact = target
        _check_conversation(
            session, conversation, contact.id, operator_id, assignee_only, now, gate
        )


def check_retry(
    db: Database,
    message_id: int,
    operator_id: int,
    *,
    assignee_only: bool,
    now: datetime | None = None,
    gate: Callable[[Gateway, str | None], None] | None = None,
) -> None:
    """The same refusals for `retryMessage`: sending a failed reply again is replying."""
    now = now or utc_now()
    with db.read_session() as session:
        row = session.execute(
            select(Message.direction, Message.status, Conversation)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Message.id == message_id)
        ).one_or_none()
        if row is None:
            return  # the retry itself answers not_found
        direction, status, conversation = row
        if direction is not Direction.OUTGOING or status is not DeliveryStatus.FAILED:
            return  # not_found, or the idempotent answer (it was retried already)
        _check_conversation(
            session, conversation, conversation.contact_id, operator_id, assignee_only, now, gate
        )


def _check_conversation(
    session: Session,
    conversation: Conversation,
    contact_id: int,
    operator_id: int,
    assignee_only: bool,
    now: datetime,
    gate: Callable[[Gateway, str | None], None] | None,
) -> None:
    if assignee_only:
        _check_assignee(session, contact_id, operator_id)
    window = service_window(conversation.gateway, conversation.last_inbound_at, now)
    if not window.allows_free_reply:
        since = (
            f"the customer last wrote at {iso_utc(conversation.last_inbound_at)}"
            if conversation.last_inbound_at
            else "the customer has never written"
        )
        raise CommandError(
            "window_closed",
            f"the 24-hour WhatsApp window is closed ({since}): the Cloud API accepts only"
            " a template now, and templates are not supported yet",
        )
    if gate is not None:
        gate(conversation.gateway, conversation.account)


def _target(session: Session, request: SendRequest) -> tuple[Conversation, Contact] | None:
    query = select(Conversation, Contact).join(Contact, Contact.id == Conversation.contact_id)
    if request.conversation_id is not None:
        query = query.where(Conversation.id == request.conversation_id)
    elif request.to is not None:
        query = query.where(Contact.phone_key == normalize_phone(request.to).key)
    else:
        return None
    row = session.execute(query.order_by(Conversation.id).limit(1)).one_or_none()
    return None if row is None else (row[0], row[1])


def _check_assignee(session: Session, contact_id: int, operator_id: int) -> None:
    ref = open_ticket_for_contact(session, contact_id)
    if ref is None:
        return
    ticket = session.get(Ticket, ref.id)
    if ticket is None or ticket.assignee_id is None or ticket.assignee_id == operator_id:
        return
    assignee = session.get(Operator, ticket.assignee_id)
    name = assignee.display_name if assignee else f"operator {ticket.assignee_id}"
    raise CommandError(
        "not_assignee",
        f"only {name}, assigned to ticket #{ticket.number}, can reply here: the server"
        " allows replies from the assignee only (--assignee-only-replies)",
    )
