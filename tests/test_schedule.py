"""Weekly sessions, parts of the day, availability fit and schedules in words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finder.schedule import (
    DAY_MINUTES,
    WEEK_MINUTES,
    Fit,
    PartOfDay,
    ScheduleError,
    Session,
    fit_availability,
    parse_schedule,
    schedule_in_words,
    try_weekly_schedule,
    weekly_schedule,
)

MORNING, AFTERNOON, EVENING, WEEKEND = (
    PartOfDay.MORNING, PartOfDay.AFTERNOON, PartOfDay.EVENING, PartOfDay.WEEKEND,
)
MON, TUE, WED, THU, FRI, SAT, SUN = (d * DAY_MINUTES for d in range(7))


def at(day: int, hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return day + int(hours) * 60 + int(minutes)


def test_parse_schedule_is_kept():
    assert parse_schedule("Mo-Fr 09:00-12:00").is_open is not None


@pytest.mark.parametrize(
    ("text", "sessions"),
    [
        ("Mo 09:00-12:00", [(at(MON, "09:00"), at(MON, "12:00"))]),
        (
            "Mo,We 18:00-21:00",
            [(at(MON, "18:00"), at(MON, "21:00")), (at(WED, "18:00"), at(WED, "21:00"))],
        ),
        # Two rules for the same day joined by "," add up.
        (
            "Tu 09:00-12:00, Tu 18:00-21:00",
            [(at(TUE, "09:00"), at(TUE, "12:00")), (at(TUE, "18:00"), at(TUE, "21:00"))],
        ),
        # Back-to-back time ranges are one session.
        ("Mo 09:00-12:00,12:00-13:00", [(at(MON, "09:00"), at(MON, "13:00"))]),
        # Overnight: Friday 22:00 to Saturday 02:00 is one Friday session.
        ("Fr 22:00-02:00", [(at(FRI, "22:00"), at(SAT, "02:00"))]),
        # Sunday night wraps past the end of the week instead of splitting.
        ("Su 22:00-02:00", [(at(SUN, "22:00"), WEEK_MINUTES + 120)]),
        ("Mo 20:00-26:00", [(at(MON, "20:00"), at(TUE, "02:00"))]),
        ("off", []),
    ],
)
def test_weekly_schedule_sessions(text, sessions):
    assert [(s.start, s.end) for s in weekly_schedule(text).sessions] == sessions


def test_semicolon_overrides_earlier_rules_for_the_same_days():
    # ../shared/NOTES.md section 6: ";" overrides, so Tue/Thu keep only the evening.
    overriding = weekly_schedule("Mo-Fr 09:00-12:00; Tu,Th 18:00-21:00")
    assert schedule_in_words(overriding.text) == (
        "Mon, Wed, Fri 9:00 AM–12:00 PM; Tue, Thu 6:00–9:00 PM"
    )
    assert len(overriding.sessions) == 5
    assert overriding.hours_per_week == 15


def test_comma_adds_to_earlier_rules():
    additive = weekly_schedule("Mo-Fr 09:00-12:00, Tu,Th 18:00-21:00")
    assert schedule_in_words(additive.text) == "Mon–Fri 9:00 AM–12:00 PM; Tue, Thu 6:00–9:00 PM"
    assert len(additive.sessions) == 7
    assert additive.hours_per_week == 21


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("Mo 09:00-12:00", {MORNING}),  # ends at noon: no afternoon time
        ("Mo 11:00-12:30", {MORNING, AFTERNOON}),
        ("Mo 12:00-17:00", {AFTERNOON}),
        ("Mo 14:00-17:00", {AFTERNOON}),  # ends at 17:00: no evening time
        ("Mo 16:00-17:30", {AFTERNOON, EVENING}),
        ("Mo 17:00-20:00", {EVENING}),  # starts at 17:00: no afternoon time
        ("Mo 00:30-02:00", {MORNING}),
        ("Sa 10:00-13:00", {MORNING, AFTERNOON, WEEKEND}),
        ("Su 18:00-20:00", {EVENING, WEEKEND}),
        # Past midnight into Saturday: weekend time (issue 5: "any session on
        # Saturday or Sunday"), though the session starts on a Friday.
        ("Fr 22:00-02:00", {EVENING, WEEKEND}),
        ("Fr 22:00-24:00", {EVENING}),  # ends exactly at Saturday 00:00
        ("Fr 23:00-00:01", {EVENING, WEEKEND}),
        ("Th 22:00-02:00", {EVENING}),  # into Friday, not the weekend
        ("Sa 22:00-02:00", {EVENING, WEEKEND}),
        ("Su 22:00-02:00", {EVENING, WEEKEND}),
        ("Mo-Su 00:00-24:00", {MORNING, AFTERNOON, EVENING, WEEKEND}),
        ("Mo-Fr 09:00-12:00, Mo,We,Th 18:00-21:00", {MORNING, EVENING}),
        ("off", set()),
    ],
)
def test_parts_of_day(text, parts):
    assert weekly_schedule(text).parts == parts


def test_sessions_in_a_part():
    schedule = weekly_schedule("Mo-Fr 09:00-12:00, Mo,We,Th 18:00-21:00")
    assert [s.weekday for s in schedule.sessions_in(EVENING)] == [0, 2, 3]
    assert len(schedule.sessions_in(MORNING)) == 5
    assert schedule.sessions_in(WEEKEND) == ()
    overnight = weekly_schedule("Th 18:00-21:00, Fr 22:00-02:00")
    assert [s.weekday for s in overnight.sessions_in(WEEKEND)] == [4]


@pytest.mark.parametrize(
    ("schedule", "available", "fit", "hours"),
    [
        # A session touching both edges of the window is inside.
        ("Mo-Th 17:30-20:30", "Mo-Fr 17:30-20:30", Fit.FITS, 12),
        ("Mo-Th 17:30-20:30", "Mo-Fr 17:30-21:30", Fit.FITS, 12),
        # One minute past the window is outside.
        ("Mo 17:30-20:31", "Mo 17:30-20:30", Fit.NONE, 0),
        ("Mo 17:29-20:30", "Mo 17:30-20:30", Fit.NONE, 0),
        ("Mo-Fr 09:00-12:00, Mo,We,Th 18:00-21:00", "Mo-Fr 17:30-21:30", Fit.PARTLY, 9),
        ("Mo-Fr 09:00-12:00", "Mo-Fr 17:30-21:30", Fit.NONE, 0),
        ("Mo-Fr 09:00-12:00", "Mo 09:00-12:00", Fit.PARTLY, 3),
        # Back-to-back availability rules make one window.
        ("Mo 11:00-14:00", "Mo 09:00-12:00, Mo 12:00-15:00", Fit.FITS, 3),
        # A gap in the availability splits it: the session does not fit.
        ("Mo 11:00-14:00", "Mo 09:00-12:00, Mo 12:30-15:00", Fit.NONE, 0),
        # Overnight sessions need the availability on both sides of midnight.
        ("Fr 22:00-02:00", "Fr 20:00-24:00, Sa 00:00-03:00", Fit.FITS, 4),
        ("Fr 22:00-02:00", "Fr 20:00-03:00", Fit.FITS, 4),
        ("Fr 22:00-02:00", "Fr 20:00-24:00", Fit.NONE, 0),
        ("Su 22:00-02:00", "Su 21:00-24:00, Mo 00:00-02:00", Fit.FITS, 4),
        ("Su 22:00-02:00", "Su 21:00-24:00", Fit.NONE, 0),
        # ";" in the availability: Friday is switched off again.
        ("Fr 18:00-20:00", "Mo-Fr 17:00-21:00; Fr off", Fit.NONE, 0),
        ("Fr 18:00-20:00", "Mo-Fr 17:00-21:00, Sa 10:00-12:00", Fit.FITS, 2),
        # ";" in the schedule: Tue/Thu have only the evening session, so it fits...
        (
            "Mo-Fr 09:00-12:00; Tu,Th 18:00-21:00",
            "Mo,We,Fr 09:00-12:00, Tu,Th 18:00-21:00",
            Fit.FITS,
            15,
        ),
        # ...while with "," Tue/Thu also meet in the morning, which does not fit.
        (
            "Mo-Fr 09:00-12:00, Tu,Th 18:00-21:00",
            "Mo,We,Fr 09:00-12:00, Tu,Th 18:00-21:00",
            Fit.PARTLY,
            15,
        ),
        ("off", "Mo-Su 00:00-24:00", Fit.NONE, 0),
    ],
)
def test_fit_availability(schedule, available, fit, hours):
    assert fit_availability(schedule, available) == (fit, hours)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "Mo-Fr 09:00-12:00, Mo,We,Th 18:00-21:00",
            "Mon–Fri 9:00 AM–12:00 PM; Mon, Wed, Thu 6:00–9:00 PM",
        ),
        ("Mo-Th 17:30-20:30", "Mon–Thu 5:30–8:30 PM"),
        ("Sa,Su 10:00-13:00", "Sat, Sun 10:00 AM–1:00 PM"),
        ("Sa 09:00-12:00, Su 10:00-13:00", "Sat 9:00 AM–12:00 PM; Sun 10:00 AM–1:00 PM"),
        ("Mo 12:00-13:00", "Mon 12:00–1:00 PM"),
        ("Mo-We,Fr 09:00-10:00", "Mon–Wed, Fri 9:00–10:00 AM"),
        ("Mo-Th 17:30-20:30, Sa 09:00-12:00", "Mon–Thu 5:30–8:30 PM; Sat 9:00 AM–12:00 PM"),
        ("Fr 22:00-02:00", "Fri 10:00 PM–2:00 AM"),
        ("Mo 20:00-24:00", "Mon 8:00 PM–12:00 AM"),
        ("Mo-Su 00:00-24:00", "Every day, around the clock"),
        ("", "Schedule not listed"),
        ("Mo-Fri 9-12", "Schedule not listed"),
        ("off", "No weekly sessions"),
    ],
)
def test_schedule_in_words(text, words):
    assert schedule_in_words(text) == words


@pytest.mark.parametrize("text", ["", "   ", "Mo-Fri 9-12", "Jan Mo 10:00-12:00", "PH off"])
def test_unreadable_schedules_raise_with_an_example(text):
    with pytest.raises(ScheduleError, match=r"schedule|weekdays"):
        weekly_schedule(text)
    assert try_weekly_schedule(text) is None


def test_parsing_is_cached():
    assert weekly_schedule("Tu,Th 13:30-16:30") is weekly_schedule("Tu,Th 13:30-16:30")


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(-1, 60, "start must be"), (WEEK_MINUTES, WEEK_MINUTES + 60, "start must be"),
     (60, 60, "end must be after")],
)
def test_session_rejects_impossible_times(start, end, message):
    with pytest.raises(ValueError, match=message):
        Session(start, end)


_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_rules = st.builds(
    lambda day, start, length: (
        f"{_DAYS[day]} {start // 60:02d}:{start % 60:02d}-"
        f"{(start + length) // 60:02d}:{(start + length) % 60:02d}"
    ),
    st.integers(0, 6),
    st.integers(0, 23 * 60).map(lambda m: m - m % 15),
    st.integers(15, 6 * 60).map(lambda m: m - m % 15),
)


@given(st.lists(_rules, min_size=1, max_size=5))
def test_a_schedule_fits_itself_and_an_always_open_week(rules):
    text = ", ".join(rules)
    schedule = weekly_schedule(text)
    assert fit_availability(text, text) == (Fit.FITS, schedule.hours_per_week)
    assert fit_availability(text, "Mo-Su 00:00-24:00")[0] == Fit.FITS
    total = sum(s.minutes for s in schedule.sessions)
    assert total == bin(schedule.mask).count("1")  # sessions never overlap
