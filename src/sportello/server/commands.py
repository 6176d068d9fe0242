"""What sockets ask of the store, as blocking functions run on the DB executor.

Each validates its input (a `CommandError` with a snake_case code and one line), calls
the store or the desk service, and returns the ack payload; writes also return the
events they committed so the executor can publish them in commit order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from sportello.domain.values import Priority, TicketStatus, iso_utc
from sportello.ingest.desk import DeskError, DeskService, ReadReceipt
from sportello.ingest.reply_retry import requeue_failed_reply
from sportello.store.database import Database
from sportello.store.events import StoredEvent, last_seq, read_events
from sportello.store.messages import unread_summary
from sportello.store.models import Contact, Conversation

SYNC_PAGE = 1000
UNREAD_NEWEST = 50
MAX_BODY_CHARS = 4096
MAX_CLIENT_ID = 128
MAX_SEQ = 2**63 - 1  # seq is a 64-bit signed column on both engines

Written = tuple[dict[str, Any], list[StoredEvent]]


class CommandError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_id(value: object, name: str, *, required: bool = True) -> int:
    """Ids travel as strings ("42"); numbers are accepted too."""
    if isinstance(value, bool) or value is None or value == "":
        raise CommandError(f"missing_{_snake(name)}", f"{name} is required")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _is_ascii_number(value.strip()) and len(value) < 20:
        number = int(value.strip())
    else:
        raise CommandError(f"invalid_{_snake(name)}", f"{name} must be an id, got {value!r:.40}")
    if not 0 < number < 2**63:
        raise CommandError(f"invalid_{_snake(name)}", f"{name} {number} is out of range")
    return number


def _is_ascii_number(text: str) -> bool:
    # str.isdigit() also accepts "²" and other digits int() refuses (ValueError, no ack).
    return text.isascii() and text.isdigit()


def parse_since(data: dict[str, Any]) -> int:
    """`sync`'s `since`: a seq (0 = from the start), required, never guessed."""
    since = data.get("since")
    # bool is an int in Python; 1.0, "5", null and 10**30 are refused alike: a page
    # replayed from a guessed cursor would apply events twice or skip them.
    if isinstance(since, bool) or not isinstance(since, int) or not 0 <= since <= MAX_SEQ:
        raise CommandError(
            "invalid_since",
            f"since must be an integer seq from 0 to {MAX_SEQ}, got {since!r:.40}",
        )
    return since


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def current_seq(db: Database) -> int:
    with db.read_session() as session:
        return last_seq(session)


def unread_snapshot(db: Database) -> dict[str, Any]:
    """The seed's unreadMessages: the true total and the newest 50."""
    with db.read_session() as session:
        summary = unread_summary(session, limit=UNREAD_NEWEST)
        return {
            "count": summary.count,
            "messages": [
                {
                    "id": str(message.id),
                    "phoneNumber": contact.e164 or contact.chat_id,
                    "message": message.body,
                    "timestamp": iso_utc(message.timestamp),
                    "type": message.type.value,
                    "senderName": message.sender_name or contact.display_name,
                    "conversationId": str(message.conversation_id),
                }
                for message, contact in summary.messages
            ],
        }


def sync_page(db: Database, since: int, limit: int = SYNC_PAGE) -> dict[str, Any]:
    """Events after `since` in seq order; `more` says another page is waiting."""
    with db.read_session() as session:
        events = read_events(session, since, limit + 1)
    more = len(events) > limit
    events = events[:limit]
    return {
        "events": [{"event": event.name, "data": event.payload} for event in events],
        "cursor": events[-1].seq if events else since,
        "more": more,
    }


def mark_read(
    desk: DeskService, message_id: int, operator_id: int
) -> tuple[ReadReceipt | None, list[StoredEvent]]:
    """Mark read; the receipt to pass on to the gateway once committed (None: nothing changed)."""
    try:
        result = desk.mark_read(message_id, operator_id)
    except DeskError as exc:
        raise CommandError(exc.code, exc.message) from None
    return result.receipt, result.events


@dataclass(frozen=True, slots=True)
class SendRequest:
    client_id: str
    body: str
    conversation_id: int | None
    to: str | None


