"""The project's error hierarchy.

Every error carries ``user_message``: a plain sentence to show a person, with
no internals. ``str(err)`` stays the detailed message for logs. Third-party
exceptions are translated once, where they enter (geopy in ``geocode``), with
``raise ... from err`` (the geopy and pygeoapi pattern).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from finder.model import Place

__all__ = [
    "DataError",
    "FinderError",
    "GeocodeError",
    "GeocodeNotFound",
    "GeocodeUnavailable",
    "OutsideMassachusetts",
    "PublishError",
    "Say",
]


def _english(params: dict[str, object]) -> dict[str, object]:
    """Values as an English sentence shows them: dates as "Aug 19, 2025", counts as "1,000"."""
    import datetime as dt

    return {key: f"{v:%b} {v.day}, {v.year}" if isinstance(v, dt.date)
            else f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else v
            for key, v in params.items()}


class Say(str):
    """A sentence for a person, kept with the template and values it was made from.

    It is the English text (a ``str``, so logs, tests and the CLI read it as
    before), and ``finder.labels`` can say it again in another locale: it
    looks each template up in the catalog and fills in the values, which are
    data (a ZIP code, a town, what was typed) and stay as they are.

    Parameters
    ----------
    template : str
        English with ``{name}`` fields; extracted into the catalogs.
    **params : object
        The values; another ``Say`` is translated in turn.

    Examples
    --------
    >>> Say("Did you mean {place}?", place="Worcester")
    'Did you mean Worcester?'
    """

    parts: tuple[tuple[str | tuple[str, str], dict[str, object]], ...]

    def __new__(cls, template: str = "", /, **params: object) -> Say:  # noqa: D102
        made = super().__new__(cls, template.format(**_english(params)) if params else template)
        made.parts = ((template, params),) if template else ()
        return made

    @classmethod
    def plural(cls, singular: str, plural: str, n: int, /, **params: object) -> Say:
        """Make a sentence with a count ``{n}`` (English picks by ``n == 1``, a translation by its rules).

        Parameters
        ----------
        singular, plural : str
            English templates, each with ``{n}``.
        n : int
        **params : object
        """
        values = {**params, "n": n}
        made = str.__new__(cls, (singular if n == 1 else plural).format(**_english(values)))
        made.parts = (((singular, plural), values),)
        return made

    @classmethod
    def joined(cls, *pieces: str) -> Say:
        """Join sentences with a space, keeping each one's template (empty pieces are skipped)."""
        kept = [p for p in pieces if p]
        made = str.__new__(cls, " ".join(kept))
        made.parts = tuple(
            part for p in kept
            for part in (p.parts if isinstance(p, Say) else ((str(p), {}),))
        )
        return made


class FinderError(Exception):
    """Root of every error this package raises on purpose.

    Parameters
    ----------
    message : str
        Detail for logs and developers.
    user_message : str, optional
        What to tell the person. Defaults to a generic, calm sentence.
    """

    default_user_message: str = Say("Something went wrong on our side. Please try again.")

    def __init__(self, message: str, user_message: str | None = None) -> None:
        super().__init__(message)
        self.user_message = user_message or self.default_user_message


class DataError(FinderError, ValueError):
    """A data file cannot be used at all (not a CSV, wrong encoding, empty...)."""

    default_user_message = "This file can't be used as a provider CSV."


class GeocodeError(FinderError):
    """A location could not be turned into a point."""

    default_user_message = Say(
        "We couldn't find that place in Massachusetts. "
        "Try a ZIP code or a town name."
    )


class GeocodeNotFound(GeocodeError, LookupError):
    """Nothing matched; ``suggestions`` holds "did you mean" candidates."""

    def __init__(
        self,
        message: str,
        user_message: str | None = None,
        suggestions: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, user_message)
        self.suggestions = suggestions


class OutsideMassachusetts(GeocodeNotFound):
    """The place is outside Massachusetts, which is all the app covers.

    ``nearby`` is the place itself when it lies close enough to Massachusetts
    that Massachusetts programs may be reachable from it (``Place.note``
    says so); None otherwise.
    """

    def __init__(
        self,
        message: str,
        user_message: str | None = None,
        suggestions: tuple[str, ...] = (),
        nearby: Place | None = None,
    ) -> None:
        super().__init__(message, user_message, suggestions)
        self.nearby = nearby


class GeocodeUnavailable(GeocodeError, ConnectionError):
    """The online geocoding service failed, timed out, or refused us."""

    default_user_message = Say(
        "The address lookup service isn't answering right now. "
        "Try a ZIP code or a town name instead."
    )


class PublishError(FinderError):
    """A dataset could not be published; the live dataset is unchanged."""

    default_user_message = (
        "The dataset was not published. The live data is unchanged."
    )
