"""Open Referral HSDS 3.0: export programs as a tabular data package, and import one.

The Human Services Data Specification is what 211 systems and community
directories exchange. ``write_hsds`` writes the *tabular* form: a folder (or
a ZIP) with ``datapackage.json`` and one CSV per table of the standard, every
table present, a table we have nothing for written with its header only.
``service_json`` gives one program in the API/JSON form (``/services/{id}``).
``import_hsds`` reads a package back into provider CSV rows.

Where each column goes (``docs/EXCHANGE.md`` has the full table):

* one **organization** per distinct ``organization``; one **service**, one
  **location** (with its **address**) and one **service_at_location** per
  program; its **phones**, **languages** and weekly **schedules**
  (``freq=WEEKLY``, ``byday``, ``opens_at``/``closes_at`` as ``17:30:00``,
  from the ``opening_hours`` value through ``finder.schedule``);
* vocabularies (payment options, services, populations, level of care,
  attendance, intake, openings) and the few values with no HSDS field
  (``program_id``, ``source``, ``hours_per_week``) are **attributes** whose
  **taxonomy_terms** belong to one IOP Finder **taxonomy**;
* provenance goes into **metadata** rows (``_PROVENANCE``: who listed or
  confirmed what, how and when) and ``services.assured_date`` (when a person
  last confirmed the program).

Identifiers are UUIDs derived with ``uuid5`` from ``program_id`` (and from the
organization's name), so a re-export keeps them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finder.errors import DataError
from finder.load import DEFAULT_MAX_BYTES
from finder.model import (
    LANGUAGES,
    Accepting,
    Attendance,
    ConfirmedVia,
    Insurance,
    Intake,
    LevelOfCare,
    Population,
    Program,
    Service,
)
from finder.provenance import is_sample_program
from finder.schedule import DAY_MINUTES, ScheduleError, weekly_schedule
from finder.schema import COLUMN_NAMES, COLUMNS, MA_COUNTIES, canonical
from finder.store.atomic import atomic_write
from finder.store.dataset import DEFAULT_TITLE
from finder.untrusted import url_problem, web_url

__all__ = [
    "HSDS_TABLES",
    "HSDS_VERSION",
    "MAX_IMPORT_BYTES",
    "NAMESPACE",
    "TAXONOMY_ID",
    "HsdsImport",
    "build_tables",
    "datapackage_descriptor",
    "hsds_zip_bytes",
    "import_hsds",
    "import_summary_text",
    "program_uuid",
    "schedule_rows",
    "service_json",
    "write_hsds",
]

HSDS_VERSION = "3.0"

#: The namespace of every uuid5 of this export; never change it, or ids change.
NAMESPACE = uuid.UUID("6f0b2d4e-3c1a-5b7e-9d2f-1a4c8e6b0f93")

#: Every table of the HSDS 3.0 tabular package, in the standard's order:
#: ``(resource name, file, fields)``. A field is written ``name[:format][=type]``
#: with ``!`` when required and ``+`` when unique (besides ``id``).
HSDS_TABLES: tuple[tuple[str, str, str], ...] = (
    ('organization', 'organizations.csv', 'id:uuid! name! alternate_name description! email:email website:uri tax_status tax_id year_incorporated=number legal_status logo uri:uri parent_organization_id:uuid'),
    ('program', 'programs.csv', 'id:uuid! organization_id:uuid!+ name! alternate_name description!'),
    ('service', 'services.csv', 'id:uuid! organization_id:uuid! program_id:uuid name! alternate_name description url:uri email:email status! interpretation_services application_process fees_description wait_time fees accreditations eligibility_description minimum_age=number maximum_age=number assured_date=date assurer_email:email licenses alert last_modified=datetime'),
    ('attribute', 'attributes.csv', 'id:uuid! link_id:uuid! taxonomy_term_id:uuid! link_type link_entity! value'),
    ('service_at_location', 'service_at_location.csv', 'id:uuid! service_id:uuid! location_id:uuid! description'),
    ('location', 'locations.csv', 'id:uuid! location_type! url:uri organization_id:uuid name alternate_name description transportation latitude=number longitude=number external_identifier external_identifier_type'),
    ('phone', 'phones.csv', 'id:uuid! location_id:uuid service_id:uuid organization_id:uuid contact_id:uuid service_at_location_id:uuid number! extension=number type description'),
    ('contact', 'contacts.csv', 'id:uuid! organization_id:uuid service_id:uuid service_at_location_id:uuid location_id:uuid name title department email:email'),
    ('address', 'addresses.csv', 'id:uuid! location_id:uuid attention address_1! address_2 city! region state_province! postal_code! country! address_type!'),
    ('schedule', 'schedules.csv', 'id:uuid! service_id:uuid location_id:uuid service_at_location_id:uuid valid_from=date valid_to=date dtstart=date timezone=number until=date count=number wkst freq interval=number byday byweekno bymonthday byyearday description opens_at=time closes_at=time schedule_link:uri attending_type notes'),
    ('funding', 'funding.csv', 'id:uuid! organization_id:uuid service_id:uuid source'),
    ('service_area', 'service_areas.csv', 'id:uuid! service_id:uuid name description extent extent_type uri'),
    ('required_document', 'required_documents.csv', 'id:uuid! service_id:uuid document uri:uri'),
    ('language', 'languages.csv', 'id:uuid! service_id:uuid location_id:uuid phone_id:uuid name code note'),
    ('accessibility', 'accessibility.csv', 'id:uuid! location_id:uuid description details url:uri'),
    ('taxonomy_term', 'taxonomy_terms.csv', 'id:uuid! code+ name! description! parent_id:uuid taxonomy language taxonomy_id:uuid term_uri:uri'),
    ('metadata', 'metadata.csv', 'id:uuid! resource_id:uuid! resource_type! last_action_date=date! last_action_type! field_name! previous_value! replacement_value! updated_by!'),
    ('meta_table_description', 'meta_table_descriptions.csv', 'id:uuid! name language character_set'),
    ('cost_option', 'cost_options.csv', 'id:uuid! service_id:uuid! valid_from=date valid_to=date option currency amount=number amount_description'),
    ('organization_identifier', 'organization_identifiers.csv', 'id:uuid! organization_id:uuid! identifier_scheme identifier_type! identifier!'),
    ('taxonomy', 'taxonomies.csv', 'id:uuid! name! description! uri:uri version'),
)

_ENUMS: dict[tuple[str, str], list[str]] = {
    ("service", "status"): ["active", "inactive", "defunct", "temporarily closed"],
    ("location", "location_type"): ["physical", "postal", "virtual"],
    ("address", "address_type"): ["physical", "postal", "virtual"],
    ("schedule", "wkst"): ["MO", "TU", "WE", "TH", "FR", "SA", "SU"],
    ("schedule", "freq"): ["WEEKLY", "MONTHLY"],
}

#: Fields whose name says which table they reference (``taxonomy_term_id`` ->
#: ``taxonomy_term``); the standard's foreign keys are exactly these.
_REFERENCES = (
    "organization_id", "program_id", "service_id", "location_id", "contact_id",
    "service_at_location_id", "phone_id", "taxonomy_term_id", "taxonomy_id",
)

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    type: str
    format: str
    required: bool
    unique: bool


def _fields(spec: str) -> tuple[_Field, ...]:
    out = []
    for token in spec.split():
        required, unique = "!" in token, "+" in token
        token = token.replace("!", "").replace("+", "")
        token, _, kind = token.partition("=")
        name, _, fmt = token.partition(":")
        out.append(_Field(name, kind or "string", fmt, required, unique or name == "id"))
    return tuple(out)


_TABLE_FIELDS: dict[str, tuple[_Field, ...]] = {name: _fields(spec) for name, _p, spec in HSDS_TABLES}
_TABLE_PATHS: dict[str, str] = {name: path for name, path, _s in HSDS_TABLES}


def datapackage_descriptor(title: str = DEFAULT_TITLE) -> dict[str, Any]:
    """Return the ``datapackage.json`` of an export: every HSDS 3.0 table and its schema.

    Parameters
    ----------
    title : str
        The package title.

    Returns
    -------
    dict
        A Frictionless tabular data package descriptor with the field names,
        types, formats, required/unique/enum constraints, primary and foreign
        keys of the standard.
    """
    resources = []
    for name, path, _spec in HSDS_TABLES:
        fields = []
        for f in _TABLE_FIELDS[name]:
            item: dict[str, Any] = {"name": f.name, "type": f.type}
            if f.format:
                item["format"] = f.format
            constraints: dict[str, Any] = {}
            if f.required:
                constraints["required"] = True
            if f.unique:
                constraints["unique"] = True
            if (name, f.name) in _ENUMS:
                constraints["enum"] = _ENUMS[(name, f.name)]
            if constraints:
                item["constraints"] = constraints
            fields.append(item)
        names = {f.name for f in _TABLE_FIELDS[name]}
        keys = [
            {"fields": ref, "reference": {"resource": ref.removesuffix("_id"), "fields": "id"}}
            for ref in _REFERENCES
            if ref in names and not (name == "taxonomy_term" and ref != "taxonomy_id")
        ]
        schema: dict[str, Any] = {"fields": fields, "primaryKey": "id"}
        if keys:
            schema["foreignKeys"] = keys
        resources.append({
            "name": name, "path": path, "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8", "profile": "tabular-data-resource", "schema": schema,
        })
    return {
        "name": "iop-finder-hsds",
        "title": title,
        "profile": "tabular-data-package",
        "version": "3.0.0",
        "description": "Massachusetts intensive outpatient programs for substance use "
                       "treatment, in Open Referral HSDS 3.0 tabular form.",
        "resources": resources,
    }


# --------------------------------------------------------------------------- ids


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def program_uuid(program_id: str, kind: str = "service") -> str:
    """Return the stable UUID of one HSDS record of a program.

    Parameters
    ----------
    program_id : str
        The program's ``program_id``.
    kind : str
        ``"service"``, ``"location"``, ``"service_at_location"`` or ``"address"``.

    Returns
    -------
    str
        A uuid5 in the export's namespace: the same program always gets the
        same ids.
    """
    return _uuid(kind, program_id)


def _organization_uuid(name: str) -> str:
    # The exact name: two spellings stay two organizations, so an import gives each back.
    return _uuid("organization", name)


#: The id of the one IOP Finder taxonomy the attributes' terms belong to.
TAXONOMY_ID = _uuid("taxonomy", "iop-finder")

# --------------------------------------------------------------------------- vocabularies

#: Columns carried as one attribute per value: (column, vocabulary).
_TERM_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("level_of_care", tuple(str(v) for v in LevelOfCare)),
    ("insurance", tuple(str(v) for v in Insurance)),
    ("services", tuple(str(v) for v in Service)),
    ("populations", tuple(str(v) for v in Population)),
    ("attendance", tuple(str(v) for v in Attendance)),
    ("accepting_new_clients", tuple(str(v) for v in Accepting)),
    ("intake", tuple(str(v) for v in Intake)),
)
#: Columns with no HSDS field, carried as one attribute whose ``value`` is the cell.
_VALUE_COLUMNS: tuple[str, ...] = ("program_id", "source", "hours_per_week")
_LIST_COLUMNS = frozenset({"insurance", "services", "populations", "intake"})


def _term_id(code: str) -> str:
    return _uuid("taxonomy_term", code)


def _taxonomy_rows() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    described = {c.name: c.description for c in COLUMNS}
    taxonomy: list[dict[str, object]] = [{
        "id": TAXONOMY_ID,
        "name": "IOP Finder provider CSV",
        "description": "Columns and vocabularies of the IOP Finder provider CSV "
                       "(Massachusetts intensive outpatient programs).",
        "version": "1",
    }]
    terms: list[dict[str, object]] = []
    for column, values in _TERM_COLUMNS:
        terms.append({"id": _term_id(column), "code": column, "name": column,
                      "description": described[column], "taxonomy": "IOP Finder",
                      "language": "en", "taxonomy_id": TAXONOMY_ID})
        terms.extend(
            {"id": _term_id(f"{column}:{value}"), "code": f"{column}:{value}", "name": value,
             "description": f"{column}: {value}", "parent_id": _term_id(column),
             "taxonomy": "IOP Finder", "language": "en", "taxonomy_id": TAXONOMY_ID}
            for value in values
        )
    for column in _VALUE_COLUMNS:
        terms.append({"id": _term_id(column), "code": column, "name": column,
                      "description": described[column], "taxonomy": "IOP Finder",
                      "language": "en", "taxonomy_id": TAXONOMY_ID})
    return taxonomy, terms


#: ISO 639 codes of our language names (HSDS ``languages.code``); "" when none fits.
_LANGUAGE_CODES: dict[str, str] = {
    "English": "en", "Spanish": "es", "Portuguese": "pt", "Haitian Creole": "ht",
    "Cape Verdean Creole": "kea", "Chinese": "zh", "Vietnamese": "vi", "Khmer": "km",
    "Arabic": "ar", "Russian": "ru", "French": "fr", "Italian": "it", "Polish": "pl",
    "Greek": "el", "German": "de", "Hebrew": "he", "Hindi": "hi", "Korean": "ko",
    "Japanese": "ja", "Tagalog": "tl", "Somali": "so", "Albanian": "sq", "Hmong": "hmn",
    "Lao": "lo", "Ukrainian": "uk", "Farsi": "fa", "Urdu": "ur", "Bengali": "bn",
    "Gujarati": "gu", "Nepali": "ne", "Swahili": "sw", "Turkish": "tr", "Armenian": "hy",
    "Amharic": "am", "Burmese": "my", "Thai": "th", "Croatian": "hr", "Serbian": "sr",
    "Bosnian": "bs", "Lithuanian": "lt", "Romanian": "ro", "Yiddish": "yi",
    "American Sign Language": "ase", "Ojibwa": "oj", "Yupik": "ypk",
}

# --------------------------------------------------------------------------- provenance


@dataclass(frozen=True, slots=True)
class _Provenance:
    """One fact whose source and date (or who confirmed it) go into a metadata row.

    ``date_column`` is the date; ``via_column`` says how it was confirmed (None:
    ``updated_by`` is the ``source``); ``field_name`` names what was listed or
    confirmed; ``action`` is the ``last_action_type``.
    """

    date_column: str
    via_column: str | None
    action: str
    field_name: str


#: Add a row here to carry another dated fact.
_PROVENANCE: tuple[_Provenance, ...] = (
    _Provenance("listed_as_of", None, "listed", "source"),
    _Provenance("last_verified", None, "verified", "assured_date"),
    _Provenance("schedule_confirmed_on", "schedule_confirmed_via", "confirmed", "schedules"),
    _Provenance("availability_as_of", "availability_confirmed_via", "confirmed",
                "accepting_new_clients"),
)
_NOT_RECORDED = "not recorded"
#: ``services.alert`` of a program of the fictional sample, so no directory lists it as real.
_SAMPLE_ALERT = "Fictional sample program (IOP Finder demonstration data): do not call or refer."

# --------------------------------------------------------------------------- export


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _split_phone(phone: str) -> tuple[str, int | None]:
    match = re.fullmatch(r"(.*?)\s*ext\.?\s*(\d+)", phone)
    if match:
        return match.group(1), int(match.group(2))
    return phone, None


def _clock(minute: int) -> str:
    minute %= DAY_MINUTES
    return f"{minute // 60:02d}:{minute % 60:02d}:00"


def schedule_rows(text: str) -> list[tuple[str, str, str]]:
    """Turn an ``opening_hours`` schedule into HSDS weekly schedule rows.

    Sessions with the same times on several days share one row.

    Parameters
    ----------
    text : str
        The program's ``schedule``; empty or unreadable gives no rows.

    Returns
    -------
    list of (byday, opens_at, closes_at)
        E.g. ``[("MO,WE,TH", "18:00:00", "21:00:00")]``; a session past
        midnight closes "earlier" than it opens (``22:00:00``-``02:00:00``).
        A session of a whole day or more has no HSDS form and is left out.
    """
    if not text.strip():
        return []
    try:
        sessions = weekly_schedule(text).sessions
    except ScheduleError:
        return []
    grouped: dict[tuple[int, int], list[int]] = {}
    for session in sessions:
        if session.minutes >= DAY_MINUTES:
            continue
        key = (session.start % DAY_MINUTES, session.minutes)
        grouped.setdefault(key, []).append(session.weekday)
    rows = []
    for (start, minutes), days in sorted(grouped.items(), key=lambda kv: (min(kv[1]), kv[0])):
        byday = ",".join(_DAYS[d] for d in sorted(set(days)))
        rows.append((byday, _clock(start), _clock(start + minutes)))
    return rows


def _service_rows(program: Program, org_id: str) -> dict[str, list[dict[str, object]]]:
    """Every HSDS row of one program, by table (organization and taxonomy excluded)."""
    pid = program.program_id
    service_id = program_uuid(pid)
    location_id = program_uuid(pid, "location")
    sal_id = program_uuid(pid, "service_at_location")
    tables: dict[str, list[dict[str, object]]] = {name: [] for name in _TABLE_FIELDS}
    insurance = "; ".join(str(i) for i in program.insurance)
    tables["service"].append({
        "id": service_id,
        "organization_id": org_id,
        "name": program.program_name,
        "description": program.notes,
        "url": program.website,
        "status": "active",
        "application_process": "; ".join(str(i) for i in program.intake),
        "fees_description": f"Ways to pay accepted: {insurance}" if insurance else "",
        "assured_date": program.last_verified,
        "alert": _SAMPLE_ALERT if is_sample_program(program) else "",
    })
    tables["location"].append({
        "id": location_id,
        "location_type": "physical",
        "organization_id": org_id,
        "name": program.program_name,
        "latitude": program.latitude,
        "longitude": program.longitude,
    })
    tables["address"].append({
        "id": program_uuid(pid, "address"),
        "location_id": location_id,
        "address_1": program.street,
        "city": program.city,
        "region": f"{program.county} County" if program.county else "",
        "state_province": program.state,
        "postal_code": program.zip,
        "country": "US",
        "address_type": "physical",
    })
    tables["service_at_location"].append({"id": sal_id, "service_id": service_id,
                                          "location_id": location_id})
    for kind, phone in (("main", program.phone), ("intake", program.intake_phone)):
        if not phone:
            continue
        number, extension = _split_phone(phone)
        tables["phone"].append({
            "id": _uuid("phone", pid, kind), "service_id": service_id, "number": number,
            "extension": extension, "type": "voice", "description": kind,
        })
    for name in program.languages:
        tables["language"].append({
            "id": _uuid("language", pid, name), "service_id": service_id, "name": name,
            "code": _LANGUAGE_CODES.get(name, ""),
        })
    for byday, opens_at, closes_at in schedule_rows(program.schedule):
        tables["schedule"].append({
            "id": _uuid("schedule", pid, byday, opens_at, closes_at),
            "service_id": service_id, "freq": "WEEKLY", "wkst": "MO", "byday": byday,
            "opens_at": opens_at, "closes_at": closes_at,
            "attending_type": str(program.attendance or ""),
        })

    def attribute(code: str, value: object = "") -> None:
        tables["attribute"].append({
            "id": _uuid("attribute", pid, code), "link_id": service_id,
            "taxonomy_term_id": _term_id(code), "link_type": "service",
            "link_entity": "service", "value": _text(value),
        })

    for column, _values in _TERM_COLUMNS:
        value = getattr(program, column)
        items = value if column in _LIST_COLUMNS else ((value,) if value is not None else ())
        for item in items:
            attribute(f"{column}:{item}")
    for column in _VALUE_COLUMNS:
        value = getattr(program, column)
        if value not in (None, ""):
            attribute(column, value)

    current = {
        "source": program.source,
        "assured_date": _text(program.last_verified),
        "schedules": program.schedule,
        "accepting_new_clients": str(program.accepting_new_clients),
    }
    for fact in _PROVENANCE:
        when = getattr(program, fact.date_column, None)
        if when is None:
            continue
        if fact.via_column is None:
            who = program.source
        else:
            who = _text(getattr(program, fact.via_column, None)) or _NOT_RECORDED
        value = current.get(fact.field_name, "") or "(empty)"
        tables["metadata"].append({
            "id": _uuid("metadata", pid, fact.date_column),
            "resource_id": service_id, "resource_type": "service",
            "last_action_date": when, "last_action_type": fact.action,
            "field_name": fact.field_name,
            # A confirmation changes nothing: the value before and after is the same.
            "previous_value": value, "replacement_value": value, "updated_by": who,
        })
    return tables


def build_tables(programs: Iterable[Program]) -> dict[str, list[dict[str, object]]]:
    """Return every HSDS table's rows for these programs.

    Parameters
    ----------
    programs : Iterable[Program]

    Returns
    -------
    dict
        Resource name (``"service"``, ``"schedule"``, ...) to rows; every
        table of ``HSDS_TABLES`` is a key, possibly with no rows. Values are
        Python values (str, float, int, date or None).
    """
    tables: dict[str, list[dict[str, object]]] = {name: [] for name in _TABLE_FIELDS}
    organizations: dict[str, dict[str, object]] = {}
    for program in programs:
        org_id = _organization_uuid(program.organization)
        if org_id not in organizations:
            organizations[org_id] = {
                "id": org_id, "name": program.organization,
                "description": "Organization that runs the programs listed with it "
                               "in this export.",
            }
        for name, rows in _service_rows(program, org_id).items():
            tables[name].extend(rows)
    tables["organization"] = list(organizations.values())
    if tables["attribute"]:
        tables["taxonomy"], tables["taxonomy_term"] = _taxonomy_rows()
    return tables


def _csv_bytes(name: str, rows: Sequence[Mapping[str, object]]) -> bytes:
    buffer = io.StringIO()
    header = [f.name for f in _TABLE_FIELDS[name]]
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _text(row.get(key)) for key in header})
    return buffer.getvalue().encode("utf-8")


def _package_files(programs: Iterable[Program], title: str) -> dict[str, bytes]:
    tables = build_tables(programs)
    files = {"datapackage.json": json.dumps(datapackage_descriptor(title), indent=2).encode()}
    for name, path, _spec in HSDS_TABLES:
        files[path] = _csv_bytes(name, tables[name])
    return files


def hsds_zip_bytes(programs: Iterable[Program], title: str = DEFAULT_TITLE) -> bytes:
    """Return the HSDS tabular package as a ZIP file (for a download).

    Parameters
    ----------
    programs : Iterable[Program]
    title : str
        The package title in ``datapackage.json``.

    Returns
    -------
    bytes
        A ZIP with ``datapackage.json`` and every table's CSV at its root.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in _package_files(programs, title).items():
            archive.writestr(zipfile.ZipInfo(path, date_time=(2026, 1, 1, 0, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def write_hsds(
    programs: Iterable[Program], path: str | Path, *, title: str = DEFAULT_TITLE
) -> Path:
    """Write the HSDS tabular package to a folder, or to a ZIP when ``path`` ends in .zip.

    The package is built in full beside ``path`` and then moved into place,
    so a failure never leaves half a package. An existing folder is replaced
    only when it holds a ``datapackage.json`` (an earlier export).

    Parameters
    ----------
    programs : Iterable[Program]
    path : str or Path
        A folder (created) or a ``.zip`` file.
    title : str
        The package title.

    Returns
    -------
    Path

    Raises
    ------
    DataError
        When ``path`` is a file that is not a ZIP, or a folder with other content.
    """
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if target.suffix.lower() == ".zip":
        if target.is_dir():
            raise DataError(f"{target} is a folder", user_message=f"{target} is a folder, not a ZIP file.")
        data = hsds_zip_bytes(programs, title)
        atomic_write(parent / target.name, data)
        return target
    if target.exists() and not target.is_dir():
        raise DataError(f"{target} is a file",
                        user_message=f"{target} is a file. Give a folder for the package, "
                                     "or a name ending in .zip.")
    if target.is_dir() and any(target.iterdir()) and not (target / "datapackage.json").is_file():
        raise DataError(f"{target} is not empty",
                        user_message=f"The folder {target} already holds other files. Choose "
                                     "a new or empty folder, or a name ending in .zip.")
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    try:
        for name, data in _package_files(programs, title).items():
            (staging / name).write_bytes(data)
        staging.chmod(0o755)
        if target.is_dir():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=parent))
            old.rmdir()
            target.rename(old)
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _clean(row: Mapping[str, object]) -> dict[str, object]:
    """Return a row in the JSON form: empty values left out, numbers as numbers."""
    out: dict[str, object] = {}
    for key, value in row.items():
        if value is None or value == "":
            continue
        out[key] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def service_json(program: Program) -> dict[str, Any]:
    """Return one program as an HSDS 3.0 service in the API/JSON form (``/services/{id}``).

    Parameters
    ----------
    program : Program

    Returns
    -------
    dict
        The service with its organization, phones, schedules, languages,
        attributes (each with its taxonomy term), metadata, and its
        service_at_location with the location and address nested.
    """
    tables = build_tables([program])
    terms = {t["id"]: _clean(t) for t in tables["taxonomy_term"]}
    service = _clean(tables["service"][0])
    location = _clean(tables["location"][0])
    location["addresses"] = [_clean(a) for a in tables["address"]]
    sal = _clean(tables["service_at_location"][0])
    sal["location"] = location
    service["organization"] = _clean(tables["organization"][0])
    service["phones"] = [_clean(p) for p in tables["phone"]]
    service["schedules"] = [_clean(s) for s in tables["schedule"]]
    service["languages"] = [_clean(x) for x in tables["language"]]
    service["service_at_locations"] = [sal]
    service["attributes"] = [
        {**_clean(a), "taxonomy_term": terms[a["taxonomy_term_id"]]} for a in tables["attribute"]
    ]
    service["metadata"] = [_clean(m) for m in tables["metadata"]]
    return service

# --------------------------------------------------------------------------- import

#: Largest package read, all tables together.
#: A package holds several tables: five times the one upload limit (``upload_max_mb``).
MAX_IMPORT_BYTES = 5 * DEFAULT_MAX_BYTES


@dataclass(slots=True)
class HsdsImport:
    """What ``import_hsds`` returns.

    Attributes
    ----------
    rows : list of dict
        Provider CSV rows keyed by ``finder.schema.COLUMN_NAMES``, all strings.
    summary : dict
        ``{"format": "hsds", "title", "read", "imported", "skipped",
        "corrected"}``; ``skipped`` items are ``{"row", "reason"}`` where
        ``row`` names the service, ``corrected`` items ``{"row", "column",
        "old", "new", "reason"}``.
    """

    rows: list[dict[str, str]]
    summary: dict[str, Any] = field(default_factory=dict)


def _read_package(path: Path) -> tuple[dict[str, list[dict[str, str]]], str]:
    """Read every table of a package (folder, ZIP or datapackage.json) as string rows."""
    files: dict[str, bytes] = {}
    try:
        if path.is_file() and not zipfile.is_zipfile(path) and path.suffix.lower() != ".json":
            what = "is not a valid ZIP file" if path.suffix.lower() == ".zip" else (
                "is neither a folder, a ZIP file nor a datapackage.json")
            raise DataError(f"{path}: {what}",
                            user_message=f"{path.name} could not be read: it {what}.")
        if path.is_file() and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                infos = [i for i in archive.infolist() if not i.is_dir()]
                if sum(i.file_size for i in infos) > MAX_IMPORT_BYTES:
                    raise DataError(f"{path}: too large",
                                    user_message="The package is too large to be a program list.")
                for info in infos:
                    files[info.filename.rsplit("/", 1)[-1]] = archive.read(info)
        else:
            folder = path.parent if path.is_file() else path
            if not folder.is_dir():
                raise DataError(f"{path}: missing", user_message=f"There is no file or folder at {path}.")
            total = 0
            for item in folder.iterdir():
                if item.is_file() and item.suffix.lower() in (".csv", ".json"):
                    total += item.stat().st_size
                    if total > MAX_IMPORT_BYTES:
                        raise DataError(f"{path}: too large",
                                        user_message="The package is too large to be a program list.")
                    files[item.name] = item.read_bytes()
    except (OSError, zipfile.BadZipFile) as err:
        raise DataError(f"{path}: {err}", user_message=f"{path} could not be read.") from err
    paths = dict(_TABLE_PATHS)
    title = path.name
    if "datapackage.json" in files:
        try:
            descriptor = json.loads(files["datapackage.json"].decode("utf-8-sig"))
            title = str(descriptor.get("title") or descriptor.get("name") or title)
            for resource in descriptor.get("resources", []):
                if isinstance(resource.get("path"), str) and resource.get("name") in paths:
                    paths[resource["name"]] = resource["path"].rsplit("/", 1)[-1]
        except (ValueError, AttributeError, RecursionError) as err:  # nested JSON too (issue 17)
            raise DataError(f"{path}: bad datapackage.json: {type(err).__name__}",
                            user_message="The package's datapackage.json is not valid JSON.") from err
    if paths["service"] not in files:
        raise DataError(f"{path}: no {paths['service']}",
                        user_message=f"This is not an HSDS package: there is no {paths['service']} "
                                     "(the table of services).")
    tables: dict[str, list[dict[str, str]]] = {}
    for name, file_name in paths.items():
        data = files.get(file_name)
        if data is None:
            tables[name] = []
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
        try:
            reader = csv.DictReader(io.StringIO(text, newline=""))
            tables[name] = [{k.strip(): (v or "").strip() for k, v in row.items() if k}
                            for row in reader]
        except csv.Error as err:
            raise DataError(f"{file_name}: {err}",
                            user_message=f"{file_name} in the package is not a readable CSV.") from err
    return tables, title


def _by(rows: Iterable[dict[str, str]], key: str) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if row.get(key):
            grouped.setdefault(row[key], []).append(row)
    return grouped


def _time(value: str) -> str | None:
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?", value)
    if not match or int(match.group(1)) > 24 or int(match.group(2)) > 59:
        return None
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _days_text(days: Sequence[int]) -> str:
    days = sorted(set(days))
    parts: list[str] = []
    run: list[int] = []
    for day in [*days, 99]:
        if run and day == run[-1] + 1:
            run.append(day)
            continue
        if len(run) >= 3:
            parts.append(f"{_OSM_DAYS[run[0]]}-{_OSM_DAYS[run[-1]]}")
        else:
            parts.extend(_OSM_DAYS[d] for d in run)
        run = [day]
    return ",".join(parts)


def _opening_hours(rows: Sequence[dict[str, str]]) -> tuple[str, str]:
    """Return ``(opening_hours, problem)`` for a service's schedule rows."""
    grouped: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        freq = row.get("freq", "").upper()
        if freq not in ("", "WEEKLY") or row.get("interval", "") not in ("", "1"):
            return "", f"a schedule repeats {freq.lower() or 'irregularly'}, not weekly"
        days = [d.strip().upper()[-2:] for d in row.get("byday", "").split(",") if d.strip()]
        opens, closes = _time(row.get("opens_at", "")), _time(row.get("closes_at", ""))
        if not days or any(d not in _DAYS for d in days) or opens is None or closes is None:
            return "", "a schedule row has no weekdays or no opening and closing times"
        if closes == "00:00":
            closes = "24:00"
        grouped.setdefault((opens, closes), []).extend(_DAYS.index(d) for d in days)
    rules = [f"{_days_text(days)} {opens}-{closes}"
             for (opens, closes), days in sorted(grouped.items(), key=lambda kv: (min(kv[1]), kv[0]))]
    text = ", ".join(rules)
    if text:
        try:
            weekly_schedule(text)
        except ScheduleError:
            return "", "the schedule rows do not make a weekly schedule"
    return text, ""


def _website(site: str) -> tuple[str, str]:
    """Put a website through the one URL parser (issue 17), as the FindTreatment.gov importer does.

    An address the parser refuses is left empty; Markdown/HTML syntax characters
    come back percent-encoded. The second value says what was changed ("" for nothing).
    """
    if not site:
        return "", ""
    fixed = web_url(site)
    if fixed is None:
        return "", "not a web address; left empty"
    if url_problem(site) is not None:
        return fixed, "percent-encoded the characters a web address can't hold as they are"
    return site, ""


def _phone_text(row: dict[str, str]) -> str:
    number = row.get("number", "")
    extension = row.get("extension", "").removesuffix(".0")
    return f"{number} ext. {extension}" if number and extension else number


def import_hsds(
    path: str | Path, *, level_of_care: str | None = None, source: str | None = None
) -> HsdsImport:
    """Read an HSDS 3.0 tabular package into provider CSV rows.

    One program per service at a location. What this finder's own export
    wrote (attributes of the IOP Finder taxonomy, provenance metadata) comes
    back exactly; from another system's package the standard fields are read
    (names, address, coordinates, phones, website, languages, weekly
    schedules, ``assured_date``) and the rest is left for the admin.

    Parameters
    ----------
    path : str or Path
        The package: a folder, a ZIP, or its ``datapackage.json``.
    level_of_care : str, optional
        The level of care of programs whose package does not say (it is
        required in the provider CSV); None leaves it empty.
    source : str, optional
        The ``source`` of programs whose package does not say; default
        ``"HSDS package: <title>"``.

    Returns
    -------
    HsdsImport

    Raises
    ------
    DataError
        When the package cannot be read at all (``user_message`` says why).
    """
    tables, title = _read_package(Path(path))
    terms = {t.get("id", ""): t.get("code", "") for t in tables["taxonomy_term"]}
    services = {s.get("id", ""): s for s in tables["service"]}
    organizations = {o.get("id", ""): o for o in tables["organization"]}
    locations = {x.get("id", ""): x for x in tables["location"]}
    addresses = _by(tables["address"], "location_id")
    attributes = _by(tables["attribute"], "link_id")
    metadata = _by(tables["metadata"], "resource_id")
    languages = _by(tables["language"], "service_id")
    schedules_by_service = _by(tables["schedule"], "service_id")
    schedules_by_sal = _by(tables["schedule"], "service_at_location_id")
    phone_links = {key: _by(tables["phone"], key)
                   for key in ("service_at_location_id", "service_id", "location_id", "organization_id")}
    code_of = {code: name for name, code in _LANGUAGE_CODES.items()}
    default_source = source or f"HSDS package: {title}"[:200]

    rows: list[dict[str, str]] = []
    skipped: list[dict[str, object]] = []
    corrected: list[dict[str, object]] = []
    used_ids: set[str] = set()
    located = {sal.get("service_id", "") for sal in tables["service_at_location"]}
    for service_id, unlocated in services.items():
        if service_id not in located:
            skipped.append({"row": unlocated.get("name") or service_id,
                            "reason": "it has no location (no service_at_location row), and a "
                                      "program needs an address"})
    for sal in tables["service_at_location"]:
        service = services.get(sal.get("service_id", ""))
        location = locations.get(sal.get("location_id", ""))
        label = (service or {}).get("name") or sal.get("id", "?")
        if service is None or location is None:
            skipped.append({"row": label, "reason": "its service or location is missing from the package"})
            continue
        status = service.get("status", "active").lower() or "active"
        if status != "active":
            skipped.append({"row": label, "reason": f"its status is '{status}'"})
            continue
        sid = service["id"]
        row: dict[str, str] = dict.fromkeys(COLUMN_NAMES, "")
        lists: dict[str, list[str]] = {}
        for attr in attributes.get(sid, []):
            code = terms.get(attr.get("taxonomy_term_id", ""), "")
            column, _, value = code.partition(":")
            if value and column in dict(_TERM_COLUMNS):
                lists.setdefault(column, []).append(value)
            elif not value and column in _VALUE_COLUMNS:
                row[column] = attr.get("value", "")
        for column, values in lists.items():
            row[column] = "; ".join(values) if column in _LIST_COLUMNS else values[0]

        program_id = row["program_id"]
        if not program_id or program_id in used_ids:
            program_id = f"hsds-{sal.get('id', '')}"[:64]
        used_ids.add(program_id)
        row["program_id"] = program_id
        organization = organizations.get(service.get("organization_id", "")) or organizations.get(
            location.get("organization_id", ""), {})
        row["organization"] = organization.get("name", "")
        row["program_name"] = service.get("name", "")
        if not row["level_of_care"] and level_of_care:
            row["level_of_care"] = level_of_care
        place = next((a for a in addresses.get(location["id"], [])
                      if a.get("address_type", "physical") == "physical"), None)
        place = place or (addresses.get(location["id"]) or [{}])[0]
        row["street"] = ", ".join(p for p in (place.get("address_1", ""), place.get("address_2", "")) if p)
        row["city"] = place.get("city", "")
        row["state"] = place.get("state_province", "")
        row["zip"] = place.get("postal_code", "")[:5] if re.fullmatch(
            r"\d{5}(-\d{4})?", place.get("postal_code", "")) else place.get("postal_code", "")
        county = re.sub(r"\s+county$", "", place.get("region", ""), flags=re.IGNORECASE)
        row["county"] = canonical(county, MA_COUNTIES) or "" if county else ""
        row["latitude"] = location.get("latitude", "")
        row["longitude"] = location.get("longitude", "")
        phones: list[dict[str, str]] = []
        for key, value in (("service_at_location_id", sal.get("id", "")), ("service_id", sid),
                           ("location_id", location["id"]),
                           ("organization_id", organization.get("id", ""))):
            phones.extend(phone_links[key].get(value, []) if value else [])
        intake = [p for p in phones if re.search(r"intake|admission",
                                                 p.get("description", "") + p.get("type", ""), re.I)]
        main = [p for p in phones if p not in intake]
        row["phone"] = _phone_text((main or intake or [{}])[0])
        row["intake_phone"] = _phone_text(intake[0]) if intake and main else ""
        site = (service.get("url", "") or organization.get("website", "")).strip()
        row["website"], problem = _website(site)
        if problem:
            corrected.append({"row": label, "column": "website", "old": site,
                              "new": row["website"], "reason": problem})
        spoken = []
        for language in languages.get(sid, []):
            name = canonical(language.get("name", ""), LANGUAGES) or code_of.get(
                language.get("code", "").lower(), "")
            if name and name not in spoken:
                spoken.append(name)
        row["languages"] = "; ".join(spoken)
        schedule_rows_ = schedules_by_sal.get(sal.get("id", ""), []) + schedules_by_service.get(sid, [])
        schedule, problem = _opening_hours(list({r.get("id", ""): r for r in schedule_rows_}.values()))
        if problem:
            corrected.append({"row": label, "column": "schedule", "old": "", "new": "",
                              "reason": f"left empty: {problem}"})
        row["schedule"] = schedule
        facts = {(m.get("last_action_type", ""), m.get("field_name", "")): m
                 for m in metadata.get(sid, [])}
        for fact in _PROVENANCE:
            found = facts.get((fact.action, fact.field_name))
            if found is None:
                continue
            row[fact.date_column] = found.get("last_action_date", "")
            who = found.get("updated_by", "")
            if fact.via_column is not None and who in {str(v) for v in ConfirmedVia}:
                row[fact.via_column] = who
            elif fact.via_column is None and not row["source"]:
                row["source"] = who
        if service.get("assured_date"):
            row["last_verified"] = service["assured_date"]
        row["source"] = row["source"] or default_source
        notes = " ".join(service.get("description", "").split())
        if len(notes) > 1000:
            corrected.append({"row": label, "column": "notes", "old": f"{len(notes)} characters",
                              "new": "1000 characters", "reason": "the description was cut to fit"})
            notes = notes[:999] + "…"
        row["notes"] = notes
        rows.append({name: row.get(name, "") for name in COLUMN_NAMES})

    summary: dict[str, Any] = {
        "format": "hsds",
        "title": title,
        "read": len(services),
        "imported": len(rows),
        "skipped": skipped,
        "corrected": corrected,
    }
    return HsdsImport(rows, summary)


def import_summary_text(summary: Mapping[str, Any]) -> str:
    """Return an HSDS import summary as plain sentences for the admin.

    Parameters
    ----------
    summary : Mapping
        ``HsdsImport.summary``.

    Returns
    -------
    str
    """
    lines = [f"HSDS package '{summary['title']}': {summary['read']} services read, "
             f"{summary['imported']} programs imported."]
    lines += [f"{c['row']}: {c['column']} {c['reason']}" for c in summary["corrected"]]
    lines += [f"skipped {s['row']}: {s['reason']}" for s in summary["skipped"]]
    return "\n".join(lines)
