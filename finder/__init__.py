"""IOP Finder: find Massachusetts intensive outpatient programs for substance use.

The public API is re-exported here; see each module for details.
"""

from finder.config import Settings
from finder.coverage import CoverageResult, coverage
from finder.errors import (
    DataError,
    FinderError,
    GeocodeError,
    GeocodeNotFound,
    GeocodeUnavailable,
    OutsideMassachusetts,
)
from finder.geocode import Locator, build_locator
from finder.load import Issue, Loaded, ValidationReport, load_programs, validate_file
from finder.model import (
    Accepting,
    Attendance,
    Insurance,
    Intake,
    LatLon,
    LevelOfCare,
    Place,
    Population,
    Precision,
    Program,
    Service,
)
from finder.search import Catalog, Match, SearchQuery, SearchResult, describe, search

__all__ = [
    "Accepting",
    "Attendance",
    "Catalog",
    "CoverageResult",
    "DataError",
    "FinderError",
    "GeocodeError",
    "GeocodeNotFound",
    "GeocodeUnavailable",
    "Insurance",
    "Intake",
    "Issue",
    "LatLon",
    "LevelOfCare",
    "Loaded",
    "Locator",
    "Match",
    "OutsideMassachusetts",
    "Place",
    "Population",
    "Precision",
    "Program",
    "SearchQuery",
    "SearchResult",
    "Service",
    "Settings",
    "ValidationReport",
    "build_locator",
    "coverage",
    "describe",
    "load_programs",
    "search",
    "validate_file",
]
