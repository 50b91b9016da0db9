"""Pieces every page shares: settings, cached data, the help banner, notices."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from finder.config import Settings
from finder.labels import N_
from finder.store import Store, open_store
from finder.ui import safe
from finder.ui.i18n import _, f

if TYPE_CHECKING:
    from PIL import Image
    from streamlit.delta_generator import DeltaGenerator

    from finder.export import ExportMeta
    from finder.geocode import Locator
    from finder.search import Catalog

    #: The live catalog and what the pages say about it (``source``, ``sample``, ``report``).
    CatalogInfo = tuple[Catalog, dict[str, Any]]

ROOT = Path(__file__).resolve().parent.parent.parent
_log = logging.getLogger(__name__)


def md(text: object) -> str:
    """Escape untrusted text for Markdown: forwards to ``finder.ui.safe.md`` (the one helper)."""
    return safe.md(text)


@st.cache_resource(show_spinner=False)
def favicon() -> Image.Image:
    """A small drawn icon: a Material/emoji page icon would be fetched from Google's CDN."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, 60, 60), fill=(26, 95, 122, 255))
    draw.polygon([(32, 12), (40, 34), (32, 52), (24, 34)], fill=(255, 244, 229, 255))
    return image


def settings() -> Settings:
    """Settings from the environment (cheap; read every run so tests can change them)."""
    return Settings.from_env()


#: What a person sees when the live dataset is missing or unreadable.
DATA_UNAVAILABLE = N_(
    "The program list could not be loaded right now. Please try again later, or call the "
    "Massachusetts Substance Use Helpline at [800-327-5050](tel:+18003275050): they can help "
    "you find a program."
)


@st.cache_resource(show_spinner=False, max_entries=4)
def _open_store(data_dir: str, database_url: str) -> Store:
    # One store per server process and setting: an SqlStore holds a connection
    # pool, which every session and rerun shares.
    return open_store(Settings(data_dir=Path(data_dir), database_url=database_url))


def store(cfg: Settings) -> Store:
    """The store of the live dataset the settings choose (shared by every session)."""
    return _open_store(str(cfg.data_dir), cfg.database_url)


@st.cache_resource(show_spinner=False, max_entries=2)
def _load_catalog(_store: Store, key: str, version: str, max_bytes: int,
                  max_rows: int) -> CatalogInfo:
    # One catalog per dataset version, shared by every session and rerun
    # (st.cache_data would unpickle a copy on every rerun: 130-190 ms at 13,600
    # programs). Nothing changes it after it is built. ``version`` is part of
    # the key: a newly published dataset is a new entry. An unusable file
    # raises, and an exception is never cached, so the next run tries again (a
    # fix by the admin is picked up at once). The validation itself is kept
    # per sha256 of the file (finder.validated): a restart does not redo it.
    from finder.errors import DataError
    from finder.search import Catalog
    loaded = _store.load(max_bytes=max_bytes, max_rows=max_rows)
    if loaded.report.file_error is not None or not loaded.programs:
        raise DataError(
            f"live dataset unusable: {loaded.report.file_error or 'no valid program'}",
            user_message=DATA_UNAVAILABLE,
        )
    from finder.provenance import dataset_source, is_sample_dataset

    # Both worked out from the programs first, so a publish that rewrites the
    # metadata neither drops the sample notice nor the source's date (issue 12).
    source = dataset_source(loaded.programs, _store.meta()).line()
    info: dict[str, Any] = {"source": source, "sample": is_sample_dataset(loaded.programs),
                            "report": loaded.report.as_dict()}
    return Catalog.from_programs(loaded.programs), info


def live_data_max_bytes(cfg: Settings) -> int:
    """The size limit for reading the live dataset, from the ``upload_max_mb`` setting.

    Twice the upload limit: a published file is the accepted upload, possibly
    re-encoded (Latin-1 to UTF-8 at most doubles it) or with coordinates
    added, so a file the admin page accepted is never refused here.
    """
    return 2 * cfg.upload_max_bytes


