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

import re

from opening_hours import OpeningHours, ParserError

__all__ = ["ScheduleError", "parse_schedule"]

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
