"""The "Find a program" page: a search form, result cards (list first), then the map."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

import streamlit as st

from finder.errors import FinderError, GeocodeNotFound, OutsideMassachusetts
from finder.gazetteer import SOURCE as GAZETTEER
from finder.labels import CALL_SCRIPT, N_, Labels
from finder.model import (
    LANGUAGES,
    MOUD,
    Accepting,
    Insurance,
    LatLon,
    Place,
    Population,
    Precision,
    Program,
    Service,
)
from finder.search import DEFAULT_RADIUS_MILES, Matches
from finder.ui import common, safe
from finder.ui.i18n import _, f, n, words
from finder.ui.safe import md
from finder.urlstate import (
    ANY,
    ATTENDANCE,
    DAYS,
    FIELDS,
    LEVELS,
    PARTS_OF_DAY,
    RADII,
    SORTS,
    TIMES,
    decode_params,
    encode_state,
    format_coords,
    place_text_for_url,
    round_coords,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from finder.config import Settings
    from finder.maprender import ProgramTable
    from finder.search import Catalog, Match, SearchQuery, SearchResult

    FloatArray = npt.NDArray[np.float64]

#: The page files, for ``st.page_link``.
PAGE = "finder/ui/pages/find.py"
COMPARE_PAGE = "finder/ui/pages/compare.py"
DAY_INDEX = {day: i for i, day in enumerate(DAYS)}
# Labels are marked with N_ (extracted into the catalogs) and translated where shown.
WHEN_LABELS = {
    "morning": N_("Mornings (start before noon)"),
    "afternoon": N_("Afternoons (noon–5 PM)"),
    "evening": N_("Evenings (5 PM or later)"),
    "weekend": N_("Weekends"),
}
LEVEL_LABELS = {
    "IOP": N_("IOP (intensive outpatient)"),
    "SOAP": N_("SOAP (structured outpatient, Massachusetts)"),
    "PHP": N_("PHP (partial hospitalization, day treatment)"),
}
SORT_LABELS = {"distance": N_("Nearest first"), "verified": N_("Recently verified"),
               "fit": N_("Best fit to my times")}
ATTEND_LABELS = {"any": N_("Either"), "in-person": N_("In person"),
                 "telehealth": N_("Telehealth (online)")}
WHAT_IS_IOP = N_("""
An **intensive outpatient program (IOP)** is treatment for alcohol or drug use that you attend
several times a week (usually 3 to 5 days, about 9 to 20 hours a week) while living at home and
keeping up with work, school or family. It mixes group therapy, individual counseling, education
about recovery and, often, medication for opioid or alcohol use disorder.
In Massachusetts, a similar level of care is called a **structured outpatient addiction program
(SOAP)**; searching for IOP here finds both.
A **partial hospitalization program (PHP)**, also called day treatment, is a step more intensive:
about 5 days a week for most of the day (often 20 hours a week or more), usually at or near a
hospital, for people who need more support than an IOP but do not need to stay overnight.
PHP programs are left out of a search unless you choose them under **More filters → Level of care**.
It is more support than a weekly counseling visit and less than a residential (live-in) program.
If you are not sure what you need, the Helpline at 800-327-5050 can help you choose.
""")


def restore_state() -> None:
    """Restore the search: from the URL on a session's first run, else from the last run.

    Streamlit forgets a page's widget values when the person visits another
    page, so the search is also saved in ``_saved_search`` on every run.
    """
    if st.session_state.get("_url_restored"):
        for key, value in st.session_state.get("_saved_search", {}).items():
            st.session_state.setdefault(key, value)
        return
    state = decode_params({k: st.query_params.get_all(k) for k in st.query_params})
    for spec in FIELDS:
        value = state.get(spec.key, spec.default)
        if spec.kind == "list":
            value = list(value)  # type: ignore[call-overload]
        st.session_state.setdefault(spec.key, value)
    if st.session_state.get("at") and not st.session_state.get("q"):
        st.session_state["_device_at"] = st.session_state["at"]
        st.session_state["_at_from_link"] = True
    st.session_state["_url_restored"] = True


def _snapshot() -> dict[str, Any]:
    saved = st.session_state.get("_saved_search", {})
    return {spec.key: st.session_state.get(spec.key, saved.get(spec.key, spec.default)) for spec in FIELDS}


def _url_text(typed: str) -> str | None:
    """The typed text as it may appear in a URL (a ZIP or a known place name), or None."""
    return place_text_for_url(typed, common.locator(common.settings()).gazetteer)


def shareable_params() -> dict[str, str]:
    """The search and shortlist as URL parameters, never with a typed street address.

    The typed text goes in only when it is plainly a ZIP code or a place name
    (a whitelist, ``place_text_for_url``); anything else is replaced by the
    found place's coordinates rounded to about 1 km.
    """
    state = _snapshot()
    typed = " ".join(str(state.get("q") or "").split())
    safe = _url_text(typed) if typed else None
    if safe is not None:
        state["q"], state["at"] = safe, ""
    elif typed:
        # Only what was found for exactly this text, never a stale pair.
        found = st.session_state.get("_typed_at") or ("", "", "")
        same = found[0] == typed
        # A misspelled town ("Worcestor") is shared as the town it was corrected to.
        # Text with digits may be a street address: only ever its rounded point.
        corrected = (
            _url_text(found[2]) if same and found[2] and not any(c.isdigit() for c in typed)
            else None
        )
        if corrected:
            state["q"], state["at"] = corrected, ""
        else:
            state["q"], state["at"] = "", found[1] if same else ""
    else:
        state["at"] = st.session_state.get("_device_at", "")
    from finder.ui import i18n

    params = encode_state(state)
    # The page's language travels with the link (issue 15).
    lang = i18n.url_value()
    if lang:
        params["lang"] = lang
    return params


def sync_url(place: Place | None, *, shortlist_only: bool = False) -> None:
    """Save the search for other pages and write it to the URL."""
    if not shortlist_only:
        typed = " ".join(str(st.session_state.get("q") or "").split())
        if place is not None and typed:
            label = place.label if place.source == GAZETTEER else ""
            st.session_state["_typed_at"] = (typed, format_coords(place.lat, place.lon), label)
        st.session_state["_saved_search"] = {
            spec.key: st.session_state.get(spec.key, spec.default) for spec in FIELDS if spec.key != "sl"
        }
    params = shareable_params()
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)


def _form(cfg: Settings) -> None:
    if st.session_state.pop("_clear_q", False):
        st.session_state["q"] = ""
    st.text_input(
        _("Where are you? Address, ZIP code or town"),
        key="q",
        placeholder=_("e.g. 02139, Worcester, or 45 Main St, Northampton"),
        help=_("Press Enter to search."),
    )
    disclosure = common.locator(cfg).disclosure
    if disclosure:
        st.caption(words().say(disclosure, escape=md))
    else:
        st.caption(_("Your search stays on this site: we look up ZIP codes and towns ourselves."))
    _device_location_button()
    cols = st.columns(2)
    label = words()
    cols[0].selectbox(
        _("Distance"),
        RADII,
        key="radius",
        # A format_func must not read the session (AppTest calls it outside the run):
        # it uses the page's Labels, fixed for this run.
        format_func=lambda r: label.gettext("Any distance") if r == ANY
        else label.format("Within {miles} miles", miles=r),
    )
    cols[1].multiselect(
        _("Insurance or payment"),
        [str(i) for i in Insurance],
        key="ins",
        format_func=label.vocab,
        placeholder=_("Any"),
        help=_("Programs that take any of these. 'Private insurance' programs are shown for named "
               "plans with a note to call and confirm."),
    )
    st.multiselect(
        _("When can you attend?"),
        PARTS_OF_DAY,
        key="when",
        format_func=lambda key: label.gettext(WHEN_LABELS[key]),
        placeholder=_("Any time"),
    )
    with st.expander(_("More filters: my availability, medication, language, and more")):
        st.markdown(_("**Fits my availability** (sessions that fall inside these hours)"))
        st.multiselect(_("Days I can attend"), DAYS, key="days",
                       format_func=lambda day: label.day(DAY_INDEX[day]),
                       placeholder=_("Choose days"))
        tcols = st.columns(2)
        tcols[0].selectbox(_("From"), ("", *TIMES), key="from",
                           format_func=lambda value: _time_label(value, label))
        tcols[1].selectbox(_("Until"), ("", *TIMES), key="to",
                           format_func=lambda value: _time_label(value, label))
        st.multiselect(_("Medication for opioid use disorder (MOUD)"), [str(s) for s in MOUD_ORDER],
                       key="moud", format_func=label.vocab, placeholder=_("Any"))
        st.checkbox(_("Treats co-occurring mental health conditions"), key="co")
        st.multiselect(_("Programs for"), [str(p) for p in Population], key="pop",
                       format_func=label.vocab, placeholder=_("Anyone"))
        st.multiselect(_("Language"), [x for x in LANGUAGES if x != "English"], key="speaks",
                       format_func=label.language, placeholder=label.language("English"))
        st.radio(_("How to attend"), ATTENDANCE, key="att", horizontal=True,
                 format_func=lambda key: label.gettext(ATTEND_LABELS[key]))
        st.checkbox(_("Only programs accepting new clients"), key="acc")
        st.checkbox(_("Include programs with no schedule listed"), key="unk",
                    help=_("Many programs have not told us their session times. Call them to ask."))
        st.multiselect(_("Level of care"), LEVELS, key="level",
                       format_func=lambda key: label.gettext(LEVEL_LABELS[key]),
                       placeholder=_("Any level"),
                       help=_("IOP and SOAP are chosen to start with. Add PHP for day "
                              "treatment: see 'What is an IOP?' above."))
        st.selectbox(_("Sort by"), SORTS, key="sort",
                     format_func=lambda key: label.gettext(SORT_LABELS[key]))


MOUD_ORDER = (Service.BUPRENORPHINE, Service.METHADONE, Service.NALTREXONE)
assert set(MOUD_ORDER) == set(MOUD)


def _time_label(value: str, label: Labels) -> str:
    if not value:
        return "—"
    hour, minute = map(int, value.split(":"))
    return label.time(hour * 60 + minute)


def _device_location_button() -> None:
    """Opt-in browser geolocation: nothing is asked until the person presses the button."""
    if st.session_state.get("_device_at"):
        cols = st.columns([3, 1])
        cols[0].caption(_("Using the link's location (rounded to about 1 km).")
                        if st.session_state.get("_at_from_link")
                        else _("Using your device's location (rounded to about 1 km)."))
        if cols[1].button(_("Stop using it"), key="forget_location"):
            st.session_state["_device_at"] = ""
            st.session_state["at"] = ""
            st.session_state["_at_from_link"] = False
            st.rerun()
        return
    if st.button(_("Use my location"), icon=":material/my_location:", key="use_location",
                 help=_("Your browser will ask before sharing your location. "
                        "We round it to about 1 km.")):
        st.session_state["_want_location"] = True
    if not st.session_state.get("_want_location"):
        return
    from streamlit_js_eval import get_geolocation

    position = get_geolocation(component_key="device_location")
    if not isinstance(position, dict):
        st.caption(_("Waiting for your browser to share your location…"))
        return
    st.session_state["_want_location"] = False
    coords = position.get("coords") or {}
    if coords.get("latitude") is None:
        st.warning(_("Your browser did not share a location. Type a ZIP code or town instead."))
        return
    st.session_state["_device_at"] = format_coords(float(coords["latitude"]), float(coords["longitude"]))
    st.session_state["_at_from_link"] = False
    st.session_state["_clear_q"] = True  # the text box already exists in this run
    st.rerun()


def _resolve_place(cfg: Settings) -> Place | None:
    typed = str(st.session_state.get("q") or "").strip()
    loc = common.locator(cfg)
    if not typed:
        at = st.session_state.get("_device_at") or st.session_state.get("at") or ""
        coords = round_coords(str(at)) if at else None
        return loc.from_device(*coords) if coords else None
    try:
        return loc.locate(typed)
    except OutsideMassachusetts as err:
        _outside_massachusetts(err)
        return err.nearby
    except GeocodeNotFound as err:
        # The message repeats what was typed: its values are escaped, never Markdown.
        st.error(words().say(err.user_message, escape=md))
        if err.suggestions:
            st.write(_("Did you mean:"))
            cols = st.columns(min(len(err.suggestions), 3))
            for i, suggestion in enumerate(err.suggestions[:3]):
                cols[i].button(md(suggestion), key=f"dym_{i}", on_click=_use_suggestion, args=(suggestion,))
        return None
    except FinderError as err:
        st.error(words().say(err.user_message, escape=md))
        return None


#: Where to look outside Massachusetts (SAMHSA runs both).
ELSEWHERE = N_(
    "Search [FindTreatment.gov](https://findtreatment.gov) for programs in every state, or "
    "call the SAMHSA National Helpline at [1-800-662-4357](tel:+18006624357): free, "
    "confidential, 24 hours a day, in English and Spanish."
)


def _outside_massachusetts(err: OutsideMassachusetts) -> None:
    """Say that we cover Massachusetts only, and where to look instead (issue 18).

    When the place is near the border, ``err.nearby`` is searched and its
    note (shown above the results) says so.
    """
    advice = "" if err.nearby else " " + _("Try a Massachusetts ZIP code or town name.")
    st.warning("**" + _("IOP Finder covers Massachusetts only.") + f"** {_(ELSEWHERE)}{advice}",
               icon=":material/travel_explore:")


def current_place(cfg: Settings) -> Place | None:
    """The searched place without any messages (for other pages), or None."""
    typed = str(_snapshot().get("q") or "").strip()
    loc = common.locator(cfg)
    try:
        if typed:
            try:
                return loc.locate(typed)
            except OutsideMassachusetts as err:
                return err.nearby
        at = st.session_state.get("_device_at") or ""
        coords = round_coords(str(at)) if at else None
        return loc.from_device(*coords) if coords else None
    except FinderError:
        return None


def _use_suggestion(text: str) -> None:
    st.session_state["q"] = text
    st.session_state["page"] = 1


def build_query(place: Place, *, filters: bool = True) -> SearchQuery:
    """Turn the widgets' state into a ``SearchQuery``.

    With ``filters=False`` only the place and the availability are kept, for
    distances and fit on the compare page.
    """
    from finder.model import LevelOfCare
    from finder.search import PartOfDay, SearchQuery, SortOrder

    s = _snapshot()
    radius = None if s.get("radius") == ANY else int(str(s.get("radius") or DEFAULT_RADIUS_MILES))
    days = [d for d in DAYS if d in (s.get("days") or [])]
    available = ""
    if days and s.get("from") and s.get("to") and s["from"] < s["to"]:
        available = f"{','.join(days)} {s['from']}-{s['to']}"
    services = [Service(v) for v in s.get("moud") or []]
    if s.get("co"):
        services.append(Service.CO_OCCURRING)
    attendance = s.get("att") if s.get("att") in ATTENDANCE[1:] else None
    if not filters:
        return SearchQuery(origin=LatLon(place.lat, place.lon), origin_label=place.label,
                           radius_miles=None, available=available, include_unknown_schedule=True)
    return SearchQuery(
        origin=LatLon(place.lat, place.lon),
        origin_label=place.label,
        radius_miles=radius,
        insurance=tuple(Insurance(v) for v in s.get("ins") or []),
        sessions=tuple(PartOfDay(v) for v in s.get("when") or []),
        available=available,
        include_unknown_schedule=bool(s.get("unk")),
        services=tuple(services),
        populations=tuple(Population(v) for v in s.get("pop") or []),
        languages=tuple(s.get("speaks") or []),
        attendance=attendance,
        accepting_new_clients=bool(s.get("acc")),
        level_of_care=tuple(LevelOfCare(v) for v in s.get("level") or [] if v in LEVELS),
        sort=SortOrder(s.get("sort") or "distance"),
    )


def _days_ago(when: dt.date) -> int:
    return (dt.date.today() - when).days


def _card(match: Match, query: SearchQuery, cfg: Settings) -> None:
    p = match.program
    label = words()
    with st.container(border=True):
        st.markdown(f"#### {md(p.program_name)}")
        away = f("**{miles} miles** away", miles=label.number(match.distance_miles, 1))
        st.markdown(f"{md(p.organization)} · {away} · {md(p.level_of_care)}")
        directions = "https://www.openstreetmap.org/directions?to=" + quote_plus(
            f"{p.latitude},{p.longitude}"
        )
        st.markdown(f":material/location_on: {md(p.address)} · [" + _("Directions")
                    + f"]({directions})")
        contact = [f":material/call: [{md(p.phone)}]({_tel(p.phone)})"]
        if p.intake_phone:
            contact.append(_("Intake:") + f" [{md(p.intake_phone)}]({_tel(p.intake_phone)})")
        if p.website:
            # Only an address the URL parser accepts becomes a link (issue 17).
            website = safe.web_url(p.website)
            if website is not None:
                contact.append(safe.md_link(_("Website"), website))
        st.markdown(" · ".join(contact))
        sessions = label.schedule(p.schedule) if match.schedule_listed else _("Schedule not listed")
        st.markdown(":material/calendar_month: **" + _("Sessions:") + f"** {md(sessions)}")
        # The level is on the card's second line already; the level filter is on by
        # default (IOP and SOAP), so "level of care: IOP" on every card is noise.
        for reason in match.reasons:
            if reason.code != "level":
                st.markdown(f":material/check_circle: {md(label.reason(reason))}")
        mine = set(query.insurance)
        if p.insurance:
            badges = " ".join(
                f'<span class="badge{" mine" if i in mine else ""}">{_html(label.vocab(i))}</span>'
                for i in p.insurance
            )
            st.markdown("**" + _("Payment:") + f"** {badges}", unsafe_allow_html=True)
        for reason in match.reasons:
            if reason.code == "takes_private":
                for plan in reason.values:
                    st.markdown(f":material/info: {md(label.plan_note(plan))}")
        details = []
        if p.services:
            details.append("**" + _("Services:") + "** " + md(", ".join(map(label.vocab, p.services))))
        if p.populations:
            details.append("**" + _("For:") + "** " + md(", ".join(map(label.vocab, p.populations))))
        if p.languages:
            details.append("**" + _("Languages:") + "** "
                           + md(", ".join(map(label.language, p.languages))))
        if p.attendance:
            details.append("**" + _("Attend:") + "** " + md(label.vocab(p.attendance)))
        if details:
            st.markdown(" · ".join(details))
        if p.notes:
            st.markdown(f":material/info: {md(p.notes)}")
        st.markdown(_accepting_text(p))
        st.caption(_freshness(p, cfg))
        cols = st.columns(2)
        with cols[0]:
            _shortlist_button(p.program_id)
            if p.program_id in (st.session_state.get("sl") or []):
                shortlist_link()
        cols[1].page_link(PROGRAM_PAGE, label=_("Program page (to share)"),
                          icon=":material/open_in_new:", query_params=program_link(p.program_id))
        # Corrections from the people who call (issue 13): reviewed before anything changes.
        from finder.ui import update

        update.update_listing(p, "card")


def _freshness(p: Program, cfg: Settings) -> str:
    """Who said what, and when: listed by a source vs confirmed by a person (issue 12)."""
    from finder.provenance import listed_text, schedule_confirmation_text, verified_text

    verified, check = verified_text(p, dt.date.today(), cfg.stale_after_days)
    today = dt.date.today()
    parts = [text for text in (schedule_confirmation_text(p, today, cfg.confirmed_stale_after_days),
                               listed_text(p)) if text]
    # Data that only a listing vouches for needs no warning icon of its own:
    # the "not yet confirmed" sentence says it.
    icon = ":material/warning: " if check and p.last_verified is not None else ""
    say = words().say
    lines = [say(text, escape=md) for text in parts]
    # "Not yet confirmed ... by anyone" would contradict a fact a person did
    # confirm (times or openings, said on the card): then the card says only that.
    confirmed_a_fact = p.schedule_confirmed_on is not None or p.availability_as_of is not None
    if p.last_verified is not None or not confirmed_a_fact:
        lines.append(icon + say(verified, escape=md))
    lines.append(f("Source: {source}", source=md(p.source)))
    return " · ".join(lines)




def _unknown_schedule_section(result: SearchResult, query: SearchQuery, cfg: Settings) -> None:
    """The second group: programs that pass every other filter but publish no times."""
    unknown = result.unknown_schedule
    count = len(unknown)
    if not count:
        return
    if result.matches:
        heading = n("{n} more program near you hasn't published session times: call to ask",
                    "{n} more programs near you haven't published session times: call to ask", count)
    else:
        heading = n("{n} program near you hasn't published session times: call to ask",
                    "{n} programs near you haven't published session times: call to ask", count)
    st.subheader(heading)
    st.markdown(
        _("They match everything else you chose, but their session times have not been "
          "published, so they may well meet when you can. When you call, ask:")
        + "\n\n" + "\n".join(f"- {_(q)}" for q in CALL_SCRIPT)
    )
    with st.expander(n("Show the {n} program to call", "Show the {n} programs to call", count),
                     expanded=True):
        for match in unknown:
            _card(match, query, cfg)


def _html(text: object) -> str:
    return safe.html(text)


def _tel(phone: str) -> str:
    import phonenumbers

    try:
        return phonenumbers.format_number(phonenumbers.parse(phone, "US"),
                                          phonenumbers.PhoneNumberFormat.RFC3966)
    except phonenumbers.NumberParseException:
        return "tel:" + "".join(ch for ch in phone if ch.isdigit())


def _accepting_text(p: Program) -> str:
    from finder.provenance import availability_confirmation_text

    confirmed = availability_confirmation_text(p, dt.date.today())
    as_of = f" ({words().say(confirmed, escape=md)})" if p.availability_as_of else ""
    return {
        Accepting.YES: ":green[:material/check_circle:] " + _("Accepting new clients") + as_of,
        Accepting.NO: ":red[:material/block:] " + _("Not accepting new clients") + as_of,
        Accepting.WAITLIST: ":orange[:material/hourglass_top:] " + _("Waitlist") + as_of,
        Accepting.UNKNOWN: ":gray[:material/help:] " + _("Call to ask about openings"),
    }[p.accepting_new_clients]


def _shortlist_button(program_id: str) -> None:
    shortlist = list(st.session_state.get("sl") or [])
    if program_id in shortlist:
        if st.button(_("Remove from shortlist"), key=f"rm_{program_id}"):
            shortlist.remove(program_id)
            st.session_state["sl"] = shortlist
            st.rerun()
    elif st.button(_("Add to shortlist"), key=f"add_{program_id}"):
        st.session_state["sl"] = [*shortlist, program_id]
        st.rerun()


PROGRAM_PAGE = "finder/ui/pages/program.py"


def program_link(program_id: str) -> dict[str, str]:
    """The program page's URL parameters: its id, and the page's language when it is not the default."""
    from finder.ui import i18n

    lang = i18n.url_value()
    return {"id": program_id, **({"lang": lang} if lang else {})}


def shortlist_link() -> None:
    """"Shortlist (3) → Compare", once something is on the shortlist (issue 18)."""
    count = len(st.session_state.get("sl") or [])
    if count:
        st.page_link(COMPARE_PAGE, label=f("Shortlist ({count}) → Compare", count=count),
                     icon=":material/checklist:")


def _no_results(result: SearchResult) -> None:
    st.info(_(
        "**No programs match all of these choices.** Try a wider distance, fewer filters, "
        "or include programs with no schedule listed. You can also call the Massachusetts "
        "Substance Use Helpline at [800-327-5050](tel:+18003275050): they know programs "
        "with openings and can help you choose."
    ))
    cols = st.columns(3)
    if st.session_state.get("radius") != ANY:
        cols[0].button(_("Search any distance"), key="widen", on_click=_set, args=("radius", ANY))
    cols[1].button(_("Clear filters"), key="clear", on_click=_clear_filters)
    if not st.session_state.get("unk"):
        cols[2].button(_("Include unknown schedules"), key="incl_unk", on_click=_set,
                       args=("unk", True))


def _set(key: str, value: object) -> None:
    """Set one piece of state; any change but paging starts again at page 1."""
    st.session_state["page"] = 1
    st.session_state[key] = value
    if key == "page":
        st.session_state["_scroll_to_results"] = "page"


def _scroll_to_results(reason: str) -> None:
    """Bring the person to the top of the results (after a new search, or Next/Previous).

    The pager sits below ten cards, and on a phone the results start below the
    form: without this nothing seems to happen (issue 18). The script scrolls
    only when the results' heading is above the screen or low on it (after a
    new search on a wide screen: only when it is off the screen, so the form
    and the crisis lines stay in view), and stops once it is in place. A new
    element each time, so it runs again.
    """
    new_search = "true" if reason == "search" else "false"
    count = int(st.session_state.get("_scroll_count", 0)) + 1
    st.session_state["_scroll_count"] = count
    st.html(
        f"<script>/* scroll {count} */(function () {{"
        "var tries = 0;"
        "function go() {"
        "  var el = window.parent.document.querySelector('.results-top');"
        "  if (el) {"
        "    var top = el.getBoundingClientRect().top, h = window.parent.innerHeight;"
        f"    var wide = {new_search} && window.parent.innerWidth > 640;"
        "    if (top >= 0 && top <= (wide ? h - 120 : h * 0.35)) { return; }"
        "    el.scrollIntoView({block: 'start'});"
        "  }"
        "  if (tries++ < 30) { setTimeout(go, 100); }"
        "}"
        "setTimeout(go, 50);"
        "})();</script>",
        unsafe_allow_javascript=True,
    )


def _clear_filters() -> None:
    for spec in FIELDS:
        if spec.key not in ("q", "at", "radius", "sl", "sort"):
            st.session_state[spec.key] = list(spec.default) if spec.kind == "list" else spec.default  # type: ignore[call-overload]


def render() -> None:
    """Draw the search page."""
    cfg = common.settings()
    nav = common.page_chrome(cfg)
    restore_state()
    common.page_nav(nav)
    st.title(_("Find an intensive outpatient program"))
    shortlist_link()
    with st.expander(_("What is an IOP?")):
        st.markdown(_(WHAT_IS_IOP))
    _form(cfg)
    loaded = common.catalog_or_explain(cfg)
    if loaded is None:
        return
    catalog, info = loaded
    place = _resolve_place(cfg)
    sync_url(place)
    if place is None:
        if not st.session_state.get("q"):
            st.info(_("Type a ZIP code, town or address above to see programs near you."))
        return
    if place.note:
        st.caption(words().say(place.note, escape=md))
    from finder.search import search

    query = build_query(place)
    result = search(catalog, query)
    st.markdown('<div class="results-top" aria-hidden="true"></div>', unsafe_allow_html=True)
    where = (st.session_state.get("q"), st.session_state.get("_device_at"))
    if st.session_state.get("_last_searched") != where:
        st.session_state["_last_searched"] = where
        st.session_state["_scroll_to_results"] = "search"
    reason = st.session_state.pop("_scroll_to_results", "")
    if reason:
        _scroll_to_results(str(reason))
    # The heading names the place: from the typed text or the geocoder's label.
    st.subheader(words().describe(query, escape=md))
    data_source = words().say(info["source"])
    st.caption(f("Source: {source}", source=words().say(info["source"], escape=md)))
    if not result.matches and not result.unknown_schedule:
        _no_results(result)
        return
    if result.matches:
        _results(result, query, cfg, data_source)  # the second group comes after page 1..n
        return
    # Never "no programs" while nearby programs simply haven't published times.
    st.markdown(_("**No program near you has published session times that fit.**"))
    _unknown_schedule_section(result, query, cfg)
    # The programs to call are what this search found: they can be saved,
    # printed and seen on the map like any result.
    _exports(result.unknown_schedule, query, data_source)
    _map(result.unknown_schedule, query, cfg, group="unknown_schedule")


def _results(result: SearchResult, query: SearchQuery, cfg: Settings, data_source: str) -> None:
    total = len(result.matches)
    size = cfg.page_size
    pages = max(1, math.ceil(total / size))
    page = min(max(1, int(st.session_state.get("page") or 1)), pages)
    start = (page - 1) * size
    st.markdown(n("**{n} program found.**", "**{n} programs found.**", total) + " "
                + f("Showing {first}–{last}.", first=start + 1, last=min(start + size, total)))
    for match in result.matches[start:start + size]:
        _card(match, query, cfg)
    if pages > 1:
        cols = st.columns([1, 2, 1])
        cols[0].button(_("← Previous"), key="prev", disabled=page <= 1, on_click=_set,
                       args=("page", page - 1))
        cols[1].markdown("<div style='text-align:center'>"
                         + f("Page {page} of {pages}", page=page, pages=pages) + "</div>",
                         unsafe_allow_html=True)
        cols[2].button(_("Next →"), key="next", disabled=page >= pages, on_click=_set,
                       args=("page", page + 1))
    _unknown_schedule_section(result, query, cfg)
    _exports(result.matches, query, data_source)
    _map(result.matches, query, cfg)


def _exports(matches: Sequence[Match], query: SearchQuery, data_source: str) -> None:
    """Download the whole result list (every page) as CSV, Excel or a print view."""
    from finder.export import ExportMeta, export_rows

    label = words()
    meta = ExportMeta(title=_("IOP Finder results"), search=label.describe(query),
                      data_source=data_source, locale=label.locale)
    notes = dict(st.session_state.get("notes") or {})
    st.markdown(n("**Save or print this result**", "**Save or print these {n} results**",
                  len(matches)))
    common.export_buttons(lambda: export_rows(matches, notes, locale=label.locale), meta,
                          stem="iop-results", key_prefix="find_dl", deferred=True)


@st.cache_resource(show_spinner=False, max_entries=4)
def _program_table(data_dir: str, version: str, _catalog: Catalog,
                   locale: str = "en") -> tuple[str, FloatArray, FloatArray, ProgramTable, Path] | None:
    """The map's marker data for every program, built and written once per dataset version.

    Returns ``(url, latitudes, longitudes, table, path)`` (coordinates in
    ``Catalog.programs`` order, to fit the map), or None when the static
    folder cannot be written;
    the map then carries its markers itself, as ``build_map`` draws them.
    """
    import numpy as np

    from finder.maprender import program_table, write_program_table

    programs = _catalog.programs
    table = program_table(programs, locale)
    try:
        path = write_program_table(table, common.ROOT / "static" / "data")
    except OSError:
        common._log.exception("the map's program table could not be written")
        return None
    lat = np.array([p.latlon.lat if p.latlon else np.nan for p in programs])
    lon = np.array([p.latlon.lon if p.latlon else np.nan for p in programs])
    return f"/app/static/data/{path.name}", lat, lon, table, path


def _results_map(query: SearchQuery, table_url: str, cfg: Settings, positions: npt.NDArray[np.intp],
                 distances: FloatArray, lat: FloatArray, lon: FloatArray) -> Any:
    """The results map of one query: two numbers a match, the rest from the program table.

    A fresh map each call: ``st_folium`` changes the map it renders (a second
    render of the same object repeats scripts), so what is kept is the
    rendered map (``_results_map_args``), never the object.
    """
    from finder.maprender import build_results_map

    origin = Place(query.origin.lat, query.origin.lon, query.origin_label, Precision.PLACE, "search")
    lat, lon = lat[positions], lon[positions]
    # The corners are enough to fit the map to every match.
    corners = [(float(lat.min()), float(lon.min())), (float(lat.max()), float(lon.max()))]
    return build_results_map(table_url, corners if len(lat) else [], positions.tolist(),
                             distances.tolist(),
                             origin, query.radius_miles, tiles_url=cfg.tiles_url,
                             tiles_attribution=cfg.tiles_attribution, locale=words().locale)


@st.cache_resource(show_spinner=False, max_entries=32)
def _results_map_args(version: str, query_key: str, table_url: str, locale: str,
                      tiles: tuple[str, str], _query: SearchQuery, _cfg: Settings,
                      _matches: Matches, _lat: FloatArray, _lon: FloatArray) -> Any:
    """The results map, rendered once per dataset version, query, language and tiles.

    What ``st_folium`` sends the browser (``finder.ui.mapcache``), shared by
    every session: a rerun that does not change the search (a page, the
    shortlist, a note) sends the same map without building it again. The
    query's key is its JSON form; the matches are those of this version and query.
    """
    from finder.ui import mapcache

    fmap = _results_map(_query, table_url, _cfg, _matches.program_positions,
                        _matches.distances_miles, _lat, _lon)
    return mapcache.component_args(fmap, "results_map")


def _map(matches: Sequence[Match], query: SearchQuery, cfg: Settings, group: str = "") -> None:
    from streamlit_folium import st_folium

    from finder.maprender import build_map

    st.subheader(_("Map"))
    loaded = common.load_catalog(cfg)  # cached: the catalog this search ran on
    version = common.store(cfg).version_token()
    table = _program_table(str(cfg.data_dir), version, loaded[0], words().locale)
    if table is not None and isinstance(matches, Matches):
        # Large result sets go to the browser compactly: two numbers a match,
        # the names and popups come from the table the browser caches.
        url, lat, lon, program_table, path = table
        if not path.exists():  # pruned meanwhile by another app process: write it again
            from finder.maprender import write_program_table

            write_program_table(program_table, path.parent)
        import json

        from finder.ui import mapcache

        # Rendered once per version and query (and language and tiles), then
        # sent from the cache on every rerun that keeps the search.
        # ``group`` keeps the map of the programs to call apart from a map of matches.
        query_key = json.dumps({**query.as_dict(), **({"group": group} if group else {})},
                               sort_keys=True)
        args = _results_map_args(version, query_key, url, words().locale,
                                 (cfg.tiles_url, cfg.tiles_attribution), query, cfg, matches,
                                 lat, lon)
        mapcache.show(args, height=420)
        return
    # Without the program table (static folder not writable): the map carries its markers.
    origin = Place(query.origin.lat, query.origin.lon, query.origin_label, Precision.PLACE,
                   "search")
    fmap = build_map(matches, origin, query.radius_miles, locale=words().locale,
                     tiles_url=cfg.tiles_url, tiles_attribution=cfg.tiles_attribution)
    # render=False: st_folium renders the map's parts itself anyway; its extra
    # full render of the page around the map only repeats the origin pin's
    # script (measured: same map, 40 % less time).
    st_folium(fmap, returned_objects=[], height=420, use_container_width=True, key="results_map",
              render=False)
