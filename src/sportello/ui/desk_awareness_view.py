"""What the console shows of presence, the 24-hour window and gateway health.

`DeskAwarenessView` adds its widgets to the thread pane (who else is here, the window's
time left, the collision warning above the reply box) and to the status bar (a gateway
that is down, with what to do), and answers the main window's questions:
`block_reason()` (why the open conversation cannot be answered: no reply can go out at all
(`sending_block()`, the server's `canSend`), the window is closed, or the assignee-only
rule), `may_connect()` (whether this operator is offered "Connect WhatsApp" for it) and
`confirm_send()` (a colleague is writing a reply right now: the first Enter only warns, a
second one within `CONFIRM_S` seconds sends anyway).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QBoxLayout, QLabel, QSizePolicy, QStatusBar, QWidget

from sportello.client.awareness import DeskAwareness
from sportello.client.changes import (
    DeskSettingsChanged,
    GatewayHealthChanged,
    OwnRoleChanged,
    PresenceChanged,
    SendabilityChanged,
    ServiceWindowChanged,
    StateChange,
    TicketChanged,
)
from sportello.client.desk_records import GatewayInfo
from sportello.client.state import ClientState
from sportello.domain.permissions import DeskAction, allowed
from sportello.domain.service_window import WindowState, format_left
from sportello.domain.values import utc_now
from sportello.ui.error_texts import reason_for_code
from sportello.ui.gateway_advice import gateway_text
from sportello.ui.thread_pane import ThreadPane

CONFIRM_S = 10.0
_BANNER = "padding: 4px 14px; font-weight: bold; border-radius: 0px;"


class DeskAwarenessView(QObject):
    def __init__(
        self,
        state: ClientState,
        awareness: DeskAwareness,
        thread_pane: ThreadPane,
        status_bar: QStatusBar,
        on_block_changed: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(thread_pane)
        self._state = state
        self._awareness = awareness
        self._pane = thread_pane
        self._on_block_changed = on_block_changed
        self._open_id: str | None = None
        self._armed_at: float | None = None

        self.presence_label = self._label(thread_pane, "presenceLabel", self.tr("Colleagues here"))
        self.presence_label.setStyleSheet("color: #5a3e8a; padding: 0px 14px 6px 14px;")
        self.window_label = self._label(
            thread_pane, "serviceWindowLabel", self.tr("WhatsApp 24-hour window")
        )
        self.collision = self._label(
            thread_pane, "collisionWarning", self.tr("A colleague is replying")
        )
        self.collision.setStyleSheet(f"QLabel {{ background: #fff1c2; color: #7a4b00; {_BANNER} }}")
        self.gateway_label = self._label(status_bar, "gatewayHealth", self.tr("WhatsApp gateway"))
        self.gateway_label.setStyleSheet(
            "QLabel { color: #ffffff; background: #c62828; padding: 1px 8px; border-radius: 3px; }"
        )
        self.gateway_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        status_bar.insertWidget(0, self.gateway_label, 2)
        self._place_in_pane()

        self._clock = QTimer(self)  # the time left moves even when no event comes
        self._clock.setInterval(30_000)
        self._clock.timeout.connect(self._render_window)
        self._clock.start()
        self._unsubscribe = state.subscribe(self._on_change)
        self._render_gateways()

    @staticmethod
    def _label(parent: QWidget, name: str, accessible: str) -> QLabel:
        label = QLabel(parent)
        label.setObjectName(name)
        label.setAccessibleName(accessible)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.hide()
        return label

    def _place_in_pane(self) -> None:
        header = self._pane.title.parentWidget()
        header_layout = header.layout() if header is not None else None
        if header_layout is not None:
            header_layout.addWidget(self.presence_label)
        page = self._pane.composer.parentWidget()
        layout = page.layout() if page is not None else None
        if isinstance(layout, QBoxLayout) and header is not None:
            layout.insertWidget(layout.indexOf(self._pane.composer), self.collision)
            layout.insertWidget(layout.indexOf(header) + 1, self.window_label)

    def detach(self) -> None:
        self._unsubscribe()
        self._clock.stop()

    # ---- the main window's questions ----------------------------------------------------

    def show_conversation(self, conversation_id: str | None) -> None:
        self._open_id = conversation_id
        self._armed_at = None
        self._render_presence()
        self._render_window()
        self._block_changed()

    def block_reason(self) -> str | None:
        """Why the open conversation cannot be answered, or None."""
        if self._open_id is None:
            return None
        cannot_send = self.sending_block()
        if cannot_send is not None:
            return cannot_send
        window = self._awareness.windows.get(self._open_id)
        if window is not None and window.at(utc_now()).state is WindowState.CLOSED:
            return self.tr(
                "WhatsApp's 24-hour window is closed: the customer has not written for more"
                " than 24 hours, and the Cloud API now accepts only an approved template."
                " Templates are not available in Sportello yet: call the customer, or wait"
                " for them to write again."
            )
        conv = self._state.conversation(self._open_id)
        ticket = conv.ticket if conv is not None else None
        own = self._state.own_user_id
        if (
            self._awareness.assignee_only_replies
            and ticket is not None
            and ticket.is_open
            and ticket.assignee_id
            and ticket.assignee_id != own
        ):
            return self.tr(
                "Only the colleague assigned to ticket #%1 can reply: this server allows"
                " replies from the assignee only. Ask them, or have the ticket assigned to you."
            ).replace("%1", ticket.number)
        return None

    def may_connect(self) -> bool:
        """Whether this operator may connect the line (an administrator's job)."""
        return allowed(self._state.own_role, DeskAction.CONNECT_WHATSAPP_LINE)

    def sending_block(self) -> str | None:
        """Why no reply can go out at all (the server's `canSend`), and what to do; None
        when replies can go out. Said before anyone types, for every conversation."""
        can_send = self._awareness.can_send
        if can_send.ok:
            return None
        code = can_send.code or ""
        why = {
            "no_gateway": lambda: self.tr("this server has no WhatsApp line connected yet"),
            "line_not_linked": lambda: self.tr("the office phone is not linked to WhatsApp"),
            "gateway_down": lambda: self.tr("the WhatsApp line does not answer"),
        }.get(code, lambda: reason_for_code(code))()
        if not self.may_connect():
            todo = self.tr("Ask an administrator to connect WhatsApp.")
        elif code == "no_gateway":
            todo = self.tr("Connect WhatsApp to send them.")
        elif code == "line_not_linked":
            todo = self.tr("Connect WhatsApp and scan the QR code with the office phone.")
        else:
            todo = self.tr("Check the line in Connect WhatsApp.")
        return self.tr("Replies cannot go out: %1. %2").replace("%2", todo).replace("%1", why)

    def confirm_send(self, text: str) -> bool:
        """False (and a visible warning) for the first send while a colleague writes."""
        if self._open_id is None:
            return True
        _, typing = self._awareness.presence(self._open_id)
        if not typing:
            return True
        now = time.monotonic()
        if self._armed_at is not None and now - self._armed_at <= CONFIRM_S:
            self._armed_at = None
            return True
        self._armed_at = now
        self.collision.setText(
            self.tr(
                "%1 is replying to this customer right now. Press Enter again to send yours anyway."
            ).replace("%1", ", ".join(typing))
        )
        self.collision.show()
        return False

    # ---- changes ------------------------------------------------------------------------

    def _on_change(self, change: StateChange) -> None:
        if isinstance(change, PresenceChanged) and change.conversation_id == self._open_id:
            self._render_presence()
        elif isinstance(change, ServiceWindowChanged) and change.conversation_id == self._open_id:
            self._render_window()
            self._block_changed()
        elif isinstance(change, GatewayHealthChanged):
            self._render_gateways()
        elif isinstance(change, DeskSettingsChanged | SendabilityChanged | OwnRoleChanged) or (
            isinstance(change, TicketChanged) and change.ticket.conversation_id == self._open_id
        ):
            self._block_changed()

    def _block_changed(self) -> None:
        if self._on_block_changed is not None:
            self._on_block_changed()

    def _render_presence(self) -> None:
        if self._open_id is None:
            self.presence_label.hide()
            self.collision.hide()
            return
        viewers, typing = self._awareness.presence(self._open_id)
        parts = []
        if typing:
            parts.append(self.tr("%1 is writing a reply").replace("%1", ", ".join(typing)))
        others = [name for name in viewers if name not in typing]
        if others:
            parts.append(self.tr("%1 also has it open").replace("%1", ", ".join(others)))
        self.presence_label.setText(" · ".join(parts))
        self.presence_label.setVisible(bool(parts))
        if typing:
            if self._armed_at is None:
                self.collision.setText(
                    self.tr("%1 is replying to this customer: check before you send.").replace(
                        "%1", ", ".join(typing)
                    )
                )
            self.collision.show()
        else:
            self._armed_at = None
            self.collision.hide()

    def _render_window(self) -> None:
        window = self._awareness.windows.get(self._open_id) if self._open_id else None
        if window is None:
            self.window_label.hide()
            return
        now = utc_now()
        shown = window.at(now)
        if shown.state is WindowState.NONE:
            self.window_label.hide()
            return
        if shown.state is WindowState.CLOSED:
            text = self.tr(
                "24-hour window closed: free replies are not possible (no templates yet)"
            )
            style = "background: #fde2e1; color: #9b1c1c;"
        elif shown.state is WindowState.CLOSING:
            text = self.tr("24-hour window closes in %1: reply now").replace(
                "%1", format_left(shown.seconds_left or 0)
            )
            style = "background: #fff1c2; color: #7a4b00;"
        else:
            text = self.tr("24-hour window: %1 left to reply").replace(
                "%1", format_left(shown.seconds_left or 0)
            )
            style = "background: #e3f2ec; color: #1f5c45;"
        self.window_label.setText(text)
        self.window_label.setStyleSheet(f"QLabel {{ {style} {_BANNER} }}")
        self.window_label.show()
        if shown.state is WindowState.CLOSED:
            self._block_changed()

    def gateway_text(self, info: GatewayInfo) -> str:
        """The status bar's sentence: the same words as the tray and the notification."""
        return gateway_text(info)

    def _render_gateways(self) -> None:
        down = self._awareness.gateways_down
        if not down:
            self.gateway_label.hide()
            return
        first = down[0]
        text = "⚠ " + self.gateway_text(first)
        if len(down) > 1:
            text += " " + self.tr("(+%1 more)").replace("%1", str(len(down) - 1))
        self.gateway_label.setText(text)
        # Key, raw state and time for whoever fixes it; the server's English detail is not
        # for the operator (the gateway advice says what to do, in their language).
        self.gateway_label.setToolTip(
            "\n".join(f"{g.key}: {g.state} {_since(g.at)}".strip() for g in down)
        )
        self.gateway_label.show()


def _since(at: str) -> str:
    try:
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return moment.astimezone().strftime("%H:%M")
