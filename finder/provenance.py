"""Who said what about a program, and when; and whether a dataset is the sample.

Two things are kept apart everywhere (issue #12):

* **listed**: a source listed the program on a date (``listed_as_of``, e.g. a
  FindTreatment.gov download of 2025-08-19). Nobody checked anything then.
* **confirmed**: a person confirmed a fact with the program (``last_verified``
  for the row, ``schedule_confirmed_on``/``_via`` for the session times,
  ``availability_as_of``/``availability_confirmed_via`` for openings).

A program nobody confirmed is never called verified. The structured forms
(``provenance_fields``, ``dataset_source``, ``is_sample_dataset``) are what the
core hands on; the ``*_text`` functions word them for cards, compare, exports
and the CLI, in one place.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from finder.errors import Say
from finder.model import ConfirmedVia, Program

__all__ = [
    "DatasetSource",
    "availability_confirmation_text",
    "dataset_source",
    "default_stale_after_days",
    "is_sample_dataset",
    "is_sample_program",
    "listed_text",
    "only_some_facts_confirmed",
    "out_of_date",
    "provenance_fields",
    "schedule_confirmation_text",
    "source_name",
    "verified_text",
]

# NANP numbers 555-0100 to 555-0199 are reserved for fiction (ATIS-0300115).
_FICTIONAL_PHONE = re.compile(r"555\D?01\d\d(?!\d)")
_EXAMPLE_HOST = re.compile(r"^https?://([^/?#]*\.)?example\.(org|com|net)(:\d+)?([/?#]|$)", re.I)
#: Share of programs with a fictional phone above which a dataset is the sample.
SAMPLE_SHARE = 0.8


def is_sample_program(program: Program) -> bool:
    """Whether a program carries the sample's marks: a 555-01xx phone and no real website.

    Parameters
    ----------
    program : Program

    Returns
    -------
    bool
        True when the main phone is in the fictional 555-0100..0199 range and
        the website, if any, is under example.org (or .com/.net).
    """
    fictional_phone = bool(_FICTIONAL_PHONE.search(program.phone))
    fictional_site = not program.website or bool(_EXAMPLE_HOST.match(program.website))
    return fictional_phone and fictional_site


def is_sample_dataset(programs: Sequence[Program]) -> bool:
    """Tell from the data itself whether a dataset is the fictional sample.

    Not from ``providers.meta.json``: a publish rewrites the metadata, and an
    edited sample is still fictional. A dataset is the sample when most of its
    programs (``SAMPLE_SHARE``) have a fictional phone and no website outside
    example.org (``is_sample_program``); a real program added to the sample
    does not hide the notice.

    Parameters
    ----------
    programs : Sequence[Program]

    Returns
    -------
    bool
    """
    if not programs:
        return False
    fictional = sum(1 for p in programs if is_sample_program(p))
    return fictional >= SAMPLE_SHARE * len(programs)


@dataclass(frozen=True, slots=True)
class DatasetSource:
    """Where a dataset comes from, for the "Source: ..." line.

    Attributes
    ----------
    name : str
        The source, e.g. ``"SAMHSA, FindTreatment.gov"``, or the dataset title.
    as_of : datetime.date or None
        The date the source's data is as of, when known.
    version : str
        The dataset version from the metadata, if any.
    """

    name: str
    as_of: dt.date | None = None
    version: str = ""

    def line(self) -> str:
        """Return e.g. ``"SAMHSA, FindTreatment.gov, data as of 2025-08-19"``.

        A ``Say``: English as shown, and ``finder.labels`` says it again in the
        page's language (the name and the ISO date are data and stay as they are).
        """
        if self.as_of is not None:
            return Say("{source}, data as of {day}", source=self.name, day=self.as_of.isoformat())
        if self.version:
            return Say("{source}, version {version}", source=self.name, version=self.version)
        return self.name


def dataset_source(programs: Sequence[Program], meta: Mapping[str, object]) -> DatasetSource:
    """Work out a dataset's source and date, from the programs first, then the metadata.

    When most programs were listed by a source (``listed_as_of``), the most
    common such ``source`` and its latest ``listed_as_of`` name the dataset,
    so the line survives an admin publish that rewrites the metadata.
    Otherwise the metadata's ``title`` (or ``source``) and ``version``.

    Parameters
    ----------
    programs : Sequence[Program]
    meta : Mapping
        ``providers.meta.json`` (``read_meta``).

    Returns
    -------
    DatasetSource
    """
    listed = [p for p in programs if p.listed_as_of is not None]
    if programs and len(listed) * 2 >= len(programs):
        name, _count = Counter(p.source for p in listed).most_common(1)[0]
        as_of = max(p.listed_as_of for p in listed if p.source == name)  # type: ignore[type-var]
        return DatasetSource(name, as_of)
    from finder.store.dataset import DEFAULT_TITLE  # the one default title

    title = str(meta.get("title") or meta.get("source") or DEFAULT_TITLE)
    return DatasetSource(title, None, str(meta.get("version") or ""))


def _on(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def default_stale_after_days() -> int:
    """Return the ``confirmed_stale_after_days`` setting (90 when the environment's value is bad)."""
    from finder.config import Settings

    try:
        return Settings.from_env().confirmed_stale_after_days
    except ValueError:
        return Settings().confirmed_stale_after_days


def out_of_date(program: Program, today: dt.date | None = None,
                stale_after_days: int | None = None) -> tuple[str, ...]:
    """Return which confirmed facts are older than the limit: ``"schedule"``, ``"availability"``.

    Parameters
    ----------
    program : Program
    today : datetime.date, optional
        Defaults to today.
    stale_after_days : int, optional
        Defaults to the ``confirmed_stale_after_days`` setting (90 days).

    Returns
    -------
    tuple of str
        Empty when every confirmation is recent enough (or there is none).
    """
    if program.schedule_confirmed_on is None and program.availability_as_of is None:
        return ()  # nothing confirmed, nothing to age (and no settings to read)
    today = today or dt.date.today()
    limit = default_stale_after_days() if stale_after_days is None else stale_after_days
    facts = []
    if program.schedule and program.schedule_confirmed_on is not None and \
            (today - program.schedule_confirmed_on).days > limit:
        facts.append("schedule")
    if program.availability_as_of is not None and (today - program.availability_as_of).days > limit:
        facts.append("availability")
    return tuple(facts)


def provenance_fields(program: Program, today: dt.date | None = None,
                      stale_after_days: int | None = None) -> dict[str, Any]:
    """Return the provenance of a program as JSON fields (CLI ``--format json``, exports).

    Parameters
    ----------
    program : Program
    today : datetime.date, optional
        For ``may_be_out_of_date``; defaults to today.
    stale_after_days : int, optional
        Defaults to the ``confirmed_stale_after_days`` setting.

    Returns
    -------
    dict
        ``source``, ``listed_as_of`` (or None), ``last_verified`` (None when no
        person confirmed the row), ``schedule_confirmation`` and
        ``availability_confirmation`` (``{"on", "via"}`` or None), and
        ``may_be_out_of_date``: the confirmed facts older than the limit
        (``"schedule"``, ``"availability"``).
    """
    p = program
    schedule = None
    if p.schedule_confirmed_on is not None:
        schedule = {"on": _on(p.schedule_confirmed_on), "via": _via(p.schedule_confirmed_via)}
    availability = None
    if p.availability_as_of is not None:
        availability = {"on": _on(p.availability_as_of), "via": _via(p.availability_confirmed_via)}
    return {
        "source": p.source,
        "listed_as_of": _on(p.listed_as_of),
        "last_verified": _on(p.last_verified),
        "schedule_confirmation": schedule,
        "availability_confirmation": availability,
        "may_be_out_of_date": list(out_of_date(p, today, stale_after_days)),
    }


def _via(via: ConfirmedVia | None) -> str | None:
    return str(via) if via is not None else None


# --------------------------------------------------------------------------- words


def _day(day: dt.date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def source_name(source: str) -> str:
    """Return the short name of a source for "Listed on ...", e.g. ``FindTreatment.gov``."""
    match = re.search(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:gov|org|com|net)\b", source)
    return match.group(0) if match else source


def listed_text(program: Program) -> str | None:
    """Say when the source listed the program, or None when it does not say.

    Returns
    -------
    str or None
        e.g. "Listed on FindTreatment.gov, data as of Aug 19, 2025".
    """
    if program.listed_as_of is None:
        return None
    return Say("Listed on {source}, data as of {day}", source=source_name(program.source),
               day=program.listed_as_of)


def only_some_facts_confirmed(program: Program) -> bool:
    """Whether a person confirmed the session times or the openings, but not the whole listing.

    Then "not confirmed with the program by anyone" would contradict the
    confirmation shown beside it: cards, compare and exports say only the
    confirmed facts (issues 12 and 13).

    Parameters
    ----------
    program : Program

    Returns
    -------
    bool
    """
    return program.last_verified is None and (
        program.schedule_confirmed_on is not None or program.availability_as_of is not None)


def verified_text(program: Program, today: dt.date, stale_after_days: int) -> tuple[str, bool]:
    """Say whether and when a person confirmed the program, and whether that is old.

    Parameters
    ----------
    program : Program
    today : datetime.date
    stale_after_days : int
        Confirmations older than this are flagged.

    Returns
    -------
    (str, bool)
        The sentence, and True when it calls for a check: never confirmed,
        or confirmed longer ago than ``stale_after_days``.
    """
    if program.last_verified is None:
        return Say("Not yet confirmed with the program by anyone: call to check"), True
    age = (today - program.last_verified).days
    text = Say.plural("Verified {n} day ago ({day})", "Verified {n} days ago ({day})", age,
                      day=program.last_verified)
    if age > stale_after_days:
        return Say(_STALE, text=text), True
    return text, False


def N_(template: str) -> str:
    """Mark a template for the catalogs (``finder.labels`` translates it when shown)."""
    return template


_SCHEDULE_VIA = {
    ConfirmedVia.PHONE: N_("Session times confirmed by phone on {day}"),
    ConfirmedVia.WEBSITE: N_("Session times from the program's website, checked on {day}"),
    ConfirmedVia.STAFF: N_("Session times reported by program staff on {day}"),
    ConfirmedVia.OTHER: N_("Session times confirmed on {day}"),
}
_AVAILABILITY_VIA = {
    ConfirmedVia.PHONE: N_("confirmed by phone on {day}"),
    ConfirmedVia.WEBSITE: N_("from the program's website, {day}"),
    ConfirmedVia.STAFF: N_("reported by program staff on {day}"),
    ConfirmedVia.OTHER: N_("as of {day}"),
}


_STALE = N_("{text}: may be out of date, call to confirm")


def schedule_confirmation_text(program: Program, today: dt.date | None = None,
                               stale_after_days: int | None = None) -> str | None:
    """Say who confirmed the session times, how and when; None when there are none.

    With ``today`` (and ``stale_after_days``, by default the setting), a
    confirmation older than the limit ends in ": may be out of date, call to
    confirm".

    Returns
    -------
    str or None
        e.g. "Session times confirmed by phone on Dec 1, 2026", or, for a
        schedule nobody confirmed, "Session times not confirmed: call to check".
    """
    if not program.schedule:
        return None
    if program.schedule_confirmed_on is None:
        return Say("Session times not confirmed: call to check")
    template = _SCHEDULE_VIA.get(program.schedule_confirmed_via or ConfirmedVia.OTHER,
                                 _SCHEDULE_VIA[ConfirmedVia.OTHER])
    text = Say(template, day=program.schedule_confirmed_on)
    if today is not None and "schedule" in out_of_date(program, today, stale_after_days):
        text = Say(_STALE, text=text)
    return text


def availability_confirmation_text(program: Program, today: dt.date | None = None,
                                   stale_after_days: int | None = None) -> str:
    """Say how and when accepting-new-clients was confirmed, e.g. "confirmed by phone on Dec 1, 2026".

    Returns ``""`` when no date is known. With ``today``, an old confirmation
    ends in ": may be out of date, call to confirm".
    """
    if program.availability_as_of is None:
        return ""
    template = _AVAILABILITY_VIA.get(program.availability_confirmed_via or ConfirmedVia.OTHER,
                                     _AVAILABILITY_VIA[ConfirmedVia.OTHER])
    text = Say(template, day=program.availability_as_of)
    if today is not None and "availability" in out_of_date(program, today, stale_after_days):
        text = Say(_STALE, text=text)
    return text
