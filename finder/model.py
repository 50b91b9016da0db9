"""Domain model: the values every other module passes around.

Glossary
--------
program
    One row of the provider CSV: an intensive outpatient (IOP) or structured
    outpatient (SOAP) offering of one organization at one site. Open Referral
    HSDS calls this a "service at location".
organization
    The provider that runs a program. One organization may run many programs.
catalog
    All programs of one dataset, as loaded from ``providers.csv``.
place
    A point the person searches from, with how precise it is and where it
    came from (the gazetteer, an online geocoder, or the browser).
session
    One weekly time slot of a program's schedule, such as Tuesday 18:00-21:00.

Closed vocabularies are ``StrEnum`` so that their values are the exact strings
written in the CSV.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "LANGUAGES",
    "MA_BOUNDS",
    "MOUD",
    "NAMED_COMMERCIAL_PLANS",
    "Accepting",
    "Attendance",
    "ConfirmedVia",
    "Insurance",
    "Intake",
    "LatLon",
    "LevelOfCare",
    "Place",
    "Population",
    "Precision",
    "Program",
    "Service",
    "to_point",
]


class LevelOfCare(enum.StrEnum):
    """How intensive a program is.

    SOAP is Massachusetts' name for a structured outpatient addiction program;
    a search for IOP matches it too.
    """

    IOP = "IOP"
    SOAP = "SOAP"
    PHP = "PHP"  # partial hospitalization / day treatment
    OP = "OP"  # regular outpatient


class Insurance(enum.StrEnum):
    """Ways to pay that a program accepts (column ``insurance``)."""

    MASSHEALTH = "MassHealth"
    MEDICARE = "Medicare"
    PRIVATE = "Private insurance"
    BCBS_MA = "Blue Cross Blue Shield of MA"
    HARVARD_PILGRIM = "Harvard Pilgrim"
    TUFTS = "Tufts Health Plan"
    MGB = "Mass General Brigham Health Plan"
    WELLSENSE = "WellSense"
    FALLON = "Fallon"
    HNE = "Health New England"
    AETNA = "Aetna"
    CIGNA = "Cigna"
    UNITED = "UnitedHealthcare"
    MILITARY = "Military (TRICARE)"
    STATE_FINANCED = "State-financed"
    SELF_PAY = "Self-pay"
    SLIDING_SCALE = "Sliding scale"
    FREE = "Free"


#: Commercial plans that "Private insurance" may cover: a program listing only
#: "Private insurance" matches them, marked "call to confirm your plan".
NAMED_COMMERCIAL_PLANS: frozenset[Insurance] = frozenset(
    {
        Insurance.BCBS_MA,
        Insurance.HARVARD_PILGRIM,
        Insurance.TUFTS,
        Insurance.MGB,
        Insurance.WELLSENSE,
        Insurance.FALLON,
        Insurance.HNE,
        Insurance.AETNA,
        Insurance.CIGNA,
        Insurance.UNITED,
    }
)


class Attendance(enum.StrEnum):
    """Whether sessions are attended in person, online, or both."""

    IN_PERSON = "in-person"
    TELEHEALTH = "telehealth"
    HYBRID = "hybrid"


class ConfirmedVia(enum.StrEnum):
    """How a person confirmed a fact about a program (who checked, and how).

    Used with a date: ``schedule_confirmed_via`` with ``schedule_confirmed_on``,
    ``availability_confirmed_via`` with ``availability_as_of``.
    """

    PHONE = "phone"  # someone called the program
    WEBSITE = "website"  # read on the program's own website
    STAFF = "staff"  # reported by the program's staff
    OTHER = "other"


class Service(enum.StrEnum):
    """Clinical services of note: medications for opioid use disorder and more."""

    BUPRENORPHINE = "Buprenorphine"
    METHADONE = "Methadone"
    NALTREXONE = "Naltrexone"
    CO_OCCURRING = "Co-occurring mental health"


#: The services that are medications for opioid use disorder (MOUD).
MOUD: frozenset[Service] = frozenset(
    {Service.BUPRENORPHINE, Service.METHADONE, Service.NALTREXONE}
)


class Population(enum.StrEnum):
    """Groups a program serves or has a track for."""

    ADULTS = "Adults"
    YOUNG_ADULTS = "Young adults"
    ADOLESCENTS = "Adolescents"
    SENIORS = "Seniors"
    WOMEN = "Women"
    MEN = "Men"
    VETERANS = "Veterans"
    LGBTQ = "LGBTQ+"
    PREGNANT_POSTPARTUM = "Pregnant/postpartum"


class Accepting(enum.StrEnum):
    """Whether a program is taking new clients."""

    YES = "yes"
    NO = "no"
    WAITLIST = "waitlist"
    UNKNOWN = "unknown"


class Intake(enum.StrEnum):
    """How a person gets into a program."""

    WALK_IN = "walk-in"
    CALL = "call"
    REFERRAL = "referral"


class Precision(enum.StrEnum):
    """How precisely a place was located, from finest to coarsest."""

    ADDRESS = "address"
    ZIP = "zip"
    TOWN = "town"
    PLACE = "place"  # a village, neighborhood or region
    DEVICE = "device"  # the browser's geolocation


#: Languages a program may list besides English. Names follow the
#: FindTreatment.gov language labels so that imports map one to one.
LANGUAGES: tuple[str, ...] = (
    "English",
    "Spanish",
    "Portuguese",
    "Haitian Creole",
    "Cape Verdean Creole",
    "Chinese",
    "Vietnamese",
    "Khmer",
    "Arabic",
    "Russian",
    "French",
    "Italian",
    "Polish",
    "Greek",
    "German",
    "Hebrew",
    "Hindi",
    "Korean",
    "Japanese",
    "Tagalog",
    "Somali",
    "Albanian",
    "Hmong",
    "Lao",
    "Ukrainian",
    "Farsi",
    "Urdu",
    "Bengali",
    "Gujarati",
    "Nepali",
    "Swahili",
    "Turkish",
    "Armenian",
    "Amharic",
    "Burmese",
    "Thai",
    "Croatian",
    "Serbian",
    "Bosnian",
    "Lithuanian",
    "Romanian",
    "Yiddish",
    "American Sign Language",
    "Native American languages",
    "Creole",
    "Ojibwa",
    "Yupik",
)

#: Latitude/longitude box of Massachusetts, islands included, with a small
#: margin: (south, west, north, east).
MA_BOUNDS: tuple[float, float, float, float] = (41.18, -73.55, 42.92, -69.85)


class LatLon(NamedTuple):
    """A WGS84 coordinate in (latitude, longitude) order."""

    lat: float
    lon: float


def to_point(latlon: LatLon):
    """Convert a ``LatLon`` to a shapely ``Point(lon, lat)``.

    The one place that flips the axis order, so nothing else can get it wrong.

    Parameters
    ----------
    latlon : LatLon
        The coordinate.

    Returns
    -------
    shapely.Point
    """
    from shapely import Point

    return Point(latlon.lon, latlon.lat)


@dataclass(frozen=True, slots=True)
class Place:
    """A point to search from, with an honest statement of its precision.

    Parameters
    ----------
    lat, lon : float
        WGS84 coordinates.
    label : str
        What to show the person, e.g. ``"Cambridge, MA 02139"``.
    precision : Precision
        How precise the point is.
    source : str
        ``"gazetteer"``, the online service's name, or ``"browser"``.
    note : str
        A plain-language remark, e.g. that precision dropped to the ZIP code.
    """

    lat: float
    lon: float
    label: str
    precision: Precision
    source: str
    note: str = ""

    def __post_init__(self) -> None:
        if not -90 <= self.lat <= 90:
            raise ValueError(f"lat must be in [-90, 90], got {self.lat!r}")
        if not -180 <= self.lon <= 180:
            raise ValueError(f"lon must be in [-180, 180], got {self.lon!r}")

    @property
    def latlon(self) -> LatLon:
        """The point as a ``LatLon``."""
        return LatLon(self.lat, self.lon)

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form used by the CLI and the URL state."""
        return {
            "lat": self.lat,
            "lon": self.lon,
            "label": self.label,
            "precision": str(self.precision),
            "source": self.source,
            **({"note": self.note} if self.note else {}),
        }


