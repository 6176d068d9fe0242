"""Profiles connected in the background from one run to the next: which ones to remember
at a quit, and reconnecting them at the next start (their unread badges and notifications
are live again without opening each)."""

from __future__ import annotations

import logging

from sportello.client.api import SportelloClient
from sportello.client.errors import ClientError
from sportello.client.records import ServerProfile
from sportello.desktop import credentials
from sportello.desktop.paths import cache_path_for
from sportello.ui.background_profiles import ConnectedProfiles
from sportello.ui.preferences import Preferences, ProfileKind

log = logging.getLogger(__name__)


def remember_connected(preferences: Preferences, connected: ConnectedProfiles) -> None:
    """Keep the connected remote profiles' names for the next start."""
    names = [
        n
        for n in connected.names()
        if (r := preferences.profile(n)) is not None and r.kind is ProfileKind.REMOTE
    ]
    preferences.connected_profiles = names


def forget_connected(preferences: Preferences, name: str) -> None:
    """Do not reconnect this profile at the next start."""
    remembered = preferences.connected_profiles
    if name in remembered:
        preferences.connected_profiles = [n for n in remembered if n != name]


async def reconnect_others(
    preferences: Preferences, connected: ConnectedProfiles, foreground: str
) -> None:
    """Reconnect, in the background, the profiles that were connected at the last quit."""
    for name in preferences.connected_profiles:
        record = preferences.profile(name)
        if (
            name == foreground
            or record is None
            or record.kind is ProfileKind.LOCAL
            or connected.client(name) is not None
        ):
            continue
        try:
            token = credentials.load_token(name)
        except credentials.CredentialsUnavailable as exc:
            log.warning("profile %s stays disconnected: %s", name, exc)
            continue
        if not token:
            continue
        cache = cache_path_for(record.url, record.user_id)
        if any(
            (c := connected.client(n)) is not None and c.cache_path == cache
            for n in connected.names()
        ):
            continue  # the same operator on the same server, already connected
        client = SportelloClient(ServerProfile(record.url, token, record.user_id, name), cache)
        connected.add(name, client)
        try:
            await client.start()
        except ClientError as exc:
            log.error("background profile %s did not start: %s", name, exc)
        log.info("profile %s connected in the background", name)