def parse_send_request(data: dict[str, Any]) -> SendRequest:
    client_id = data.get("clientId")
    if not isinstance(client_id, str) or not client_id.strip():
        raise CommandError("missing_client_id", "clientId (a non-empty string) is required")
    if len(client_id) > MAX_CLIENT_ID:
        raise CommandError("invalid_client_id", f"clientId longer than {MAX_CLIENT_ID} chars")
    body = data.get("body")
    if not isinstance(body, str) or not body.strip():
        raise CommandError("empty_body", "body must be a non-empty string")
    if len(body) > MAX_BODY_CHARS:
        raise CommandError("body_too_long", f"body longer than {MAX_BODY_CHARS} characters")
    conversation_id = None
    to = None
    if data.get("conversationId") not in (None, ""):
        conversation_id = parse_id(data.get("conversationId"), "conversationId")
    else:
        raw_to = data.get("to")
        if not isinstance(raw_to, str) or not raw_to.strip() or len(raw_to) > 160:
            raise CommandError("missing_recipient", "give conversationId or to")
        to = raw_to.strip()
    return SendRequest(client_id, body, conversation_id, to)


def send_message(desk: DeskService, request: SendRequest, operator_id: int) -> Written:
    try:
        queued = desk.queue_outgoing(
            body=request.body,
            client_id=request.client_id,
            operator_id=operator_id,
            conversation_id=request.conversation_id,
            to=request.to,
        )
    except DeskError as exc:
        raise CommandError(exc.code, exc.message) from None
    return {"ok": True, "message": queued.message}, queued.events


def retry_message(db: Database, message_id: int) -> Written:
    """`retryMessage {messageId}`: a failed reply back to the outbox, same id and clientId."""
    try:
        retried = requeue_failed_reply(db, message_id)
    except DeskError as exc:
        raise CommandError(exc.code, exc.message) from None
    return {"ok": True, "message": retried.message}, retried.events


@dataclass(frozen=True, slots=True)
class TicketChange:
    ticket_id: int
    status: TicketStatus | None
    priority: Priority | None
    assignee_id: int | None
    unassign: bool


def parse_ticket_change(data: dict[str, Any]) -> TicketChange:
    ticket_id = parse_id(data.get("ticketId"), "ticketId")
    status = priority = None
    if data.get("status") is not None:
        try:
            status = TicketStatus(str(data["status"]).upper())
        except ValueError:
            raise CommandError(
                "invalid_status", f"status must be one of {', '.join(TicketStatus)}"
            ) from None
    if data.get("priority") is not None:
        try:
            priority = Priority(str(data["priority"]).upper())
        except ValueError:
            raise CommandError(
                "invalid_priority", f"priority must be one of {', '.join(Priority)}"
            ) from None
    assignee_id = None
    unassign = False
    if "assigneeId" in data:
        if data["assigneeId"] in (None, ""):
            unassign = True
        else:
            assignee_id = parse_id(data["assigneeId"], "assigneeId")
    return TicketChange(ticket_id, status, priority, assignee_id, unassign)


def update_ticket(
    desk: DeskService, change: TicketChange, operator_id: int, reassign_refusal: str | None
) -> Written:
    """`reassign_refusal`: why this operator may not reassign tickets, None when it may."""
    try:
        result = desk.update_ticket(
            change.ticket_id,
            operator_id,
            status=change.status,
            priority=change.priority,
            assignee_id=change.assignee_id,
            unassign=change.unassign,
            reassign_refusal=reassign_refusal,
        )
    except DeskError as exc:
        raise CommandError(exc.code, exc.message) from None
    return {"ok": True, "ticket": result.ticket}, result.events


@dataclass(frozen=True, slots=True)
class TicketRequest:
    message_id: int
    title: str | None
    priority: Priority | None


def parse_create_ticket(data: dict[str, Any]) -> TicketRequest:
    """`createTicket {messageId, title?, priority?}` (docs/protocol.md, our extension)."""
    message_id = parse_id(data.get("messageId"), "messageId")
    title = data.get("title")
    if title is not None and (not isinstance(title, str) or len(title) > 255):
        raise CommandError("invalid_title", "title must be a string of at most 255 characters")
    priority = None
    if data.get("priority") is not None:
        try:
            priority = Priority(str(data["priority"]).upper())
        except ValueError:
            raise CommandError(
                "invalid_priority", f"priority must be one of {', '.join(Priority)}"
            ) from None
    return TicketRequest(message_id, title.strip() if title else None, priority)


def create_ticket(desk: DeskService, request: TicketRequest, operator_id: int) -> Written:
    try:
        result = desk.create_ticket(
            request.message_id, operator_id, title=request.title, priority=request.priority
        )
    except DeskError as exc:
        raise CommandError(exc.code, exc.message) from None
    return {"ok": True, "ticket": result.ticket}, result.events


def conversation_for_phone_key(db: Database, key: str) -> str | None:
    with db.read_session() as session:
        found = session.execute(
            select(Conversation.id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Contact.phone_key == key)
        ).scalar_one_or_none()
    return None if found is None else str(found)
