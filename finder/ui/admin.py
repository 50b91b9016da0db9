"""The admin page: upload, validate, geocode, review the diff, publish, roll back.

Protected by a password from ``st.secrets["admin_password"]`` or the
environment variable ``FINDER_ADMIN_PASSWORD``. With neither set the page is
off. Nothing about the data is rendered before a successful login.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Sequence

import streamlit as st

from finder.auth import PasswordCheck, Throttle
from finder.config import Settings
from finder.errors import FinderError
from finder.refresh import ProgramChange, RefreshPlan
from finder.ui import common
from finder.ui.safe import md
from finder.words import count

PASSWORD_ENV = "FINDER_ADMIN_PASSWORD"


def _configured_password() -> str:
    try:
        secret = st.secrets.get("admin_password", "")
    except (FileNotFoundError, KeyError, AttributeError, OSError):
        secret = ""
    except Exception:  # streamlit raises its own error when no secrets file exists
        secret = ""
    # A value of only spaces counts as unset (issue 17): fall through to the next source.
    secret = str(secret or "")
    value = secret if secret.strip() else os.environ.get(PASSWORD_ENV, "")
    return value if value.strip() else ""


def admin_enabled() -> bool:
    """Whether an admin password is set, so the Admin page belongs in the navigation."""
    return bool(_configured_password())


@st.cache_resource(show_spinner=False)
def _check(configured: str) -> PasswordCheck | None:
    return PasswordCheck.from_config(configured)


@st.cache_resource(show_spinner=False)
def _throttle() -> Throttle:
    # One per process, keyed per client inside: a new tab is a new session but
    # the same address, and one person's failures never slow anyone else's session.
    return Throttle()


def _client_keys() -> list[str]:
    """This client's throttle keys: its Streamlit session, and its address where exposed."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    keys = [f"session:{ctx.session_id if ctx is not None else 'unknown'}"]
    try:
        address = st.context.ip_address
    except Exception:  # older Streamlit, or no request context (AppTest)
        address = None
    if isinstance(address, str) and address:
        keys.append(f"ip:{address}")
    return keys


def _login(check: PasswordCheck) -> bool:
    if st.session_state.get("admin_ok"):
        return True
    throttle = _throttle()
    with st.form("admin_login"):
        attempt = st.text_input("Admin password", type="password", key="admin_pw")
        submitted = st.form_submit_button("Log in")
    if submitted:
        result = throttle.attempt(_client_keys(), lambda: check.verify(attempt or ""))
        if result.refused:
            st.error(f"Too many wrong passwords from this browser. Wait {max(1, round(result.wait_s))} "
                     "seconds, then try again.")
        elif result.ok:
            st.session_state["admin_ok"] = True
            st.session_state.pop("admin_pw", None)
            st.rerun()
        else:
            st.error("That password is not right.")
    return False


def render() -> None:
    """Draw the admin page."""
    cfg = common.settings()
    common.page_nav(common.page_chrome(cfg))
    st.title("Admin: update the program list")
    check = _check(_configured_password())
    if check is None:
        st.info(
            "The admin page is off because no admin password is set. To turn it on, set the "
            f"environment variable `{PASSWORD_ENV}` (or `admin_password` in "
            "`.streamlit/secrets.toml`) and restart the app. A hash made with "
            "`python -m finder.auth` works too."
        )
        return
    if not _login(check):
        return
    if st.button("Log out", key="admin_logout"):
        st.session_state["admin_ok"] = False
        st.rerun()
    _live_and_history(cfg)
    _upload_and_publish(cfg)
    # Corrections people sent, and the verification call list (issue 13).
    from finder.ui import review

    review.render_queue(cfg)
    review.render_calllist(cfg)
    # Coverage and exports (issue 19): self-contained, in finder/ui/coverage.py.
    from finder.ui import coverage as coverage_ui

    coverage_ui.render_exports(cfg)
    coverage_ui.render_coverage(cfg)


def _live_and_history(cfg: Settings) -> None:

    st.subheader("Live data and history")
    try:
        versions = common.store(cfg).history()
    except FinderError as err:
        st.error(md(err.user_message))
        return
    if not versions:
        st.caption("No published versions yet: the live file is the one shipped with the app.")
        return
    st.dataframe(
        [{"version": v.version, "live": "● live" if v.live else "", "published (UTC)": v.created,
          "programs": v.programs, "what changed": v.summary, "source": v.source,
          "flagged for review": ", ".join(v.flagged_for_review)} for v in versions],
        hide_index=True, width="stretch",
    )
    older = [v.version for v in versions if not v.live]
    if older:
        cols = st.columns([2, 2, 1])
        target = cols[0].selectbox("Roll back to", older, key="rollback_to")
        sure = cols[1].checkbox("Yes, make this version live", key="rollback_sure")
        if cols[2].button("Roll back", key="rollback_go", disabled=not sure):
            try:
                restored = common.store(cfg).rollback(target)
            except FinderError as err:
                st.error(md(err.user_message))
            else:
                st.success(f"Version {md(target)} is live again (recorded as {md(restored.version)}).")


