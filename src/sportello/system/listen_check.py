"""Whether `sportello server` could listen on an address now: asked before anything is opened.

The server probes before it creates or migrates a database (a typo'd port must not leave a
new database behind), and the app probes before it starts its local server. The probe
binds the way aiohttp's listener does (SO_REUSEADDR on POSIX, every address the host
name resolves to) and lets go at once; the real listener still reports a port taken in
between.
"""

from __future__ import annotations

import os
import socket


def cannot_listen_reason(host: str, port: int) -> str | None:
    """Why host:port cannot be listened on right now, or None when it can (port 0 always can)."""
    if port == 0:
        return None
    try:
        addresses = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        return f"cannot resolve {host!r}: {exc.strerror or exc}"
    for family, kind, proto, _name, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            # Windows' SO_REUSEADDR would let the probe bind over a live listener.
            if os.name != "nt":
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6 and hasattr(socket, "IPPROTO_IPV6"):
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                return exc.strerror or str(exc)
    return None
