"""Qt-free client core of the desktop app: connection, sync/resume, cache, outbox, state.

The UI builds on `SportelloClient` (api.py), reads `client.state` (state.py) and listens to
the `StateChange` notifications (changes.py).
"""

from sportello.client.api import SportelloClient, login
from sportello.client.changes import ConnectionState, ProtocolProfile, StateChange
from sportello.client.errors import (
    BadCredentials,
    ClientError,
    FeatureUnavailable,
    NotConnected,
    ServerRejected,
    ServerUnreachable,
)
from sportello.client.records import Conversation, Message, ServerProfile, Ticket
from sportello.client.state import ClientState

__all__ = [
    "BadCredentials",
    "ClientError",
    "ClientState",
    "ConnectionState",
    "Conversation",
    "FeatureUnavailable",
    "Message",
    "NotConnected",
    "ProtocolProfile",
    "ServerProfile",
    "ServerRejected",
    "ServerUnreachable",
    "SportelloClient",
    "StateChange",
    "Ticket",
    "login",
]
