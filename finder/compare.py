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

from finder.labels import N_, Labels, labels
from finder.model import MOUD, Insurance, Program, Service
from finder.provenance import (
    availability_confirmation_text,
    listed_text,
    only_some_facts_confirmed,
    schedule_confirmation_text,
)
from finder.schedule import (
    DAY_MINUTES,
    Session,
    try_weekly_schedule,
    weekly_schedule,
)

__all__ = ["MAX_COMPARE", "Row", "comparison", "week_grid"]

MAX_COMPARE = 6


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


def week_grid(programs: Sequence[Program], available: str = "",
              words: Labels | None = None) -> list[Row]:
    """Return one row per weekday: each program's sessions that day.

    Parameters
    ----------
    programs : Sequence[Program]
    available : str
        The client's availability in opening_hours form, or "" for none. Each
        session gets a mark: ✓ inside the availability, ✗ outside.
    words : Labels, optional
        The language of the rows (``finder.labels``); English by default.

    Returns
    -------
    list[Row]
        Seven rows, Monday first; "—" where a program has no session that day
        and "not listed" where its schedule is unknown.
    """
    words = words or labels()
    window = weekly_schedule(available).mask if available else None
    rows = []
    for day in range(7):
        values = []
        for program in programs:
            schedule = try_weekly_schedule(program.schedule)
            if schedule is None:
                values.append(words.gettext("not listed"))
                continue
            today = [s for s in schedule.sessions if s.start // DAY_MINUTES == day]
            if not today:
                values.append("—")
                continue
            cells = []
            for session in today:
                text = words.sessions([session]).split(" ", 1)[-1]
                mark = _inside(session, window)
                cells.append(text + ("" if mark is None else (" ✓" if mark else " ✗")))
            values.append("; ".join(cells))
        rows.append(Row(words.day(day), tuple(values)))
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
    words: Labels | None = None,
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
    words : Labels, optional
        The language of the labels and values (``finder.labels``); English by
        default. Names, addresses, phones and plan names stay as listed.

    Returns
    -------
    list[Row]
    """
    today = today or dt.date.today()
    w = words or labels()
    g = w.gettext
    n = len(programs)
    distances = distances_miles or [None] * n

    def vocab(values: Sequence[object]) -> str:
        return _join([w.vocab(v) for v in values])

    def said(text: str | None) -> str:
        return w.say(text) if text else "—"

    rows = [
        Row(g("Distance"), tuple("—" if d is None else w.format("{miles} mi", miles=w.number(d, 1))
                                 for d in distances)),
        Row(g("Organization"), tuple(p.organization for p in programs)),
        Row(g("Level of care"), tuple(str(p.level_of_care) for p in programs)),
        Row(g("Sessions"), tuple(w.schedule(p.schedule) if try_weekly_schedule(p.schedule)
                                 else g("Not listed: call to ask") for p in programs)),
    ]
    if fits:
        rows.append(Row(g("Fits client's times"), tuple(g(_FIT_WORDS.get(f, f)) for f in fits)))
    rows += [
        Row(g("Hours per week"), tuple(w.number(p.hours_per_week, 0 if float(
            p.hours_per_week).is_integer() else 1) if p.hours_per_week else "—" for p in programs)),
        Row(g("Insurance"), tuple(vocab(p.insurance) for p in programs),
            tuple(bool(set(plans) & set(p.insurance)) for p in programs) if plans else ()),
        Row("MOUD", tuple(vocab([s for s in p.services if s in MOUD]) for p in programs)),
        Row(g("Co-occurring mental health"),
            tuple(g("Yes") if Service.CO_OCCURRING in p.services else g("No") for p in programs)),
        Row(g("Populations"), tuple(vocab(p.populations) for p in programs)),
        Row(g("Languages"), tuple(_join([w.language(x) for x in p.languages]) for p in programs)),
        Row(g("Attendance"), tuple(w.vocab(p.attendance) if p.attendance else "—" for p in programs)),
        Row(g("Accepting new clients"), tuple(
            g(_ACCEPTING_WORDS[str(p.accepting_new_clients)])
            + (f" ({w.say(availability_confirmation_text(p, today))})" if p.availability_as_of
               else "")
            for p in programs)),
        Row(g("Intake"), tuple(_join([g(_INTAKE_WORDS.get(str(i), str(i))) for i in p.intake])
                               for p in programs)),
        Row(g("Phone"), tuple(p.phone + (w.format("; intake {phone}", phone=p.intake_phone)
                                         if p.intake_phone else "") for p in programs)),
        Row(g("Website"), tuple(p.website or "—" for p in programs)),
        Row(g("Address"), tuple(p.address for p in programs)),
        # Listed by a source and confirmed by a person are different facts (issue 12).
        Row(g("Session times confirmed"),
            tuple(said(schedule_confirmation_text(p, today)) for p in programs)),
        Row(g("Listed by source"), tuple(said(listed_text(p)) for p in programs)),
        Row(g("Last verified"), tuple(
            w.ngettext("{day} ({n} day ago)", "{day} ({n} days ago)",
                       (today - p.last_verified).days).format(day=p.last_verified.isoformat())
            if p.last_verified
            # Times or openings a person confirmed are in their rows above.
            else g("Only the facts confirmed above") if only_some_facts_confirmed(p)
            else g("Not confirmed with the program by anyone")
            for p in programs)),
    ]
    return rows


_FIT_WORDS = {"fits": N_("fits"), "partly fits": N_("partly fits"),
              "does not fit": N_("does not fit")}
_ACCEPTING_WORDS = {"yes": N_("yes"), "no": N_("no"), "waitlist": N_("waitlist"),
                    "unknown": N_("unknown")}
_INTAKE_WORDS = {"walk-in": N_("walk-in"), "call": N_("call"), "referral": N_("referral")}
