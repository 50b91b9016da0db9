"""The page's language: chosen from the URL (``lang=es``), the switch, or the browser.

Every page calls ``_`` / ``f`` / ``n`` for the words it shows; ``finder.labels``
does the translating. The choice is kept in the session and written to the
URL as ``lang``, so a shared link opens in the same language.
"""

from __future__ import annotations

import streamlit as st

from finder.labels import (
    DEFAULT_LOCALE,
    Labels,
    available_locales,
    complete_locales,
    labels,
    pick_locale,
)

_STATE = "_ui_lang"
_SWITCH = "_lang_switch"


def browser_locale() -> str:
    """The browser's language when Streamlit exposes it and a complete catalog exists."""
    try:
        tag = st.context.locale
    except Exception:  # no browser (AppTest, a bare script run)
        tag = None
    return pick_locale(tag, offered=complete_locales())


def current() -> str:
    """The locale of this session: set once from the URL, else from the browser."""
    lang = st.session_state.get(_STATE)
    if lang in available_locales():
        return str(lang)
    # Any catalog may be opened by its link (a translator's preview of a
    # partial one); without a link, only a complete language is chosen for you.
    chosen = _url_locale() or browser_locale()
    st.session_state[_STATE] = chosen
    return chosen


def _url_locale() -> str | None:
    for value in st.query_params.get_all("lang"):
        code = str(value)[:35].strip().replace("_", "-").split("-")[0].lower()
        if code in available_locales():
            return code
    return None


def url_value() -> str | None:
    """``lang`` for the URL: left out only when English is also what the browser would pick."""
    lang = current()
    if lang == DEFAULT_LOCALE and browser_locale() == DEFAULT_LOCALE:
        return None
    return lang


def words() -> Labels:
    """The ``Labels`` of this session's locale."""
    return labels(current())


def _(message: str) -> str:
    """Translate one message into this session's language."""
    return words().gettext(message)


def f(message: str, /, **params: object) -> str:
    """Translate a message and fill in its fields (escape untrusted values first)."""
    return words().format(message, **params)


def n(singular: str, plural: str, count: int, /, **params: object) -> str:
    """Translate a message with a count (``{n}``), by the language's plural rules."""
    text = words().ngettext(singular, plural, count)
    return text.format(**params) if params else text


def _switched() -> None:
    chosen = st.session_state.get(_SWITCH)
    if chosen in available_locales():
        st.session_state[_STATE] = chosen
        value = url_value()
        if value is None:
            st.query_params.pop("lang", None)
        else:
            st.query_params["lang"] = value


def _name(code: str) -> str:
    from babel import Locale

    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def language_switch() -> None:
    """The "Español / English" switch: every complete language, each in its own name."""
    offered = list(complete_locales())
    lang = current()
    if lang not in offered:
        offered.append(lang)
    # Most people read the other language's name: list the one not in use first.
    offered.sort(key=lambda code: code == lang)
    st.session_state[_SWITCH] = lang
    st.segmented_control(
        "Language / Idioma", offered, key=_SWITCH, format_func=_name,
        label_visibility="collapsed", on_change=_switched,
    )
    _page_language(lang)


def _page_language(lang: str) -> None:
    """Set ``<html lang>`` to the page's language, so screen readers read it in the right voice.

    Streamlit writes ``lang="en"`` itself; WCAG 3.1.1 asks for the language of the page.
    ``lang`` is one of the catalogs' codes (never text from outside).
    """
    import json

    code = json.dumps(lang if lang in available_locales() else DEFAULT_LOCALE)
    st.html(f"<script>/* lang {lang} */(window.parent || window).document.documentElement.lang = "
            f"{code};</script>", unsafe_allow_javascript=True)