def _upload_and_publish(cfg: Settings) -> None:
    st.subheader("Upload a new file")
    done = st.session_state.pop("admin_published", None)
    if done:
        st.success(done)
    refused = st.session_state.pop("admin_publish_refused", None)
    if refused:
        st.error(md(refused))
    st.caption(
        "A provider CSV (start from `finder template`) or a FindTreatment.gov download. "
        f"Up to {cfg.upload_max_mb:g} MB. Nothing is published until you confirm."
    )
    # A new key after each publish empties the uploader, so the published plan
    # (and its confirmation) cannot be published a second time.
    upload_round = int(st.session_state.get("admin_upload_round", 0))
    # Streamlit's own limit (what the uploader says, and what its server accepts for
    # this widget) follows the setting; the exact byte check is below (issue 18).
    # Streamlit's server refuses any upload over server.maxUploadSize (200 MB by
    # default), whatever the widget says: a larger setting needs that raised too.
    server_mb = int(st.get_option("server.maxUploadSize"))
    if cfg.upload_max_mb > server_mb:
        st.warning(f"The upload setting ({cfg.upload_max_mb:g} MB) is above Streamlit's server "
                   f"limit ({server_mb} MB): files over {server_mb} MB will be refused. Raise "
                   "`server.maxUploadSize` in `.streamlit/config.toml` to match.")
    upload = st.file_uploader("Provider CSV or FindTreatment.gov download", type=["csv", "json"],
                              key=f"admin_upload_{upload_round}",
                              max_upload_size=min(uploader_limit_mb(cfg.upload_max_mb), server_mb))
    cols = st.columns(2)
    merge = cols[0].checkbox("Merge a SAMHSA download (keep our schedules and notes)", key="admin_merge")
    valid_only = cols[1].checkbox("Publish valid rows only", key="admin_valid_only")
    if upload is None:
        return
    data = upload.getvalue()
    max_bytes = cfg.upload_max_bytes
    if len(data) > max_bytes:
        st.error(f"This file is {len(data) / 1_048_576:.1f} MB; the limit is {cfg.upload_max_mb:g} MB "
                 "(the FINDER_UPLOAD_MAX_MB setting). Check that it is the right file.")
        return

    from finder.refresh import NOTHING_TO_PUBLISH, prepare_refresh

    bar = st.progress(0.0, text="Checking the file…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"Finding coordinates: {done} of {total}")

    # The plan the admin reviews is kept for this upload and these options, so a
    # rerun (ticking the box, pressing Publish) neither checks the file again
    # nor re-reads the live data: Publish then publishes exactly what was
    # reviewed, and refuses if someone else published since (issue 17).
    plan_key = (hashlib.sha256(data).hexdigest(), upload.name, merge, valid_only)
    kept = st.session_state.get("admin_plan")
    if kept is not None and kept[0] == plan_key:
        plan = kept[1]
    else:
        st.session_state.pop("admin_plan", None)
        try:
            plan = prepare_refresh(data, store=common.store(cfg), merge=merge, valid_rows_only=valid_only,
                                   max_bytes=max_bytes, max_rows=cfg.upload_max_rows,
                                   locator=common.locator(cfg), progress=progress,
                                   file_name=upload.name)
        except FinderError as err:
            bar.empty()
            st.error(md(err.user_message))
            return
        st.session_state["admin_plan"] = (plan_key, plan)
        st.session_state.pop("admin_sure", None)  # a new review needs a new confirmation
    looked_up = len(plan.geocode_results)
    bar.progress(1.0, text=f"Checked. Coordinates found for {plan.geocoded} of {count(looked_up, 'row', 'rows')}."
                 if looked_up else "Checked.")
    _show_plan(plan)
    if not plan.can_publish:
        st.error("This file can't be published yet. Fix the problems above"
                 + ("" if valid_only else ", or choose 'Publish valid rows only'") + ".")
        return
    if plan.is_unchanged:
        st.info(NOTHING_TO_PUBLISH)
        return
    from finder.refresh import plan_is_current

    if not plan_is_current(plan):
        st.warning("The live data changed after this file was checked (someone else published). "
                   "Check the file again before publishing: the changes below may be out of date.")
        if st.button("Check the file again", key="admin_recheck"):
            st.session_state.pop("admin_plan", None)
            st.rerun()
    st.markdown(f"**Ready:** {md(plan.summary_line)}")
    sure = st.checkbox("I have reviewed the changes. Publish them.", key="admin_sure")
    if st.button("Publish", type="primary", key="admin_publish", disabled=not sure):
        from finder.refresh import publish_plan

        try:
            result = publish_plan(plan, source=upload.name)
        except FinderError as err:
            # Most likely someone else published since the review: start the
            # review again, with the confirmation unticked.
            st.session_state["admin_publish_refused"] = err.user_message
            st.session_state.pop("admin_plan", None)
            st.session_state.pop("admin_sure", None)
            st.rerun()
        version = result.version
        message = (f"Published as {md(version.version)}: {md(version.summary)}. "
                   "Searchers see it on their next click.")
        if version.flagged_for_review:
            message += (" Flagged for review (kept in the history): "
                        + md(", ".join(version.flagged_for_review)) + ".")
        # Start over: an empty uploader, the confirmation unticked, no pending plan.
        st.session_state["admin_published"] = message
        st.session_state["admin_upload_round"] = upload_round + 1
        st.session_state.pop("admin_sure", None)
        st.session_state.pop("admin_plan", None)
        st.rerun()


def _show_plan(plan: RefreshPlan) -> None:
    report = plan.report
    # Notices, the import summary and errors quote the file (column names,
    # values, the file name): always shown as text, never as Markdown.
    if report.file_error:
        st.error(md(report.file_error))
        return
    for notice in plan.notices:
        st.info(md(notice))
    st.markdown(f"**{count(report.rows, 'row', 'rows')} read, {report.valid_rows} valid, "
                f"{count(report.error_count, 'problem', 'problems')}.**")
    if report.errors_truncated:
        st.caption(f"Only the first {len(report.errors)} problems are listed.")
    if plan.import_summary:
        st.caption(md(plan.import_summary))
    issues = plan.issues()
    if issues:
        st.dataframe([i.as_dict() for i in issues], hide_index=True, width="stretch")
        from finder.refresh import issues_to_csv

        st.download_button("Download the problems as CSV", issues_to_csv(issues),
                           file_name="validation-report.csv", mime="text/csv", key="admin_report_dl")
    if plan.geocode_results:
        st.subheader("Coordinates for rows without them")
        st.caption(f"Coordinates found for {plan.geocoded} of "
                   f"{count(len(plan.geocode_results), 'row', 'rows')}.")
        st.dataframe([g.as_dict() for g in plan.geocode_results], hide_index=True,
                     width="stretch")
    if plan.unlocated:
        st.warning(md(plan.unlocated_message))
        st.dataframe(list(plan.unlocated), hide_index=True, width="stretch")
    diff = plan.diff
    st.subheader("Changes compared with the live data")
    st.markdown(f"Added: **{len(diff.added)}** · Removed: **{len(diff.removed)}** · "
                f"Changed: **{len(diff.changed)}**")
    if diff.added:
        with st.expander(f"Added ({len(diff.added)})"):
            st.dataframe([_brief(r) for r in diff.added], hide_index=True, width="stretch")
    if diff.removed:
        with st.expander(f"Removed ({len(diff.removed)})"):
            st.dataframe([_brief(r) for r in diff.removed], hide_index=True, width="stretch")
    if diff.changed:
        with st.expander(f"Changed ({len(diff.changed)})", expanded=True):
            st.dataframe(changed_rows(diff.changed), hide_index=True, width="stretch")
    if plan.flagged:
        st.warning(f"{count(len(plan.flagged), 'live program is', 'live programs are')} kept as "
                   "they are and flagged for review: each one's reason is below (missing from "
                   "the new download, or its new row has errors). The list is kept with the "
                   "published version's history.")
        st.dataframe(
            [{"program_id": f.program_id, "organization": f.organization,
              "program_name": f.program_name, "city": f.city, "why": f.reason}
             for f in plan.flagged],
            hide_index=True, width="stretch",
        )


def changed_rows(changed: Sequence[ProgramChange]) -> list[dict[str, str]]:
    """Return one row per changed field, in the CLI's words (``phone: 'a' -> 'b'``)."""
    return [
        {"program_id": c.program_id, "program": c.name, "city": c.city, "change": f.describe()}
        for c in changed
        for f in c.fields
    ]


def uploader_limit_mb(upload_max_mb: float) -> int:
    """Return the uploader's own limit in whole megabytes (Streamlit takes an int), at least 1."""
    return max(1, math.ceil(upload_max_mb))


def _brief(row: ProgramChange) -> dict[str, str]:
    return {"program_id": row.program_id, "program": row.program_name, "city": row.city}
