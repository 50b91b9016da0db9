"""What a person says is new about a program, checked field by field (issue 13).

A *correction* is the checked form of what someone sends with "Update this
listing", records on a verification call, or passes to ``finder verify``:

* **what is new**: session times as *tracks* (days plus a start and an end
  time; several tracks make one OpenStreetMap ``opening_hours`` value through
  ``finder.schedule``), accepting new clients (yes, no or waitlist, with a
  date), a new phone, address or website, closed, moved, no IOP here, and a
  remark of at most ``MAX_REMARK`` characters;
* **how they know** (``ConfirmedVia``: phone on a date, the program's website
  with its address, program staff, other) and **who they are** (``Role``);
* an optional **email**, kept apart: it is never part of the correction, is
  never shown or exported, and is deleted when the submission is closed.

``check_correction`` turns raw form values into a ``Correction`` or raises
``CorrectionError`` whose ``problems`` name each field with a plain sentence.
Every text is plain text: anything that looks like HTML, Markdown links or
Streamlit's formatting codes is refused with a message, never interpreted.
Each problem is an ``errors.Say`` (English, with its template and values), so
the form says it in the page's language; the core holds no translation.
Column rules (phone, ZIP, city, website) are the provider CSV's own
(``finder.schema.COLUMNS``): one home per rule.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from finder.errors import FinderError, Say
from finder.model import Accepting, ConfirmedVia
from finder.schedule import DAY_CODES, ScheduleError, weekly_schedule
from finder.untrusted import text_problem, web_url

__all__ = [
    "DAY_CODES",
    "MAX_EMAIL",
    "MAX_REMARK",
    "MAX_TRACKS",
    "Correction",
    "CorrectionError",
    "Problem",
    "Role",
    "Track",
    "check_correction",
    "check_email",
    "tracks_from_spec",
]

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_REMARK = 1000
MAX_TRACKS = 10
MAX_EMAIL = 254  # RFC 5321 path limit
_MAX_FIELD = 300  # any other single text field
_EARLIEST = dt.date(2000, 1, 1)
_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
# What would be markup somewhere: an HTML tag or comment, a Markdown link or image.
_MARKUP = re.compile(r"<\s*[/!?]?\s*[A-Za-z]|\]\s*\(|javascript\s*:", re.IGNORECASE)


class Role(enum.StrEnum):
    """Who sends a correction."""

    SEEKER = "seeker"  # a person seeking care, or family
    CASE_MANAGER = "case_manager"
    STAFF = "staff"  # works at this program
    ADMIN = "admin"  # the list's admin, recording a verification call
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a form: the field and a plain sentence (an ``errors.Say``)."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """Return ``{"field", "message"}``."""
        return {"field": self.field, "message": self.message}


class CorrectionError(FinderError, ValueError):
    """A correction cannot be accepted; ``problems`` says why, field by field."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        text = Say.joined(*(p.message for p in self.problems))
        super().__init__(f"correction refused: {[p.field for p in self.problems]}", text)


