"""IOP Finder: find Massachusetts intensive outpatient programs for substance use.

The public API is re-exported here; see each module for details.
"""

from finder.config import Settings
from finder.errors import (
    DataError,
    FinderError,
    GeocodeError,
    GeocodeNotFound,
    GeocodeUnavailable,
)
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

__all__ = [
    "Accepting",
    "Attendance",
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
    "Place",
    "Population",
    "Precision",
    "Program",
    "Service",
    "Settings",
    "ValidationReport",
    "load_programs",
    "validate_file",
]
