"""Export a shortlist or a result list as CSV, Excel (openpyxl) or a print-friendly page.

Every export states the search, the date and the data source. Every text cell
is neutralized against spreadsheet formula injection by ``neutralize``, the one
guard every export uses (also the admin's problems CSV): a cell that starts with
``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line break, also after
leading spaces (a no-break space too), gets a leading ``'`` so a spreadsheet
shows it as text instead of running it (OWASP "CSV Injection",
https://owasp.org/www-community/attacks/CSV_Injection). A cell that is exactly
a plain decimal number such as ``-71.1`` is left alone in every export: a
spreadsheet reads it as that number and nothing else.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from finder.labels import N_, labels
from finder.provenance import only_some_facts_confirmed, schedule_confirmation_text

__all__ = [
    "EXPORT_COLUMNS",
    "ExportMeta",
    "export_rows",
    "neutralize",
    "to_csv",
    "to_html",
    "to_xlsx",
]

_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
# Invisible characters a spreadsheet skips before reading a formula.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"

#: (key, header) of every exported column, in order; headers in English (``headers`` translates).
EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("program_name", N_("Program")),
    ("organization", N_("Organization")),
    ("level_of_care", N_("Level of care")),
    ("distance_miles", N_("Distance (miles)")),
    ("address", N_("Address")),
    ("phone", N_("Phone")),
    ("intake_phone", N_("Intake phone")),
    ("website", N_("Website")),
    ("schedule", N_("Sessions")),
    ("fit", N_("Fit to availability")),
    ("hours_per_week", N_("Hours per week")),
    ("insurance", N_("Insurance / payment")),
    ("services", N_("Services")),
    ("populations", N_("Populations")),
    ("languages", N_("Languages")),
    ("attendance", N_("Attendance")),
    ("accepting_new_clients", N_("Accepting new clients")),
    ("availability_as_of", N_("Accepting as of")),
    ("availability_confirmed_via", N_("Accepting confirmed via")),
    ("intake", N_("Intake")),
    ("schedule_confirmation", N_("Session times confirmed")),
    ("listed_as_of", N_("Listed by source on")),
    ("last_verified", N_("Last verified")),
    ("source", N_("Source")),
    ("listing_notes", N_("About this listing")),
    ("notes", N_("Case manager notes")),
    ("program_id", N_("Program ID")),
)
#: Values of closed vocabularies as a person reads them (the data keeps the English token).
_VALUE_WORDS = {
    "fits": N_("fits"), "partly fits": N_("partly fits"), "does not fit": N_("does not fit"),
    "yes": N_("yes"), "no": N_("no"), "waitlist": N_("waitlist"), "unknown": N_("unknown"),
    "walk-in": N_("walk-in"), "call": N_("call"), "referral": N_("referral"),
    "phone": N_("phone"), "website": N_("website"), "staff": N_("staff"), "other": N_("other"),
}


def headers(locale: str = "en") -> list[tuple[str, str]]:
    """Return ``(key, header)`` of every column, headers in the locale.

    Parameters
    ----------
    locale : str

    Returns
    -------
    list of (str, str)
    """
    words = labels(locale)
    return [(key, words.gettext(header)) for key, header in EXPORT_COLUMNS]


@dataclass(frozen=True, slots=True)
class ExportMeta:
    """What an export says about itself; ``locale`` is the language of its words."""

    search: str
    data_source: str
    exported_on: dt.date = field(default_factory=dt.date.today)
    title: str = "IOP Finder results"
    locale: str = "en"

    def lines(self) -> list[tuple[str, str]]:
        """Return ``(label, value)`` pairs for the export's heading."""
        words = labels(self.locale)
        return [
            (words.gettext("Search"), self.search),
            (words.gettext("Exported"), self.exported_on.isoformat()),
            (words.gettext("Data source"), self.data_source),
        ]


