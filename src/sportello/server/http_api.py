"""REST routes: health, login, conversations, threads, tickets, search.

Lists are newest first with keyset pagination: each page carries `next`, an opaque
cursor to pass back as `before` (null on the last page).
"""

from __future__ import annotations

import base64
import binascii
import time
from datetime import datetime
from typing import Any

from aiohttp import web

from sportello import __version__
from sportello.domain.values import Priority, TicketStatus, iso_utc
from sportello.ingest import events as wire
from sportello.server.access import caller as _operator
from sportello.server.auth import bearer_token
from sportello.server.context import CONTEXT
from sportello.server.responses import ApiError, json_response, read_json
from sportello.server.workers import WORKERS
from sportello.store.conversations import get_conversation, list_conversations
from sportello.store.messages import thread_page, unread_page
from sportello.store.models import Contact, Message
from sportello.store.operators import revoke_token, token_digest
from sportello.store.tickets import get_ticket, list_tickets, ticket_history

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_UNREAD_LIMIT = 1000  # unread rows are small and a first start wants them all


async def health(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    db_ok = await ctx.executor.read(ctx.db.check)
    body: dict[str, Any] = {
        "status": "ok" if db_ok else "degraded",
        "version": __version__,
        "db": "ok" if db_ok else "down",
        "uptime_s": round(time.monotonic() - ctx.started_at, 1),
    }
    if ctx.gateway_states:
        body["gateways"] = {
            key: {"state": state.state, "at": iso_utc(state.timestamp)}
            for key, state in ctx.gateway_states.items()
        }
    return json_response(body, status=200 if db_ok else 503)


async def login(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    data = await read_json(request)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_body", "expected {username, password}")
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username:
        raise ApiError(400, "invalid_body", "username and password must be strings")
    if len(username) > 64 or len(password) > 1024:
        raise ApiError(401, "bad_credentials", "wrong username or password")
    ip = request.remote or "?"
    wait = ctx.login_limiter.retry_after(ip, username)
    if wait > 0:
        raise ApiError(
            429,
            "too_many_attempts",
            f"too many failed logins, retry in {wait:.0f} s",
            headers={"Retry-After": str(max(1, round(wait)))},
        )
    result = await ctx.auth.login(username, password)
    if result is None:
        ctx.login_limiter.failed(ip, username)
        raise ApiError(401, "bad_credentials", "wrong username or password")
    ctx.login_limiter.succeeded(ip, username)
    operator, token = result
    return json_response({"token": token, "user": operator.user_json})


async def logout(request: web.Request) -> web.Response:
    """POST /api/auth/logout (ours): revoke the bearer token and end its sockets now.

    Sockets of this node using the token get `sessionEnded {reason: "logged_out"}` at once;
    other nodes notice at their next `--token-recheck-interval` (reason `token_revoked`).
    """
    await _operator(request)
    ctx = request.app[CONTEXT]
    token = bearer_token(request.headers.get("Authorization"))
    assert token is not None  # _operator refused a request without one

    def revoke() -> bool:
        with ctx.db.session() as session:
            revoked = revoke_token(session, token)
            session.commit()
            return revoked

    await ctx.executor.write(revoke)
    digest = token_digest(token)
    ended = await request.app[WORKERS].revocations.end_token(digest, "logged_out")
    return json_response({"ok": True, "endedSockets": ended})


def _limit(request: web.Request, maximum: int = MAX_LIMIT) -> int:
    raw = request.query.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ApiError(400, "invalid_limit", f"limit must be 1..{maximum}")
    return int(raw)


def encode_cursor(at: datetime, row_id: int) -> str:
    text = f"{at.isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(value: str | None) -> tuple[datetime, int] | None:
    if not value:
        return None
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        at, _, row_id = text.partition("|")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment, int(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "invalid_cursor", "before is not a cursor this server gave") from None


def message_json(message: Message, contact: Contact) -> dict[str, Any]:
    """A stored message the way newMessage shows it (without the notification block)."""
    payload = wire.new_message(wire.message_facts(message, contact), ticket_priority=None).payload
    payload.pop("notification", None)
    payload["readAt"] = iso_utc(message.read_at) if message.read_at else None
    payload["readBy"] = str(message.read_by) if message.read_by else None
    if message.error:
        payload["error"] = message.error
    return payload


def _contact_json(contact: Contact) -> dict[str, Any]:
    return {
        "id": str(contact.id),
        "phoneNumber": contact.e164 or contact.chat_id,
        "chatId": contact.chat_id,
        "name": contact.display_name,
        "isGroup": contact.is_group,
    }


async def conversations(request: web.Request) -> web.Response:
    await _operator(request)
    ctx = request.app[CONTEXT]
    limit = _limit(request)
    before = decode_cursor(request.query.get("before"))

    def query() -> dict[str, Any]:
        with ctx.db.read_session() as session:
            page = list_conversations(session, limit=limit, before=before)
            items = []
            for item in page.items:
                conv = item.conversation
                items.append(
                    {
                        "id": str(conv.id),
                        "contact": _contact_json(item.contact),
                        "gateway": conv.gateway.value,
                        "lastMessageAt": (
                            iso_utc(conv.last_message_at) if conv.last_message_at else None
                        ),
                        "unreadCount": item.unread_count,
                        "lastMessage": (
                            message_json(item.last_message, item.contact)
                            if item.last_message is not None
                            else None
                        ),
                        "ticket": wire.ticket_dict(item.open_ticket) if item.open_ticket else None,
                    }
                )
            nxt = encode_cursor(*page.next_cursor) if page.next_cursor else None
            return {"conversations": items, "next": nxt}

    return json_response(await ctx.executor.read(query))


async def conversation_messages(request: web.Request) -> web.Response:
    await _operator(request)
    ctx = request.app[CONTEXT]
    raw_id = request.match_info["conversation_id"]
    if not raw_id.isdigit() or len(raw_id) > 18:
        raise ApiError(404, "not_found", f"no conversation with id {raw_id!r:.40}")
    conversation_id = int(raw_id)
    limit = _limit(request)
    before = decode_cursor(request.query.get("before"))

    def query() -> dict[str, Any] | None:
        with ctx.db.read_session() as session:
            found = get_conversation(session, conversation_id)
            if found is None:
                return None
            _, contact = found
            page = thread_page(session, conversation_id, limit=limit, before=before)
            return {
                "conversationId": str(conversation_id),
                "messages": [message_json(message, contact) for message in page.messages],
                "next": encode_cursor(*page.next_cursor) if page.next_cursor else None,
            }

    body = await ctx.executor.read(query)
    if body is None:
        raise ApiError(404, "not_found", f"no conversation with id {conversation_id}")
    return json_response(body)


async def unread_messages(request: web.Request) -> web.Response:
    """GET /api/unread (ours, docs/protocol.md 2): every unread incoming message, paged.

    What a client starting with an empty cache needs to know which messages are unread,
    without replaying the event log (the conversation list only gives counts).
    """
    await _operator(request)
    ctx = request.app[CONTEXT]
    limit = _limit(request, MAX_UNREAD_LIMIT)
    before = decode_cursor(request.query.get("before"))

    def query() -> dict[str, Any]:
        with ctx.db.read_session() as session:
            rows, cursor = unread_page(session, limit=limit, before=before)
            return {
                "messages": [message_json(message, contact) for message, contact in rows],
                "next": encode_cursor(*cursor) if cursor else None,
            }

    return json_response(await ctx.executor.read(query))


def _enum_list(raw: str | None, enum: type[TicketStatus] | type[Priority], name: str) -> list[Any]:
    if not raw:
        return []
    try:
        return [enum(part.strip().upper()) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise ApiError(
            400, f"invalid_{name}", f"{name} must be among {', '.join(m.value for m in enum)}"
        ) from None


async def tickets(request: web.Request) -> web.Response:
    await _operator(request)
    ctx = request.app[CONTEXT]
    statuses = _enum_list(request.query.get("status"), TicketStatus, "status")
    priorities = _enum_list(request.query.get("priority"), Priority, "priority")
    q = (request.query.get("q") or "").strip()[:200] or None
    limit = _limit(request)
    raw_before = request.query.get("before")
    if raw_before is not None and not (raw_before.isdigit() and len(raw_before) < 12):
        raise ApiError(400, "invalid_cursor", "before must be a ticket number")
    before = int(raw_before) if raw_before else None

    def query() -> dict[str, Any]:
        with ctx.db.read_session() as session:
            rows = list_tickets(
                session,
                statuses=statuses,
                priorities=priorities,
                query=q,
                limit=limit + 1,
                before_number=before,
            )
        more = len(rows) > limit
        rows = rows[:limit]
        return {
            "tickets": [wire.ticket_dict(ticket) for ticket in rows],
            "next": str(rows[-1].number) if more and rows else None,
        }

    return json_response(await ctx.executor.read(query))


async def search(request: web.Request) -> web.Response:
    await _operator(request)
    ctx = request.app[CONTEXT]
    q = (request.query.get("q") or "").strip()
    if not q:
        raise ApiError(400, "missing_query", "q is required")
    if len(q) > 200:
        raise ApiError(400, "query_too_long", "q longer than 200 characters")
    limit = _limit(request)
    from sportello.server.search import run_search

    return json_response(await ctx.executor.read(lambda: run_search(ctx.db, q, limit)))


async def ticket_history_route(request: web.Request) -> web.Response:
    """GET /api/tickets/{id}/history: every recorded change of one ticket, oldest first."""
    await _operator(request)
    ctx = request.app[CONTEXT]
    raw_id = request.match_info["ticket_id"]
    if not raw_id.isdigit() or len(raw_id) > 18:
        raise ApiError(404, "not_found", f"no ticket with id {raw_id!r:.40}")
    ticket_id = int(raw_id)

    def query() -> dict[str, Any] | None:
        with ctx.db.read_session() as session:
            if get_ticket(session, ticket_id) is None:
                return None
            return {
                "ticketId": str(ticket_id),
                "history": [
                    {
                        "field": row.field,
                        "old": row.old_value,
                        "new": row.new_value,
                        "actorId": str(row.actor_id) if row.actor_id is not None else None,
                        "at": iso_utc(row.at),
                        "reason": row.reason,
                    }
                    for row in ticket_history(session, ticket_id)
                ],
            }

    body = await ctx.executor.read(query)
    if body is None:
        raise ApiError(404, "not_found", f"no ticket with id {ticket_id}")
    return json_response(body)


def add_api_routes(app: web.Application) -> None:
    app.router.add_get("/health", health)
    app.router.add_post("/api/auth/login", login)
    app.router.add_post("/api/auth/logout", logout)
    app.router.add_get("/api/conversations", conversations)
    app.router.add_get(r"/api/conversations/{conversation_id}/messages", conversation_messages)
    app.router.add_get("/api/tickets", tickets)
    app.router.add_get("/api/unread", unread_messages)
    app.router.add_get("/api/search", search)
    app.router.add_get(r"/api/tickets/{ticket_id}/history", ticket_history_route)