def load_catalog(cfg: Settings) -> CatalogInfo:
    """Return ``(catalog, info)`` for the live dataset, cached per version; info has ``source``.

    Raises ``DataError`` (with ``DATA_UNAVAILABLE`` as its user message) when
    the dataset is missing, unreadable, too large or has no valid program.
    """
    live = store(cfg)
    # The version token is asked on every rerun: a publish by any app server
    # (or the CLI) is a new key, so this session sees it on its next click.
    return _load_catalog(live, f"{cfg.database_url}|{cfg.data_dir}", live.version_token(),
                         live_data_max_bytes(cfg), cfg.upload_max_rows)


def catalog_or_explain(cfg: Settings) -> CatalogInfo | None:
    """``load_catalog`` for a page: on any failure, log it, say so plainly, return None.

    A missing or broken dataset, or anything unexpected, never shows a traceback.
    """
    try:
        return load_catalog(cfg)
    except Exception:
        _log.exception("the live dataset could not be loaded")
        data_unavailable()
        return None


def data_unavailable() -> None:
    """Say plainly that the program list is not available (the help banner stays above)."""
    st.error(_(DATA_UNAVAILABLE), icon=":material/error:")


@st.cache_resource(show_spinner=False)
def _locator(cfg: Settings) -> Locator:
    from finder.geocode import build_locator

    return build_locator(cfg)


def locator(cfg: Settings) -> Locator:
    """The geocoder for these settings, built once per process."""
    return _locator(cfg)


def help_banner() -> None:
    """The crisis lines, shown at the top of every page."""
    region = safe.html(_("Crisis help"))
    st.markdown(
        f'<div class="help-banner" role="region" aria-label="{region}">{_banner_html()}</div>',
        unsafe_allow_html=True,
    )


#: The crisis lines. The markup is ours and a translation keeps it; on a phone the
#: "long" parts are hidden and the line stays on screen (CSS). Only what was
#: checked is said in a translation: 988 answers in Spanish (press 2, or text
#: AYUDA), and the Helpline offers interpreters (docs/TRANSLATION.md).
BANNER = N_(
    "<strong>Need help now?</strong> Call or text "
    '<a href="tel:988">988</a><span class="long"> (Suicide &amp; Crisis Lifeline)</span> · '
    'Emergency: <a href="tel:911">911</a> · '
    '<span class="long">Massachusetts Substance Use </span>Helpline: '
    '<a href="tel:+18003275050">800-327-5050</a>'
    '<span class="long"> (<a href="https://helplinema.org" target="_blank" '
    'rel="noopener">helplinema.org</a>)</span>'
)


def _banner_html() -> str:
    return _(BANNER)


def sample_notice(cfg: Settings) -> None:
    """Say clearly when the live programs are the fictional sample (told from the data itself)."""
    try:
        _catalog, info = load_catalog(cfg)
    except Exception:  # the page says the data is unavailable; no notice to add
        return
    if info.get("sample"):
        st.warning(
            _("**Sample data.** The programs shown here are fictional, for demonstration. "
              "Do not call them. For real programs, call the Helpline at 800-327-5050."),
            icon=":material/info:",
        )


