"""Corrections from the people who call: submissions, the review queue, the call list (issue 13).

``Queue`` stores what people send with "Update this listing" (checked by
``check_correction``), enforces the limits, merges identical reports, and lets
an admin approve (publishing a new dataset version) or reject them.
``call_list`` orders the programs by how much they need a call. Nothing here
changes live data except through ``publishing.publish_corrections``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finder.submissions.calllist import CALL_SCRIPT, CallEntry, call_list, call_list_csv
    from finder.submissions.correction import (
        Correction,
        CorrectionError,
        Problem,
        Role,
        Track,
        check_correction,
        check_email,
        tracks_from_spec,
    )
    from finder.submissions.queue import (
        AlreadyReviewed,
        Decision,
        Queue,
        Submission,
        SubmissionNotFound,
        SubmissionRefused,
        SubmissionsUnavailable,
        SubmitResult,
    )

#: Where each public name lives. Imported on first use (PEP 562), so ``finder``'s
#: CLI does not load SQLAlchemy for commands that never touch the submissions.
_HOMES = {
    **dict.fromkeys(("CALL_SCRIPT", "CallEntry", "call_list", "call_list_csv"), "calllist"),
    **dict.fromkeys(("Correction", "CorrectionError", "Problem", "Role", "Track",
                     "check_correction", "check_email", "tracks_from_spec"), "correction"),
    **dict.fromkeys(("AlreadyReviewed", "Decision", "Queue", "Submission", "SubmissionNotFound",
                     "SubmissionRefused", "SubmissionsUnavailable", "SubmitResult"), "queue"),
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"finder.submissions.{home}"), name)


__all__ = [
    "CALL_SCRIPT",
    "AlreadyReviewed",
    "CallEntry",
    "Correction",
    "CorrectionError",
    "Decision",
    "Problem",
    "Queue",
    "Role",
    "Submission",
    "SubmissionNotFound",
    "SubmissionRefused",
    "SubmissionsUnavailable",
    "SubmitResult",
    "Track",
    "call_list",
    "call_list_csv",
    "check_correction",
    "check_email",
    "tracks_from_spec",
]
