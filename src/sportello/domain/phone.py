"""Recognize a customer by phone number, whatever shape the gateway gives it.

WhatsApp gateways hand us JIDs (`393331234567@c.us`, `...@s.whatsapp.net`), Cloud API
`wa_id`s (`393331234567`), and people type `+39 333 1234567` or `0039 333-123-4567`.
All of them must become one E.164 key so one customer is one contact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

DEFAULT_REGION = "IT"

_GROUP_SUFFIXES = ("@g.us",)
_PERSON_SUFFIXES = ("@c.us", "@s.whatsapp.net", "@lid")
_SEPARATORS = re.compile(r"[\s\-./()]+")


@dataclass(frozen=True, slots=True)
class PhoneId:
    """A chat id as understood: a person's E.164 number, a group, or an unparseable id."""

    raw: str
    e164: str | None
    is_group: bool

    @property
    def is_valid(self) -> bool:
        return self.e164 is not None

    @property
    def key(self) -> str:
        """The identity used to find the contact: E.164, else the group id, else the raw id."""
        if self.e164 is not None:
            return self.e164
        if self.is_group:
            return "group:" + self.raw
        return "raw:" + self.raw

    @property
    def display(self) -> str:
        """International format for people (`+39 333 123 4567`), the raw id otherwise."""
        if self.e164 is None:
            return self.raw
        parsed = phonenumbers.parse(self.e164, None)
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def normalize_phone(raw: str, default_region: str = DEFAULT_REGION) -> PhoneId:
    """Parse any chat id or typed number into a PhoneId; never raises."""
    text = (raw or "").strip()
    lowered = text.lower()
    if lowered.endswith(_GROUP_SUFFIXES):
        return PhoneId(raw=text, e164=None, is_group=True)
    local = text
    from_jid = False
    for suffix in _PERSON_SUFFIXES:
        if lowered.endswith(suffix):
            local = text[: -len(suffix)]
            from_jid = True
            break
    # A JID may carry a device part: "393331234567:12@s.whatsapp.net".
    local = local.split(":", 1)[0] if from_jid else local
    candidate = _SEPARATORS.sub("", local)
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    e164 = _parse(candidate, from_jid, default_region)
    return PhoneId(raw=text, e164=e164, is_group=False)


def _parse(candidate: str, from_jid: bool, default_region: str) -> str | None:
    if not candidate or not re.fullmatch(r"\+?\d{5,17}", candidate):
        return None
    attempts: list[tuple[str, str | None]] = []
    if candidate.startswith("+"):
        attempts.append((candidate, None))
    else:
        # JIDs and Cloud API wa_ids are international numbers without the "+", but a
        # short national number (3331234567@c.us) is also seen: try international first.
        if from_jid or len(candidate) > 10:
            attempts.append(("+" + candidate, None))
        attempts.append((candidate, default_region))
        if not from_jid and len(candidate) <= 10:
            attempts.append(("+" + candidate, None))
    for number, region in attempts:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None
