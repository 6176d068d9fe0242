"""What the gateway says, mapped onto the WhatsApp line: a mixin of `WppLine` (wpp_line.py)
holding the line's view and how the `status-find`, `qrcode` and `phoneCode` webhooks and the
status polls change it. Each change is pushed to administrators through GatewayHealth.

A poll that began before newer news (a webhook, one of the line's own calls) is dropped: its
answer describes a moment already past. A closed session is remembered as closed for want of
a QR scan (`_needs_qr`) when WPPConnect said so, or when a QR was on screen before it closed:
the line then starts it again only at its slow pace.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from sportello.domain.values import Gateway, utc_now
from sportello.ingest.parsed import ConnectionState, GatewayState
from sportello.server.gateway_health import UNREACHABLE, GatewayHealth
from sportello.server.gateway_poller import Observation
from sportello.server.line_view import (
    DETAILS,
    SESSION_WORDS,
    STATUS_FIND,
    LineState,
    LineView,
    StatusFindMeaning,
)
from sportello.server.logs import fields

log = logging.getLogger(__name__)

_KEEP = object()


class LineFollower:
    """Mixed into WppLine, which sets these in its __init__ and owns `_wake`."""

    session: str
    managed: bool
    _health: GatewayHealth
    _view: LineView
    _needs_qr: bool
    _input_at: float
    _phone_asked: bool

    if TYPE_CHECKING:

        def _wake(self) -> None: ...

    @property
    def view(self) -> LineView:
        return self._view

    async def on_webhook(self, state: GatewayState) -> None:
        """A `status-find`, `qrcode` or `phoneCode` webhook of this session."""
        if state.gateway is not Gateway.WPPCONNECT or (state.account or self.session) != (
            self.session
        ):
            return
        event = str(state.raw.get("event", "")).lower()
        if event == "qrcode" and state.qr_png_base64:
            self._mark_input()
            qr = "data:image/png;base64," + state.qr_png_base64
            await self._set(LineState.QRCODE, DETAILS[LineState.QRCODE], qr=qr, phone=None)
        elif event == "phonecode" and state.phone_code:
            self._mark_input()
            await self._set(
                LineState.PHONECODE,
                DETAILS[LineState.PHONECODE],
                phone_code=state.phone_code,
                phone=None,
            )
        elif event == "status-find":
            meaning = STATUS_FIND.get(str(state.raw.get("status", "")).lower())
            if meaning is not None:
                self._mark_input()
                await self._apply_meaning(meaning)

    async def _apply_meaning(self, meaning: StatusFindMeaning) -> None:
        current = self._view
        showing_code = current.state in (LineState.QRCODE, LineState.PHONECODE)
        if meaning.state is None or (meaning.state is LineState.STARTING and showing_code):
            if showing_code:  # keep the code on screen, say what happened to the scan
                await self._set(
                    current.state, meaning.detail, qr=current.qr, phone_code=current.phone_code
                )
            return
        if meaning.state is LineState.CLOSED:
            self._needs_qr = meaning.needs_qr
            self._wake()
        if meaning.state is LineState.CONNECTED:
            self._wake()  # ask which number it is linked to
            await self._set(LineState.CONNECTED, linked_detail(current.phone))
            return
        await self._set(meaning.state, meaning.detail, phone=None if meaning.unlinked else _KEEP)

    async def on_poll(self, seen: Observation) -> None:
        """What a status poll found (gateway_poller.py)."""
        if seen.asked_at < self._input_at:
            return  # a webhook or one of our calls said something newer meanwhile
        if seen.state == UNREACHABLE:
            await self._set(LineState.UNREACHABLE, seen.detail)
        elif seen.state == ConnectionState.UNAUTHORIZED:
            if not self.managed:  # managed: the line makes a new token (SessionToken)
                await self._set(
                    LineState.BAD_SECRET,
                    "WPPConnect Server refused the session token: check --wppconnect-token",
                )
        elif seen.state == ConnectionState.DISCONNECTED and seen.raw_word == "Disconnected":
            self._needs_qr = False
            await self._set(
                LineState.CLOSED,
                "WPPConnect says the session runs but its WhatsApp page does not answer",
            )
            self._wake()
        elif seen.raw_word is not None:
            state = SESSION_WORDS.get(seen.raw_word.upper().replace("_", ""))
            if state is not None:
                await self._apply_word(state, seen.qr)

    async def _apply_word(self, state: LineState, qr: str | None) -> None:
        """A state word of start-session or status-session (with its QR image, if any)."""
        current = self._view
        if state is LineState.CLOSED:
            if current.state is not LineState.CLOSED:
                # Unseen reason (its webhook never came): a QR on screen went unscanned.
                self._needs_qr = current.state in (LineState.QRCODE, LineState.PHONECODE)
                self._wake()
            await self._set(LineState.CLOSED, current.detail if current.state is state else "")
        elif state is LineState.QRCODE:
            kept = current.qr if current.state is LineState.QRCODE else None
            await self._set(LineState.QRCODE, DETAILS[state], qr=qr or kept, phone=None)
        elif state is LineState.PHONECODE:
            code = current.phone_code if current.state is LineState.PHONECODE else None
            await self._set(LineState.PHONECODE, DETAILS[state], phone_code=code, phone=None)
        elif state is LineState.CONNECTED:
            if current.state is not LineState.CONNECTED:
                self._wake()
            await self._set(LineState.CONNECTED, linked_detail(current.phone))
        elif current.state not in (LineState.QRCODE, LineState.PHONECODE):
            await self._set(state, DETAILS[state])

    # -- the view -------------------------------------------------------------------------

    def _mark_input(self) -> float:
        self._input_at = asyncio.get_running_loop().time()
        return self._input_at

    async def _set(
        self,
        state: LineState,
        detail: str,
        *,
        qr: str | None = None,
        phone_code: str | None = None,
        phone: object = _KEEP,
    ) -> None:
        old = self._view
        number = old.phone if phone is _KEEP else phone
        view = LineView(
            self.session,
            state,
            detail or DETAILS[state],
            utc_now(),
            qr=qr,
            phone_code=phone_code,
            phone=number if isinstance(number, str) else None,
        )
        if view.same_as(old):
            return
        if state is not LineState.CONNECTED:
            self._phone_asked = False
        self._view = view
        if old.state is not state:
            log.info(
                "whatsapp line",
                extra=fields(session=self.session, state=state.value, detail=view.detail),
            )
        await self._health.line_changed(view.to_json())


def linked_detail(phone: str | None) -> str:
    """The CONNECTED detail, with the number once it is known."""
    return f"the WhatsApp line is linked to +{phone}" if phone else DETAILS[LineState.CONNECTED]
