"""What a reviewer compares: each reported field, its current value beside the proposed one."""

from __future__ import annotations

from dataclasses import dataclass

from finder.model import Program
from finder.schedule import schedule_in_words
from finder.submissions.correction import Correction

__all__ = ["FieldComparison", "side_by_side"]

_VIA = {"phone": "called the program", "website": "the program's website",
        "staff": "works at this program", "other": "other"}
_ROLE = {"seeker": "seeking care, or family", "case_manager": "case manager",
         "staff": "program staff", "admin": "admin (verification call)", "other": "other"}


@dataclass(frozen=True, slots=True)
class FieldComparison:
    """One reported field: what the list says now and what was reported."""

    label: str
    current: str
    proposed: str

    def as_dict(self) -> dict[str, str]:
        """Return ``{"field", "current", "proposed"}``."""
        return {"field": self.label, "current": self.current, "proposed": self.proposed}


def side_by_side(correction: Correction, program: Program | None) -> list[FieldComparison]:
    """Return each reported field with the live value beside it.

    Parameters
    ----------
    correction : Correction
    program : Program or None
        The live program (None when it has left the list).

    Returns
    -------
    list of FieldComparison
        Plain text; the caller escapes it for where it is shown.
    """
    c, p = correction, program
    gone = "(not in the list any more)"
    rows: list[FieldComparison] = []
    if c.tracks:
        rows.append(FieldComparison(
            "Session times",
            (schedule_in_words(p.schedule) + (f" [{p.schedule}]" if p.schedule else "")) if p else gone,
            f"{schedule_in_words(c.schedule)} [{c.schedule}]"))
    if c.accepting:
        now = f"{p.accepting_new_clients}" + (f" (as of {p.availability_as_of})"
                                              if p.availability_as_of else "") if p else gone
        rows.append(FieldComparison("Accepting new clients", now,
                                    f"{c.accepting} (as of {c.accepting_as_of})"))
    for label, column in (("Phone", "phone"), ("Website", "website"), ("Street", "street"),
                          ("Town", "city"), ("ZIP code", "zip")):
        value = getattr(c, column)
        if value:
            rows.append(FieldComparison(label, str(getattr(p, column)) if p else gone, value))
    if c.closed:
        rows.append(FieldComparison("Closed", "listed as open" if p else gone, "reported closed"))
    if c.moved:
        rows.append(FieldComparison("Moved", p.address if p else gone, "reported moved"))
    if c.no_iop:
        rows.append(FieldComparison("IOP offered here", str(p.level_of_care) if p else gone,
                                    "reported: no IOP here"))
    if c.remark:
        rows.append(FieldComparison("Remark", "", c.remark))
    how = _VIA.get(str(c.via), str(c.via)) + f", {c.confirmed_on.isoformat()}"
    if c.source_url:
        how += f" ({c.source_url})"
    rows.append(FieldComparison("How they know", "", how))
    rows.append(FieldComparison("Who they are", "", _ROLE.get(str(c.role), str(c.role))))
    return rows
