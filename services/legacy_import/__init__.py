"""Bringing a city's existing cases in from a legacy export (issue 16): read, map, match parcels, report, and
write closed cases as history and open cases as workflows at their step. `scripts/import_cases.py` and the
console's `/admin/import` are its two faces."""