def export_buttons(
    make_rows: Callable[[], Sequence[Mapping[str, object]]],
    meta: ExportMeta,
    *,
    stem: str,
    key_prefix: str,
    deferred: bool = False,
) -> None:
    """CSV, Excel and print-view download buttons, all from the formula-safe exporter.

    ``make_rows`` returns ``finder.export.export_rows(...)``. With ``deferred``
    the files are built only when a button is pressed (Streamlit runs the
    callable then), so a long result list costs nothing on every rerun.
    """
    from finder.export import to_csv, to_html, to_xlsx

    stamp = meta.exported_on.isoformat()
    files = (
        ("csv", "CSV", lambda: to_csv(make_rows(), meta).encode("utf-8-sig"), "text/csv"),
        ("xlsx", "Excel", lambda: to_xlsx(make_rows(), meta),
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("html", _("Print view (HTML)"), lambda: to_html(make_rows(), meta).encode("utf-8"),
         "text/html"),
    )
    cols = st.columns(len(files))
    for col, (ext, label, build, mime) in zip(cols, files, strict=True):
        col.download_button(label, build if deferred else build(), file_name=f"{stem}-{stamp}.{ext}",
                            mime=mime, key=f"{key_prefix}_{ext}", on_click="ignore")


CSS = """
<style>
.help-banner { background: #fff4e5; border: 1px solid #f0b45b; border-radius: 8px;
  padding: 0.6rem 0.9rem; margin-bottom: 0.8rem; color: #3b2a10; line-height: 1.5; }
.help-banner a { color: #8a3b00; font-weight: 600; }
.card-meta { color: #444; font-size: 0.95rem; }
.badge { display: inline-block; padding: 0 0.4rem; border-radius: 4px; background: #e8f0fe;
  color: #1a3e72; margin-right: 0.25rem; font-size: 0.85rem; }
.badge.mine { background: #d7f5dd; color: #114d1f; font-weight: 600; }
.badge.warn { background: #fdecea; color: #7a1c12; }
/* Captions: Streamlit fades them with opacity 0.6 (4.0:1 on white); AA needs 4.5:1 (axe). */
div[data-testid="stCaptionContainer"] { color: #5a6169; opacity: 1; }
/* The top of the results, where a new search or Next/Previous brings the person;
   the margin keeps it clear of Streamlit's fixed header. */
.results-top { scroll-margin-top: 4.5rem; }
/* The labelled page links (page_nav): only where Streamlit folds its own top
   navigation into an unlabelled "»" (narrower than 768 px, seen in Chromium). */
.st-key-page_nav { display: none !important; }
@media (max-width: 767.98px) {
  .st-key-page_nav { display: flex !important; flex-wrap: wrap; row-gap: 0; margin-bottom: 0.3rem; }
}
@media (max-width: 640px) {
  .block-container { padding-left: 0.8rem; padding-right: 0.8rem; padding-bottom: 5rem; }
  h1 { font-size: 1.7rem !important; }
  /* Phone: the crisis line is one compact bar that stays at the bottom of the screen,
     so it is visible wherever the person has scrolled (issue 18). */
  .help-banner { position: fixed; left: 0; right: 0; bottom: 0; z-index: 999990; margin: 0;
    border-radius: 0; border-width: 1px 0 0 0; padding: 0.35rem 0.7rem; font-size: 0.85rem;
    line-height: 1.35; box-shadow: 0 -1px 4px rgba(0, 0, 0, 0.15); }
  .help-banner .long { display: none; }
  .help-banner a { white-space: nowrap; }
}
</style>
"""


#: The page files, for the labelled navigation row (``st.page_link``).
FIND_PAGE = "finder/ui/pages/find.py"
COMPARE_PAGE = "finder/ui/pages/compare.py"


def page_nav(slot: DeltaGenerator) -> None:
    """The pages by name, "Find a program · Shortlist & compare (n)", shown on a phone.

    On a narrow screen Streamlit folds its top navigation into an unlabelled "»"
    (issue 18), so each page draws this row of labelled links, at the top of the
    page in the ``slot`` that :func:`page_chrome` returns; CSS shows it only at
    phone width, where the top navigation is folded. Call it after the page has
    restored the shortlist from the URL, so the count is current.

    Parameters
    ----------
    slot
        The container :func:`page_chrome` returned.
    """
    count = len(st.session_state.get("sl") or [])
    with slot:
        st.page_link(FIND_PAGE, label=_("Find a program"), icon=":material/search:")
        st.page_link(COMPARE_PAGE,
                     label=f("Shortlist ({count}) & compare", count=count) if count
                     else _("Shortlist & compare"),
                     icon=":material/checklist:")


def page_chrome(cfg: Settings) -> DeltaGenerator:
    """Style, language switch, help banner and sample notice: call first on every page.

    Returns
    -------
    DeltaGenerator
        The empty row at the top of the page for :func:`page_nav`.
    """
    from finder.ui import i18n

    st.markdown(CSS, unsafe_allow_html=True)
    nav = st.container(key="page_nav", horizontal=True, gap="small")
    i18n.language_switch()
    help_banner()
    sample_notice(cfg)
    return nav
