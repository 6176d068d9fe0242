"""The WhatsApp gateway of local-server mode: which one, where, and with which secrets.

What the administrator chose is kept in two places by nature: the address, the session
and the phone number id are preferences (ui/preferences.py keeps `GatewaySettings`), the
secret key and the tokens are secrets (the OS keyring, through `credentials`, or local
mode's 0600 secrets file when no keyring works). The server child gets both through its
environment (`server_env`), never on its command line, where `ps` would show them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

from sportello.desktop import credentials

DEFAULT_SESSION = "sportello"
DEFAULT_GRAPH_URL = "https://graph.facebook.com/v20.0"


class GatewayKind(StrEnum):
    NONE = "none"  # no gateway yet: the server only receives what is posted to its webhooks
    WPPCONNECT = "wppconnect"  # WPPConnect Server: the server links the number with a QR code
    CLOUD_API = "cloud_api"  # Meta's WhatsApp Cloud API


@dataclass(frozen=True, slots=True)
class GatewaySettings:
    """What is not secret (kept in the preferences, group "local_gateway")."""

    kind: GatewayKind = GatewayKind.NONE
    wppconnect_url: str = ""
    wppconnect_session: str = DEFAULT_SESSION
    meta_phone_number_id: str = ""
    # Not offered in the dialog: Meta's own address, changed only for tests (--meta-graph-url).
    meta_graph_url: str = DEFAULT_GRAPH_URL


@dataclass(frozen=True, slots=True)
class GatewaySecrets:
    """What is secret (each field a keyring entry `secret:local-gateway-<field>`)."""

    wppconnect_secret_key: str = ""
    meta_access_token: str = ""
    meta_app_secret: str = ""
    meta_verify_token: str = ""

    def __repr__(self) -> str:  # never in a log or a traceback
        kept = [f.name for f in fields(self) if getattr(self, f.name)]
        return f"GatewaySecrets(set={kept})"


# The secrets each gateway needs; the others are deleted when that gateway is saved.
SECRETS_OF = {
    GatewayKind.NONE: (),
    GatewayKind.WPPCONNECT: ("wppconnect_secret_key",),
    GatewayKind.CLOUD_API: ("meta_access_token", "meta_app_secret", "meta_verify_token"),
}


def _entry(field: str) -> str:
    return "local-gateway-" + field.replace("_", "-")


def load_secrets() -> GatewaySecrets:
    """The stored secrets ("" for each one missing). Blocks on the keyring: run off the loop.
    Raises CredentialsUnavailable only when neither the keyring nor the file can be read."""
    values = {f.name: credentials.load_secret(_entry(f.name)) or "" for f in fields(GatewaySecrets)}
    return GatewaySecrets(**values)


def save_secrets(kind: GatewayKind, secrets: GatewaySecrets) -> None:
    """Keep the secrets of `kind` and forget the others. Blocks: run off the loop."""
    wanted = SECRETS_OF[kind]
    for f in fields(GatewaySecrets):
        value = getattr(secrets, f.name)
        if f.name in wanted and value:
            credentials.save_secret(_entry(f.name), value)
        else:
            credentials.delete_secret(_entry(f.name))


def server_env(
    settings: GatewaySettings, secrets: GatewaySecrets, public_url: str
) -> dict[str, str]:
    """The `SPORTELLO_*` variables that give the local server its gateway (server/config.py).

    `public_url` is where the gateway reaches the server: its own loopback address, so
    WPPConnect Server must run on this computer too to post its webhooks.
    """
    if settings.kind is GatewayKind.WPPCONNECT:
        return {
            "SPORTELLO_WPPCONNECT_URL": settings.wppconnect_url,
            "SPORTELLO_WPPCONNECT_SESSION": settings.wppconnect_session or DEFAULT_SESSION,
            "SPORTELLO_WPPCONNECT_SECRET_KEY": secrets.wppconnect_secret_key,
            "SPORTELLO_PUBLIC_URL": public_url,
        }
    if settings.kind is GatewayKind.CLOUD_API:
        env = {
            "SPORTELLO_META_PHONE_NUMBER_ID": settings.meta_phone_number_id,
            "SPORTELLO_META_ACCESS_TOKEN": secrets.meta_access_token,
            "SPORTELLO_META_APP_SECRET": secrets.meta_app_secret,
            "SPORTELLO_META_VERIFY_TOKEN": secrets.meta_verify_token,
            "SPORTELLO_PUBLIC_URL": public_url,
        }
        if settings.meta_graph_url and settings.meta_graph_url != DEFAULT_GRAPH_URL:
            env["SPORTELLO_META_GRAPH_URL"] = settings.meta_graph_url
        return env
    return {}