def neutralize(value: object) -> object:
    """Make one cell inert in a spreadsheet.

    Parameters
    ----------
    value : object
        A cell value.

    Returns
    -------
    object
        Numbers and None unchanged; a string whose first visible character
        is a formula trigger (or that starts with a tab, carriage return or
        line break) gets a leading ``'``. A plain decimal number is unchanged.
    """
    if not isinstance(value, str) or not value or _PLAIN_NUMBER.fullmatch(value):
        return value
    if value.startswith(_DANGEROUS_START):
        return "'" + value
    visible = value
    while visible and (visible[0].isspace() or visible[0] in _INVISIBLE):
        visible = visible[1:]
    if visible.startswith(_DANGEROUS_START):
        return "'" + value
    return value


def _whole(value: float | None) -> float | int | None:
    """18.0 hours reads as 18 in every export; 7.5 stays 7.5."""
    if value is not None and float(value).is_integer():
        return int(value)
    return value


def _join(values: Iterable[object]) -> str:
    return "; ".join(str(v) for v in values)


def export_rows(matches: Sequence[object], notes: Mapping[str, str] | None = None,
                locale: str = "en") -> list[dict[str, object]]:
    """Flatten matches (``.program``, ``.distance_miles``, ...) into export rows.

    Parameters
    ----------
    matches : Sequence
        ``finder.search.Match`` objects, or anything with ``.program`` and
        ``.distance_miles`` (``fit`` and ``schedule_text`` are optional).
    notes : Mapping[str, str], optional
        Case-manager notes by ``program_id``.
    locale : str
        The language of the words in the cells (sessions, vocabularies);
        names, addresses, plan names and dates stay as they are.

    Returns
    -------
    list of dict
        One dict per match, keyed like ``EXPORT_COLUMNS``; not yet neutralized.
    """
    notes = notes or {}
    words = labels(locale)
    english = locale == "en"

    def value(token: object) -> str:
        text = str(token or "")
        return words.gettext(_VALUE_WORDS[text]) if text in _VALUE_WORDS else words.vocab(text)

    def listed(values: Iterable[object]) -> str:
        return _join(value(v) for v in values)

    rows: list[dict[str, object]] = []
    for match in matches:
        p = match.program  # type: ignore[attr-defined]
        distance = getattr(match, "distance_miles", None)
        fit = getattr(match, "fit", None)
        sessions = (getattr(match, "schedule_text", "") or p.schedule if english
                    else words.schedule(p.schedule) if p.schedule else "")
        confirmed = schedule_confirmation_text(p, dt.date.today())
        rows.append(
            {
                "program_name": p.program_name,
                "organization": p.organization,
                "level_of_care": str(p.level_of_care),
                "distance_miles": round(distance, 1) if distance is not None else None,
                "address": p.address,
                "phone": p.phone,
                "intake_phone": p.intake_phone,
                "website": p.website,
                "schedule": sessions or words.gettext("Not listed"),
                "fit": value(getattr(fit, "value", fit) or ""),
                "hours_per_week": _whole(p.hours_per_week),
                "insurance": listed(p.insurance),
                "services": listed(p.services),
                "populations": listed(p.populations),
                "languages": _join(words.language(x) for x in p.languages),
                "attendance": value(p.attendance or ""),
                "accepting_new_clients": value(p.accepting_new_clients),
                "availability_as_of": p.availability_as_of.isoformat() if p.availability_as_of else "",
                "availability_confirmed_via": value(p.availability_confirmed_via or ""),
                "intake": listed(p.intake),
                # Listed by a source is not confirmed by a person: two columns.
                "schedule_confirmation": (confirmed if english else words.say(confirmed))
                if confirmed else "",
                "listed_as_of": p.listed_as_of.isoformat() if p.listed_as_of else "",
                "last_verified": (
                    p.last_verified.isoformat() if p.last_verified
                    # Times or openings a person confirmed have their own columns.
                    else words.gettext("Only the session times or openings (see their columns)")
                    if only_some_facts_confirmed(p)
                    else words.gettext("Not confirmed by anyone")
                ),
                "source": p.source,
                # The listing's own notes ("Check before going", telehealth at the facility...).
                "listing_notes": p.notes,
                "notes": notes.get(p.program_id, ""),
                "program_id": p.program_id,
            }
        )
    return rows


