"""Words for a locale: results, schedules, vocabularies and messages, through gettext and Babel.

The core answers in facts (``search.Reason`` codes, ``SearchQuery`` fields,
``schedule.Session`` minutes, ``errors.Say`` templates); this layer is the one
place that turns them into words a person reads, in English or in any locale
that has a catalog in ``finder/locales/<locale>/LC_MESSAGES/messages.po``.

* Messages are looked up with gettext (Babel's ``support.Translations``). The
  catalog is compiled from the ``.po`` file in memory the first time a locale
  is used: there is no build step, so a fresh clone, ``pip install -e`` and
  the README's two commands all work, and a ``.po`` edit shows on restart.
* Days, times, lists, numbers and dates come from Babel's CLDR data
  ("lun, mié, jue 6:00–9:00 p. m.").
* CSV tokens, URL values and enum values stay English: only what a person
  reads is translated. Program names, addresses and plan names are data and
  stay as listed.

Adding a language is adding ``finder/locales/<code>/LC_MESSAGES/messages.po``
(see docs/TRANSLATION.md). A locale whose catalog translates every message
is offered in the language switch; a partial one is reachable by its URL
(``?lang=pt``) and falls back to English for what it lacks.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from finder.errors import Say

if TYPE_CHECKING:
    from finder.schedule import Session
    from finder.search import Reason, SearchQuery

__all__ = [
    "CALL_SCRIPT",
    "DEFAULT_LOCALE",
    "LOCALES_DIR",
    "N_",
    "Labels",
    "available_locales",
    "catalog_path",
    "complete_locales",
    "count",
    "labels",
    "pick_locale",
]

#: Where the catalogs live: ``<code>/LC_MESSAGES/messages.po``.
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
#: The language the source is written in.
DEFAULT_LOCALE = "en"

_DAY_MINUTES = 24 * 60
_WEEK_MINUTES = 7 * _DAY_MINUTES


def N_(message: str) -> str:
    """Mark a constant for extraction without translating it yet (translate where it is shown).

    Parameters
    ----------
    message : str

    Returns
    -------
    str
        ``message`` unchanged.
    """
    return message


def catalog_path(locale: str) -> Path:
    """Return the ``.po`` file of a locale (it may not exist).

    Parameters
    ----------
    locale : str

    Returns
    -------
    Path
    """
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def available_locales() -> tuple[str, ...]:
    """Return English plus every locale with a catalog, sorted (read once per process).

    Returns
    -------
    tuple of str
    """
    found = sorted(p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (DEFAULT_LOCALE, *[code for code in found if code != DEFAULT_LOCALE])


@functools.cache
def _catalog(locale: str):
    from babel.messages.pofile import read_po

    with catalog_path(locale).open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


@functools.cache
def complete_locales() -> tuple[str, ...]:
    """Return the locales whose catalog translates every message of the template (the switch's).

    The template, ``finder/locales/messages.pot``, lists every message of the
    source (``make messages`` writes it; a test checks it is current).

    Returns
    -------
    tuple of str
        English first.
    """
    from babel.messages.pofile import read_po

    template = LOCALES_DIR / f"{DOMAIN}.pot"
    with template.open("rb") as handle:
        wanted = [m.id for m in read_po(handle) if m.id]
    complete = [DEFAULT_LOCALE]
    for code in available_locales()[1:]:
        catalog = _catalog(code)
        found = [catalog.get(message_id) for message_id in wanted]
        if all(m is not None and not m.fuzzy and all(
                m.string if isinstance(m.string, tuple) else (m.string,)) for m in found):
            complete.append(code)
    return tuple(complete)


@functools.cache
def _translations(locale: str) -> NullTranslations:
    if locale == DEFAULT_LOCALE or not catalog_path(locale).exists():
        return NullTranslations()
    from babel.messages.mofile import write_mo

    # Compiled in memory from the .po: no .mo build output to keep current.
    # Fuzzy entries are left out (gettext falls back to English for them).
    buffer = io.BytesIO()
    write_mo(buffer, _catalog(locale), use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def pick_locale(*candidates: object, offered: Sequence[str] | None = None) -> str:
    """Return the first candidate that names an offered locale ("es-US" -> "es"), else English.

    Parameters
    ----------
    *candidates : object
        Locale tags in order of preference (a URL value, the browser's
        language); None and junk are skipped.
    offered : sequence of str, optional
        The locales to choose from; every available locale by default.

    Returns
    -------
    str
    """
    choices = tuple(offered) if offered is not None else available_locales()
    for tag in candidates:
        if not isinstance(tag, str) or not tag.strip() or len(tag) > 35:
            continue
        text = tag.strip().replace("_", "-")
        code = text.split("-")[0].lower()
        if code in choices:
            return code
    return DEFAULT_LOCALE


#: Vocabulary values shown to people: the enum value is the msgid (plans are names, not here).
_VOCABULARY = {
    N_("Private insurance"), N_("Military (TRICARE)"), N_("State-financed"), N_("Self-pay"),
    N_("Sliding scale"), N_("Free"),
    N_("Buprenorphine"), N_("Methadone"), N_("Naltrexone"), N_("Co-occurring mental health"),
    N_("Adults"), N_("Young adults"), N_("Adolescents"), N_("Seniors"), N_("Women"), N_("Men"),
    N_("Veterans"), N_("LGBTQ+"), N_("Pregnant/postpartum"),
    N_("in-person"), N_("telehealth"), N_("hybrid"),
}
#: Words inside sentences ("offers methadone"), apart from the capitalised labels.
_SERVICE_WORDS = {
    "Buprenorphine": N_("buprenorphine"), "Methadone": N_("methadone"),
    "Naltrexone": N_("naltrexone"), "Co-occurring mental health": N_("co-occurring mental health care"),
}
_POPULATION_WORDS = {
    "Adults": N_("adults"), "Young adults": N_("young adults"), "Adolescents": N_("adolescents"),
    "Seniors": N_("seniors"), "Women": N_("women"), "Men": N_("men"), "Veterans": N_("veterans"),
    "LGBTQ+": N_("LGBTQ+ people"), "Pregnant/postpartum": N_("pregnant or postpartum people"),
}
_PART_WORDS = {
    "morning": N_("in the morning"), "afternoon": N_("in the afternoon"),
    "evening": N_("in the evening"), "weekend": N_("on weekends"),
}
_PART_SESSIONS = {
    "morning": N_("morning sessions {sessions}"), "afternoon": N_("afternoon sessions {sessions}"),
    "evening": N_("evening sessions {sessions}"), "weekend": N_("weekend sessions {sessions}"),
}
#: Language names: Babel's own names for the language codes (CLDR), lower case in Spanish.
_LANGUAGE_CODES = {
    "English": "en", "Spanish": "es", "Portuguese": "pt", "Haitian Creole": "ht",
    "Cape Verdean Creole": "kea", "Chinese": "zh", "Vietnamese": "vi", "Khmer": "km",
    "Arabic": "ar", "Russian": "ru", "French": "fr", "Italian": "it", "Polish": "pl",
    "Greek": "el", "German": "de", "Hebrew": "he", "Korean": "ko", "Japanese": "ja",
    "Hindi": "hi", "Somali": "so", "Swahili": "sw", "Nepali": "ne", "Albanian": "sq",
    "Turkish": "tr", "Ukrainian": "uk", "Persian": "fa", "Urdu": "ur", "Bengali": "bn",
    "Lao": "lo", "Tagalog": "fil", "Gujarati": "gu", "Armenian": "hy", "Cantonese": "yue",
    "Mandarin": "cmn", "American Sign Language": "ase", "Amharic": "am", "Yoruba": "yo",
}


class Labels:
    """Everything in words for one locale. Get one with ``labels(locale)`` (cached).

    Parameters
    ----------
    locale : str
        A locale code such as ``"en"`` or ``"es"``.
    """

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self._translations = _translations(locale)
        # Formats as written in the United States where CLDR has them (es_US:
        # "2.5 millas", "6:00 p.m."): the people reading are in Massachusetts.
        for tag in (f"{locale}_US", locale, DEFAULT_LOCALE):
            try:
                self._babel = Locale.parse(tag)
                break
            except (UnknownLocaleError, ValueError):
                continue

    # -- messages ------------------------------------------------------------------

    def gettext(self, message: str) -> str:
        """Translate one message (English when the catalog lacks it).

        Parameters
        ----------
        message : str

        Returns
        -------
        str
        """
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message with a count, by the locale's plural rules (``{n}`` filled in).

        Parameters
        ----------
        singular, plural : str
            English, each with ``{n}``.
        n : int

        Returns
        -------
        str
        """
        return self._translations.ngettext(singular, plural, n).replace("{n}", self.number(n))

    def format(self, message: str, /, **params: object) -> str:
        """Translate ``message`` and fill in its ``{name}`` fields.

        Values are put in as they are: the caller escapes untrusted ones first.

        Parameters
        ----------
        message : str
        **params : object

        Returns
        -------
        str
        """
        return self.gettext(message).format(**params)

    def say(self, text: str, *, escape: Callable[[str], str] = str) -> str:
        """Say an ``errors.Say`` (or a plain catalog message) in this locale.

        Parameters
        ----------
        text : str
            A ``Say``: each of its templates is translated and its values,
            which are data, go through ``escape``. Plain text is looked up as a
            message and escaped as a whole when the catalog lacks it.
        escape : callable
            The escaping helper for where the text is shown (Markdown, HTML).

        Returns
        -------
        str
        """
        if not isinstance(text, Say):
            # Our own constant (in the catalog) is trusted; anything else may
            # carry data, so it is escaped whole.
            return self.gettext(text) if text in self._known() else escape(text)
        sentences = []
        for template, params in text.parts:
            values = {key: self._value(value, escape) for key, value in params.items()}
            if isinstance(template, tuple):
                count = params.get("n")
                words = self._translations.ngettext(*template, count if isinstance(count, int) else 2)
            else:
                words = self.gettext(template)
            sentences.append(words.format(**values))
        return " ".join(sentences)

    def _value(self, value: object, escape: Callable[[str], str]) -> str:
        if isinstance(value, Say):
            return self.say(value, escape=escape)
        if isinstance(value, dt.date):
            return self.date(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return self.number(value)
        return escape(str(value))

    @functools.cache  # noqa: B019 (one Labels per locale, kept for the process)
    def _known(self) -> frozenset[str]:
        catalog = _catalog(self.locale) if self.locale != DEFAULT_LOCALE and catalog_path(
            self.locale).exists() else None
        return frozenset(m.id for m in catalog if isinstance(m.id, str)) if catalog else frozenset()

    def count(self, n: int, one: str, other: str) -> str:
        """Return ``n`` with the noun in this locale's CLDR plural form ("1 row", "2 rows").

        For words that are not in a catalog (the admin's English counts); a
        translated message with a count uses ``ngettext``.

        Parameters
        ----------
        n : int
        one, other : str
            The noun for CLDR's "one" and "other" forms.

        Returns
        -------
        str
        """
        form = self._babel.plural_form(n)
        return f"{self.number(n)} {one if form == 'one' else other}"

    # -- numbers, dates, lists -------------------------------------------------------

    def number(self, value: float, digits: int = 0) -> str:
        """Format a number for the locale, e.g. ``1,234`` or ``2.5`` / ``2,5``.

        Parameters
        ----------
        value : float
        digits : int
            Decimal places to show.

        Returns
        -------
        str
        """
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self._babel)

    def date(self, day: dt.date) -> str:
        """Format a date, e.g. ``Aug 19, 2025`` / ``19 ago 2025``.

        Parameters
        ----------
        day : datetime.date

        Returns
        -------
        str
        """
        return format_date(day, "medium", locale=self._babel)

    def join(self, words: Iterable[str], style: str = "and") -> str:
        """Join words as a list, ``and`` or ``or`` ("a, b y c" / "a, b o c").

        English keeps the app's established form, without a serial comma.

        Parameters
        ----------
        words : iterable of str
        style : str
            ``"and"`` or ``"or"``.

        Returns
        -------
        str
        """
        items = list(words)
        if self.locale == DEFAULT_LOCALE:
            if len(items) <= 1:
                return "".join(items)
            return f"{', '.join(items[:-1])} {style} {items[-1]}"
        if not items:
            return ""
        return format_list(items, style="standard" if style == "and" else "or", locale=self._babel)

    # -- vocabularies ------------------------------------------------------------------

    def vocab(self, value: object) -> str:
        """Return a vocabulary value as shown (services, populations, ways to pay, attendance).

        Plan names (MassHealth, Tufts Health Plan...) and unknown values stay as they are.

        Parameters
        ----------
        value : object
            An enum member or its value.

        Returns
        -------
        str
        """
        text = str(value)
        if text in _VOCABULARY:
            return self.gettext(text)
        if text in _LANGUAGE_CODES:
            return self.language(text)
        return text

    def language(self, name: str) -> str:
        """Return a language's name in this locale ("Spanish" -> "español").

        Parameters
        ----------
        name : str
            The English name, as the data spells it.

        Returns
        -------
        str
        """
        code = _LANGUAGE_CODES.get(name)
        if code is None or self.locale == DEFAULT_LOCALE:
            return name
        found = self._babel.languages.get(code)
        return str(found) if found else name

    # -- schedules ---------------------------------------------------------------------

    def day(self, weekday: int) -> str:
        """Return a weekday's short name, 0 = Monday ("Mon" / "lun").

        Parameters
        ----------
        weekday : int

        Returns
        -------
        str
        """
        return str(self._babel.days["format"]["abbreviated"][weekday % 7])

    def days(self, days: Iterable[int]) -> str:
        """Write weekdays: runs of three or more become a range ("Mon–Fri" / "lun–vie").

        Parameters
        ----------
        days : iterable of int
            0 = Monday.

        Returns
        -------
        str
        """
        from finder.schedule import days_in_words

        return days_in_words(days, self.day)

    def time(self, minute_of_day: int) -> str:
        """Return a clock time in the locale's 12-hour form ("6:00 PM" / "6:00 p. m.").

        Parameters
        ----------
        minute_of_day : int

        Returns
        -------
        str
        """
        hour, minute = divmod(minute_of_day % _DAY_MINUTES, 60)
        return format_time(dt.time(hour, minute), "h:mm a", locale=self._babel)

    def _time_range(self, start: int, end: int) -> str:
        first, last = self.time(start), self.time(end)
        same_half = (start % _DAY_MINUTES < 720) == (end % _DAY_MINUTES < 720)
        if same_half and end - start < _DAY_MINUTES // 2 and end % _DAY_MINUTES:
            # "6:00–9:00 PM": the half of the day once, at the end.
            suffix = format_time(dt.time(12 if end % _DAY_MINUTES >= 720 else 0), " a",
                                 locale=self._babel)
            if first.endswith(suffix):
                return f"{first.removesuffix(suffix)}–{last}"
        return f"{first}–{last}"

    def sessions(self, sessions: Iterable[Session]) -> str:
        """Write weekly sessions, grouping days that share the same times.

        Parameters
        ----------
        sessions : iterable of Session

        Returns
        -------
        str
            E.g. ``Mon–Fri 9:00 AM–12:00 PM; Mon, Wed, Thu 6:00–9:00 PM`` or
            ``lun–vie 9:00 a. m.–12:00 p. m.; lun, mié, jue 6:00–9:00 p. m.``.
        """
        sessions = tuple(sessions)
        if any(s.end - s.start >= _WEEK_MINUTES for s in sessions):
            return self.gettext("Every day, around the clock")
        groups: dict[tuple[int, int], list[int]] = {}
        for session in sessions:
            groups.setdefault((session.start % _DAY_MINUTES, session.end - session.start),
                              []).append(session.start // _DAY_MINUTES)
        ordered = sorted(groups.items(), key=lambda item: (min(item[1]), item[0]))
        return "; ".join(f"{self.days(days)} {self._time_range(start, start + length)}"
                         for (start, length), days in ordered)

    def schedule(self, text: str) -> str:
        """Write a program's schedule (its ``opening_hours`` text), or say it is not listed.

        Parameters
        ----------
        text : str

        Returns
        -------
        str
        """
        from finder.schedule import try_weekly_schedule

        parsed = try_weekly_schedule(text or "")
        if parsed is None:
            return self.gettext("Schedule not listed")
        return self.sessions(parsed.sessions) or self.gettext("No weekly sessions")

    # -- search results ----------------------------------------------------------------

    def reason(self, reason: Reason) -> str:
        """Say why a program matched.

        Parameters
        ----------
        reason : Reason
            A code with its facts, from ``search``.

        Returns
        -------
        str
            E.g. ``takes MassHealth`` / ``acepta MassHealth``.
        """
        code, values = reason.code, reason.values
        if code == "takes":
            # The same message as the one-program clause of ``filter_clauses``.
            return self._one("takes {plans}", "take {plans}").format(
                plans=self.join(self.vocab(v) for v in values))
        if code == "takes_private":
            return self.format("takes private insurance, which may include {plans}",
                               plans=self.join(values, "or"))
        if code == "part_sessions":
            return self.format(_PART_SESSIONS[reason.part], sessions=self.sessions(reason.sessions))
        if code == "fits_some":
            return self.format("some sessions fit your availability: {sessions}",
                               sessions=self.sessions(reason.sessions))
        if code in ("soap_counts", "level"):
            if code == "soap_counts":
                return self.gettext("SOAP (structured outpatient), which counts as IOP")
            return self.format("level of care: {level}", level=self.join(values))
        if code == "offers":
            return self._one("offers {services}", "offer {services}").format(
                services=self.join(self.gettext(_SERVICE_WORDS[v]) for v in values))
        if code == "serves":
            return self._one("serves {people}", "serve {people}").format(people=self.join(
                self.gettext(_POPULATION_WORDS[v]) for v in values))
        if code == "speaks":
            return self._one("offers services in {languages}",
                             "offer services in {languages}").format(
                languages=self.join(self.language(v) for v in values))
        return self.gettext(_SIMPLE_REASONS[code])

    def _one(self, singular: str, plural: str) -> str:
        return self._translations.ngettext(singular, plural, 1)

    def plan_note(self, plan: str) -> str:
        """Return the caveat for a named plan matched through "Private insurance".

        Parameters
        ----------
        plan : str

        Returns
        -------
        str
        """
        return self.format("{plan}: call to confirm your plan", plan=plan)

    def filter_clauses(self, query: SearchQuery, *, singular: bool = False) -> list[str]:
        """Say what each filter of a query asks for, as verb phrases ("take MassHealth").

        Parameters
        ----------
        query : SearchQuery
        singular : bool
            Phrases for one program ("takes MassHealth").

        Returns
        -------
        list of str
        """
        from finder.model import Attendance

        n = 1 if singular else 2
        ng = self.ngettext
        clauses: list[str] = []
        if query.insurance:
            plans = self.join((self.vocab(p) for p in query.insurance), "or")
            clauses.append(ng("takes {plans}", "take {plans}", n).format(plans=plans))
        if query.sessions:
            parts = self.join((self.gettext(_PART_WORDS[str(p)]) for p in query.sessions), "or")
            clauses.append(ng("meets {parts}", "meet {parts}", n).format(parts=parts))
        if query.available:
            clauses.append(ng("fits your availability ({hours})", "fit your availability ({hours})",
                             n).format(hours=self.schedule(query.available)))
        if query.services:
            services = self.join((self.gettext(_SERVICE_WORDS[str(s)]) for s in query.services),
                                 "or")
            clauses.append(ng("offers {services}", "offer {services}", n).format(services=services))
        if query.populations:
            people = self.join((self.gettext(_POPULATION_WORDS[str(p)]) for p in query.populations),
                               "or")
            clauses.append(ng("serves {people}", "serve {people}", n).format(people=people))
        if query.languages:
            names = self.join((self.language(x) for x in query.languages), "or")
            clauses.append(ng("offers services in {languages}", "offer services in {languages}",
                             n).format(languages=names))
        if query.attendance == Attendance.IN_PERSON:
            clauses.append(ng("meets in person", "meet in person", n))
        elif query.attendance == Attendance.TELEHEALTH:
            clauses.append(ng("offers telehealth", "offer telehealth", n))
        elif query.attendance == Attendance.HYBRID:
            clauses.append(ng("offers both in-person and telehealth sessions",
                             "offer both in-person and telehealth sessions", n))
        if query.accepting_new_clients:
            clauses.append(ng("is accepting new clients", "are accepting new clients", n))
        return clauses

    def place(self, label: str, *, escape: Callable[[str], str] = str) -> str:
        """Say a searched place's label: a device location's own words are translated.

        Parameters
        ----------
        label : str
            ``Place.label``: a town or ZIP as found (data, escaped), or the
            geocoder's "Near <town>" / "Your location" for a device location.
        escape : callable
            Applied to the part that is data.

        Returns
        -------
        str
            E.g. ``Cambridge, MA``, ``your location near Lowell`` /
            ``su ubicación cerca de Lowell``.
        """
        if label.startswith("Near "):
            return self.format("your location near {place}",
                               place=escape(label.removeprefix("Near ")))
        if label == "Your location":
            return self.gettext("your location")
        return escape(label)

    def describe(self, query: SearchQuery, *, escape: Callable[[str], str] = str) -> str:
        """Say in one sentence what a query looks for.

        Parameters
        ----------
        query : SearchQuery
        escape : callable
            Applied to the place's name, which is data.

        Returns
        -------
        str
            E.g. "IOP or SOAP programs within 25 miles of Cambridge that take
            MassHealth" / "Programas IOP o SOAP a menos de 25 millas de
            Cambridge que aceptan MassHealth".
        """
        label = query.origin_label or f"{query.origin.lat:.4f}, {query.origin.lon:.4f}"
        place = self.place(label, escape=escape)
        levels = [str(level) for level in query.level_of_care]
        if query.radius_miles is None:
            if levels:
                sentence = self.format("{levels} programs at any distance from {place}",
                                       levels=self.join(levels, "or"), place=place)
            else:
                sentence = self.format("Programs at any distance from {place}", place=place)
        elif levels:
            sentence = self.format("{levels} programs within {miles} miles of {place}",
                                   levels=self.join(levels, "or"), miles=query.radius_miles,
                                   place=place)
        else:
            sentence = self.format("Programs within {miles} miles of {place}",
                                   miles=query.radius_miles, place=place)
        clauses = self.filter_clauses(query)
        if clauses:
            sentence = self.format("{search} that {filters}", search=sentence,
                                   filters=self.join(clauses))
        if query.filters_schedule and query.include_unknown_schedule:
            sentence = self.format("{search}, plus programs with no schedule listed",
                                   search=sentence)
        return sentence


#: Questions to ask a program that has not published its session times (page and CLI).
CALL_SCRIPT = (
    N_("Do you have an evening or weekend IOP track?"),
    N_("Which days and times do the groups meet?"),
    N_("Do you take my insurance?"),
    N_("Is there a waitlist, and how soon could I start?"),
)

_SIMPLE_REASONS = {
    "no_schedule": N_("schedule not listed: call to ask"),
    "fits_all": N_("every session fits your availability"),
    "attend_both": N_("meets in person or by telehealth"),
    "attend_telehealth": N_("meets by telehealth"),
    "attend_in_person": N_("meets in person"),
    "accepting": N_("accepting new clients"),
}


def count(n: int, one: str, other: str, *, locale: str = DEFAULT_LOCALE) -> str:
    """Return ``n`` with the noun in the right plural form (``Labels.count``).

    Parameters
    ----------
    n : int
        How many.
    one, other : str
        The noun (with any words around it) for CLDR's "one" and "other" forms.
    locale : str
        Whose plural rules to use.

    Returns
    -------
    str

    Examples
    --------
    >>> count(1, "row", "rows")
    '1 row'
    >>> count(1234, "program", "programs")
    '1,234 programs'
    """
    return labels(locale).count(n, one, other)


@functools.cache
def labels(locale: str = DEFAULT_LOCALE) -> Labels:
    """Return the ``Labels`` of a locale (cached for the process).

    Parameters
    ----------
    locale : str

    Returns
    -------
    Labels
    """
    return Labels(locale)
