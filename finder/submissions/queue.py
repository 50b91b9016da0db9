"""The review queue: store corrections, enforce the limits, approve or reject them.

A submission never changes live data by itself: it waits as ``pending`` until
an admin approves it (``approve``), and only then is it published, through
``finder.submissions.publishing.publish_corrections``. A call the admin
records (``record_call``, also ``finder verify``) counts as already reviewed
and is published at once; it is kept in the same table, so every published
change names its submission.

Limits (settings): ``submissions_per_session_per_hour`` per browser session
(the session id is kept only as a one-way hash), ``submissions_per_hour`` for
everyone, and ``open_submissions_per_program`` pending per program. A form
larger than ``MAX_FORM_BYTES`` is refused before it is read. Identical
pending submissions (``Correction.fingerprint``) are merged: the count goes up
and nothing new is added to the queue.

The email someone leaves is stored apart from the correction, is never part of
``Submission.as_dict`` or any export, and is deleted when the submission is
closed (approved or rejected).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import sqlalchemy as sa

from finder.config import Settings
from finder.errors import FinderError, Say
from finder.store import Store
from finder.submissions.correction import Correction, CorrectionError, check_correction, check_email
from finder.submissions.db import engine_for_url
from finder.submissions.models import attempts, submissions

__all__ = [
    "MAX_FORM_BYTES",
    "AlreadyReviewed",
    "Decision",
    "Queue",
    "Submission",
    "SubmissionNotFound",
    "SubmissionRefused",
    "SubmissionsUnavailable",
    "SubmitResult",
]

MAX_FORM_BYTES = 16_384
PENDING, PUBLISHING, APPROVED, REJECTED = "pending", "publishing", "approved", "rejected"
STATUSES = (PENDING, PUBLISHING, APPROVED, REJECTED)
_MAX_REASON = 1000


class SubmissionRefused(FinderError):
    """A submission was not accepted (a limit, an unknown program); ``user_message`` says why."""


class SubmissionNotFound(FinderError, LookupError):
    """No submission has this number."""


class AlreadyReviewed(FinderError):
    """The submission was approved or rejected already (perhaps by another admin)."""


class SubmissionsUnavailable(FinderError):
    """The submissions database can't be reached or written; nothing was stored or changed."""

    default_user_message = Say(
        "Updates can't be saved right now. Please try again later. Nothing was changed."
    )


_F = TypeVar("_F", bound=Callable[..., Any])


def _database_errors(method: _F) -> _F:
    """Turn a database failure (unreachable server, read-only folder) into a plain error."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except (sa.exc.SQLAlchemyError, OSError) as err:
            raise SubmissionsUnavailable(
                f"submissions database failed: {err.__class__.__name__}") from err

    return cast(_F, wrapper)


@dataclass(frozen=True, slots=True)
class Submission:
    """One stored submission, without its email (see ``Queue.email_of``)."""

    id: int
    program_id: str
    status: str
    origin: str
    created_at: dt.datetime
    correction: Correction
    reports: int = 1
    has_email: bool = False
    reviewed_at: dt.datetime | None = None
    decision: str = ""
    applied: Correction | None = None
    version: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form (``--format json``): never the email, only whether there is one."""
        return {
            "id": self.id,
            "program_id": self.program_id,
            "status": self.status,
            "origin": self.origin,
            "created_at": self.created_at.isoformat(),
            "reports": self.reports,
            "has_email": self.has_email,
            "correction": self.correction.as_dict(),
            "summary": self.correction.summary(),
            "reviewed_at": self.reviewed_at.isoformat() if self.reviewed_at else None,
            "decision": self.decision or None,
            "applied": self.applied.as_dict() if self.applied else None,
            "version": self.version or None,
        }


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """What ``Queue.submit`` did: the submission's number, and whether it joined an identical one."""

    id: int
    merged: bool


@dataclass(frozen=True, slots=True)
class Decision:
    """What ``approve``/``record_call`` did: the submissions closed and the new version, if any."""

    ids: tuple[int, ...]
    version: str
    summary: str

    def as_dict(self) -> dict[str, Any]:
        """Return ``{"ids", "version", "summary"}``."""
        return {"ids": list(self.ids), "version": self.version or None, "summary": self.summary}


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite gives naive datetimes back; everything stored is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def session_key(session: str) -> str:
    """Return the one-way hash kept for a session id (what the rate limit counts)."""
    return hashlib.sha256(f"finder-session:{session}".encode()).hexdigest()[:32]