@dataclass(frozen=True, slots=True)
class Track:
    """One group of sessions: the same start and end time on some weekdays.

    Parameters
    ----------
    days : tuple of int
        Weekdays, 0 = Monday.
    start, end : str
        24-hour ``HH:MM``; ``end`` is after ``start`` on the same day.
    """

    days: tuple[int, ...]
    start: str
    end: str

    @property
    def spec(self) -> str:
        """Return the track in ``opening_hours`` syntax, e.g. ``Mo,We,Th 18:00-21:00``."""
        return f"{','.join(DAY_CODES[d] for d in self.days)} {self.start}-{self.end}"

    def as_dict(self) -> dict[str, Any]:
        """Return ``{"days": ["Mo", ...], "start", "end"}``."""
        return {"days": [DAY_CODES[d] for d in self.days], "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class Correction:
    """A checked correction of one program. Build with ``check_correction``.

    Empty strings, ``None`` and ``False`` mean "not reported".
    """

    program_id: str
    via: ConfirmedVia
    confirmed_on: dt.date
    role: Role
    tracks: tuple[Track, ...] = ()
    accepting: Accepting | None = None
    accepting_as_of: dt.date | None = None
    phone: str = ""
    website: str = ""
    street: str = ""
    city: str = ""
    zip: str = ""
    closed: bool = False
    moved: bool = False
    no_iop: bool = False
    remark: str = ""
    source_url: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def schedule(self) -> str:
        """The tracks as one ``opening_hours`` value (``""`` when none were given)."""
        return ", ".join(t.spec for t in self.tracks)

    @property
    def changes_data(self) -> bool:
        """Whether approving it would change the dataset (a remark alone does not)."""
        return bool(self.tracks or self.accepting or self.phone or self.website or self.street
                    or self.city or self.zip or self.closed or self.no_iop)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form stored in the database and shown by ``--format json``."""
        return {
            "program_id": self.program_id,
            "schedule": self.schedule or None,
            "tracks": [t.as_dict() for t in self.tracks],
            "accepting": str(self.accepting) if self.accepting else None,
            "accepting_as_of": self.accepting_as_of.isoformat() if self.accepting_as_of else None,
            "phone": self.phone or None,
            "website": self.website or None,
            "street": self.street or None,
            "city": self.city or None,
            "zip": self.zip or None,
            "closed": self.closed,
            "moved": self.moved,
            "no_iop": self.no_iop,
            "remark": self.remark or None,
            "via": str(self.via),
            "confirmed_on": self.confirmed_on.isoformat(),
            "source_url": self.source_url or None,
            "role": str(self.role),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Correction:
        """Rebuild a stored correction (already checked when it was stored)."""
        tracks = tuple(
            Track(tuple(DAY_CODES.index(d) for d in t["days"]), t["start"], t["end"])
            for t in data.get("tracks") or ()
        )
        as_of = data.get("accepting_as_of")
        return cls(
            program_id=str(data["program_id"]),
            via=ConfirmedVia(data["via"]),
            confirmed_on=dt.date.fromisoformat(data["confirmed_on"]),
            role=Role(data["role"]),
            tracks=tracks,
            accepting=Accepting(data["accepting"]) if data.get("accepting") else None,
            accepting_as_of=dt.date.fromisoformat(as_of) if as_of else None,
            phone=data.get("phone") or "",
            website=data.get("website") or "",
            street=data.get("street") or "",
            city=data.get("city") or "",
            zip=data.get("zip") or "",
            closed=bool(data.get("closed")),
            moved=bool(data.get("moved")),
            no_iop=bool(data.get("no_iop")),
            remark=data.get("remark") or "",
            source_url=data.get("source_url") or "",
        )

    def fingerprint(self) -> str:
        """Return a hash of what is reported and how, to merge identical submissions.

        Who sent it (role) is left out: the same fact from two people is one
        item to review, reported twice.
        """
        payload = {k: v for k, v in self.as_dict().items() if k != "role"}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def summary(self) -> str:
        """One plain line of what is reported, for lists and the history."""
        parts = []
        if self.tracks:
            parts.append(f"session times {self.schedule}")
        if self.accepting:
            parts.append(f"accepting new clients: {self.accepting}")
        if self.phone:
            parts.append(f"phone {self.phone}")
        if self.website:
            parts.append(f"website {self.website}")
        if self.street or self.city or self.zip:
            parts.append("address " + ", ".join(p for p in (self.street, self.city, self.zip) if p))
        if self.closed:
            parts.append("closed")
        if self.moved:
            parts.append("moved")
        if self.no_iop:
            parts.append("no IOP offered here")
        if self.remark:
            parts.append("a remark")
        return "; ".join(parts) or "nothing"


# --------------------------------------------------------------------------- checking


def _text(raw: object) -> str:
    return "" if raw is None else str(raw).strip()


def _flag(raw: object) -> bool:
    if isinstance(raw, str):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return bool(raw)


def _what_why(what: Say, why: str) -> Say:
    """Say a field and a rule's reason as one sentence ("The ZIP code is not a US ZIP code.")."""
    if why.endswith("?"):  # "...; did you mean 'Worcester'?" ends the sentence itself
        return Say("{what} {why}", what=what, why=why)
    return Say("{what} {why}.", what=what, why=why)


def _plain(value: str, what: Say, field_name: str, limit: int, problems: list[Problem]) -> str:
    """Check one free-text value: length, control characters, markup. Return it or ""."""
    if not value:
        return ""
    if len(value) > limit:
        problems.append(Problem(field_name, Say(
            "{what} is {n} characters long; the most is {limit}. Please shorten it.",
            what=what, n=len(value), limit=limit)))
        return ""
    if _MARKUP.search(value):
        problems.append(Problem(field_name, Say(
            "{what} looks like web page code (such as <script> or a link in brackets). "
            "Please write plain text.", what=what)))
        return ""
    why = text_problem(value.replace("\n", " ").replace("\r", " "))
    if why is not None:
        problems.append(Problem(field_name, _what_why(what, why)))
        return ""
    return value


def _date(raw: object, what: Say, field_name: str, today: dt.date,
          problems: list[Problem]) -> dt.date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if not isinstance(raw, dt.date):
        text = _text(raw)
        try:
            raw = dt.date.fromisoformat(text)
        except ValueError:
            problems.append(Problem(field_name, Say(
                "{what} is not a date we can read; write it like {example}.",
                what=what, example=today.isoformat())))
            return None
    if raw > today:
        problems.append(Problem(field_name, Say("{what} can't be in the future.", what=what)))
        return None
    if raw < _EARLIEST:
        problems.append(Problem(field_name, Say("{what} ({day}) looks mistyped: it is before 2000.",
                                                what=what, day=raw.isoformat())))
        return None
    return raw


def _minutes(text: str) -> int | None:
    match = _TIME.fullmatch(text)
    return int(match.group(1)) * 60 + int(match.group(2)) if match else None


def _day_number(raw: object) -> int | None:
    if isinstance(raw, int) and 0 <= raw < 7:
        return raw
    text = _text(raw).lower()
    for number, (code, name) in enumerate(zip(DAY_CODES, _DAY_NAMES, strict=True)):
        if text in {code.lower(), name.lower(), name[:3].lower()}:
            return number
    return None


def _tracks(raw: object, problems: list[Problem]) -> tuple[Track, ...]:
    if not raw:
        return ()
    if isinstance(raw, Mapping) or not isinstance(raw, Iterable) or isinstance(raw, str):
        problems.append(Problem("tracks", Say("Session times must be given as tracks of days and "
                                              "times.")))
        return ()
    items = list(raw)
    if len(items) > MAX_TRACKS:
        problems.append(Problem("tracks", Say("That is {n} tracks; the most is {limit}.",
                                              n=len(items), limit=MAX_TRACKS)))
        return ()
    tracks: list[Track] = []
    for number, item in enumerate(items, start=1):
        name = Say("Track {number}", number=number) if len(items) > 1 else Say("The session times")
        item = item if isinstance(item, Mapping) else {}
        days_raw = item.get("days") or ()
        days_raw = [days_raw] if isinstance(days_raw, str | int) else list(days_raw)
        start_text, end_text = _text(item.get("start")), _text(item.get("end"))
        if not days_raw and not start_text and not end_text:
            continue  # an empty row of the form
        days = [_day_number(d) for d in days_raw]
        start, end = _minutes(start_text), _minutes(end_text)
        if not days or any(d is None for d in days):
            problems.append(Problem("tracks", Say("{name}: choose at least one day of the week.",
                                                  name=name)))
            continue
        if start is None or end is None:
            bad = (start_text if start is None else end_text)[:20]
            # Whole sentences, one per case: a translation can't be put together from pieces.
            if start is None:
                said = (Say("{name}: the start time is '{value}'; write 24-hour times such as 18:00.",
                            name=name, value=bad) if bad else
                        Say("{name}: the start time is missing; write 24-hour times such as 18:00.",
                            name=name))
            else:
                said = (Say("{name}: the end time is '{value}'; write 24-hour times such as 18:00.",
                            name=name, value=bad) if bad else
                        Say("{name}: the end time is missing; write 24-hour times such as 18:00.",
                            name=name))
            problems.append(Problem("tracks", said))
            continue
        if end <= start:
            problems.append(Problem("tracks", Say(
                "{name}: it ends at {end}, which is not after it starts at {start}. Check the times.",
                name=name, end=end_text, start=start_text)))
            continue
        tracks.append(Track(tuple(sorted({d for d in days if d is not None})),
                            f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"))
    if tracks and not problems:
        try:
            weekly_schedule(", ".join(t.spec for t in tracks))
        except ScheduleError as err:
            problems.append(Problem("tracks", Say("These session times are not a weekly schedule: "
                                                  "{error}.", error=str(err))))
    return tuple(tracks)


def tracks_from_spec(spec: str) -> tuple[Track, ...]:
    """Turn an ``opening_hours`` value (``finder verify --schedule``) into tracks.

    Parameters
    ----------
    spec : str
        A weekly schedule such as ``Mo-Fr 09:00-12:00, Tu,Th 18:00-21:00``.

    Returns
    -------
    tuple of Track
        One track per distinct session time, days grouped.

    Raises
    ------
    CorrectionError
        When the text is not a weekly schedule or a session runs past midnight.
    """
    try:
        schedule = weekly_schedule(spec.strip())
    except ScheduleError as err:
        raise CorrectionError([Problem("schedule", f"The schedule can't be read: {err}.")]) from err
    groups: dict[tuple[int, int], list[int]] = {}
    for session in schedule.sessions:
        start = session.start % (24 * 60)
        if start + session.minutes > 24 * 60:
            raise CorrectionError([Problem("schedule", "A session runs past midnight; enter sessions "
                                                       "that end on the day they start.")])
        groups.setdefault((start, session.minutes), []).append(session.weekday)
    return tuple(
        Track(tuple(sorted(days)), f"{s // 60:02d}:{s % 60:02d}",
              f"{(s + m) // 60:02d}:{(s + m) % 60:02d}")
        for (s, m), days in sorted(groups.items(), key=lambda kv: (min(kv[1]), kv[0]))
    )


def _column_check(column: str, value: str, what: Say, problems: list[Problem]) -> str:
    from finder.schema import COLUMNS

    if not value:
        return ""
    spec = next(c for c in COLUMNS if c.name == column)
    why = spec.check(value)
    if why is not None:
        problems.append(Problem(column, _what_why(what, why)))
        return ""
    return value


def check_email(raw: object) -> str:
    """Return a checked email address (``""`` when none), or raise ``CorrectionError``.

    Parameters
    ----------
    raw : object
        What was typed.

    Returns
    -------
    str
    """
    import validators

    text = _text(raw)
    if not text:
        return ""
    if len(text) > MAX_EMAIL or validators.email(text) is not True:
        raise CorrectionError([Problem("email", Say(
            "That email address doesn't look right (it should look like name@example.org). "
            "You can also leave it empty."))])
    return text


def check_correction(form: Mapping[str, Any], *, today: dt.date | None = None) -> Correction:
    """Check raw form values and return a ``Correction``.

    Parameters
    ----------
    form : Mapping
        ``program_id``; what is new: ``tracks`` (a list of ``{"days", "start",
        "end"}``), ``accepting`` (``yes``/``no``/``waitlist``) and
        ``accepting_as_of``, ``phone``, ``website``, ``street``, ``city``,
        ``zip``, ``closed``, ``moved``, ``no_iop``, ``remark``; how they know:
        ``via`` (``phone``/``website``/``staff``/``other``), ``confirmed_on``
        (the date they called or checked; today when empty) and ``source_url``
        (the program's page, for ``website``); who they are: ``role``.
        The email is checked apart (``check_email``).
    today : datetime.date, optional
        For tests; defaults to today.

    Returns
    -------
    Correction

    Raises
    ------
    CorrectionError
        Naming every problem with a plain sentence.
    """
    today = today or dt.date.today()
    problems: list[Problem] = []
    program_id = _text(form.get("program_id"))
    if not program_id or len(program_id) > 64:
        problems.append(Problem("program_id", Say("Choose the program this update is about.")))

    tracks = _tracks(form.get("tracks"), problems)

    accepting: Accepting | None = None
    accepting_raw = _text(form.get("accepting")).lower()
    if accepting_raw:
        try:
            accepting = Accepting(accepting_raw)
        except ValueError:
            accepting = None
        if accepting in (None, Accepting.UNKNOWN):
            problems.append(Problem("accepting", Say("Say whether the program takes new clients: "
                                                     "yes, no, or waitlist.")))
            accepting = None
    accepting_as_of = _date(form.get("accepting_as_of"), Say("The date for new clients"),
                            "accepting_as_of", today, problems)

    what = Say("The phone number")
    phone = _column_check("phone", _plain(_text(form.get("phone")), what, "phone",
                                          _MAX_FIELD, problems), what, problems)
    what = Say("The website")
    website = _column_check("website", _plain(_text(form.get("website")), what, "website", 2000,
                                              problems), what, problems)
    what = Say("The street address")
    street = _column_check("street", _plain(_text(form.get("street")), what, "street", _MAX_FIELD,
                                            problems), what, problems)
    what = Say("The town")
    city = _column_check("city", _plain(_text(form.get("city")), what, "city", 100, problems),
                         what, problems)
    what = Say("The ZIP code")
    zip_code = _column_check("zip", _plain(_text(form.get("zip")), what, "zip", 20, problems),
                             what, problems)
    remark = _plain(_text(form.get("remark")), Say("The remark"), "remark", MAX_REMARK, problems)
    closed, moved, no_iop = _flag(form.get("closed")), _flag(form.get("moved")), _flag(form.get("no_iop"))

    via_raw = _text(form.get("via")).lower()
    try:
        via = ConfirmedVia(via_raw)
    except ValueError:
        problems.append(Problem("via", Say("Say how you know: you called, the program's website, "
                                           "you work at this program, or other.")))
        via = ConfirmedVia.OTHER
    confirmed_on = _date(form.get("confirmed_on"), Say("The date"), "confirmed_on", today, problems)
    if confirmed_on is None and via is ConfirmedVia.PHONE and not any(
        p.field == "confirmed_on" for p in problems
    ):
        problems.append(Problem("confirmed_on", Say("Say on which date you called.")))
    source_url = ""
    if via is ConfirmedVia.WEBSITE:
        raw_url = _plain(_text(form.get("source_url")), Say("The web address"), "source_url", 2000,
                         problems)
        source_url = web_url(raw_url) or ""
        if not source_url and not any(p.field == "source_url" for p in problems):
            problems.append(Problem("source_url", Say("Give the address of the program's web page "
                                                      "where you read this, starting with https://.")))
    try:
        role = Role(_text(form.get("role")).lower())
    except ValueError:
        problems.append(Problem("role", Say("Say who you are: seeking care or family, a case "
                                            "manager, program staff, or other.")))
        role = Role.OTHER

    nothing = not (tracks or accepting or phone or website or street or city or zip_code or closed
                   or moved or no_iop or remark)
    if nothing and not problems:
        problems.append(Problem("what", Say("Tell us at least one thing that is new: session "
                                            "times, openings, a phone, address or website, that it "
                                            "closed or moved, that it has no IOP, or a remark.")))
    if problems:
        raise CorrectionError(problems)
    return Correction(
        program_id=program_id, via=via, confirmed_on=confirmed_on or today, role=role,
        tracks=tracks, accepting=accepting,
        accepting_as_of=(accepting_as_of or confirmed_on or today) if accepting else None,
        phone=phone, website=website, street=street, city=city, zip=zip_code,
        closed=closed, moved=moved, no_iop=no_iop, remark=remark, source_url=source_url,
    )
