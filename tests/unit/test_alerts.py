"""The alert rules: grouping, new tickets, reading, pause, quiet hours, sound spacing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sportello.domain.alerts import (
    AlertPolicy,
    AlertSettings,
    ConversationFacts,
    IncomingFact,
    ServerHint,
    SoundCue,
    TicketFact,
    Urgency,
    badge_text,
    in_quiet_hours,
    pause_for_an_hour,
    pause_until_tomorrow,
    summarize,
)
from sportello.domain.values import Priority

NOON = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
ON = AlertSettings()


def fact(n: int, conv: str = "c1", sender: str = "Mario Rossi", **kw: object) -> IncomingFact:
    return IncomingFact(f"m{n}", conv, sender, f"testo {n}", **kw)  # type: ignore[arg-type]


def test_a_burst_from_one_contact_is_one_notification_that_counts() -> None:
    policy = AlertPolicy()
    decisions = [
        policy.incoming(fact(i), ON, now=NOON, monotonic=i * 0.1, reading=None) for i in range(3)
    ]
    alerts = [d.alert for d in decisions]
    assert all(a is not None for a in alerts)
    assert len({a.key for a in alerts if a}) == 1
    last = alerts[-1]
    assert last is not None and last.count == 3 and last.body == "testo 2"
    assert last.sender == "Mario Rossi" and last.message_id == "m2"
    # one chime for the burst, not three
    assert [d.sound for d in decisions] == [SoundCue.MESSAGE, None, None]


def test_two_contacts_get_two_notifications() -> None:
    policy = AlertPolicy()
    a = policy.incoming(fact(1, "c1"), ON, now=NOON, monotonic=0, reading=None).alert
    b = policy.incoming(fact(2, "c2", "Anna"), ON, now=NOON, monotonic=5, reading=None).alert
    assert a and b and a.key != b.key and b.count == 1


def test_a_new_ticket_gets_its_own_notification_with_its_priority() -> None:
    policy = AlertPolicy()
    policy.incoming(fact(1), ON, now=NOON, monotonic=0, reading=None)
    urgent = TicketFact("t9", "9", "c1", Priority.URGENT)
    policy.ticket_created(urgent, "auto")
    decision = policy.incoming(fact(2, ticket=urgent), ON, now=NOON, monotonic=10, reading=None)
    alert = decision.alert
    assert alert is not None and alert.new_ticket and alert.count == 1
    assert alert.urgency is Urgency.CRITICAL and decision.sound is SoundCue.URGENT
    # the following message of the same ticket joins that notification, still critical
    follow = policy.incoming(fact(3, ticket=urgent), ON, now=NOON, monotonic=11, reading=None)
    assert follow.alert is not None and follow.alert.key == alert.key
    assert follow.alert.count == 2 and follow.alert.urgency is Urgency.CRITICAL


def test_a_ticket_made_by_hand_is_not_announced_as_new() -> None:
    policy = AlertPolicy()
    ticket = TicketFact("t1", "1", "c1", Priority.LOW)
    policy.ticket_created(ticket, "manual")
    alert = policy.incoming(fact(1, ticket=ticket), ON, now=NOON, monotonic=0, reading=None).alert
    assert alert is not None and not alert.new_ticket and alert.urgency is Urgency.NORMAL


def test_nothing_for_the_conversation_being_read() -> None:
    policy = AlertPolicy()
    decision = policy.incoming(fact(1), ON, now=NOON, monotonic=0, reading="c1")
    assert decision.alert is None and decision.sound is None and decision.why == "reading"
    other = policy.incoming(fact(2, "c2"), ON, now=NOON, monotonic=0, reading="c1")
    assert other.alert is not None


def test_replayed_messages_after_a_reconnection_stay_quiet() -> None:
    decision = AlertPolicy().incoming(
        fact(1, replayed=True), ON, now=NOON, monotonic=0, reading=None
    )
    assert decision.alert is None and decision.sound is None


def test_pause_silences_everything_until_it_ends() -> None:
    policy = AlertPolicy()
    paused = AlertSettings(paused_until=pause_for_an_hour(NOON))
    during = policy.incoming(
        fact(1), paused, now=NOON + timedelta(minutes=59), monotonic=0, reading=None
    )
    after = policy.incoming(
        fact(2), paused, now=NOON + timedelta(minutes=61), monotonic=9, reading=None
    )
    assert (during.alert, during.sound, during.why) == (None, None, "paused")
    assert after.alert is not None and after.sound is SoundCue.MESSAGE


def test_pause_until_tomorrow_ends_at_eight_next_day() -> None:
    late = datetime(2024, 5, 6, 23, 30, tzinfo=UTC)
    assert pause_until_tomorrow(late) == datetime(2024, 5, 7, 8, 0, tzinfo=UTC)


def test_quiet_hours_mute_the_sound_but_not_the_notification() -> None:
    quiet = AlertSettings(quiet_hours=(time(22, 0), time(7, 0)))
    night = datetime(2024, 5, 6, 23, 15, tzinfo=UTC)
    decision = AlertPolicy().incoming(fact(1), quiet, now=night, monotonic=0, reading=None)
    assert decision.alert is not None and decision.sound is None
    assert in_quiet_hours(quiet, datetime(2024, 5, 6, 6, 59, tzinfo=UTC))
    assert not in_quiet_hours(quiet, datetime(2024, 5, 6, 7, 0, tzinfo=UTC))
    assert not in_quiet_hours(quiet, NOON)
    day = AlertSettings(quiet_hours=(time(12, 0), time(14, 0)))
    assert in_quiet_hours(day, NOON) and not in_quiet_hours(day, NOON.replace(hour=14))


def test_only_new_tickets_skips_plain_messages() -> None:
    settings = AlertSettings(only_new_tickets=True)
    policy = AlertPolicy()
    plain = policy.incoming(fact(1), settings, now=NOON, monotonic=0, reading=None)
    ticket = TicketFact("t1", "1", "c2", Priority.MEDIUM)
    policy.ticket_created(ticket, "auto")
    opening = policy.incoming(
        fact(2, "c2", ticket=ticket), settings, now=NOON, monotonic=0, reading=None
    )
    assert plain.alert is None and plain.why == "only new tickets"
    assert opening.alert is not None and opening.alert.new_ticket


def test_sound_off_still_notifies_and_notifications_off_does_neither() -> None:
    mute = AlertPolicy().incoming(
        fact(1), AlertSettings(sound=False), now=NOON, monotonic=0, reading=None
    )
    off = AlertPolicy().incoming(
        fact(1), AlertSettings(notifications=False), now=NOON, monotonic=0, reading=None
    )
    assert mute.alert is not None and mute.sound is None
    assert off.alert is None and off.sound is None


def test_the_servers_notification_block_is_honoured() -> None:
    hint = ServerHint(
        title="Nuovo messaggio da +39 333 123 4567",
        body="📷 Il contatore",
        icon="whatsapp",
        sound="urgent",
    )
    decision = AlertPolicy().incoming(fact(1, hint=hint), ON, now=NOON, monotonic=0, reading=None)
    alert = decision.alert
    assert alert is not None
    assert alert.server_title == hint.title and alert.body == hint.body and alert.icon == "whatsapp"
    assert alert.urgency is Urgency.CRITICAL and decision.sound is SoundCue.URGENT


def test_reading_or_dismissing_starts_a_fresh_group() -> None:
    policy = AlertPolicy()
    first = policy.incoming(fact(1), ON, now=NOON, monotonic=0, reading=None).alert
    assert first is not None
    assert policy.conversation_read("c1") == first.key
    assert policy.conversation_read("c1") is None
    second = policy.incoming(fact(2), ON, now=NOON, monotonic=9, reading=None).alert
    assert second is not None and second.key != first.key and second.count == 1
    policy.dismissed(second.key)
    third = policy.incoming(fact(3), ON, now=NOON, monotonic=19, reading=None).alert
    assert third is not None and third.count == 1 and third.key != second.key


def test_tray_summary_and_badge() -> None:
    rows = [
        ConversationFacts(3, Priority.URGENT, last_incoming=True),
        ConversationFacts(2, Priority.URGENT, last_incoming=False),  # answered
        ConversationFacts(1, None, last_incoming=True),
    ]
    summary = summarize(rows)
    assert (summary.unread, summary.urgent_unanswered) == (6, 1)
    assert [badge_text(n) for n in (0, 7, 99, 100)] == ["", "7", "99", "99+"]
