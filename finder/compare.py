"""Side-by-side comparison of shortlisted programs, as plain data (pure; no UI).

The compare page renders ``comparison(...)``: one row per attribute, one column
per program, with ``differs`` set where the programs are not all the same, so
the page can make differences easy to see. ``week_grid`` lays sessions out by
weekday with each session marked against the client's availability.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from finder.model import MOUD, Insurance, Program, Service
from finder.provenance import (
    availability_confirmation_text,
    listed_text,
    schedule_confirmation_text,
)
from finder.schedule import (
    DAY_MINUTES,
    Session,
    sessions_in_words,
    try_weekly_schedule,
    weekly_schedule,
)

__all__ = ["MAX_COMPARE", "Row", "comparison", "week_grid"]

MAX_COMPARE = 6
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class Row:
    """One attribute across the compared programs."""

    label: str
    values: tuple[str, ...]
    highlight: tuple[bool, ...] = ()

    @property
    def differs(self) -> bool:
        """Whether the programs differ on this attribute."""
        return len(set(self.values)) > 1


def _inside(session: Session, window_mask: int | None) -> bool | None:
    if window_mask is None:
        return None
    return session.mask & ~window_mask == 0


def week_grid(programs: Sequence[Program], available: str = "") -> list[Row]:
    """Return one row per weekday: each program's sessions that day.

    Parameters
    ----------
    programs : Sequence[Program]
    available : str
        The client's availability in opening_hours form, or "" for none. Each
        session gets a mark: ✓ inside the availability, ✗ outside.

    Returns
    -------
    list[Row]
        Seven rows, Monday first; "—" where a program has no session that day
        and "not listed" where its schedule is unknown.
    """
    window = weekly_schedule(available).mask if available else None
    rows = []
    for day in range(7):
        values = []
        for program in programs:
            schedule = try_weekly_schedule(program.schedule)
            if schedule is None:
                values.append("not listed")
                continue
            today = [s for s in schedule.sessions if s.start // DAY_MINUTES == day]
            if not today:
                values.append("—")
                continue
            cells = []
            for session in today:
                words = sessions_in_words([session]).split(" ", 1)[-1]
                mark = _inside(session, window)
                cells.append(words + ("" if mark is None else (" ✓" if mark else " ✗")))
            values.append("; ".join(cells))
        rows.append(Row(_DAYS[day], tuple(values)))
    return rows


def _join(values: Sequence[object]) -> str:
    return ", ".join(str(v) for v in values) or "—"


def comparison(
    programs: Sequence[Program],
    *,
    distances_miles: Sequence[float | None] | None = None,
    fits: Sequence[str] | None = None,
    plans: Sequence[Insurance] = (),
    today: dt.date | None = None,
) -> list[Row]:
    """Return the comparison rows for 2 to 6 programs.

    Parameters
    ----------
    programs : Sequence[Program]
    distances_miles : Sequence[float | None], optional
        Distance of each program from the client's location.
    fits : Sequence[str], optional
        Each program's fit to the client's availability, in words.
    plans : Sequence[Insurance]
        The client's plans; ``highlight`` marks the programs that list one.
    today : datetime.date, optional
        For "verified N days ago".

    Returns
    -------
    list[Row]
    """
    today = today or dt.date.today()
    n = len(programs)
    distances = distances_miles or [None] * n
    rows = [
        Row("Distance", tuple("—" if d is None else f"{d:.1f} mi" for d in distances)),
        Row("Organization", tuple(p.organization for p in programs)),
        Row("Level of care", tuple(str(p.level_of_care) for p in programs)),
        Row("Sessions", tuple(weekly_schedule(p.schedule).in_words() if try_weekly_schedule(p.schedule)
                              else "Not listed: call to ask" for p in programs)),
    ]
    if fits:
        rows.append(Row("Fits client's times", tuple(fits)))
    rows += [
        Row("Hours per week", tuple(f"{p.hours_per_week:g}" if p.hours_per_week else "—" for p in programs)),
        Row("Insurance", tuple(_join(p.insurance) for p in programs),
            tuple(bool(set(plans) & set(p.insurance)) for p in programs) if plans else ()),
        Row("MOUD", tuple(_join([s for s in p.services if s in MOUD]) for p in programs)),
        Row("Co-occurring mental health",
            tuple("Yes" if Service.CO_OCCURRING in p.services else "No" for p in programs)),
        Row("Populations", tuple(_join(p.populations) for p in programs)),
        Row("Languages", tuple(_join(p.languages) for p in programs)),
        Row("Attendance", tuple(str(p.attendance or "—") for p in programs)),
        Row("Accepting new clients", tuple(
            str(p.accepting_new_clients)
            + (f" ({availability_confirmation_text(p, today)})" if p.availability_as_of else "")
            for p in programs)),
        Row("Intake", tuple(_join(p.intake) for p in programs)),
        Row("Phone", tuple(p.phone + (f"; intake {p.intake_phone}" if p.intake_phone else "")
                           for p in programs)),
        Row("Website", tuple(p.website or "—" for p in programs)),
        Row("Address", tuple(p.address for p in programs)),
        # Listed by a source and confirmed by a person are different facts (issue 12).
        Row("Session times confirmed",
            tuple(schedule_confirmation_text(p, today) or "—" for p in programs)),
        Row("Listed by source", tuple(listed_text(p) or "—" for p in programs)),
        Row("Last verified", tuple(
            f"{p.last_verified.isoformat()} ({(today - p.last_verified).days} days ago)"
            if p.last_verified else "Not confirmed with the program by anyone"
            for p in programs)),
    ]
    return rows
