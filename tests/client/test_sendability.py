"""`deskState.canSend`: whether replies can go out at all, and following the line back.

The `call` given to DeskAwareness is the wire seam: each `deskState` answers the next of
a list of answers, as the server would after the line changed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sportello.client.awareness import DeskAwareness
from sportello.client.changes import (
    ProtocolProfile,
    ReplyFailed,
    SendabilityChanged,
    StateChange,
)
from sportello.client.desk_records import Sendability
from sportello.client.state import ClientState

NOT_LINKED = {
    "ok": False,
    "code": "line_not_linked",
    "message": "the WhatsApp session is not linked to a phone",
}


class Answers:
    def __init__(self, *answers: dict[str, Any]) -> None:
        self.answers = list(answers)
        self.asked = 0

    async def __call__(self, name: str, data: Any, timeout: float) -> Any:
        if name != "deskState":
            return {"ok": True}
        self.asked += 1
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def desk(call: Answers) -> tuple[ClientState, DeskAwareness, list[StateChange]]:
    state = ClientState("1")
    state.set_profile(ProtocolProfile.FULL, ())
    changes: list[StateChange] = []
    state.subscribe(changes.append)
    return state, DeskAwareness(state, call), changes


async def settle(call: Answers, asked: int) -> None:
    for _ in range(200):
        if call.asked >= asked:
            break
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.02)


async def test_a_server_that_does_not_say_can_send() -> None:
    call = Answers({"ok": True, "settings": {}})
    _, awareness, changes = desk(call)
    await awareness.refresh()
    assert awareness.can_send == Sendability()
    assert not [c for c in changes if isinstance(c, SendabilityChanged)]


async def test_replies_that_cannot_go_out_are_known_and_the_line_coming_back_is_followed() -> None:
    call = Answers({"ok": True, "canSend": NOT_LINKED}, {"ok": True, "canSend": {"ok": True}})
    _, awareness, changes = desk(call)
    await awareness.refresh()
    assert awareness.can_send == Sendability(False, "line_not_linked", NOT_LINKED["message"])

    # The phone is linked: the gateway's push makes the console ask again.
    awareness.apply("gatewayState", {"key": "wppconnect:office", "state": "CONNECTED"})
    await settle(call, 2)

    assert awareness.can_send == Sendability()
    assert [c.can_send.ok for c in changes if isinstance(c, SendabilityChanged)] == [False, True]


async def test_a_reply_refused_for_the_line_itself_asks_again() -> None:
    call = Answers({"ok": True, "canSend": {"ok": True}}, {"ok": True, "canSend": NOT_LINKED})
    state, awareness, _ = desk(call)
    await awareness.refresh()
    state.publish(ReplyFailed("c1", "local:x", "window_closed", False))
    await asyncio.sleep(0.02)
    assert call.asked == 1  # a refusal about one conversation says nothing of the line

    state.publish(ReplyFailed("c1", "local:y", "line_not_linked", False))
    await settle(call, 2)

    assert awareness.can_send.code == "line_not_linked"
    awareness.close()


async def test_the_servers_per_gateway_answer_is_read_for_the_default_gateway() -> None:
    """The server answers one `{ok, code, message}` per gateway; the desk's is the default's."""
    per_gateway = {
        "wppconnect": {"ok": False, "code": "line_not_linked", "message": "scan the QR code"},
        "meta": {"ok": False, "code": "no_gateway", "message": "no Cloud API number"},
        "generic": {"ok": False, "code": "no_gateway", "message": "no gateway"},
    }
    state = ClientState("1")
    answer = {"ok": True, "settings": {"defaultGateway": "wppconnect"}, "canSend": per_gateway}
    awareness = DeskAwareness(state, Answers(answer))
    await awareness.refresh()
    assert (awareness.can_send.ok, awareness.can_send.code) == (False, "line_not_linked")


async def test_a_blocked_console_asks_again_by_itself(monkeypatch: Any) -> None:
    """The net under the pushes: while replies cannot go out, deskState is asked again
    (here every 10 ms) until it says they can, then no more."""
    monkeypatch.setattr("sportello.client.awareness.BLOCKED_RECHECK_S", 0.01)
    state = ClientState("1")
    call = Answers(
        {"ok": True, "canSend": NOT_LINKED},
        {"ok": True, "canSend": NOT_LINKED},
        {"ok": True, "canSend": {"ok": True}},
    )
    awareness = DeskAwareness(state, call)
    await awareness.refresh()
    assert not awareness.can_send.ok
    for _ in range(200):
        if awareness.can_send.ok:
            break
        await asyncio.sleep(0.01)
    assert awareness.can_send.ok
    asked = call.asked
    await asyncio.sleep(0.05)
    assert call.asked == asked  # able to send: the rechecks stopped
    awareness.close()
