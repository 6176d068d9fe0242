"""Outbound senders: deliver an operator's reply through the WhatsApp gateway."""

from sportello.server.gateways.base import GatewaySender, GatewaySendError, SendResult
from sportello.server.gateways.meta import MetaCloudSender
from sportello.server.gateways.wppconnect import WppConnectSender

__all__ = [
    "GatewaySendError",
    "GatewaySender",
    "MetaCloudSender",
    "SendResult",
    "WppConnectSender",
]
