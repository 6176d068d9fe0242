"""Loopback ports for servers started by the tests."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback port free right now (the OS may hand it out again, which is rare enough)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dead_url() -> str:
    """The URL of a loopback port nobody listens on (free a moment ago)."""
    return f"http://127.0.0.1:{free_port()}"
