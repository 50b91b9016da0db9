"""Session times in OpenStreetMap ``opening_hours`` syntax, restricted to a weekly subset.

A schedule such as ``Mo-Fr 09:00-12:00, Mo,We,Th 18:00-21:00`` lists the weekly
sessions of a program. Only weekdays, times, ``off`` and the separators are
allowed: no months, dates, holidays or comments, because a program's sessions
repeat every week. Parsing is done by opening-hours-py, which implements the
OSM semantics exactly, including the difference between ``;`` (a later rule
overrides earlier rules for the same day) and ``,`` (rules add up); see
https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from opening_hours import OpeningHours, ParserError, State  # type: ignore[attr-defined]

__all__ = [
    "DAY_CODES",
    "DAY_MINUTES",
    "WEEK_MINUTES",
    "Fit",
    "PartOfDay",
    "ScheduleError",
    "Session",
    "WeeklySchedule",
    "days_in_words",
    "fit_availability",
    "parse_schedule",
    "schedule_in_words",
    "sessions_in_words",
    "try_weekly_schedule",
    "weekly_schedule",
]

_WEEKLY_TOKENS = re.compile(r"(?:Mo|Tu|We|Th|Fr|Sa|Su|off|\d{1,2}:\d{2}|[-,; ]+)+")
_EXAMPLE = "Mo-Fr 09:00-12:00, Mo,We,Th 18:00-21:00"


class ScheduleError(ValueError):
    """A schedule string is not a weekly ``opening_hours`` expression."""


def parse_schedule(text: str) -> OpeningHours:
    """Parse a weekly schedule.

    Parameters
    ----------
    text : str
        An ``opening_hours`` expression using only weekdays and times.

    Returns
    -------
    opening_hours.OpeningHours

    Raises
    ------
    ScheduleError
        With a plain-language message and an example of the expected form.
    """
    text = text.strip()
    if not text:
        raise ScheduleError("the schedule is empty")
    if not _WEEKLY_TOKENS.fullmatch(text):
        raise ScheduleError(
            "use only weekdays (Mo Tu We Th Fr Sa Su) and 24-hour times, "
            f"for example '{_EXAMPLE}'"
        )
    try:
        return OpeningHours(text)
    except ParserError as err:
        raise ScheduleError(
            "this is not a schedule we can read; write days then times, "
            f"for example '{_EXAMPLE}'"
        ) from err


# --- Weekly sessions -------------------------------------------------------
#
# A schedule is turned into its weekly sessions: half-open minute intervals
# [start, end) counted from Monday 00:00. The week is circular, so a session
# that runs past Sunday midnight ends after WEEK_MINUTES (Sunday 22:00-02:00 is
# [9960, 10200)). Parsing goes through opening-hours-py over one reference
# week, so the OSM rules (``;`` overrides, ``,`` adds, times past midnight)
# are applied by the library, not re-implemented here.

DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
_NOON = 12 * 60
_FIVE_PM = 17 * 60
_SATURDAY = 5 * DAY_MINUTES
# A Monday with no public holiday; schedules have no dates, so any week would do.
_REFERENCE_MONDAY = dt.datetime(2025, 1, 6)
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: The weekday codes of ``opening_hours``, Monday first (index = weekday number).
DAY_CODES: tuple[str, ...] = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


class PartOfDay(enum.StrEnum):
    """When in the day or week a session meets.

    * ``morning``: the session starts before 12:00;
    * ``afternoon``: the session overlaps 12:00-17:00;
    * ``evening``: some session time is at or after 17:00 (overnight included);
    * ``weekend``: some session time is on a Saturday or Sunday (a Friday
      session that runs past midnight counts too).
    """

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"
    WEEKEND = "weekend"


class Fit(enum.StrEnum):
    """How a program's sessions fit a person's availability."""

    FITS = "fits"  # every weekly session lies inside the availability
    PARTLY = "partly fits"  # at least one session lies inside
    NONE = "does not fit"  # no session lies inside


@dataclass(frozen=True, slots=True)
class Session:
    """One weekly session as minutes from Monday 00:00, half-open ``[start, end)``.

    Parameters
    ----------
    start : int
        In ``[0, WEEK_MINUTES)``.
    end : int
        Greater than ``start``; may exceed ``WEEK_MINUTES`` for a Sunday
        session that runs past midnight.
    """

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < WEEK_MINUTES:
            raise ValueError(f"start must be in [0, {WEEK_MINUTES}), got {self.start!r}")
        if not self.start < self.end <= self.start + WEEK_MINUTES:
            raise ValueError(f"end must be after start {self.start}, got {self.end!r}")

    @property
    def weekday(self) -> int:
        """The day the session starts on, 0 = Monday."""
        return self.start // DAY_MINUTES

    @property
    def minutes(self) -> int:
        """How long the session is."""
        return self.end - self.start

    @property
    def mask(self) -> int:
        """The session's minutes of the week as a bitmask (bit ``m`` = minute ``m``)."""
        return _minute_mask(self.start, self.end)

    def parts(self) -> frozenset[PartOfDay]:
        """Return the parts of the day this session belongs to."""
        return _session_parts(self.start, self.end)


