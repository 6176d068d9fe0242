"""The words of a desktop notification, one home for the profile on screen and the others."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from sportello.client.records import Message
from sportello.domain.values import DeliveryStatus, Direction, MessageType
from sportello.ui.alert_texts import fill, message_body, named, profile_key
from sportello.ui.thread_model import unsupported_text


def _message(kind: MessageType, body: str = "") -> Message:
    return Message(
        "m1",
        "c1",
        "2024-11-25T10:00:00Z",
        Direction.INCOMING,
        DeliveryStatus.DELIVERED,
        body,
        type=kind,
    )


def test_a_message_without_text_is_named_as_the_conversation_list_names_it(
    qapp: QApplication,
) -> None:
    assert message_body(_message(MessageType.UNSUPPORTED)) == unsupported_text("")
    assert message_body(_message(MessageType.IMAGE)) == "Photo"
    assert message_body(_message(MessageType.TEXT, "La caldaia  perde")) == "La caldaia perde"


def test_a_profile_named_with_a_placeholder_keeps_its_name_in_the_title(
    qapp: QApplication,
) -> None:
    # Chained .replace("%1", name).replace("%2", title) turned "Sede %2" into "Sede Mario".
    assert named("Sede %2", "Mario Rossi") == "Sede %2: Mario Rossi"
    assert fill("%1 (%2)", "50%1", "x") == "50%1 (x)"
    assert named("", "Mario Rossi") == "Mario Rossi"  # the profile on screen: as it is


def test_a_background_profile_has_its_own_notification_keys(qapp: QApplication) -> None:
    assert profile_key("", "conv:c1") == "conv:c1"
    assert profile_key("Roma", "conv:c1") != profile_key("Milano", "conv:c1")
    assert profile_key("Roma", "conv:c1").endswith("conv:c1")
