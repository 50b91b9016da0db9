"""The "Update this listing" form, on every result card, the compare page and the program page.

Thin on purpose: the widgets collect raw values, ``finder.submissions``
checks and stores them, and this module turns the outcome into words. The
same fields serve the admin's "record this call" form (``mode="call"``).
Nothing anyone sends here is shown publicly until an admin approves it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import streamlit as st

from finder.labels import N_
from finder.ui.i18n import _, f, words
from finder.ui.safe import md
from finder.urlstate import DAYS

if TYPE_CHECKING:
    from finder.model import Program

# Words are marked with N_ (extracted into the catalogs) and translated where shown.
TRACKS = 3
ACCEPTING = {"": N_("No change / don't know"), "yes": N_("Yes, taking new clients"),
             "no": N_("No, not taking new clients"), "waitlist": N_("Waitlist")}
VIA = {"phone": N_("I called the program"), "website": N_("The program's website"),
       "staff": N_("I work at this program"), "other": N_("Other")}
ROLE = {"seeker": N_("I'm seeking care, or family"), "case_manager": N_("Case manager"),
        "staff": N_("Program staff"), "other": N_("Other")}

THANK_YOU = N_(
    "**Thank you. Your update was sent to the people who keep this list.** Nothing changes on "
    "the site until one of them has checked it, usually by calling the program; that can take "
    "a few days. If you left an email, they may write to you with a question, and the address "
    "is deleted once your update has been reviewed."
)
MERGED = N_("Someone sent the same update already: yours was added to it, which helps it get "
          "checked sooner.")
EMAIL_HELP = N_("Only for the people who keep this list, if they need to ask you something. It is "
              "never shown or shared, and it is deleted once your update has been reviewed.")
FORM_INTRO = N_("Tell us what is new or wrong. Nothing you send appears on the site until someone "
              "who keeps this list has checked it. Please don't include health information "
              "about yourself or anyone else.")


def _key(prefix: str, program_id: str, name: str) -> str:
    return f"{prefix}_upd_{program_id}_{name}"


def _time(value: dt.time | None) -> str:
    return value.strftime("%H:%M") if value is not None else ""


def collect(program_id: str, prefix: str, *, mode: str = "public") -> tuple[dict[str, Any], str] | None:
    """Draw the form's fields inside an ``st.form``; return ``(form, email)`` once it is sent.

    Parameters
    ----------
    program_id : str
    prefix : str
        Keeps widget keys apart where several forms are on one page.
    mode : str
        ``public`` (with "who are you" and an email) or ``call`` (the admin's
        record of a verification call).
    """
    k = lambda name: _key(prefix, program_id, name)  # noqa: E731
    # format_func runs outside the session in AppTest: it uses this run's Labels.
    label = words()
    g = label.gettext
    today = dt.date.today()
    st.markdown(_("**What is new?** Fill in only what you know."))
    st.caption(_("Session times: one track is the days that share the same start and end time."))
    tracks = []
    day_index = {day: i for i, day in enumerate(DAYS)}
    for i in range(TRACKS):
        cols = st.columns([3, 2, 2])
        days = cols[0].multiselect(f("Track {number}: days", number=i + 1), DAYS,
                                   key=k(f"t{i}_days"),
                                   format_func=lambda d: label.day(day_index[d]),
                                   placeholder=_("Days"))
        start = cols[1].time_input(_("Starts"), value=None, step=900, key=k(f"t{i}_start"))
        end = cols[2].time_input(_("Ends"), value=None, step=900, key=k(f"t{i}_end"))
        tracks.append({"days": list(days), "start": _time(start), "end": _time(end)})
    left, right = st.columns(2)
    accepting = left.selectbox(_("Taking new clients?"), list[str](ACCEPTING), key=k("accepting"),
                               format_func=lambda v: g(ACCEPTING[v]))
    accepting_as_of = right.date_input(_("As of"), value=None, max_value=today, key=k("as_of"),
                                         format="YYYY-MM-DD")
    with st.expander(_("Wrong phone, address or website?")):
        phone = st.text_input(_("Correct phone"), key=k("phone"), max_chars=40)
        website = st.text_input(_("Correct website"), key=k("website"), max_chars=300,
                                placeholder="https://")
        street = st.text_input(_("Correct street address"), key=k("street"), max_chars=200)
        town_col, zip_col = st.columns([2, 1])
        city = town_col.text_input(_("Town"), key=k("city"), max_chars=100)
        zip_code = zip_col.text_input(_("ZIP code"), key=k("zip"), max_chars=10)
    closed = st.checkbox(_("This program has closed"), key=k("closed"))
    moved = st.checkbox(_("This program has moved"), key=k("moved"))
    no_iop = st.checkbox(_("There is no IOP at this program"), key=k("no_iop"))
    remark = st.text_area(_("Anything else (1,000 characters at most)"), key=k("remark"),
                          max_chars=1000, height=80)
    st.markdown(_("**How do you know?**"))
    via = st.radio(_("How do you know?"), list[str](VIA), key=k("via"),
                   format_func=lambda v: g(VIA[v]),
                   label_visibility="collapsed", horizontal=True)
    left, right = st.columns(2)
    confirmed_on = left.date_input(_("Date (when you called or checked)"), value=today,
                                      max_value=today, key=k("on"), format="YYYY-MM-DD")
    source_url = right.text_input(_("Web page where you read it"), key=k("url"), max_chars=2000,
                                    placeholder="https://")
    form: dict[str, Any] = {
        "program_id": program_id, "tracks": tracks, "accepting": accepting,
        "accepting_as_of": accepting_as_of, "phone": phone, "website": website, "street": street,
        "city": city, "zip": zip_code, "closed": closed, "moved": moved, "no_iop": no_iop,
        "remark": remark, "via": via, "confirmed_on": confirmed_on, "source_url": source_url,
    }
    email = ""
    if mode == "public":
        st.markdown(_("**Who are you?**"))
        form["role"] = st.radio(_("Who are you?"), list[str](ROLE), key=k("role"),
                                format_func=lambda v: g(ROLE[v]),
                                label_visibility="collapsed", horizontal=True)
        email = st.text_input(_("Your email (optional)"), key=k("email"), max_chars=254,
                              help=_(EMAIL_HELP))
        st.caption(_(EMAIL_HELP))
    # The admin's call form may stay English (issue 15: admin pages).
    submit = _("Send update") if mode == "public" else "Record this call and publish"
    if st.form_submit_button(submit, type="primary"):
        return form, email
    return None


def show_problems(err: Exception) -> None:
    """Say what is wrong with a form in the page's language, one line per problem (escaped)."""
    problems = getattr(err, "problems", ())
    if problems:
        # Each line is said in the page's language, then escaped whole: the
        # sentences quote what was typed, and name syntax such as <script>.
        say = words().say
        st.error(_("Please check this and send again:") + "\n\n"
                 + "\n".join(f"- {md(say(p.message))}" for p in problems), icon=":material/error:")
    else:
        message = getattr(err, "user_message", None)
        st.error(words().say(message, escape=md) if message
                 else _("Something went wrong. Please try again."), icon=":material/error:")


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "unknown"


