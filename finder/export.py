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

from finder.provenance import schedule_confirmation_text

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

#: (key, header) of every exported column, in order.
EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("program_name", "Program"),
    ("organization", "Organization"),
    ("level_of_care", "Level of care"),
    ("distance_miles", "Distance (miles)"),
    ("address", "Address"),
    ("phone", "Phone"),
    ("intake_phone", "Intake phone"),
    ("website", "Website"),
    ("schedule", "Sessions"),
    ("fit", "Fit to availability"),
    ("hours_per_week", "Hours per week"),
    ("insurance", "Insurance / payment"),
    ("services", "Services"),
    ("populations", "Populations"),
    ("languages", "Languages"),
    ("attendance", "Attendance"),
    ("accepting_new_clients", "Accepting new clients"),
    ("availability_as_of", "Accepting as of"),
    ("availability_confirmed_via", "Accepting confirmed via"),
    ("intake", "Intake"),
    ("schedule_confirmation", "Session times confirmed"),
    ("listed_as_of", "Listed by source on"),
    ("last_verified", "Last verified"),
    ("source", "Source"),
    ("listing_notes", "About this listing"),
    ("notes", "Case manager notes"),
    ("program_id", "Program ID"),
)


@dataclass(frozen=True, slots=True)
class ExportMeta:
    """What an export says about itself."""

    search: str
    data_source: str
    exported_on: dt.date = field(default_factory=dt.date.today)
    title: str = "IOP Finder results"

    def lines(self) -> list[tuple[str, str]]:
        """Return ``(label, value)`` pairs for the export's heading."""
        return [
            ("Search", self.search),
            ("Exported", self.exported_on.isoformat()),
            ("Data source", self.data_source),
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


def export_rows(matches: Sequence[object], notes: Mapping[str, str] | None = None) -> list[dict[str, object]]:
    """Flatten matches (``.program``, ``.distance_miles``, ...) into export rows.

    Parameters
    ----------
    matches : Sequence
        ``finder.search.Match`` objects, or anything with ``.program`` and
        ``.distance_miles`` (``fit`` and ``schedule_text`` are optional).
    notes : Mapping[str, str], optional
        Case-manager notes by ``program_id``.

    Returns
    -------
    list of dict
        One dict per match, keyed like ``EXPORT_COLUMNS``; not yet neutralized.
    """
    notes = notes or {}
    rows: list[dict[str, object]] = []
    for match in matches:
        p = match.program  # type: ignore[attr-defined]
        distance = getattr(match, "distance_miles", None)
        fit = getattr(match, "fit", None)
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
                "schedule": getattr(match, "schedule_text", "") or p.schedule or "Not listed",
                "fit": str(getattr(fit, "value", fit) or ""),
                "hours_per_week": _whole(p.hours_per_week),
                "insurance": _join(p.insurance),
                "services": _join(p.services),
                "populations": _join(p.populations),
                "languages": _join(p.languages),
                "attendance": str(p.attendance or ""),
                "accepting_new_clients": str(p.accepting_new_clients),
                "availability_as_of": p.availability_as_of.isoformat() if p.availability_as_of else "",
                "availability_confirmed_via": str(p.availability_confirmed_via or ""),
                "intake": _join(p.intake),
                # Listed by a source is not confirmed by a person: two columns.
                "schedule_confirmation": schedule_confirmation_text(p, dt.date.today()) or "",
                "listed_as_of": p.listed_as_of.isoformat() if p.listed_as_of else "",
                "last_verified": (
                    p.last_verified.isoformat() if p.last_verified else "Not confirmed by anyone"
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
    writer.writerow([header for _, header in EXPORT_COLUMNS])
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
    sheet.title = "Programs"
    sheet.append([meta.title])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in meta.lines():
        sheet.append([label, neutralize(value)])
    sheet.append([])
    sheet.append([header for _, header in EXPORT_COLUMNS])
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
    for index, (key, header) in enumerate(EXPORT_COLUMNS, start=1):
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
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
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
        _fields_table(meta.lines(), "About this list"),
        "<p class='help'><strong>Need help now?</strong> Call or text 988. Emergency: 911. "
        "Massachusetts Substance Use Helpline: 800-327-5050 (helplinema.org).</p>",
    ]
    for row in rows:
        name = str(row.get("program_name", ""))
        fields = [
            (header, row.get(key))
            for key, header in EXPORT_COLUMNS[1:]
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