@dataclass(frozen=True, slots=True)
class Program:
    """One program: a row of the provider CSV, typed and validated.

    Multi-valued columns are tuples of vocabulary members, in CSV order.
    ``schedule`` is the raw OpenStreetMap ``opening_hours`` string, or ``""``
    when session times are unknown.

    Provenance is kept apart from confirmation: ``listed_as_of`` is when the
    source (``source``) listed the program; ``last_verified`` is when a person
    last confirmed the row with the program, and is None when nobody has.
    ``schedule_confirmed_on``/``_via`` and ``availability_as_of``/
    ``availability_confirmed_via`` say who confirmed the session times and the
    openings, how and when.
    """

    program_id: str
    organization: str
    program_name: str
    level_of_care: LevelOfCare
    street: str
    city: str
    state: str
    zip: str
    latitude: float | None
    longitude: float | None
    phone: str
    last_verified: dt.date | None
    source: str
    county: str = ""
    intake_phone: str = ""
    website: str = ""
    insurance: tuple[Insurance, ...] = ()
    schedule: str = ""
    attendance: Attendance | None = None
    hours_per_week: float | None = None
    services: tuple[Service, ...] = ()
    populations: tuple[Population, ...] = ()
    languages: tuple[str, ...] = ()
    accepting_new_clients: Accepting = Accepting.UNKNOWN
    availability_as_of: dt.date | None = None
    intake: tuple[Intake, ...] = ()
    notes: str = ""
    listed_as_of: dt.date | None = None
    schedule_confirmed_on: dt.date | None = None
    schedule_confirmed_via: ConfirmedVia | None = None
    availability_confirmed_via: ConfirmedVia | None = None

    @property
    def latlon(self) -> LatLon | None:
        """The program's coordinate, or None when it has not been geocoded."""
        if self.latitude is None or self.longitude is None:
            return None
        return LatLon(self.latitude, self.longitude)

    @property
    def address(self) -> str:
        """One-line postal address."""
        return f"{self.street}, {self.city}, {self.state} {self.zip}"
