"""Admin sections for issue 13: the review queue and the verification call list.

Shown only after the admin has logged in (``finder.ui.admin.render``). Each
pending submission shows the current value beside the proposed one, then a
form to approve it (optionally edited first) or reject it with a reason. The
call list orders programs by need, with their phones, the call script and a
"record this call" form that publishes at once. Every text from a submission
or the data goes through ``finder.ui.safe``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import streamlit as st

from finder.ui import safe
from finder.ui.safe import md

if TYPE_CHECKING:
    from finder.config import Settings
    from finder.model import Program
    from finder.submissions import Queue
    from finder.submissions.queue import Submission
    from finder.submissions.review import FieldComparison

_PAGE = 10
_CALLS_SHOWN = 20


def _programs(cfg: Settings) -> dict[str, Program]:
    from finder.ui import common

    catalog, _info = common.load_catalog(cfg)
    return {p.program_id: p for p in catalog.programs}


def _table(rows: Iterable[FieldComparison]) -> str:
    body = "".join(
        f"<tr><th scope='row'>{safe.html(r.label)}</th><td>{safe.html(r.current)}</td>"
        f"<td>{safe.html(r.proposed)}</td></tr>"
        for r in rows
    )
    return ("<table class='review'><thead><tr><th scope='col'>Field</th><th scope='col'>Now</th>"
            f"<th scope='col'>Proposed</th></tr></thead><tbody>{body}</tbody></table>")


CSS = """
<style>
table.review { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
table.review th, table.review td { text-align: left; vertical-align: top; padding: 0.25rem 0.5rem;
  border-top: 1px solid #e3e3e3; overflow-wrap: anywhere; }
</style>
"""


def render_queue(cfg: Settings) -> None:
    """The review queue: pending submissions, oldest first."""
    from finder.errors import FinderError
    from finder.submissions import Queue
    from finder.submissions.review import side_by_side
    from finder.ui import common

    st.header("Corrections to review")
    try:
        queue = Queue(cfg, store=common.store(cfg))
        pending = queue.list_submissions()
    except FinderError as err:
        st.error(md(err.user_message))
        return
    if flash := st.session_state.pop("review_flash", None):
        st.success(md(flash), icon=":material/check_circle:")
    if not pending:
        st.info("No corrections are waiting for review.")
        return
    st.caption(f"{len(pending)} waiting, oldest first. Nothing here is public until you approve it; "
               "approving publishes a new version of the program list (you can roll it back).")
    programs = _programs(cfg)
    st.markdown(CSS, unsafe_allow_html=True)
    for s in pending[:_PAGE]:
        program = programs.get(s.program_id)
        name = program.program_name if program else f"{s.program_id} (no longer in the list)"
        with st.container(border=True):
            times = f" · reported {s.reports} times" if s.reports > 1 else ""
            st.markdown(f"**#{s.id} · {md(name)}** · sent {s.created_at:%b %d, %Y}{times}")
            st.markdown(_table(side_by_side(s.correction, program)), unsafe_allow_html=True)
            email = queue.email_of(s.id)
            if email:
                st.caption(f"Email for follow-up (never shown publicly; deleted when you decide): "
                           f"{md(email)}")
            with st.form(f"review_{s.id}"):
                schedule = st.text_input(
                    "Session times to publish (edit if needed)", value=s.correction.schedule,
                    key=f"review_{s.id}_schedule", help="opening_hours form, e.g. Mo,We 18:00-21:00")
                accepting = ""
                if s.correction.accepting:
                    choices = ["yes", "no", "waitlist"]
                    accepting = st.selectbox(
                        "Taking new clients (edit if needed)", choices,
                        index=choices.index(str(s.correction.accepting)),
                        key=f"review_{s.id}_accepting")
                note = st.text_input("Note or reason (a reason is needed to reject)",
                                     key=f"review_{s.id}_note", max_chars=1000)
                cols = st.columns(2)
                approve = cols[0].form_submit_button("Approve and publish", type="primary")
                reject = cols[1].form_submit_button("Reject")
            if approve:
                _approve(queue, s, schedule, accepting, note)
            elif reject:
                _reject(queue, s, note)
    if len(pending) > _PAGE:
        st.caption(f"{len(pending) - _PAGE} more after these; decide these first, or use "
                   "`finder submissions list`.")


def _approve(queue: Queue, s: Submission, schedule: str, accepting: str, note: str) -> None:
    from finder.errors import FinderError
    from finder.submissions import tracks_from_spec
    from finder.ui.update import show_problems

    edits: dict[str, object] = {}
    try:
        if schedule.strip() != s.correction.schedule:
            edits["tracks"] = ([t.as_dict() for t in tracks_from_spec(schedule)]
                               if schedule.strip() else [])
        if accepting and accepting != str(s.correction.accepting or ""):
            edits["accepting"] = accepting
        decision = queue.approve([s.id], edits=edits or None, note=note)
    except FinderError as err:
        show_problems(err)
        return
    st.session_state["review_flash"] = (
        f"Approved #{s.id} and published version {decision.version}." if decision.version
        else f"Approved #{s.id}. {decision.summary}")
    st.rerun()


def _reject(queue: Queue, s: Submission, note: str) -> None:
    from finder.errors import FinderError

    try:
        queue.reject(s.id, note)
    except FinderError as err:
        st.error(md(err.user_message))
        return
    st.session_state["review_flash"] = f"Rejected #{s.id}."
    st.rerun()


def render_calllist(cfg: Settings) -> None:
    """The verification call list: who to call first, the script, and a record-this-call form."""
    from finder.errors import FinderError
    from finder.submissions import CALL_SCRIPT, Queue, call_list, call_list_csv
    from finder.ui import common, update
    from finder.ui.find import _tel

    st.header("Verification call list")
    try:
        queue = Queue(cfg, store=common.store(cfg))
        entries = call_list(list(_programs(cfg).values()), queue.open_counts())
    except FinderError as err:
        st.error(md(err.user_message))
        return
    st.caption("Programs most in need of a call first: no session times, then the oldest "
               "confirmation, then open reports of a wrong phone.")
    st.download_button("Download the call list (CSV)", call_list_csv(entries),
                        file_name="iop-finder-call-list.csv", mime="text/csv", key="calllist_csv",
                        icon=":material/download:")
    with st.expander("Call script"):
        st.markdown("\n".join(f"{i}. {line}" for i, line in enumerate(CALL_SCRIPT, start=1)))
    if not entries:
        st.info("There are no programs to call.")
        return
    # The first ones to call, at a glance (a table shows text as text).
    st.dataframe(
        [{"#": e.rank, "Program": e.program.program_name, "Town": e.program.city,
          "Phone": e.program.phone, "Why": e.reason} for e in entries[:_CALLS_SHOWN]],
        hide_index=True, width="stretch",
    )
    if flash := st.session_state.pop("call_flash", None):
        st.success(md(flash), icon=":material/check_circle:")
    labels = {e.program.program_id: f"{e.rank}. {e.program.program_name} ({e.program.city})"
              for e in entries}
    chosen = st.selectbox("Program to call", list[str](labels), format_func=lambda v: labels[v],
                          key="call_pick")
    entry = next(e for e in entries if e.program.program_id == chosen)
    p = entry.program
    phones = [f":material/call: [{md(p.phone)}]({_tel(p.phone)})"]
    if p.intake_phone:
        phones.append(f"Intake: [{md(p.intake_phone)}]({_tel(p.intake_phone)})")
    st.markdown(" · ".join(phones))
    st.caption(md(entry.reason))
    with st.form(f"call_{p.program_id}"):
        st.markdown(f"**Record this call: {md(p.program_name)}**")
        sent = update.collect(p.program_id, "call", mode="call")
    if sent is None:
        return
    form, _email = sent
    try:
        decision = queue.record_call(form)
    except FinderError as err:
        update.show_problems(err)
        return
    st.session_state["call_flash"] = (
        f"Recorded and published version {decision.version}." if decision.version
        else f"Recorded. {decision.summary}")
    # On to the next call: the list is ordered again, the most needed first.
    st.session_state.pop("call_pick", None)
    st.rerun()
