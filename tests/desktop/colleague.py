"""A second operator on the same server: a real python-socketio client from the test process.

It opens a waiting ticket's conversation the way any console does (`viewConversation`), so
the server announces `ticketOpened` to every other console.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.server.server_harness import Client
from tests.support.sportello_server import Operator


async def _open_waiting(url: str, operator: Operator, ticket_id: str | None) -> list[Any]:
    client = Client(url, operator.token)
    try:
        await client.connect()
        answer = await client.authenticate(operator.id)
        assert answer["success"] is True, answer
        state = await client.call("deskState")
        waiting = [w for w in state["waitingTickets"] if ticket_id in (None, str(w["ticketId"]))]
        assert waiting, f"ticket {ticket_id} is not waiting: {state['waitingTickets']}"
        for entry in waiting:
            ack = await client.call("viewConversation", {"conversationId": entry["conversationId"]})
            assert ack["ok"] is True and entry["ticketId"] in ack["opened"], ack
        return list(waiting)
    finally:
        await client.close()


def colleague_opens(url: str, operator: Operator, ticket_id: str | None) -> list[Any]:
    """`operator` opens the conversation of waiting ticket `ticket_id` (None: of every
    waiting ticket); returns the `waitingTickets` entries it opened."""
    return asyncio.run(_open_waiting(url, operator, ticket_id))