def update_listing(program: Program, prefix: str,
                   known_programs: Collection[str] | None = None) -> None:
    """The "Update this listing" button, and in its place the form once it is pressed."""
    update_listing_button(program, prefix)
    update_listing_form(program, prefix, known_programs)


def update_listing_button(program: Program, prefix: str) -> None:
    """The button alone (the form goes where ``update_listing_form`` is called)."""
    open_key = _key(prefix, program.program_id, "open")
    done_key = _key(prefix, program.program_id, "done")
    if st.session_state.get(done_key) or st.session_state.get(open_key):
        return
    if st.button(_("Update this listing"), key=_key(prefix, program.program_id, "btn"),
                 icon=":material/edit_note:",
                 help=_("Send a correction: session times, openings, phone, address.")):
        st.session_state[open_key] = True
        st.rerun()


def update_listing_form(program: Program, prefix: str,
                        known_programs: Collection[str] | None = None) -> None:
    """The form once the button was pressed, then the thank-you."""
    from finder.errors import FinderError
    from finder.submissions import Queue
    from finder.ui import common

    open_key = _key(prefix, program.program_id, "open")
    done_key = _key(prefix, program.program_id, "done")
    if st.session_state.get(done_key):
        st.success(md_text(st.session_state[done_key]), icon=":material/mark_email_read:")
        return
    if not st.session_state.get(open_key):
        return
    with st.form(_key(prefix, program.program_id, "form")):
        st.markdown("**" + f("Update this listing: {name}", name=md(program.program_name)) + "**")
        st.caption(_(FORM_INTRO))
        sent = collect(program.program_id, prefix)
    if st.button(_("Cancel"), key=_key(prefix, program.program_id, "cancel")):
        st.session_state[open_key] = False
        st.rerun()
    if sent is None:
        return
    form, email = sent
    cfg = common.settings()
    try:
        result = Queue(cfg, store=common.store(cfg)).submit(
            form, email=email, session=_session_id(), known_programs=known_programs)
    except FinderError as err:
        show_problems(err)
        return
    st.session_state[done_key] = "thanks-merged" if result.merged else "thanks"
    st.session_state[open_key] = False
    st.rerun()


def md_text(state: str) -> str:
    """The thank-you text for the stored outcome (constants only, no untrusted text)."""
    return _(THANK_YOU) + (" " + _(MERGED) if state == "thanks-merged" else "")
