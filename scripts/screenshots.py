"""Render the console with realistic Italian sample data into docs/screenshots/*.png.

The sample goes through the client's public cache and state API (as if it had been
received from a server), then the real window is shown offscreen and grabbed:

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py   (or under xvfb-run)
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # noqa: E402
from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from sportello.client.api import SportelloClient  # noqa: E402
from sportello.client.cache import Cache  # noqa: E402
from sportello.client.changes import ConnectionState, ProtocolProfile  # noqa: E402
from sportello.client.records import MediaInfo, Message, ServerProfile, Ticket  # noqa: E402
from sportello.domain.values import (  # noqa: E402
    DeliveryStatus,
    Direction,
    MessageType,
    Priority,
    TicketStatus,
    iso_utc,
)
from sportello.ui.conversation_model import ConversationFilter  # noqa: E402
from sportello.ui.i18n import install_translators  # noqa: E402
from sportello.ui.local_server_bar import LocalServerDownBar  # noqa: E402
from sportello.ui.main_window import MainWindow  # noqa: E402

sys.path.insert(0, str(ROOT / "scripts"))
from screenshots_dialogs import desktop_dialog_shots  # noqa: E402
from screenshots_seed import seed_shots  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
ME = "op-giulia"
NOW = datetime.now(UTC).replace(second=0, microsecond=0)
if NOW.astimezone().hour < 11:  # keep "today" messages in the morning after midnight
    NOW = NOW.replace(hour=11)


def at(minutes_ago: float) -> str:
    return iso_utc(NOW - timedelta(minutes=minutes_ago))


_n = 0


def msg(
    conv: str,
    body: str,
    minutes_ago: float,
    *,
    out: bool = False,
    name: str = "",
    phone: str = "",
    status: DeliveryStatus | None = None,
    media: MediaInfo | None = None,
    error: str | None = None,
    group: bool = False,
) -> Message:
    global _n
    _n += 1
    return Message(
        id=f"wamid.{_n:04d}",
        conversation_id=conv,
        timestamp=at(minutes_ago),
        direction=Direction.OUTGOING if out else Direction.INCOMING,
        status=status or DeliveryStatus.READ,
        body=body,
        type=MessageType(media.type) if media else MessageType.TEXT,
        sender_name=None if out else (name or None),
        phone=phone or None,
        media=media,
        error=error,
        is_group=group,
    )


def unsupported(conv: str, kind: str, minutes_ago: float, *, name: str, phone: str) -> Message:
    """A message of a type the server stores raw and the console cannot show (issue 8)."""
    from dataclasses import replace

    return replace(msg(conv, "", minutes_ago, name=name, phone=phone), type=kind)


def unread(m: Message) -> Message:
    from dataclasses import replace

    return replace(m, status=DeliveryStatus.RECEIVED)


def sample() -> tuple[list[Message], list[Ticket]]:
    r = DeliveryStatus
    messages: list[Message] = []
    tickets: list[Ticket] = []

    def ticket(
        tid: str,
        conv: str,
        num: str,
        title: str,
        prio: Priority,
        status: TicketStatus,
        minutes_ago: float,
        assignee: str | None = None,
        contact: str = "",
    ) -> None:
        tickets.append(
            Ticket(
                tid,
                num,
                conv,
                title,
                status,
                prio,
                contact_id=contact or "ct-" + conv,
                assignee_id=assignee,
                created_at=at(minutes_ago),
                updated_at=at(minutes_ago / 2),
            )
        )

    # Lucia Bianchi: the open thread, with every delivery state.
    p = "+39 333 412 7781"
    lb = "bianchi"
    messages += [
        msg(
            lb,
            "Buonasera, la lavatrice perde acqua dal fondo da ieri sera.",
            60 * 24 + 95,
            name="Lucia Bianchi",
            phone=p,
        ),
        msg(
            lb,
            "",
            60 * 24 + 94,
            name="Lucia Bianchi",
            phone=p,
            media=MediaInfo("image", None, "Foto della perdita sotto la lavatrice"),
        ),
        msg(
            lb,
            "Buonasera signora Bianchi, ho aperto la richiesta #1039. Domattina la chiama il tecnico per fissare l'intervento.",
            60 * 24 + 80,
            out=True,
            status=r.READ,
        ),
        msg(
            lb,
            "Perfetto, grazie. Sono a casa fino alle 13.",
            60 * 24 + 70,
            name="Lucia Bianchi",
            phone=p,
        ),
        msg(
            lb,
            "Buongiorno! Il tecnico Marco Ferri può passare oggi tra le 10:30 e le 11:00. Le va bene?",
            62,
            out=True,
            status=r.READ,
        ),
        msg(
            lb,
            "Le ricordo di chiudere il rubinetto dell'acqua prima del suo arrivo.",
            58,
            out=True,
            status=r.DELIVERED,
        ),
        msg(
            lb,
            "Le invio anche il preventivo in PDF.",
            41,
            out=True,
            status=r.SENT,
            media=MediaInfo("document", None, "Preventivo_1039.pdf"),
        ),
        msg(
            lb,
            "Il costo dell'uscita è di 45 euro, i ricambi a parte.",
            40,
            out=True,
            status=r.FAILED,
            error="il gateway WPPConnect non ha risposto entro 30 secondi",
        ),
        msg(lb, "Per il pagamento accettiamo anche il bancomat.", 2, out=True, status=r.QUEUED),
        unread(
            msg(
                lb,
                'Va benissimo, vi aspetto. Il citofono è "Bianchi - Rossetti".',
                12,
                name="Lucia Bianchi",
                phone=p,
            )
        ),
        # A round video note ("ptv"): stored with its raw payload, shown as unsupported.
        unread(unsupported(lb, "ptv", 9, name="Lucia Bianchi", phone=p)),
        unread(msg(lb, "Scusate, posso pagare con bancomat?", 6, name="Lucia Bianchi", phone=p)),
    ]
    ticket(
        "t1039",
        lb,
        "1039",
        "WhatsApp: la lavatrice perde acqua dal fondo",
        Priority.HIGH,
        TicketStatus.IN_PROGRESS,
        60 * 24 + 80,
        ME,
        "ct-bianchi",
    )
    ticket(
        "t0871",
        lb,
        "871",
        "WhatsApp: caldaia non parte dopo il temporale",
        Priority.MEDIUM,
        TicketStatus.CLOSED,
        60 * 24 * 40,
        ME,
        "ct-bianchi",
    )

    rows = [
        (
            "rossi",
            "Mario Rossi",
            "+39 347 118 2290",
            "La caldaia è in blocco e non si accende, abbiamo due bambini piccoli in casa!",
            3,
            2,
            (
                "t1042",
                "1042",
                "WhatsApp: la caldaia è in blocco e non si accende",
                Priority.URGENT,
                TicketStatus.PENDING,
                None,
            ),
        ),
        (
            "condominio",
            "Amministrazione Condominio Via Roma 12",
            "+39 02 8845 1120",
            "Perdita d'acqua nel vano scale, è allagamento, venite subito per favore",
            9,
            3,
            (
                "t1041",
                "1041",
                "WhatsApp: perdita d'acqua nel vano scale",
                Priority.URGENT,
                TicketStatus.ASSIGNED,
                "op-marco",
            ),
        ),
        (
            "colombo",
            "Ferramenta Colombo",
            "+39 031 27 44 901",
            "",
            25,
            1,
            (
                "t1040",
                "1040",
                "WhatsApp: foto del contatore",
                Priority.MEDIUM,
                TicketStatus.PENDING,
                None,
            ),
        ),
        (
            "sconosciuto",
            "",
            "+39 349 555 0199",
            "Buongiorno, fate anche preventivi per climatizzatori? Con comodo, quando possibile",
            48,
            1,
            (
                "t1038",
                "1038",
                "WhatsApp: preventivi per climatizzatori",
                Priority.LOW,
                TicketStatus.PENDING,
                None,
            ),
        ),
        (
            "romano",
            "Anna Romano",
            "+39 328 660 1473",
            "Allora aspetto la vostra conferma per giovedì",
            75,
            0,
            None,
        ),
        (
            "esposito",
            "Giuseppe Esposito",
            "+39 333 902 5518",
            "Grazie, tutto risolto! Gentilissimi come sempre",
            60 * 20,
            0,
            (
                "t1030",
                "1030",
                "WhatsApp: scaldabagno non scalda",
                Priority.MEDIUM,
                TicketStatus.RESOLVED,
                ME,
            ),
        ),
        (
            "ricci",
            "Studio Dentistico Ricci",
            "+39 02 4410 3388",
            "Il condizionatore della sala d'attesa fa rumore, quando potete passare?",
            60 * 26,
            0,
            (
                "t1036",
                "1036",
                "WhatsApp: condizionatore rumoroso",
                Priority.MEDIUM,
                TicketStatus.ASSIGNED,
                ME,
            ),
        ),
        (
            "greco",
            "Francesca Greco",
            "+39 320 771 0045",
            "Ok, a martedì allora",
            60 * 24 * 3,
            0,
            None,
        ),
        (
            "marino",
            "Bar Sport di Luca Marino",
            "+39 035 21 90 877",
            "La macchina del ghiaccio è di nuovo bloccata",
            60 * 24 * 4,
            0,
            (
                "t1021",
                "1021",
                "WhatsApp: macchina del ghiaccio bloccata",
                Priority.HIGH,
                TicketStatus.IN_PROGRESS,
                "op-marco",
            ),
        ),
        (
            "conti",
            "Roberto Conti",
            "+39 339 450 1200",
            "Buonasera, vi mando la foto della targhetta",
            60 * 24 * 6,
            0,
            None,
        ),
    ]
    for conv, name, phone, body, ago, n_unread, tk in rows:
        media = (
            MediaInfo("image", None, "Foto del contatore del gas") if conv == "colombo" else None
        )
        for k in range(n_unread, 0, -1):
            m = msg(
                conv,
                body if k == 1 else "Buongiorno, avete ricevuto il mio messaggio?",
                ago + (k - 1) * 3,
                name=name,
                phone=phone,
                media=media if k == 1 else None,
            )
            messages.append(unread(m))
        if n_unread == 0:
            messages.append(msg(conv, body, ago, name=name, phone=phone))
        if tk:
            tid, num, title, prio, status, assignee = tk
            ticket(tid, conv, num, title, prio, status, ago + 1, assignee)
    messages.append(
        msg("esposito", "Si figuri, a presto!", 60 * 20 - 2, out=True, phone="+39 333 902 5518")
    )
    # The list's preview of a conversation whose last message is of an unsupported type.
    messages.append(
        unsupported(
            "conti",
            "poll_creation",
            60 * 24 * 6 - 3,
            name="Roberto Conti",
            phone="+39 339 450 1200",
        )
    )
    return messages, tickets


async def build_client() -> SportelloClient:
    folder = Path(tempfile.mkdtemp(prefix="sportello-shots-"))
    server = ServerProfile(
        "https://sportello.idraulica-brambilla.it", "sample-token", ME, "Idraulica Brambilla"
    )
    messages, tickets = sample()
    # Fill the cache as the client would have after receiving these from the server.
    prefill = Cache(folder / "cache.sqlite3")
    await prefill.open()
    prefill.put_messages(messages)
    prefill.put_tickets(tickets)
    await prefill.close()
    client = SportelloClient(server, folder / "cache.sqlite3")
    await client.start()
    await client.connection.stop()  # a picture, not a session: stay on the cached data

    async def nothing_older(*_: object) -> tuple[list[Message], None]:
        return [], None  # the sample cache holds every message the "server" has

    client.rest.messages_page = nothing_older  # type: ignore[method-assign]
    client.state.set_profile(ProtocolProfile.FULL, ())
    client.state.set_connection(ConnectionState.ONLINE)
    return client


def settle(ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


async def wait_for(predicate: object, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("sample window did not reach the expected state")
        await asyncio.sleep(0.02)


def save(widget: QWidget, name: str) -> Path:
    path = OUT / name
    widget.grab().save(str(path))
    print(path.relative_to(ROOT))
    return path


async def main_window_shots() -> None:
    client = await build_client()
    window = MainWindow(client)
    window.resize(1440, 880)
    window.show()
    window.activateWindow()
    await asyncio.sleep(0.2)
    client.state.set_typing("romano", "+39 328 660 1473", True)
    window.conversations.select_conversation("bianchi")
    await wait_for(lambda: window.thread_pane.model.rowCount() > 5)
    await asyncio.sleep(0.3)
    window.thread_pane.view.scrollToBottom()
    await asyncio.sleep(0.2)
    save(window, "main_window.png")
    save(window.thread_pane, "thread_delivery_states.png")
    save(window.ticket_pane, "ticket_pane.png")

    window.conversations.set_filter(ConversationFilter.URGENT)
    await asyncio.sleep(0.2)
    save(window.conversations, "filter_urgent.png")
    window.close()
    await client.stop()

    # The legacy back end: the real sign-in and client against the strict stand-in seed.
    await seed_shots(save)


async def local_server_down_shot() -> None:
    """local_server_down.png: the console, in Italian, while the local server stays down."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install_translators(app, "it")
    try:
        client = await build_client()
        client.state.set_connection(ConnectionState.OFFLINE)  # nothing listens any more
        window = MainWindow(client)
        bar = LocalServerDownBar(window)
        window.add_bar(bar)
        bar.show_down(LocalServerDownBar.down_text(3200, ""))
        window.resize(1440, 880)
        window.show()
        window.conversations.select_conversation("bianchi")
        await wait_for(lambda: window.thread_pane.model.rowCount() > 5)
        await asyncio.sleep(0.3)
        save(window, "local_server_down.png")
        window.close()
        await client.stop()
    finally:
        install_translators(app, "en")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    desktop_dialog_shots(save)  # first run, settings, local server (scripts/screenshots_dialogs.py)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main_window_shots())
        loop.run_until_complete(local_server_down_shot())
    return 0


if __name__ == "__main__":
    sys.exit(main())
