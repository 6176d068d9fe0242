"""Escalating alerts: the schedule per priority, opening, pause and quiet hours, settings."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from sportello.domain.alerts import AlertSettings, GatewayWatch, SoundCue
from sportello.domain.escalation import (
    DEFAULT_INTERVALS,
    MAX_INTERVAL,
    EscalationPlan,
    EscalationSettings,
    Reminder,
    ReminderBurst,
    Waiting,
    escalation_settings,
    group_reminders,
    interval_problem,
)
from sportello.domain.values import Priority

NOON = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
FAST = EscalationSettings({Priority.URGENT: 2.0, Priority.HIGH: 5.0, Priority.LOW: 0.0})
QUIET_NOW = AlertSettings(quiet_hours=(time(11, 0), time(13, 0)))
PAUSED = AlertSettings(paused_until=NOON + timedelta(hours=1))


def ticket(n: int, priority: Priority = Priority.URGENT, since: datetime = NOON) -> Waiting:
    return Waiting(f"t{n}", str(n), f"c{n}", priority, f"Ticket {n}", since)


def at(seconds: float) -> datetime:
    return NOON + timedelta(seconds=seconds)


def test_defaults_are_30_120_600_and_off_with_urgent_through_quiet_on() -> None:
    settings = EscalationSettings()
    assert [settings.interval(p) for p in Priority] == [DEFAULT_INTERVALS[p] for p in Priority]
    assert settings.interval(Priority.URGENT) == 30 and settings.interval(Priority.LOW) == 0
    assert settings.urgent_ignores_quiet is True


def test_an_unopened_ticket_rings_every_interval_until_opened() -> None:
    plan = EscalationPlan(FAST)
    plan.add(ticket(1), NOW := at(0))
    assert plan.due(NOW) == []  # its own notification was the first alert
    assert plan.seconds_to_next(NOW) == 2.0
    first = plan.due(at(2))
    assert [(r.ticket.ticket_id, r.count, r.waited) for r in first] == [
        ("t1", 1, timedelta(seconds=2))
    ]
    assert first[0].critical and first[0].sound is SoundCue.URGENT
    assert plan.due(at(3)) == []
    assert [r.count for r in plan.due(at(4))] == [2]
    plan.opened("t1")
    assert plan.due(at(10)) == [] and plan.seconds_to_next(at(10)) is None
    assert plan.summary(at(10)).count == 0


def test_each_priority_has_its_own_interval_and_zero_means_never() -> None:
    plan = EscalationPlan(FAST)
    plan.add(ticket(1, Priority.URGENT), at(0))
    plan.add(ticket(2, Priority.HIGH), at(0))
    plan.add(ticket(3, Priority.LOW), at(0))
    rung = [r.ticket.ticket_id for s in range(0, 11) for r in plan.due(at(s))]
    assert rung.count("t1") == 5 and rung.count("t2") == 2 and "t3" not in rung
    high = next(r for r in plan.due(at(15)) if r.ticket.ticket_id == "t2")
    assert not high.critical and high.sound is SoundCue.MESSAGE


def test_the_servers_list_replaces_ours_and_an_old_ticket_rings_at_once() -> None:
    plan = EscalationPlan(FAST)
    plan.replace_all([ticket(1, since=at(-60)), ticket(2)], at(0))
    assert [r.ticket.ticket_id for r in plan.due(at(0))] == ["t1"]  # waited long already
    plan.replace_all([ticket(2)], at(1))  # t1 was opened elsewhere
    assert [w.ticket_id for w in plan.waiting] == ["t2"]
    assert [r.ticket.ticket_id for r in plan.due(at(2))] == ["t2"]


def test_summary_counts_the_waiting_and_the_longest_wait() -> None:
    plan = EscalationPlan(FAST)
    plan.add(ticket(1, since=at(-180)), at(0))
    plan.add(ticket(2, Priority.LOW), at(0))
    summary = plan.summary(at(0))
    assert summary.count == 2 and summary.longest == timedelta(minutes=3)


def test_pause_silences_reminders_but_urgent_shows_and_rings_through() -> None:
    plan = EscalationPlan(FAST)
    plan.add(ticket(1, Priority.URGENT), at(0))
    plan.add(ticket(2, Priority.HIGH), at(0))
    rung = plan.due(at(5), PAUSED)
    assert [r.ticket.ticket_id for r in rung] == ["t1"]
    assert rung[0].sound is SoundCue.URGENT  # the option: it rings, too


def test_quiet_hours_give_silent_reminders_but_urgent_rings_through() -> None:
    plan = EscalationPlan(FAST)
    plan.add(ticket(1, Priority.URGENT), at(0))
    plan.add(ticket(2, Priority.HIGH), at(0))
    rung = {r.ticket.ticket_id: r.sound for r in plan.due(at(5), QUIET_NOW)}
    assert rung == {"t1": SoundCue.URGENT, "t2": None}


def test_without_the_option_urgent_keeps_quiet_too() -> None:
    plan = EscalationPlan(EscalationSettings(FAST.intervals, urgent_ignores_quiet=False))
    plan.add(ticket(1), at(0))
    assert plan.due(at(2), PAUSED) == []
    quiet = plan.due(at(4), QUIET_NOW)
    assert [(r.count, r.sound) for r in quiet] == [(1, None)]  # shown, silently
    again = plan.due(at(6))
    assert [(r.count, r.sound) for r in again] == [(2, SoundCue.URGENT)]  # paused: not counted


def test_sound_off_gives_silent_reminders_and_notifications_off_gives_none() -> None:
    plan = EscalationPlan(FAST)
    plan.add(ticket(1), at(0))
    silent = plan.due(at(2), AlertSettings(sound=False))
    assert len(silent) == 1 and silent[0].sound is None
    assert plan.due(at(4), AlertSettings(notifications=False)) == []


def test_new_intervals_apply_to_waiting_tickets() -> None:
    plan = EscalationPlan(EscalationSettings())  # URGENT every 30 s
    plan.add(ticket(1), at(0))
    plan.add(ticket(2, Priority.HIGH), at(0))
    faster = EscalationSettings({Priority.URGENT: 1.0, Priority.HIGH: 0.0})
    assert plan.configure(faster, at(0.5)) is True
    assert plan.configure(faster, at(0.5)) is False  # the same again: nothing to redo
    assert plan.seconds_to_next(at(0.5)) == 0.5  # no waiting for the old 30 s
    assert [r.ticket.ticket_id for r in plan.due(at(1))] == ["t1"]
    assert [r.ticket.ticket_id for s in range(2, 200) for r in plan.due(at(s))] == ["t1"] * 198


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (0, None),
        (1, None),
        (30.5, None),
        (MAX_INTERVAL, None),
        (-1, "negative"),
        (MAX_INTERVAL + 1, "longer than a day"),
        ("30", "not a number"),
        (True, "not a number"),
        (float("nan"), "not a number"),
    ],
)
def test_interval_validation_says_why(value: object, problem: str | None) -> None:
    answer = interval_problem(value)
    assert (answer is None) if problem is None else (answer is not None and problem in answer)


def test_stored_settings_keep_the_default_for_a_bad_value_and_say_which() -> None:
    settings, problems = escalation_settings(
        {Priority.URGENT: 5, Priority.HIGH: -3, Priority.LOW: 0}, urgent_ignores_quiet=False
    )
    assert settings.interval(Priority.URGENT) == 5
    assert settings.interval(Priority.HIGH) == DEFAULT_INTERVALS[Priority.HIGH]
    assert settings.interval(Priority.MEDIUM) == DEFAULT_INTERVALS[Priority.MEDIUM]
    assert settings.urgent_ignores_quiet is False
    assert len(problems) == 1 and problems[0].startswith("HIGH: ")


def test_gateway_watch_tells_an_outage_once_until_it_comes_back() -> None:
    watch = GatewayWatch()
    assert watch.update([("wpp:a", False)]) == ([], [])
    assert watch.update([("wpp:a", True), ("meta", False)]) == (["wpp:a"], [])
    assert watch.update([("wpp:a", True), ("meta", False)]) == ([], [])  # not again
    assert watch.update([("wpp:a", False)]) == ([], ["wpp:a"])
    assert watch.update([("wpp:a", True)]) == (["wpp:a"], [])  # a new outage: told again
    assert watch.update([]) == ([], ["wpp:a"])  # gone from the list: up


def test_a_start_with_three_overdue_tickets_rings_once_for_all_of_them() -> None:
    plan = EscalationPlan(FAST)
    plan.replace_all(
        [
            ticket(12, Priority.HIGH, since=at(-600)),
            ticket(15, Priority.URGENT, since=at(-60)),
            ticket(9, Priority.HIGH, since=at(-900)),
        ],
        at(0),
    )
    burst = group_reminders(plan.due(at(0)))
    assert isinstance(burst, ReminderBurst)
    # The most pressing first: URGENT, then the HIGH one that has waited longest.
    assert [r.ticket.number for r in burst.reminders] == ["15", "9", "12"]
    assert burst.lead.ticket.ticket_id == "t15"
    assert burst.critical and burst.sound is SoundCue.URGENT  # one chime: the URGENT one


def test_reminders_due_within_two_seconds_ring_together_and_a_lone_one_rings_alone() -> None:
    plan = EscalationPlan(EscalationSettings({Priority.HIGH: 60.0, Priority.MEDIUM: 600.0}))
    plan.add(ticket(1, Priority.HIGH, since=at(-60)), at(0))
    plan.add(ticket(2, Priority.MEDIUM, since=at(-598.5)), at(0))  # due 1.5 s later
    plan.add(ticket(3, Priority.HIGH, since=at(-57)), at(0))  # due 3 s later: on its own
    burst = group_reminders(plan.due(at(0)))
    assert isinstance(burst, ReminderBurst)
    assert [r.ticket.ticket_id for r in burst.reminders] == ["t1", "t2"]
    assert not burst.critical and burst.sound is SoundCue.MESSAGE
    assert plan.due(at(1.5)) == []  # t2 has rung already; its next is in 600 s
    alone = group_reminders(plan.due(at(3)))
    assert isinstance(alone, Reminder) and alone.ticket.ticket_id == "t3"
    assert group_reminders([]) is None


def test_nothing_is_brought_forward_when_nothing_is_due_yet() -> None:
    plan = EscalationPlan(FAST)
    plan.add(ticket(1, Priority.HIGH), at(0))  # due at 5
    assert plan.due(at(4)) == []  # 1 s early, but nothing else rings now to join
    assert [r.ticket.ticket_id for r in plan.due(at(5))] == ["t1"]


def test_a_burst_in_quiet_hours_rings_only_if_an_urgent_one_rings_through() -> None:
    plan = EscalationPlan(FAST)
    plan.add(ticket(1, Priority.HIGH, since=at(-60)), at(0))
    plan.add(ticket(2, Priority.HIGH, since=at(-60)), at(0))
    quiet = group_reminders(plan.due(at(0), QUIET_NOW))
    assert isinstance(quiet, ReminderBurst) and quiet.sound is None  # shown, silently
    plan.add(ticket(3, Priority.URGENT, since=at(-60)), at(6))
    loud = group_reminders(plan.due(at(6), QUIET_NOW))
    assert isinstance(loud, ReminderBurst) and loud.sound is SoundCue.URGENT
    assert loud.lead.ticket.ticket_id == "t3"


def test_a_reconnect_rings_once_for_the_tickets_it_found_and_those_due_with_them() -> None:
    plan = EscalationPlan(EscalationSettings({Priority.URGENT: 30.0, Priority.HIGH: 120.0}))
    plan.replace_all([ticket(1, Priority.URGENT), ticket(2, Priority.HIGH, since=at(-119))], at(0))
    assert [r.ticket.ticket_id for r in plan.due(at(1))] == ["t2"]  # alone: its own reminder
    # Offline from 1 s to 29 s: two tickets arrived meanwhile, long overdue at the reconnect.
    plan.replace_all(
        [
            ticket(1, Priority.URGENT),
            ticket(2, Priority.HIGH, since=at(-119)),
            ticket(3, Priority.HIGH, since=at(-300)),
            ticket(4, Priority.HIGH, since=at(-200)),
        ],
        at(29),
    )
    burst = group_reminders(plan.due(at(29)))
    assert isinstance(burst, ReminderBurst)
    # t1 (due at 30 s) joins them; t2 (due at 121 s) does not.
    assert [r.ticket.ticket_id for r in burst.reminders] == ["t1", "t3", "t4"]
    assert plan.due(at(30)) == []  # t1 rang with the others, not again a second later


def test_a_console_continues_the_background_schedule_instead_of_ringing_anew() -> None:
    # The profile rang its overdue ticket while in the background; its console opens a
    # second later and sees one more ticket. The profile has one plan for as long as it is
    # connected (ui/profile_alerts.py), so the console's list goes to that same plan.
    plan = EscalationPlan(FAST)
    plan.replace_all([ticket(1, since=at(-60)), ticket(2, Priority.HIGH)], at(0))
    assert [r.count for r in plan.due(at(0))] == [1]
    plan.replace_all([ticket(1, since=at(-60)), ticket(2, Priority.HIGH), ticket(3)], at(1))
    assert plan.due(at(1)) == []
    assert plan.seconds_to_next(at(1)) == 1.0  # t1: 2 s after it rang, not now
    # The count goes on (second reminder); t3, new to the plan, keeps its own schedule
    # (due at 3, gathered with t1); t2 first rings at its own 5 s.
    assert [(r.ticket.ticket_id, r.count) for r in plan.due(at(2))] == [("t1", 2), ("t3", 1)]
    assert ("t2", 1) in [(r.ticket.ticket_id, r.count) for r in plan.due(at(5))]
