"""Watch the session bus for Notify calls, from outside the app (a D-Bus monitor).

Uses jeepney's blocking connection in a thread: BecomeMonitor turns the connection into a
read-only eavesdropper, so what it records is exactly what went over the bus.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from jeepney import DBusAddress, HeaderFields, MessageType, new_method_call
from jeepney.io.blocking import open_dbus_connection


@dataclass(frozen=True)
class NotifyCall:
    seen_at: float  # time.time() when the monitor received it
    app_name: str
    replaces_id: int
    icon: str
    title: str
    body: str
    actions: list[str]
    hints: dict[str, Any]  # name -> (signature, value)
    timeout: int
    signature: str

    @property
    def urgency(self) -> int | None:
        value = self.hints.get("urgency")
        return int(value[1]) if value is not None else None

    def action_labels(self) -> dict[str, str]:
        return dict(zip(self.actions[::2], self.actions[1::2], strict=False))


class NotifyMonitor:
    def __init__(self, bus_address: str) -> None:
        self.conn = open_dbus_connection(bus_address)
        monitoring = DBusAddress(
            "/org/freedesktop/DBus",
            bus_name="org.freedesktop.DBus",
            interface="org.freedesktop.DBus.Monitoring",
        )
        rule = "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"
        reply = self.conn.send_and_get_reply(
            new_method_call(monitoring, "BecomeMonitor", "asu", ([rule], 0))
        )
        if reply.header.message_type is MessageType.error:
            raise RuntimeError(f"BecomeMonitor refused: {reply.body}")
        self.calls: list[NotifyCall] = []
        self._lock = threading.Lock()
        self._stop = False
        self.thread = threading.Thread(target=self._run, name="notify-monitor", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                message = self.conn.receive(timeout=0.5)
            except TimeoutError:
                continue
            except (OSError, EOFError):
                return
            fields = message.header.fields
            if fields.get(HeaderFields.member) != "Notify" or len(message.body) != 8:
                continue
            body = message.body
            call = NotifyCall(
                time.time(),
                body[0],
                int(body[1]),
                body[2],
                body[3],
                body[4],
                list(body[5]),
                dict(body[6]),
                int(body[7]),
                str(fields.get(HeaderFields.signature)),
            )
            with self._lock:
                self.calls.append(call)

    def snapshot(self) -> list[NotifyCall]:
        with self._lock:
            return list(self.calls)

    def wait_for(self, predicate: Any, timeout: float = 20.0) -> NotifyCall:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for call in self.snapshot():
                if predicate(call):
                    return call
            time.sleep(0.02)
        raise AssertionError(f"no matching Notify call in {timeout}s; saw {self.snapshot()}")

    def close(self) -> None:
        self._stop = True
        self.thread.join(timeout=2)
        self.conn.close()
