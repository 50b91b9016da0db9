"""Distances and "is this in Massachusetts": one home for each geographic rule.

Distances are great-circle (haversine) miles on a sphere of the mean Earth
radius: within 0.5 % of the geodesic (Karney) distance over Massachusetts,
and fast. ``haversine_miles`` measures many points at once (the search);
``distance_miles`` measures one pair with the same formula and radius (the
gazetteer's nearest town or ZIP). Coverage measures in the State Plane
(EPSG:26986) with GeoPandas instead, since it joins two layers.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from finder.model import MA_BOUNDS, LatLon

__all__ = [
    "EARTH_RADIUS_MILES",
    "MILES_PER_DEGREE_LAT",
    "distance_miles",
    "haversine_miles",
    "in_massachusetts",
]

#: Mean Earth radius (IUGG), in miles.
EARTH_RADIUS_MILES = 3958.7613
#: Miles in one degree of latitude on that sphere (about 69.09).
MILES_PER_DEGREE_LAT = EARTH_RADIUS_MILES * math.pi / 180


def haversine_miles(
    lat_rad: npt.NDArray[np.float64],
    lon_rad: npt.NDArray[np.float64],
    cos_lat: npt.NDArray[np.float64],
    origin: LatLon,
) -> npt.NDArray[np.float64]:
    """Great-circle distances in miles from ``origin`` to many points.

    Parameters
    ----------
    lat_rad, lon_rad : ndarray
        The points' latitudes and longitudes in radians.
    cos_lat : ndarray
        ``cos(lat_rad)``, precomputed once per catalog.
    origin : LatLon
        In degrees.

    Returns
    -------
    ndarray of float64
    """
    lat0 = math.radians(origin.lat)
    lon0 = math.radians(origin.lon)
    half_dlat = np.sin((lat_rad - lat0) * 0.5)
    half_dlon = np.sin((lon_rad - lon0) * 0.5)
    a = half_dlat * half_dlat + (math.cos(lat0) * cos_lat) * (half_dlon * half_dlon)
    # Never below 0 (a sum of squares with non-negative cosines); np.minimum is
    # the same as np.clip here and several times cheaper on small arrays.
    np.minimum(a, 1.0, out=a)
    return (2 * EARTH_RADIUS_MILES) * np.arcsin(np.sqrt(a))


def distance_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles between two points (degrees), as ``haversine_miles``.

    Parameters
    ----------
    lat1, lon1, lat2, lon2 : float
        The two points, in degrees.

    Returns
    -------
    float
    """
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dlat = math.sin((phi2 - phi1) * 0.5)
    half_dlon = math.sin(math.radians(lon2 - lon1) * 0.5)
    a = half_dlat * half_dlat + math.cos(phi1) * math.cos(phi2) * half_dlon * half_dlon
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(min(1.0, max(0.0, a))))


def in_massachusetts(lat: float | None, lon: float | None) -> bool:
    """Whether a point lies in the box around Massachusetts (``MA_BOUNDS``).

    The one bounds check: the importer, the geocoder and the refresh pipeline
    all ask it. A box, not the state's outline: it also takes a strip of the
    neighbouring states, which the ZIP and town checks then sort out.

    Parameters
    ----------
    lat, lon : float or None
        Degrees; None (a missing coordinate) is never in Massachusetts.

    Returns
    -------
    bool
    """
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        return False
    south, west, north, east = MA_BOUNDS
    return south <= lat <= north and west <= lon <= east
