"""The words a console uses for messages it cannot show (issue 8), thread and list alike."""

from __future__ import annotations

from dataclasses import replace

from sportello.client.records import Message, preview_text
from sportello.domain.values import DeliveryStatus, Direction, MessageType
from sportello.ui.conversation_model import is_unsupported_preview, shown_preview
from sportello.ui.thread_model import unsupported_text, unsupported_type

BASE = Message("1", "c1", "2026-01-01T10:00:00Z", Direction.INCOMING, DeliveryStatus.READ, "")


def test_a_type_the_client_does_not_know_is_named_in_the_thread_and_the_list() -> None:
    poll = replace(BASE, type="poll_creation")
    assert unsupported_type(poll) == "poll_creation"
    assert unsupported_text("poll_creation") == "Unsupported message (poll_creation)"
    assert shown_preview(preview_text(poll)) == "Unsupported message (poll_creation)"
    assert is_unsupported_preview(preview_text(poll))


def test_unsupported_without_a_word_says_so_without_empty_brackets() -> None:
    odd = replace(BASE, type=MessageType.UNSUPPORTED)
    assert unsupported_type(odd) == ""
    assert shown_preview(preview_text(odd)) == "Unsupported message"


def test_known_kinds_and_text_are_not_unsupported() -> None:
    assert unsupported_type(replace(BASE, body="Ciao")) is None
    assert unsupported_type(replace(BASE, type=MessageType.IMAGE)) is None
    assert shown_preview("[image]") == "Photo"
    assert not is_unsupported_preview("[image]")
    assert shown_preview("Ciao [a tutti]") == "Ciao [a tutti]"
