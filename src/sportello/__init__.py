"""Sportello: WhatsApp customer support console for field-service companies."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sportello")
except PackageNotFoundError:  # running from a checkout without installation
    __version__ = "0.0.0+checkout"
