"""`ConsoleClient`: what a console window needs of the client core, and nothing more.

The UI's own port onto `sportello.client` (the arrow points ui -> client): the real
`SportelloClient` fits it structurally and so does the test fake (tests/ui/fake_client.py),
which keeps the real `ClientState` and `DeskAwareness` but no network half. Starting and
stopping a client, its cache file and its connection stay with whoever owns the client
(the app's wiring, `ConnectedProfiles`); a window only reads the state and asks for actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from sportello.client.awareness import DeskAwareness
from sportello.client.desk_admin import DeskAdmin
from sportello.client.line_state import WhatsAppLine
from sportello.client.records import (
    Message,
    Operator,
    SearchHit,
    ServerProfile,
    Ticket,
    TicketEvent,
)
from sportello.client.state import ClientState
from sportello.domain.values import Priority, TicketStatus


class ConsoleClient(Protocol):
    """One signed-in profile as a console window sees it: its state and its actions."""

    @property
    def profile(self) -> ServerProfile: ...

    @property
    def state(self) -> ClientState: ...

    @property
    def awareness(self) -> DeskAwareness:
        """Presence, the 24-hour windows and gateway health: every client has them (a seed
        back end simply never sends any)."""

    @property
    def admin(self) -> DeskAdmin:
        """The desk's operators, for an admin's Operators window."""

    @property
    def line(self) -> WhatsAppLine:
        """The WhatsApp line and its QR code, for an admin's Connect WhatsApp panel."""

    async def open_thread(self, conversation_id: str, page_size: int = 50) -> None: ...

    def close_thread(self) -> None: ...

    async def load_older(self, conversation_id: str, page_size: int = 50) -> int: ...

    async def send_message(
        self, conversation_id: str | None, body: str, *, to: str | None = None
    ) -> Message: ...

    async def retry(self, message: Message) -> Message: ...

    async def mark_read(self, conversation_id: str) -> None: ...

    async def update_ticket(
        self,
        ticket_id: str,
        *,
        status: TicketStatus | None = None,
        priority: Priority | None = None,
        assignee_id: str | None = None,
    ) -> Ticket: ...

    async def create_ticket_from_message(
        self, message_id: str, title: str | None = None, priority: Priority | None = None
    ) -> Ticket: ...

    async def operators(self) -> list[Operator]: ...

    async def ticket_history(self, ticket_id: str) -> list[TicketEvent]: ...

    async def search(self, q: str) -> list[SearchHit]: ...

    async def typing(self, conversation_id: str) -> None: ...

    async def stop_typing(self, conversation_id: str) -> None: ...


if TYPE_CHECKING:
    from sportello.client.api import SportelloClient

    def _the_real_client_fits(client: SportelloClient) -> ConsoleClient:
        """mypy checks here that the real client keeps satisfying the port."""
        return client


__all__ = ["ConsoleClient"]
