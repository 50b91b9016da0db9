"""Rules for text and web addresses that come from outside: data, a URL, an upload, a service.

One home for each rule, used by every face of the app:

- ``web_url`` is the one URL parser: a website is accepted only when
  ``urllib.parse`` reads it as ``http``/``https`` with a host, without
  whitespace, control characters or a user name, and it comes back with
  every character Markdown or HTML treats as syntax percent-encoded. The
  schema checks data with it and ``finder.ui.safe`` builds links only from it.
- ``text_problem`` says why a cell's text can't be shown safely (control
  characters, bidirectional overrides, Streamlit's ``:material/...:`` icon
  and ``:color[...]`` syntax).
- ``printable`` strips control characters (terminal escape sequences) and
  bidirectional overrides: the CLI passes every text it echoes through it.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit, urlunsplit

__all__ = ["BIDI_CONTROLS", "printable", "terminal_text", "text_problem", "url_problem", "web_url"]

#: Bidirectional embedding, override and isolate characters (Unicode TR9): they
#: can make text read differently from what it is ("Trojan Source").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

# Streamlit's Markdown turns ``:material/name:`` into an icon, ``:smile:`` into an
# emoji and ``:red[...]`` / ``:red-background[...]`` into coloured text.
_STREAMLIT_SYNTAX = re.compile(r":(?:material|rainbow|[a-z]+(?:-background)?)(?:/[A-Za-z0-9_]+:|\[)")
# Characters a URL may keep as they are: RFC 3986 unreserved, the delimiters
# that are not Markdown/HTML syntax, and "%" of existing escapes. Everything
# else (``( ) [ ] ! < > " ' ` * _ { } | \ ^`` and non-ASCII) is percent-encoded.
_URL_SAFE = "/?#&=;:,@+%.-~"
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+")
_MAX_URL = 2000
_MARKUP_CHARS = frozenset("()[]!<>\"'`{}|^*")


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in {"Cc", "Cf"} and ch not in "\u200d"  # keep emoji joiners


def printable(text: object) -> str:
    """Return ``text`` without control characters or bidirectional overrides.

    For a terminal: an escape sequence (``ESC [ ...``) from a header or cell
    can no longer recolour, move the cursor or rewrite what the admin sees.
    Line breaks and tabs become spaces.

    Parameters
    ----------
    text : object
        Anything; it is turned into a string first.

    Returns
    -------
    str
    """
    value = str(text)
    if value.isascii() and value.isprintable():
        return value
    return "".join(" " if ch in "\t\n\r" else ch for ch in value if ch in "\t\n\r" or not _is_control(ch))


_HARMLESS_FORMAT = frozenset("\u00ad\u200c\u200d")  # soft hyphen, zero-width (non-)joiner


def terminal_text(text: object) -> str:
    r"""Return ``text`` made inert for a terminal, for every line the CLI prints.

    Control characters (``ESC``, ``CSI`` and the rest of C0/C1 except line
    breaks, tabs and CRLF line endings) and invisible format characters such as bidirectional
    overrides are replaced by a visible ``\uXXXX`` escape, so nothing can
    recolour the terminal, move the cursor or reorder a line, and the admin
    still sees that something was there. In JSON output these characters can
    only occur inside strings, where ``\uXXXX`` is the same character, so
    the JSON stays valid and means the same.

    Parameters
    ----------
    text : object

    Returns
    -------
    str
    """
    value = str(text)
    if value.isascii() and all(ch in "\n\t" or " " <= ch <= "~" for ch in value.replace("\r\n", "\n")):
        return value
    out = []
    for i, ch in enumerate(value):
        crlf = ch == "\r" and value[i + 1:i + 2] == "\n"  # a CRLF line ending (CSV output)
        if crlf or ch in "\n\t" or ch in _HARMLESS_FORMAT or unicodedata.category(ch) not in {"Cc", "Cf"}:
            out.append(ch)
        elif ord(ch) > 0xFFFF:
            high, low = divmod(ord(ch) - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}")
        else:
            out.append(f"\\u{ord(ch):04x}")
    return "".join(out)


def text_problem(value: str) -> str | None:
    """Return why a text cell can't be shown as it is, or None when it can.

    Parameters
    ----------
    value : str
        One cell of the provider CSV.

    Returns
    -------
    str or None
        A plain-language reason for the validation report, an ``errors.Say``
        so the "Update this listing" form can say it in the page's language.
    """
    from finder.errors import Say

    if any(ch in BIDI_CONTROLS for ch in value):
        return Say("contains a right-to-left/left-to-right override character, which can make "
                   "the text read differently from what it is; retype it")
    if any((ord(ch) < 32 and ch != "\t") or 0x7F <= ord(ch) < 0xA0 for ch in value):
        return Say("contains control characters or line breaks")
    if _STREAMLIT_SYNTAX.search(value):
        return Say("contains formatting codes such as ':material/...:' or ':red[...]'; "
                   "write plain text")
    return None


def url_problem(raw: str) -> str | None:
    """Return why ``raw`` is not an acceptable website address, or None.

    Parameters
    ----------
    raw : str

    Returns
    -------
    str or None
        The reason, an ``errors.Say`` (said in the page's language by the form).
    """
    from finder.errors import Say

    if web_url(raw) is None:
        return Say("must be a web address starting with https://, such as "
                   "https://www.example.org (no spaces, user name or backslashes)")
    syntax = sorted({ch for ch in raw if ch in _MARKUP_CHARS})
    if syntax:
        # Accepted by the parser, but these are Markdown/HTML syntax: the data
        # keeps only addresses that mean the same in every place they are shown.
        return Say("contains {characters}, which a web address must write percent-encoded "
                   "(for example ( as %28 and ) as %29)", characters=" ".join(syntax))
    return None


def web_url(raw: object) -> str | None:
    """Parse a website address and return it in a form safe for a link, or None.

    Accepted: ``http`` or ``https`` (any case), a host name with a dot (letters,
    digits, ``-``), an optional port, and a path, query and fragment. Refused:
    whitespace or control characters anywhere, a user name or password
    (``https://helpline.org@evil.example``), IP addresses and ``localhost``,
    backslashes, and anything ``urllib.parse`` cannot read. In what is kept,
    characters Markdown or HTML treat as syntax are percent-encoded, so the
    result can go into ``[label](url)`` or ``href="..."`` unchanged.

    Parameters
    ----------
    raw : object
        The address as written in the data.

    Returns
    -------
    str or None
        The normalized address, or None when it is not acceptable.
    """
    if not isinstance(raw, str) or not raw or len(raw) > _MAX_URL:
        return None
    if any(ch.isspace() or _is_control(ch) or ch == "\\" for ch in raw):
        return None
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"}:
        return None
    if not parts.netloc or "@" in parts.netloc or parts.username is not None:
        return None
    host = (parts.hostname or "").rstrip(".")
    if not _HOST.fullmatch(host) or host.rsplit(".", 1)[-1].isdigit():
        return None
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((
        parts.scheme.lower(),
        netloc,
        quote(parts.path, safe=_URL_SAFE) or "",
        quote(parts.query, safe=_URL_SAFE),
        quote(parts.fragment, safe=_URL_SAFE),
    ))