class Queue:
    """The submissions and their review, in the database the settings name.

    Parameters
    ----------
    settings : Settings
        The store (data folder or ``database_url``) and the limits.
    store : Store, optional
        The store to publish through; by default ``open_store(settings)``.
        It also names the submissions database (``Store.submissions_url``).
    now : callable, optional
        Returns the current UTC time (tests).
    """

    @_database_errors
    def __init__(self, settings: Settings, *, store: Store | None = None,
                 now: Callable[[], dt.datetime] = _utc_now) -> None:
        from finder.store import open_store

        self.settings = settings
        self.store = store if store is not None else open_store(settings)
        self.engine = engine_for_url(self.store.submissions_url)
        self._now = now

    # ------------------------------------------------------------------ reading

    def _row(self, row: Any) -> Submission:
        applied = row.applied
        return Submission(
            id=row.id, program_id=row.program_id, status=row.status, origin=row.origin,
            created_at=_aware(row.created_at) or self._now(),
            correction=Correction.from_dict(row.correction), reports=row.reports,
            has_email=bool(row.email), reviewed_at=_aware(row.reviewed_at),
            decision=row.decision or "", applied=Correction.from_dict(applied) if applied else None,
            version=row.version or "",
        )

    @_database_errors
    def list_submissions(self, *, status: str | None = PENDING, program_id: str | None = None) -> list[Submission]:
        """Return submissions, oldest first.

        Parameters
        ----------
        status : str or None
            ``pending`` (the default), ``approved``, ``rejected``, or None for all.
        program_id : str, optional
            Only this program's.

        Returns
        -------
        list of Submission
        """
        query = sa.select(submissions).order_by(submissions.c.id)
        if status is not None:
            query = query.where(submissions.c.status == status)
        if program_id:
            query = query.where(submissions.c.program_id == program_id)
        with self.engine.connect() as conn:
            return [self._row(r) for r in conn.execute(query)]

    @_database_errors
    def get(self, submission_id: int) -> Submission:
        """Return one submission, or raise ``SubmissionNotFound``."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(submissions).where(submissions.c.id == submission_id)).first()
        if row is None:
            raise SubmissionNotFound(f"no submission {submission_id}",
                                     f"There is no submission number {submission_id}.")
        return self._row(row)

    @_database_errors
    def email_of(self, submission_id: int) -> str:
        """Return the email left with an open submission (for the admin to follow up), or ``""``."""
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(submissions.c.email)
                                 .where(submissions.c.id == submission_id)).scalar()
        return str(value or "")

    @_database_errors
    def open_counts(self) -> dict[str, dict[str, int]]:
        """Return per program the pending reports: ``{"open": n, "wrong_phone": n}`` (call list)."""
        counts: dict[str, dict[str, int]] = {}
        for s in self.list_submissions(status=PENDING):
            entry = counts.setdefault(s.program_id, {"open": 0, "wrong_phone": 0})
            entry["open"] += s.reports
            if s.correction.phone:
                entry["wrong_phone"] += s.reports
        return counts

    # ------------------------------------------------------------------ submitting

    @_database_errors
    def submit(
        self,
        form: Mapping[str, Any],
        *,
        email: str = "",
        session: str = "",
        known_programs: Collection[str] | None = None,
        today: dt.date | None = None,
    ) -> SubmitResult:
        """Check and store a correction from "Update this listing"; it waits for review.

        Parameters
        ----------
        form : Mapping
            Raw form values (see ``check_correction``).
        email : str
            Optional, for the admin's follow-up only.
        session : str
            The browser session's id (hashed before it is kept), for the
            per-session limit.
        known_programs : collection of str, optional
            The live program ids; read from the live data when not given.
        today : datetime.date, optional
            For tests.

        Returns
        -------
        SubmitResult

        Raises
        ------
        CorrectionError
            A field is wrong (each problem named).
        SubmissionRefused
            Too large, a limit is reached, or the program is not in the list.
        """
        if len(json.dumps(dict(form), default=str)) + len(str(email)) > MAX_FORM_BYTES:
            raise SubmissionRefused("form too large", Say("This update is too long to accept. "
                                                          "Please shorten it (the remark can be "
                                                          "1,000 characters at most)."))
        # Every problem at once, the email's too, so the person fixes them in one go.
        problems: list = []
        try:
            correction = check_correction(form, today=today)
        except CorrectionError as err:
            problems += err.problems
        try:
            email = check_email(email)
        except CorrectionError as err:
            problems += err.problems
        if problems:
            raise CorrectionError(problems)
        if known_programs is None:
            known_programs = self._live_ids()
        if correction.program_id not in known_programs:
            raise SubmissionRefused(f"unknown program {correction.program_id}",
                                    Say("We couldn't find this program in the list. It may have "
                                        "been removed; search again and send the update from its "
                                        "card."))
        key = session_key(session or "anonymous")
        fingerprint = correction.fingerprint()
        now = self._now()
        with self.engine.begin() as conn:
            self._serialize(conn)
            conn.execute(sa.delete(attempts).where(attempts.c.at < now - dt.timedelta(days=1)))
            self._check_rate(conn, key, now)
            same = conn.execute(
                sa.select(submissions.c.id, submissions.c.email).where(
                    submissions.c.fingerprint == fingerprint, submissions.c.status == PENDING)
            ).first()
            conn.execute(sa.insert(attempts).values(at=now, session_key=key))
            if same is not None:
                values: dict[str, Any] = {"reports": submissions.c.reports + 1, "updated_at": now}
                if email and not same.email:
                    values["email"] = email
                conn.execute(sa.update(submissions).where(submissions.c.id == same.id).values(**values))
                return SubmitResult(int(same.id), True)
            open_now = conn.execute(
                sa.select(sa.func.count()).select_from(submissions).where(
                    submissions.c.program_id == correction.program_id,
                    submissions.c.status == PENDING)
            ).scalar_one()
            if open_now >= self.settings.open_submissions_per_program:
                raise SubmissionRefused(
                    "too many open submissions for this program",
                    Say("This program already has many updates waiting for review. The people who "
                        "keep this list will go through them soon; please try again in a few days."))
            new_id = conn.execute(sa.insert(submissions).values(
                program_id=correction.program_id, status=PENDING, origin="public",
                created_at=now, updated_at=now, correction=correction.as_dict(),
                fingerprint=fingerprint, reports=1, email=email or None, session_key=key,
            ).returning(submissions.c.id)).scalar_one()
            return SubmitResult(int(new_id), False)

    def _serialize(self, conn: sa.Connection) -> None:
        """Make concurrent submits take turns (SQLite: BEGIN IMMEDIATE already does)."""
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": 0x1F0D_1301})

    def _check_rate(self, conn: sa.Connection, key: str, now: dt.datetime) -> None:
        hour_ago = now - dt.timedelta(hours=1)
        mine = conn.execute(sa.select(sa.func.count()).select_from(attempts).where(
            attempts.c.session_key == key, attempts.c.at > hour_ago)).scalar_one()
        if mine >= self.settings.submissions_per_session_per_hour:
            raise SubmissionRefused(
                "session rate limit",
                Say.plural("You have sent {n} update in the last hour, the most we accept from "
                           "one browser. Thank you! Please wait an hour before sending more.",
                           "You have sent {n} updates in the last hour, the most we accept from "
                           "one browser. Thank you! Please wait an hour before sending more.", mine))
        everyone = conn.execute(sa.select(sa.func.count()).select_from(attempts).where(
            attempts.c.at > hour_ago)).scalar_one()
        if everyone >= self.settings.submissions_per_hour:
            raise SubmissionRefused(
                "overall rate limit",
                Say("We are receiving a lot of updates right now and can't take more this hour. "
                    "Please try again later. Nothing you sent was lost."))

    def _live_ids(self) -> set[str]:
        loaded = self.store.load(max_bytes=self.settings.upload_max_bytes,
                                 max_rows=self.settings.upload_max_rows)
        return {p.program_id for p in loaded.programs}

    # ------------------------------------------------------------------ deciding

    def _claim(self, conn: sa.Connection, submission_id: int) -> None:
        now = self._now()
        done = conn.execute(sa.update(submissions).where(
            submissions.c.id == submission_id, submissions.c.status == PENDING
        ).values(status=PUBLISHING, updated_at=now)).rowcount
        if done != 1:
            status = conn.execute(sa.select(submissions.c.status)
                                  .where(submissions.c.id == submission_id)).scalar()
            if status is None:
                raise SubmissionNotFound(f"no submission {submission_id}",
                                         f"There is no submission number {submission_id}.")
            raise AlreadyReviewed(f"submission {submission_id} is {status}",
                                  f"Submission {submission_id} is already {status}"
                                  + (" (someone is publishing it right now)." if status == PUBLISHING
                                     else "."))

    def _release(self, ids: Sequence[int]) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.update(submissions).where(
                submissions.c.id.in_(ids), submissions.c.status == PUBLISHING
            ).values(status=PENDING, updated_at=self._now()))

    @_database_errors
    def approve(
        self,
        ids: Sequence[int],
        *,
        edits: Mapping[str, Any] | None = None,
        note: str = "",
        today: dt.date | None = None,
    ) -> Decision:
        """Approve pending submissions and publish their changes as one new version.

        Parameters
        ----------
        ids : sequence of int
            The submissions; applied in this order.
        edits : Mapping, optional
            Form values that replace the submitted ones before publishing
            (only with a single id); checked like a new submission.
        note : str
            Kept with the decision.
        today : datetime.date, optional
            For tests.

        Returns
        -------
        Decision
            ``version`` is ``""`` when nothing in the data changed (a remark).

        Raises
        ------
        AlreadyReviewed, SubmissionNotFound, CorrectionError, PublishError
            Nothing is published and every submission stays pending.
        """
        ids = list(dict.fromkeys(int(i) for i in ids))
        if not ids:
            raise SubmissionRefused("no ids", "Choose at least one submission to approve.")
        if edits and len(ids) != 1:
            raise SubmissionRefused("edits with several ids", "Edit one submission at a time.")
        claimed: list[int] = []
        try:
            with self.engine.begin() as conn:
                for submission_id in ids:
                    self._claim(conn, submission_id)
                    claimed.append(submission_id)
            items = []
            for submission_id in ids:
                correction = self.get(submission_id).correction
                if edits:
                    form = {**_as_form(correction), **dict(edits)}
                    correction = check_correction(form, today=today)
                items.append((submission_id, correction))
            return self._publish_and_close(items, note=note, origin="review")
        except BaseException:
            # The claim was committed in its own transaction; put them back.
            if claimed:
                self._release(claimed)
            raise

    def _publish_and_close(self, items: list[tuple[int, Correction]], *, note: str,
                           origin: str) -> Decision:
        from finder.submissions.publishing import publish_corrections

        names = ", ".join(f"#{i}" for i, _ in items)
        changing = [(i, c) for i, c in items if c.changes_data]
        version, summary = "", ("Nothing in the program list changes: this update has no value to "
                                 "publish (a remark, or \"moved\" without the new address).")
        if changing:
            what = "recorded call" if origin == "call" else "approved submission"
            what += "s" if len(items) > 1 else ""
            applied = publish_corrections(self.settings, self.store, changing,
                                          source=f"IOP Finder review queue: {what} {names}")
            summary = applied.summary
            if applied.result is not None:
                version = applied.result.version.version
        now = self._now()
        with self.engine.begin() as conn:
            for submission_id, correction in items:
                conn.execute(sa.update(submissions).where(submissions.c.id == submission_id).values(
                    status=APPROVED, reviewed_at=now, updated_at=now, applied=correction.as_dict(),
                    version=version or None, decision=note[:_MAX_REASON] or None,
                    email=None,  # closed: the email is deleted
                ))
        return Decision(tuple(i for i, _ in items), version, summary)

    @_database_errors
    def reject(self, submission_id: int, reason: str) -> Submission:
        """Reject a pending submission with a reason; its email is deleted.

        Raises
        ------
        AlreadyReviewed, SubmissionNotFound
        SubmissionRefused
            When no reason is given.
        """
        reason = " ".join(str(reason or "").split())
        if not reason:
            raise SubmissionRefused("no reason", "Say why it is rejected (the reason is kept with it).")
        now = self._now()
        with self.engine.begin() as conn:
            self._claim(conn, submission_id)
            conn.execute(sa.update(submissions).where(submissions.c.id == submission_id).values(
                status=REJECTED, reviewed_at=now, updated_at=now, decision=reason[:_MAX_REASON],
                email=None))
        return self.get(submission_id)

    @_database_errors
    def record_call(self, form: Mapping[str, Any], *, origin: str = "call",
                    today: dt.date | None = None) -> Decision:
        """Record what the admin confirmed (a call, ``finder verify``) and publish it at once.

        It counts as reviewed: it is stored as approved with its version. If
        publishing fails it stays in the queue as pending, so nothing is lost.

        Parameters
        ----------
        form : Mapping
            As for ``submit``; ``role`` defaults to ``admin``.
        origin : str
            ``call`` (the admin page) or ``cli``.
        today : datetime.date, optional

        Returns
        -------
        Decision

        Raises
        ------
        CorrectionError, PublishError
        """
        correction = check_correction({"role": "admin", **dict(form)}, today=today)
        now = self._now()
        with self.engine.begin() as conn:
            new_id = int(conn.execute(sa.insert(submissions).values(
                program_id=correction.program_id, status=PUBLISHING, origin=origin,
                created_at=now, updated_at=now, correction=correction.as_dict(),
                fingerprint=correction.fingerprint(), reports=1, email=None,
                session_key=session_key(origin),
            ).returning(submissions.c.id)).scalar_one())
        try:
            return self._publish_and_close([(new_id, correction)], note="", origin="call")
        except BaseException:
            self._release([new_id])
            raise


def _as_form(correction: Correction) -> dict[str, Any]:
    """Return a stored correction as form values, so edits can be checked like a new submission."""
    form = correction.as_dict()
    form["source_url"] = form.get("source_url") or ""
    return form


__all__ += ["STATUSES", "CorrectionError", "session_key"]
