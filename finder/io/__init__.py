"""Formats in and out: Open Referral HSDS 3.0 (``hsds``), GeoJSON and GeoPackage (``geo``).

Each module turns programs into a file others read, or such a file back into
provider CSV rows; business rules stay in the core.
"""
