"""What an administrator's console asks of the server: the operators and their access.

The REST routes of docs/protocol.md section 5. The server decides who may call them
(403 `forbidden` otherwise); the console offers them only to an admin.
"""

from __future__ import annotations

from sportello.client.errors import ServerRejected
from sportello.client.records import Operator
from sportello.client.rest import RestApi
from sportello.client.wire import WireError, parse_operators
from sportello.domain.values import Role


class DeskAdmin:
    """Operator management over one server's REST API."""

    def __init__(self, rest: RestApi) -> None:
        self._rest = rest

    async def operators(self) -> list[Operator]:
        """Every operator, deactivated ones included (GET /api/operators?all=true)."""
        body = await self._rest.call(
            "GET", "/api/operators", params={"all": "true"}, what="loading the operators"
        )
        found = parse_operators(body)
        if isinstance(found, WireError):
            raise ServerRejected(f"loading the operators: {found.reason}")
        return found

    async def create_operator(
        self, name: str, password: str, *, admin: bool, display_name: str = ""
    ) -> Operator:
        """POST /api/operators; the new operator signs in with `name` and `password`."""
        payload = {
            "name": name,
            "password": password,
            "role": (Role.ADMIN if admin else Role.OPERATOR).value,
        }
        if display_name:
            payload["displayName"] = display_name
        body = await self._rest.call(
            "POST", "/api/operators", json=payload, what="creating the operator"
        )
        operator = body.get("operator") if isinstance(body, dict) else None
        made = parse_operators({"operators": [operator]})
        if isinstance(made, WireError) or not made:
            raise ServerRejected("creating the operator: the answer holds no operator")
        return made[0]

    async def deactivate(self, operator_id: str) -> None:
        """POST /api/operators/{id}/deactivate: the operator can no longer sign in."""
        await self._rest.call(
            "POST", f"/api/operators/{operator_id}/deactivate", what="deactivating the operator"
        )

    async def revoke_access(self, operator_id: str) -> int:
        """POST /api/operators/{id}/revoke-tokens: signed out everywhere; how many tokens."""
        body = await self._rest.call(
            "POST",
            f"/api/operators/{operator_id}/revoke-tokens",
            what="revoking the operator's access",
        )
        revoked = body.get("revoked") if isinstance(body, dict) else None
        return revoked if isinstance(revoked, int) else 0
