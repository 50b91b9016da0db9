"""The one way untrusted text reaches a page: escaping for Markdown and HTML, and safe links.

Anything that came from the data, the URL, an upload or an outside service
(the geocoder) is shown through ``md`` (Streamlit Markdown: ``st.markdown``,
``st.error``, ``st.caption``, button labels, ...) or ``html`` (inside
``unsafe_allow_html`` blocks). Links are built only by ``md_link`` and
``html_link``, from an address ``finder.untrusted.web_url`` accepts.

Streamlit's Markdown is CommonMark plus GitHub extensions (autolinks such as
``www.evil.example``), LaTeX (``$...$``), directives (``:red[...]``) and
icon/emoji short codes (``:material/home:``). ``md`` therefore escapes every
ASCII punctuation character with a backslash (CommonMark allows that for all
of them, and it breaks links, images, emphasis and math). Short codes and
GitHub autolinks are found after unescaping, so an invisible word joiner
(U+2060) goes after a ``:`` followed by a letter or ``/``, after ``www`` before
a dot, and after ``@`` (``10:00`` stays as typed). Verified in Chromium by
``tests/test_security_browser.py``. Control characters and bidirectional overrides are dropped, and
line breaks become spaces.

This module does not import streamlit: it only makes strings.
"""

from __future__ import annotations

import html as _html
import re

from finder.untrusted import printable, web_url

__all__ = ["html", "html_link", "md", "md_link", "web_url"]

_MD_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_WORD_JOINER = "\u2060"
# Where Streamlit's renderer finds syntax in the *unescaped* text, so that a
# backslash can't stop it: ":" then a letter starts a short code
# (":material/home:", ":smile:", ":red[...]"), and GitHub autolinks are found in
# "http(s)://", "www." and "name@host". A word joiner (invisible) breaks each.
_BREAK_AFTER = re.compile(r"\\:(?=[A-Za-z]|\\/)|(?i:www)(?=\\\.)|\\@")


def md(text: object) -> str:
    """Return ``text`` escaped so that Streamlit Markdown shows it literally.

    Parameters
    ----------
    text : object
        Untrusted text (turned into a string first).

    Returns
    -------
    str
        Safe to put anywhere in a Markdown string, also inside ``**...**``.
    """
    escaped = _MD_PUNCTUATION.sub(r"\\\1", printable(text))
    return _BREAK_AFTER.sub(lambda m: m.group(0) + _WORD_JOINER, escaped)


def html(text: object) -> str:
    """Return ``text`` escaped for HTML text or a quoted attribute value.

    Parameters
    ----------
    text : object

    Returns
    -------
    str
    """
    return _html.escape(printable(text), quote=True)


def md_link(label: object, url: object) -> str:
    """Return a Markdown link, or the escaped label alone when ``url`` is not acceptable.

    Parameters
    ----------
    label : object
        The link text (escaped here).
    url : object
        A website address from the data; see ``finder.untrusted.web_url``.

    Returns
    -------
    str
    """
    safe_url = web_url(url)
    if safe_url is None:
        return md(label)
    return f"[{md(label)}]({safe_url})"


def html_link(label: object, url: object, *, new_tab: bool = True) -> str:
    """Return an HTML ``<a>`` element, or the escaped label alone when ``url`` is not acceptable.

    Parameters
    ----------
    label : object
    url : object
    new_tab : bool
        Open in a new tab (with ``rel="noopener noreferrer"``).

    Returns
    -------
    str
    """
    safe_url = web_url(url)
    if safe_url is None:
        return html(label)
    target = ' target="_blank" rel="noopener noreferrer"' if new_tab else ""
    return f'<a href="{_html.escape(safe_url, quote=True)}"{target}>{html(label)}</a>'
