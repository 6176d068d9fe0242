"""The simulator's configuration: wppconnect-server's `src/config.ts` fields that change what
it does, plus the timings a real WhatsApp Web would impose."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .webhooks import WebhookPost

DEFAULT_SECRET_KEY = "THISISMYSECURETOKEN"
VERSION = "2.10.4"  # package.json version status-session reports


@dataclass(slots=True)
class SimConfig:
    secret_key: str = DEFAULT_SECRET_KEY
    read_message: bool = True  # webhook.readMessage
    auto_download: bool = True  # webhook.autoDownload (uploadS3 off)
    server_webhook: str | None = None  # webhook.url
    on_self_message: bool = False  # webhook.onSelfMessage
    all_unread_on_start: bool = False  # webhook.allUnreadOnStart
    listen_acks: bool = True  # webhook.listenAcks
    start_all_session: bool = True  # startAllSession, used by restart_gateway()
    ignore: tuple[str, ...] = ("status@broadcast",)  # webhook.ignore
    qr_timeout: float = 60.0  # wppconnect createOptions autoClose (ms there, s here)
    qr_refresh: float = 20.0  # WhatsApp Web's QR rotation
    startup_delay: float = 0.05  # browser start until the first statusFind
    link_delay: float = 0.05  # qrReadSuccess/isLogged until inChat
    ack_delay: float = 0.02  # until the server ack (1) of a sent message
    deliver_delay: float | None = 0.05  # until delivered (2); None: only customer_receives()
    offline_send_timeout: float = 180.0  # puppeteer protocolTimeout on a send while offline
    webhook_jitter: float = 0.0  # random delay before each post, to shuffle their order
    business_name: str = "Sportello"  # our own pushname
    on_webhook: Callable[[WebhookPost], None] | None = None  # hook: after each attempt
    on_request: Callable[[str, str, Any], None] | None = None  # hook: (method, path, json)