def to_csv(rows: Sequence[Mapping[str, object]], meta: ExportMeta) -> str:
    """Return a safe CSV: heading lines, a blank line, then the table.

    Parameters
    ----------
    rows : Sequence[Mapping[str, object]]
        From ``export_rows``.
    meta : ExportMeta

    Returns
    -------
    str
        CSV text (write it with ``encoding="utf-8-sig"`` so Excel reads accents).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for label, value in meta.lines():
        writer.writerow([label, neutralize(value)])
    writer.writerow([])
    writer.writerow([neutralize(header) for _, header in headers(meta.locale)])
    for row in rows:
        writer.writerow(["" if (v := row.get(key)) is None else neutralize(v) for key, _ in EXPORT_COLUMNS])
    return buffer.getvalue()


def to_xlsx(rows: Sequence[Mapping[str, object]], meta: ExportMeta) -> bytes:
    """Return a safe Excel workbook (``.xlsx``) with a heading and a table.

    openpyxl treats a string starting with ``=`` as a formula, so cells are
    neutralized first and then stored explicitly as strings.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = labels(meta.locale).gettext("Programs")
    sheet.append([meta.title])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in meta.lines():
        sheet.append([label, neutralize(value)])
    sheet.append([])
    columns = headers(meta.locale)
    sheet.append([neutralize(header) for _, header in columns])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([neutralize(row.get(key)) for key, _ in EXPORT_COLUMNS])
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    for index, (key, header) in enumerate(columns, start=1):
        longest = max([len(header), *(len(str(r.get(key) or "")) for r in rows)])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(10, longest + 2), 60)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_html(rows: Sequence[Mapping[str, object]], meta: ExportMeta) -> str:
    """Return a print-friendly HTML page: one table per program, everything escaped.

    Each field is one table row (``<th scope="row">`` label, ``<td>`` value),
    so a label that wraps onto two lines makes its own row taller and can
    never pair a value with the wrong label (a floated ``<dl>`` did, issue 18).
    """
    esc = html.escape
    words = labels(meta.locale)
    parts = [
        f"<!doctype html><html lang='{esc(meta.locale, quote=True)}'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{esc(meta.title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:1rem auto;"
        "padding:0 .5rem;color:#111}"
        "section{border:1px solid #999;border-radius:6px;padding:.5rem 1rem;margin:.8rem 0;"
        "break-inside:avoid}table.fields{border-collapse:collapse;width:100%;"
        "table-layout:fixed}table.fields th,table.fields td{text-align:left;"
        "vertical-align:top;padding:.2rem .4rem .2rem 0;overflow-wrap:anywhere}"
        "table.fields th{width:11rem;font-weight:600}"
        "table.fields tr+tr th,table.fields tr+tr td{border-top:1px solid #e3e3e3}"
        ".help{border:2px solid #b35c00;padding:.5rem;border-radius:6px}"
        "@media print{a{color:#000}}</style></head><body>",
        f"<h1>{esc(meta.title)}</h1>",
        _fields_table(meta.lines(), words.gettext("About this list")),
        "<p class='help'>" + esc(words.gettext(
            "Need help now? Call or text 988. Emergency: 911. "
            "Massachusetts Substance Use Helpline: 800-327-5050 (helplinema.org).")) + "</p>",
    ]
    for row in rows:
        name = str(row.get("program_name", ""))
        fields = [
            (header, row.get(key))
            for key, header in headers(meta.locale)[1:]
            if row.get(key) not in (None, "")
        ]
        parts.append(f"<section><h2>{esc(name)}</h2>{_fields_table(fields, name)}</section>")
    parts.append("</body></html>")
    return "".join(parts)


def _fields_table(fields: Iterable[tuple[str, object]], caption: str) -> str:
    esc = html.escape
    body = "".join(
        f"<tr><th scope='row'>{esc(label)}</th><td>{esc(str(value))}</td></tr>"
        for label, value in fields
    )
    return f"<table class='fields' aria-label='{esc(caption, quote=True)}'><tbody>{body}</tbody></table>"
