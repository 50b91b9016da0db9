"""Approved corrections become a new dataset version: the one way they reach live data.

``publish_corrections`` applies corrections to the live rows and sends the
result through the existing pipeline: ``finder.refresh.prepare_refresh``
(validate, geocode a changed address, diff) and ``store.publish`` (all or
nothing, versioned, under the publishers' lock; the data folder or PostgreSQL). The history entry's source names
the submissions applied.

It is optimistic: it builds the new file from the live file it read, and
publishes only if the live file is still that one (``expected_live_sha256``);
if someone published in between, it reads again and re-applies, so two
approvals at the same time both end up live, each as exactly one version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from finder.config import Settings
from finder.errors import GeocodeNotFound, PublishError
from finder.schedule import weekly_schedule
from finder.store import PublishResult, Store
from finder.store.dataset import csv_rows, rows_to_csv
from finder.submissions.correction import Correction

if TYPE_CHECKING:
    from finder.model import Place
    from finder.refresh import Locator

__all__ = ["Applied", "apply_to_rows", "publish_corrections"]

_RETRIES = 8
_LIVE_CHANGED = "live dataset changed since the plan was prepared"


@dataclass(frozen=True, slots=True)
class Applied:
    """What a publish of corrections did.

    Attributes
    ----------
    result : PublishResult or None
        The new version; None when the corrections changed nothing in the data.
    summary : str
        The history line.
    """

    result: PublishResult | None
    summary: str


def apply_to_rows(rows: list[dict[str, str]], correction: Correction) -> list[dict[str, str]]:
    """Apply one correction to provider CSV rows (a new list; the rows given are not changed).

    Closed and "no IOP here" remove the program; session times, openings,
    phone, website and address replace the cells, with who confirmed them and
    when. A changed address drops the old coordinates so the refresh geocodes
    the new one.

    Parameters
    ----------
    rows : list of dict
        Rows of the provider CSV.
    correction : Correction

    Returns
    -------
    list of dict

    Raises
    ------
    PublishError
        When the program is not in the rows.
    """
    from finder.schema import format_phone

    c = correction
    out = [dict(r) for r in rows]
    index = next((i for i, r in enumerate(out) if r.get("program_id") == c.program_id), None)
    if index is None:
        raise PublishError(f"program {c.program_id} not in the live data",
                           f"The program {c.program_id} is no longer in the live list, so this "
                           "update can't be applied. Reject it, or check the program id.")
    if c.closed or c.no_iop:
        del out[index]
        return out
    row = out[index]
    if c.tracks:
        schedule = c.schedule
        row["schedule"] = schedule
        row["hours_per_week"] = f"{weekly_schedule(schedule).hours_per_week:g}"
        row["schedule_confirmed_on"] = c.confirmed_on.isoformat()
        row["schedule_confirmed_via"] = str(c.via)
    if c.accepting:
        row["accepting_new_clients"] = str(c.accepting)
        row["availability_as_of"] = (c.accepting_as_of or c.confirmed_on).isoformat()
        row["availability_confirmed_via"] = str(c.via)
    if c.phone:
        row["phone"] = format_phone(c.phone)
    if c.website:
        row["website"] = c.website
    moved = False
    for column in ("street", "city", "zip"):
        value = getattr(c, column)
        if value and value.strip().casefold() != (row.get(column) or "").strip().casefold():
            row[column] = value
            moved = True
    if moved:
        row["latitude"] = row["longitude"] = ""
    return out


def _address(row: Mapping[str, str]) -> tuple[str, str, str]:
    street, city, zip_code = ((row.get(c) or "").strip().casefold() for c in ("street", "city", "zip"))
    return street, city, zip_code


class _OnlyThese:
    """A locator that looks up only the given addresses and declines every other."""

    def __init__(self, locator: Locator, addresses: set[tuple[str, str, str]]) -> None:
        self._locator = locator
        self._addresses = addresses

    def geocode_address(self, street: str, city: str, zip_code: str) -> Place:
        """Geocode an address these corrections changed; decline any other."""
        if _address({"street": street, "city": city, "zip": zip_code}) not in self._addresses:
            raise GeocodeNotFound("not part of this correction",
                                  "Left as it was: not part of this correction.")
        return self._locator.geocode_address(street, city, zip_code)


def publish_corrections(
    settings: Settings,
    store: Store,
    corrections: Sequence[tuple[int, Correction]],
    *,
    source: str,
) -> Applied:
    """Apply corrections to the live data and publish them as one new version.

    Parameters
    ----------
    settings : Settings
        The upload limit and the geocoder to use.
    store : Store
        Where the live dataset is (``finder.store.open_store(settings)``).
    corrections : sequence of (submission id, Correction)
        Applied in order.
    source : str
        Where the change comes from, e.g. ``"approved submissions #3, #5"``;
        the history entry carries it.

    Returns
    -------
    Applied

    Raises
    ------
    PublishError
        When the result does not validate, a program is gone, or the live
        data keeps changing; the live data is then unchanged.
    """
    import csv
    import io

    from finder.geocode import build_locator
    from finder.refresh import prepare_refresh

    names = ", ".join(f"#{number}" for number, _ in corrections)
    ids = {c.program_id for _, c in corrections}
    for _attempt in range(_RETRIES):
        live = store.live()
        if live is None:
            raise PublishError("no live dataset", "There is no live program list to update yet. "
                                                  "Publish one on the admin page first.")
        live_sha = live.sha256
        rows = csv_rows(live.data)
        text = live.data.decode("utf-8-sig", errors="replace")
        header = next(csv.reader(io.StringIO(text, newline="")), [])
        for _number, correction in corrections:
            rows = apply_to_rows(rows, correction)
        new = rows_to_csv(rows, [h.strip() for h in header])
        max_bytes = max(settings.upload_max_bytes, len(new))
        # Geocode only the addresses these corrections changed: an approval must
        # not relocate (or send to an online geocoder) any other program.
        moved = {_address(row) for row in rows
                 if row.get("program_id") in ids and not (row.get("latitude") or "").strip()}
        locator = _OnlyThese(build_locator(settings), moved) if moved else None
        plan = prepare_refresh(new, store=store, locator=locator,
                               file_name=f"submissions {names}", max_bytes=max_bytes,
                               max_rows=max(settings.upload_max_rows, len(rows)))
        if plan.live_sha256 != live_sha:
            continue  # someone published while we were applying: read again
        summary = f"Review queue, submissions {names} applied: {plan.diff.summary()}"
        if plan.is_unchanged:
            return Applied(None, "The data already says this: nothing to publish.")
        if not plan.can_publish or plan.output is None:
            problems = "; ".join(f"{i.column}: {i.message}" for i in plan.issues()[:5])
            raise PublishError(
                f"corrections {names} do not validate: {problems}",
                f"Nothing was published: with this change the program list would not pass its "
                f"checks ({problems}). Edit the change, or reject it.",
            )
        try:
            result = store.publish(plan.output, source=source, summary=summary,
                                   expected_live_sha256=live_sha, max_bytes=max_bytes)
        except PublishError as err:
            if str(err) == _LIVE_CHANGED:
                continue
            raise
        return Applied(result, summary)
    raise PublishError("live data kept changing", "The program list kept changing while this was "
                                                  "being published. Nothing was published; try again.")
