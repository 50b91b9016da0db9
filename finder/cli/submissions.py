"""``finder submissions``, ``finder calllist`` and ``finder verify``: the review queue for scripts.

Exit codes follow the rest of the CLI: 0 done, 1 refused (already reviewed,
nothing to approve, not confirmed), 2 the input cannot be used (a bad field, an
unknown submission or program, a publish that failed). Registered with the
other command groups in ``finder/cli/__init__.py``. Every text printed goes
through ``echo`` (``finder.terminal.echo``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import click

from finder.cli._common import echo, echo_json, fail, settings, store
from finder.config import Settings
from finder.errors import FinderError
from finder.model import Program

if TYPE_CHECKING:  # imported when used: SQLAlchemy is not needed by every command
    from finder.submissions.queue import Queue

__all__ = ["calllist_command", "submissions_group", "verify_command"]

_FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                       show_default=True)
_fail = fail
_settings = settings
_json = echo_json


def _queue(cfg: Settings) -> Queue:
    from finder.submissions.queue import Queue

    try:
        return Queue(cfg, store=store(cfg))
    except FinderError as err:
        _fail(err.user_message)
    except Exception as err:  # a database that can't be opened: say so plainly, no URL
        _fail(f"The submissions database can't be opened ({err.__class__.__name__}). Check "
              "FINDER_DATABASE_URL, or that the data folder can be written.")


def _live_programs(cfg: Settings) -> list[Program]:
    live = store(cfg)
    loaded = live.load(max_bytes=cfg.upload_max_bytes, max_rows=cfg.upload_max_rows)
    if loaded.report.file_error is not None:
        _fail(loaded.report.to_text(live.describe()))
    return list(loaded.programs)


def _problems(err: FinderError) -> NoReturn:
    from finder.submissions.correction import CorrectionError

    if isinstance(err, CorrectionError):
        _fail("\n".join(f"{p.field}: {p.message}" for p in err.problems))
    _fail(err.user_message)


@click.group("submissions")
def submissions_group() -> None:
    """Review the corrections people sent with "Update this listing"."""


@submissions_group.command("list")
@click.option("--status", type=click.Choice(["pending", "approved", "rejected", "all"]),
              default="pending", show_default=True)
@click.option("--program", "program_id", default=None, help="Only this program's submissions.")
@_FORMAT
def list_command(status: str, program_id: str | None, fmt: str) -> None:
    """List submissions, oldest first (the email is never shown)."""
    queue = _queue(_settings())
    items = queue.list_submissions(status=None if status == "all" else status, program_id=program_id)
    if fmt == "json":
        _json({"status": status, "count": len(items), "submissions": [s.as_dict() for s in items]})
        return
    if not items:
        echo(f"No {'' if status == 'all' else status + ' '}submissions.")
        return
    for s in items:
        times = f" ×{s.reports}" if s.reports > 1 else ""
        echo(f"#{s.id}  {s.status:<9} {s.program_id}  {s.created_at:%Y-%m-%d}{times}  "
             f"{s.correction.summary()}")


def _show(queue: Queue, submission_id: int, programs: Sequence[Program]) -> dict[str, Any]:
    from finder.submissions.review import side_by_side

    s = queue.get(submission_id)
    program = next((p for p in programs if p.program_id == s.program_id), None)
    payload = s.as_dict()
    payload["program_name"] = program.program_name if program else None
    payload["compare"] = [f.as_dict() for f in side_by_side(s.correction, program)]
    return payload


@submissions_group.command("show")
@click.argument("submission_id", type=int)
@_FORMAT
def show_command(submission_id: int, fmt: str) -> None:
    """Show one submission: the current value beside the proposed one."""
    settings = _settings()
    queue = _queue(settings)
    try:
        payload = _show(queue, submission_id, _live_programs(settings))
    except FinderError as err:
        _problems(err)
    if fmt == "json":
        _json(payload)
        return
    echo(f"Submission #{payload['id']} ({payload['status']}, {payload['origin']}, "
         f"reported {payload['reports']} time{'s' if payload['reports'] != 1 else ''})")
    echo(f"Program: {payload['program_id']}  {payload['program_name'] or '(not in the list)'}")
    width = max(len(f["field"]) for f in payload["compare"])
    for f in payload["compare"]:
        if f["current"]:
            echo(f"  {f['field']:<{width}}  now: {f['current']}")
            echo(f"  {'':<{width}}  new: {f['proposed']}")
        else:
            echo(f"  {f['field']:<{width}}  {f['proposed']}")
    if payload["has_email"]:
        echo("  The sender left an email for follow-up (shown on the admin page only).")
    if payload["decision"]:
        echo(f"Decision: {payload['decision']}")


def _edits(values: Sequence[str]) -> dict[str, Any]:
    from finder.submissions.correction import CorrectionError, tracks_from_spec

    edits: dict[str, Any] = {}
    for item in values:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            _fail(f"--edit takes FIELD=VALUE, such as schedule='Mo,We 18:00-21:00'; got {item!r}")
        if name == "schedule":
            try:
                edits["tracks"] = [t.as_dict() for t in tracks_from_spec(value)]
            except CorrectionError as err:
                _problems(err)
        else:
            edits[name] = value
    return edits


@submissions_group.command("approve")
@click.argument("submission_ids", type=int, nargs=-1, required=True)
@click.option("--edit", "edits", multiple=True, metavar="FIELD=VALUE",
              help="Change a field before publishing (one submission only), e.g. "
                   "schedule='Mo,We 18:00-21:00' or accepting=waitlist.")
@click.option("--note", default="", help="A note kept with the decision.")
@_FORMAT
def approve_command(submission_ids: tuple[int, ...], edits: tuple[str, ...], note: str,
                    fmt: str) -> None:
    """Approve submissions and publish their changes as one new dataset version."""
    from finder.submissions.queue import AlreadyReviewed

    queue = _queue(_settings())
    try:
        decision = queue.approve(list(submission_ids), edits=_edits(edits) or None, note=note)
    except AlreadyReviewed as err:
        _fail(err.user_message, 1)
    except FinderError as err:
        _problems(err)
    if fmt == "json":
        _json(decision.as_dict())
        return
    ids = ", ".join(f"#{i}" for i in decision.ids)
    if decision.version:
        echo(f"Approved {ids} and published version {decision.version}: {decision.summary}")
    else:
        echo(f"Approved {ids}. {decision.summary}")


@submissions_group.command("reject")
@click.argument("submission_id", type=int)
@click.option("--reason", required=True, help="Why (kept with the submission).")
@_FORMAT
def reject_command(submission_id: int, reason: str, fmt: str) -> None:
    """Reject a submission with a reason; nothing is published and its email is deleted."""
    from finder.submissions.queue import AlreadyReviewed

    queue = _queue(_settings())
    try:
        s = queue.reject(submission_id, reason)
    except AlreadyReviewed as err:
        _fail(err.user_message, 1)
    except FinderError as err:
        _problems(err)
    if fmt == "json":
        _json(s.as_dict())
    else:
        echo(f"Rejected #{s.id}: {s.decision}")


@click.command("calllist")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text",
              show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N programs.")
def calllist_command(fmt: str, limit: int | None) -> None:
    """Programs to call, most in need first: no session times, oldest confirmation, wrong phone."""
    from finder.submissions.calllist import CALL_SCRIPT, call_list, call_list_csv

    settings = _settings()
    entries = call_list(_live_programs(settings), _queue(settings).open_counts())
    if limit:
        entries = entries[:limit]
    if fmt == "json":
        _json({"script": list(CALL_SCRIPT), "programs": [e.as_dict() for e in entries]})
    elif fmt == "csv":
        echo(call_list_csv(entries).decode("utf-8"), nl=False)
    else:
        echo("Call script:")
        for number, line in enumerate(CALL_SCRIPT, start=1):
            echo(f"  {number}. {line}")
        echo("")
        for e in entries:
            p = e.program
            phones = p.phone + (f", intake {p.intake_phone}" if p.intake_phone else "")
            echo(f"{e.rank:>4}. {p.program_id}  {p.program_name} ({p.city})  {phones}")
            echo(f"      {e.reason}")


@click.command("verify")
@click.argument("program_id")
@click.option("--schedule", "spec", required=True, metavar="SPEC",
              help="The session times in opening_hours form, e.g. 'Mo,We,Th 18:00-21:00'.")
@click.option("--accepting", type=click.Choice(["yes", "no", "waitlist"]), default=None,
              help="Whether the program takes new clients.")
@click.option("--source", "via", type=click.Choice(["phone", "website", "staff"]), required=True,
              help="How it was confirmed.")
@click.option("--url", default="", help="The program's web page (with --source website).")
@click.option("--on", "on", required=True, metavar="DATE", help="When it was confirmed (YYYY-MM-DD).")
@click.option("--yes", "assume_yes", is_flag=True, help="Publish without asking.")
@_FORMAT
def verify_command(program_id: str, spec: str, accepting: str | None, via: str, url: str, on: str,
                   assume_yes: bool, fmt: str) -> None:
    """Record a confirmed schedule (and openings) for a program and publish it.

    It counts as reviewed: a new dataset version is published at once, and its
    history entry names the recorded submission.
    """
    from finder.submissions.correction import check_correction, tracks_from_spec
    from finder.submissions.review import side_by_side

    settings = _settings()
    programs = _live_programs(settings)
    program = next((p for p in programs if p.program_id == program_id), None)
    if program is None:
        _fail(f"There is no program {program_id!r} in the live list.")
    try:
        form: dict[str, Any] = {
            "program_id": program_id, "role": "admin", "via": via, "confirmed_on": on,
            "source_url": url, "tracks": [t.as_dict() for t in tracks_from_spec(spec)],
        }
        if accepting:
            form["accepting"], form["accepting_as_of"] = accepting, on
        correction = check_correction(form)
    except FinderError as err:
        _problems(err)
    if not assume_yes:
        for f in side_by_side(correction, program):
            echo(f"  {f.label}: {f.current + ' -> ' if f.current else ''}{f.proposed}")
        if not sys.stdin.isatty() or not click.confirm("Publish this as a new version?"):
            _fail("Nothing was published (add --yes to publish without asking).", 1)
    try:
        decision = _queue(settings).record_call(form, origin="cli")
    except FinderError as err:
        _problems(err)
    if fmt == "json":
        _json(decision.as_dict())
    elif decision.version:
        echo(f"Recorded as #{decision.ids[0]} and published version {decision.version}.")
    else:
        echo(f"Recorded as #{decision.ids[0]}. {decision.summary}")

