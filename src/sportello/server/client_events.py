"""What a client may send on /whatsapp, and the one shape of a refused command's ack.

python-socketio routes a client event to the namespace method `on_<name>`, and hands a
client event named `connect` or `disconnect` to the very handlers it calls itself when a
socket arrives or leaves: a client that emitted `disconnect` made the server forget its
auth deadline and its token while the socket stayed in the broadcast room (issue 11).
So `RealtimeHub.trigger_event` dispatches a client event only when its name is in
`CLIENT_COMMANDS`, and runs its connect/disconnect handlers only for the library's own
calls, told apart by the socket's state in the manager: the library calls the connect
handler while the socket is pre-connected and the disconnect handler once the socket is
pending disconnection, and in both states it drops the socket's client events.
"""

from __future__ import annotations

from typing import Any, Protocol

# Every event a client may send; each is the hub's `on_<name>` method. A command added
# to the hub must be added here too (tests/server/test_reserved_events.py checks both).
CLIENT_COMMANDS = frozenset(
    {
        "authenticate",
        "markAsRead",
        "sendMessage",
        "retryMessage",
        "updateTicket",
        "createTicket",
        "sync",
        "typing",
        "stopTyping",
        "viewConversation",
        "deskState",
    }
)


class SocketManager(Protocol):
    """The part of python-socketio's client manager these checks read."""

    def is_pre_connected(self, sid: str, namespace: str) -> bool: ...
    def is_connected(self, sid: str, namespace: str) -> bool: ...


def is_client_command(event: object) -> bool:
    return isinstance(event, str) and event in CLIENT_COMMANDS


def library_connect(manager: SocketManager, sid: object, namespace: str) -> bool:
    """True when `connect` comes from the library accepting the socket, not from a client."""
    return isinstance(sid, str) and bool(manager.is_pre_connected(sid, namespace))


def library_disconnect(manager: SocketManager, sid: object, namespace: str) -> bool:
    """True when `disconnect` comes from the library letting the socket go.

    A client event of a connected socket that reaches us after the socket started leaving
    also counts: the leaving is real, and the disconnect handler runs at most once per
    socket state (it pops it).
    """
    return isinstance(sid, str) and not manager.is_connected(sid, namespace)


def refused(code: str, message: str) -> dict[str, Any]:
    """A refused command's ack: `error` has the REST error shape; top-level `code` stays
    for clients written against the earlier `{"ok": false, "error": "<text>", "code"}`."""
    return {"ok": False, "error": {"code": code, "message": message}, "code": code}


def event_label(event: object) -> str:
    """A client-chosen event name, cut short and quoted, for one log line."""
    return repr(event)[:60]
