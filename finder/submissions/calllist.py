"""The verification call list: which programs to call first, with their numbers and a script.

Ordered by need (issue 13): programs with no session times at all first, then
those whose session times were confirmed longest ago (never confirmed before
any date), then those with open reports of a wrong phone, most reports first.
One admin works down it; the CSV export lets volunteers share the calling.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from finder.model import Program

__all__ = ["CALL_SCRIPT", "CSV_COLUMNS", "CallEntry", "call_list", "call_list_csv"]

#: What to ask on a verification call, in order.
CALL_SCRIPT: tuple[str, ...] = (
    "Hello, I'm calling from IOP Finder, a free list of Massachusetts intensive outpatient "
    "programs. May I check a few details of your listing? It takes two minutes.",
    "Is this still the right number for new clients? Is there a separate intake line?",
    "Do you run an intensive outpatient (IOP) program at this address?",
    "Which days and times do the groups meet? Is there an evening or weekend track?",
    "Are you taking new clients now, or is there a waitlist?",
    "Is the website we list still right?",
    "Thank you. May we say the schedule was confirmed by phone today?",
)

CSV_COLUMNS: tuple[str, ...] = (
    "rank", "program_id", "program_name", "organization", "city", "phone", "intake_phone",
    "website", "reason", "schedule", "schedule_confirmed_on", "accepting_new_clients",
    "open_reports", "wrong_phone_reports",
)


@dataclass(frozen=True, slots=True)
class CallEntry:
    """One program on the call list."""

    rank: int
    program: Program
    reason: str
    open_reports: int = 0
    wrong_phone_reports: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON / CSV form."""
        p = self.program
        return {
            "rank": self.rank,
            "program_id": p.program_id,
            "program_name": p.program_name,
            "organization": p.organization,
            "city": p.city,
            "phone": p.phone,
            "intake_phone": p.intake_phone,
            "website": p.website,
            "reason": self.reason,
            "schedule": p.schedule,
            "schedule_confirmed_on": p.schedule_confirmed_on.isoformat()
            if p.schedule_confirmed_on else "",
            "accepting_new_clients": str(p.accepting_new_clients),
            "open_reports": self.open_reports,
            "wrong_phone_reports": self.wrong_phone_reports,
        }


def _reason(p: Program, wrong_phone: int, today: dt.date) -> str:
    parts = []
    if not p.schedule:
        parts.append("No session times on file")
    elif p.schedule_confirmed_on is None:
        parts.append("Session times never confirmed by anyone")
    else:
        age = (today - p.schedule_confirmed_on).days
        parts.append(f"Session times last confirmed {age} days ago")
    if wrong_phone:
        parts.append(f"{wrong_phone} open report{'s' if wrong_phone != 1 else ''} of a wrong phone")
    return "; ".join(parts)


def call_list(
    programs: Sequence[Program],
    open_counts: Mapping[str, Mapping[str, int]] | None = None,
    *,
    today: dt.date | None = None,
) -> list[CallEntry]:
    """Order programs by how much they need a verification call.

    Parameters
    ----------
    programs : sequence of Program
        The live programs.
    open_counts : mapping, optional
        Per program id, ``{"open": n, "wrong_phone": n}`` of pending reports
        (``Queue.open_counts``).
    today : datetime.date, optional

    Returns
    -------
    list of CallEntry
        No schedule first; then the oldest confirmation (never confirmed
        first); then the most open reports of a wrong phone; then by name.
    """
    today = today or dt.date.today()
    counts = open_counts or {}

    def need(p: Program) -> tuple[Any, ...]:
        wrong = counts.get(p.program_id, {}).get("wrong_phone", 0)
        confirmed = p.schedule_confirmed_on or dt.date.min
        return (bool(p.schedule), confirmed, -wrong, p.program_name.casefold(), p.program_id)

    ordered = sorted(programs, key=need)
    return [
        CallEntry(rank, p, _reason(p, counts.get(p.program_id, {}).get("wrong_phone", 0), today),
                  counts.get(p.program_id, {}).get("open", 0),
                  counts.get(p.program_id, {}).get("wrong_phone", 0))
        for rank, p in enumerate(ordered, start=1)
    ]


def call_list_csv(entries: Sequence[CallEntry]) -> bytes:
    """Return the call list as a UTF-8 CSV (every cell guarded against spreadsheet formulas)."""
    from finder.export import neutralize

    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        row = entry.as_dict()
        writer.writerow([neutralize(str(row[c])) for c in CSV_COLUMNS])
    return out.getvalue().encode("utf-8")
