"""Test doubles that run for real on loopback (fake WhatsApp gateways)."""