@functools.lru_cache(maxsize=4096)
def _session_parts(start: int, end: int) -> frozenset[PartOfDay]:
    if end - start >= DAY_MINUTES:
        # Around the clock for a day or more: every part of the day is covered.
        return frozenset(PartOfDay)
    found: set[PartOfDay] = set()
    if start % DAY_MINUTES < _NOON:
        found.add(PartOfDay.MORNING)
    # Saturday 00:00 is minute 5 * DAY_MINUTES; a session starts within the week
    # and so meets on the weekend exactly when it ends after that minute.
    if end > _SATURDAY:
        found.add(PartOfDay.WEEKEND)
    for day in range(start // DAY_MINUTES, (end - 1) // DAY_MINUTES + 1):
        base = day * DAY_MINUTES
        if start < base + _FIVE_PM and end > base + _NOON:
            found.add(PartOfDay.AFTERNOON)
        if end > base + _FIVE_PM:
            found.add(PartOfDay.EVENING)
    return frozenset(found)


def _minute_mask(start: int, end: int) -> int:
    """Bitmask of the minutes ``[start, end)`` of the circular week."""
    if end - start >= WEEK_MINUTES:
        return (1 << WEEK_MINUTES) - 1
    mask = 0
    while start < end:
        start_in_week = start % WEEK_MINUTES
        stop = min(end - start, WEEK_MINUTES - start_in_week)
        mask |= ((1 << stop) - 1) << start_in_week
        start += stop
    return mask


@dataclass(frozen=True, slots=True)
class WeeklySchedule:
    """A parsed schedule: its text and its weekly sessions, in week order.

    Build with ``weekly_schedule(text)``, which caches: catalogs repeat the same
    few schedules many times.
    """

    text: str
    sessions: tuple[Session, ...]

    @property
    def parts(self) -> frozenset[PartOfDay]:
        """Every part of the day any session belongs to."""
        return frozenset().union(*(s.parts() for s in self.sessions))

    @property
    def hours_per_week(self) -> float:
        """Total session time per week, in hours."""
        return sum(s.minutes for s in self.sessions) / 60

    @property
    def mask(self) -> int:
        """All session minutes of the week as one bitmask."""
        mask = 0
        for session in self.sessions:
            mask |= session.mask
        return mask

    def sessions_in(self, part: PartOfDay) -> tuple[Session, ...]:
        """Return the sessions that belong to ``part``."""
        return tuple(s for s in self.sessions if part in s.parts())

    def in_words(self) -> str:
        """Return the schedule for people, e.g. ``Mon–Fri 9:00 AM–12:00 PM``."""
        return sessions_in_words(self.sessions)


@functools.lru_cache(maxsize=8192)
def weekly_schedule(text: str) -> WeeklySchedule:
    """Parse a weekly schedule into its sessions (cached).

    Parameters
    ----------
    text : str
        An ``opening_hours`` expression using only weekdays and times, such as
        ``Mo-Fr 09:00-12:00, Mo,We,Th 18:00-21:00``. Rules joined by ``;``
        override earlier rules for the same days; rules joined by ``,`` add.
        A time past midnight (``Fr 22:00-02:00``) makes an overnight session.

    Returns
    -------
    WeeklySchedule

    Raises
    ------
    ScheduleError
        When the text is empty or is not a weekly schedule.
    """
    text = text.strip()
    hours = parse_schedule(text)
    week_end = _REFERENCE_MONDAY + dt.timedelta(days=7)
    spans: list[list[int]] = []
    for start, end, state, _comment in hours.intervals(_REFERENCE_MONDAY, week_end):
        if state != State.OPEN:
            continue
        first = int((start - _REFERENCE_MONDAY).total_seconds() // 60)
        last = int((min(end, week_end) - _REFERENCE_MONDAY).total_seconds() // 60)
        if spans and spans[-1][1] == first:
            spans[-1][1] = last
        elif last > first:
            spans.append([first, last])
    # The week is circular: what is open at Monday 00:00 continues a session
    # that started on Sunday evening (or earlier).
    if len(spans) > 1 and spans[0][0] == 0 and spans[-1][1] == WEEK_MINUTES:
        head = spans.pop(0)
        spans[-1][1] = WEEK_MINUTES + head[1]
    return WeeklySchedule(text, tuple(Session(s, e) for s, e in spans))


def try_weekly_schedule(text: str) -> WeeklySchedule | None:
    """Return ``weekly_schedule(text)``, or None when the text is empty or unreadable."""
    if not text or not text.strip():
        return None
    try:
        return weekly_schedule(text)
    except ScheduleError:
        return None


@functools.lru_cache(maxsize=65536)
def fit_availability(schedule: str, available: str) -> tuple[Fit, float]:
    """Say how a schedule fits an availability, and how many hours fit (cached).

    Parameters
    ----------
    schedule : str
        The program's weekly schedule.
    available : str
        When the person can attend, in the same syntax, e.g. ``Mo-Fr 17:30-21:30``.

    Returns
    -------
    tuple[Fit, float]
        ``FITS`` when every session lies inside the availability, ``PARTLY``
        when at least one does, else ``NONE``; and the weekly hours of the
        sessions that lie inside. A session that starts or ends exactly on the
        edge of the window counts as inside.

    Raises
    ------
    ScheduleError
        When either text is not a weekly schedule.
    """
    sessions = weekly_schedule(schedule).sessions
    window = weekly_schedule(available).mask
    inside = [s for s in sessions if s.mask & ~window == 0]
    hours = sum(s.minutes for s in inside) / 60
    if sessions and len(inside) == len(sessions):
        return Fit.FITS, hours
    return (Fit.PARTLY if inside else Fit.NONE), hours


def _clock(minute_of_day: int) -> tuple[str, str]:
    hour, minute = divmod(minute_of_day % DAY_MINUTES, 60)
    return f"{(hour % 12) or 12}:{minute:02d}", "AM" if hour < 12 else "PM"


def _time_range(start: int, end: int) -> str:
    (first, first_half), (last, last_half) = _clock(start), _clock(end)
    if first_half == last_half and end - start < DAY_MINUTES // 2 and end % DAY_MINUTES:
        return f"{first}–{last} {last_half}"
    return f"{first} {first_half}–{last} {last_half}"


def days_in_words(days: Iterable[int], day_name: Callable[[int], str] | None = None) -> str:
    """Write weekdays (0 = Monday) for people: runs of three or more become ``Mon–Fri``.

    Parameters
    ----------
    days : Iterable[int]
        Weekday numbers.
    day_name : callable, optional
        Names one weekday (a locale's abbreviation); defaults to English ``Mon``.

    Returns
    -------
    str
        For example ``Mon–Fri`` or ``Mon, Wed, Thu``.
    """
    ordered = sorted(set(days))
    runs: list[list[int]] = []
    for day in ordered:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    name = day_name or _DAY_NAMES.__getitem__
    words: list[str] = []
    for run in runs:
        if len(run) >= 3:
            words.append(f"{name(run[0])}–{name(run[-1])}")
        else:
            words.extend(name(d) for d in run)
    return ", ".join(words)


def sessions_in_words(sessions: Iterable[Session]) -> str:
    """Write sessions for people, grouping days that share the same times.

    Parameters
    ----------
    sessions : Iterable[Session]
        Weekly sessions.

    Returns
    -------
    str
        For example ``Mon–Fri 9:00 AM–12:00 PM; Mon, Wed, Thu 6:00–9:00 PM``;
        ``""`` when there are none.
    """
    sessions = tuple(sessions)
    if any(s.minutes >= WEEK_MINUTES for s in sessions):
        return "Every day, around the clock"
    groups: dict[tuple[int, int], list[int]] = {}
    for session in sessions:
        time_of_day = session.start % DAY_MINUTES
        groups.setdefault((time_of_day, session.minutes), []).append(session.weekday)
    ordered = sorted(groups.items(), key=lambda item: (min(item[1]), item[0]))
    return "; ".join(
        f"{days_in_words(days)} {_time_range(start, start + length)}"
        for (start, length), days in ordered
    )


def schedule_in_words(text: str) -> str:
    """Write a schedule string for people, or say it is not listed.

    Parameters
    ----------
    text : str
        An ``opening_hours`` schedule, possibly empty.

    Returns
    -------
    str
        ``sessions_in_words`` of its sessions; ``"Schedule not listed"`` when
        the text is empty or unreadable; ``"No weekly sessions"`` when it
        parses to none (e.g. ``off``).
    """
    schedule = try_weekly_schedule(text)
    if schedule is None:
        return "Schedule not listed"
    return schedule.in_words() or "No weekly sessions"
