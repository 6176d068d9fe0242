"""Can a reply go out now, and if not, why: checked by `sendMessage` before anything is
stored, and shown to consoles before they type (`deskState.canSend`).

A reply is refused at once, instead of waiting in the outbox to fail minutes later, when:
- `no_gateway`: this server has no sender for the conversation's gateway (no
  `--wppconnect-url`, no Cloud API number and token, or a generic-webhook conversation,
  which no gateway answers), or has a WPPConnect Server but no way into it;
- `line_not_linked`: the WhatsApp line (wpp_line.py) waits for its QR code or phone code,
  or its session is closed: nothing can go out until an admin links the phone;
- `gateway_down`: WPPConnect Server does not answer, or refused the secret key or token.
A line that is still `STARTING` takes replies: the outbox sends them once it is linked, and
a temporary failure (5xx, timeout) is retried as before. A conversation of another
WPPConnect session than the line's is not judged by the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sportello.domain.values import Gateway
from sportello.server.line_view import DOWN, NOT_LINKED, LineState

if TYPE_CHECKING:
    from sportello.server.config import ServerConfig
    from sportello.server.wpp_line import WppLine


@dataclass(frozen=True, slots=True)
class SendRefusal:
    code: str  # no_gateway, line_not_linked, gateway_down
    message: str  # English, for logs; consoles word the code

    def to_json(self) -> dict[str, Any]:
        return {"ok": False, "code": self.code, "message": self.message}


_FLAGS = {
    Gateway.WPPCONNECT: "--wppconnect-url and --wppconnect-secret-key",
    Gateway.META: "--meta-phone-number-id and --meta-access-token",
}


class SendGate:
    """Decides from the configuration and the line's state; reads memory only (any thread)."""

    def __init__(self, config: ServerConfig, line: WppLine | None) -> None:
        self._config = config
        self._line = line

    def refusal(self, gateway: Gateway | str, account: str | None = None) -> SendRefusal | None:
        """None when a reply through `gateway` (and `account`) can go out now."""
        gateway = Gateway(gateway)
        if gateway is Gateway.META:
            if self._config.meta_access_token and self._config.meta_phone_number_id:
                return None
            return _no_gateway(gateway)
        if gateway is not Gateway.WPPCONNECT or self._line is None:
            return _no_gateway(gateway)
        line = self._line.view
        if account is not None and account != self._line.session:
            return None  # another session's conversation: the line says nothing about it
        if line.state is LineState.NOT_CONFIGURED:
            return SendRefusal("no_gateway", f"replies cannot go out: {line.detail}")
        if line.state in NOT_LINKED:
            return SendRefusal(
                "line_not_linked",
                "the WhatsApp line is not linked, so replies cannot go out: an administrator "
                f"must connect it (Connect WhatsApp); {line.detail}",
            )
        if line.state in DOWN:
            return SendRefusal("gateway_down", f"replies cannot go out: {line.detail}")
        return None

    def to_json(self) -> dict[str, Any]:
        """`deskState.canSend`: `{ok, code, message}` per gateway."""
        answer: dict[str, Any] = {}
        for gateway in Gateway:
            refused = self.refusal(gateway)
            answer[gateway.value] = (
                {"ok": True, "code": None, "message": ""} if refused is None else refused.to_json()
            )
        return answer


def _no_gateway(gateway: Gateway) -> SendRefusal:
    if gateway is Gateway.GENERIC:
        why = "conversations of the generic webhook have no gateway to reply through"
    else:
        why = f"this server has no {gateway.value} gateway to send through ({_FLAGS[gateway]})"
    return SendRefusal("no_gateway", f"replies cannot go out: {why}")
