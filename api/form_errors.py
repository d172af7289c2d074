"""Why a form was refused, in words for the person who filled it in: what to do, field by field.

The portal, the owner's pages and the console check their forms with the JSON API's pydantic models, whose
messages ("String should have at least 1 character") are written for programmers. This is the one place that
turns a validation error into the sentence shown beside the field and in the form's error summary.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# What to do about a field left empty, by the field's name (the forms name their fields as the API's models do).
WHEN_EMPTY = {
    "violation_code": "Choose what the problem is",
    "address": "Enter the street address",
    "description": "Describe the problem",
    "channel": "Choose how the complaint reached us",
    "findings": "Describe what the inspection found",
    "text": "Write the note",
    "on_behalf_of": "Enter who it came from",
    "received_via": "Choose how it reached us",
    "note": "Describe the work that was done",
    "done_on": "Enter the day the work was done",
    "grounds": "Say why the notice or fine is wrong (the grounds of the appeal)",
    "reason": "Give the reason",
    "days": "Enter how many more days are needed",
    "amount": "Enter the amount",
    "method": "Enter how it was paid",
    "reference": "Enter the payment's reference (a receipt or cheque number)",
}
# Fields whose format is checked by a pattern: the format, shown by example.
FORMATS = {
    "email": "Enter an e-mail address in the form name@example.com",
    "phone": "Enter a phone number in digits, for example 555 010 9944",
}
NUMBER = frozenset({"int_parsing", "float_parsing", "decimal_parsing", "int_from_float", "decimal_type"})
LIMITS = {
    "greater_than": "more than",
    "greater_than_equal": "at least",
    "less_than": "less than",
    "less_than_equal": "at most",
}
DAY = {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type"}
WHEN = dict.fromkeys(DAY, "date") | dict.fromkeys(
    ("datetime_parsing", "datetime_from_date_parsing", "datetime_type"), "date and time"
)


def sentence(text: str) -> str:
    """A reason written in the code's own words (a rule, a validator) as a sentence: capitalised, no prefix."""
    text = text.removeprefix("Value error, ").removeprefix("Assertion failed, ").strip()
    return text[:1].upper() + text[1:]


def human_message(error: Mapping[str, Any], field: str, label: str) -> str:
    """One validation error of `field` (called `label` on the form) as what the person should do."""
    kind, context = str(error.get("type", "")), error.get("ctx") or {}
    named = label.lower()
    given = error.get("input")
    if kind == "missing" or given is None or (isinstance(given, str) and not given.strip()):  # left empty
        return WHEN_EMPTY.get(field, f"Enter {named}")
    if kind == "string_too_short":
        return f"{label} must be at least {context.get('min_length')} characters"
    if kind == "string_too_long":
        return f"{label} must be {context.get('max_length')} characters or fewer"
    if kind == "string_pattern_mismatch":
        return FORMATS.get(field, f"Enter {named} in the form the hint shows")
    if kind in NUMBER:
        return f"Enter {named} as a number"
    if kind in LIMITS:
        limit = next(iter(v for k, v in context.items() if k in ("gt", "ge", "lt", "le")), "")
        return f"{label} must be {LIMITS[kind]} {limit}"
    if kind in WHEN:
        return f"Enter {named} as a {WHEN[kind]}"
    if kind in ("enum", "literal_error"):
        return f"Choose {named} from the list"
    if kind == "decimal_max_places":
        return f"Enter {named} in dollars and cents"
    return sentence(str(error.get("msg", f"Check {named}")))


def human_errors(errors: Iterable[Mapping[str, Any]], labels: Mapping[str, str]) -> dict[str, str]:
    """Field name → what to do, the first error of each field; a field is the innermost part of the error's
    location that the form shows (`complainant.email` is the form's `email`), else "form"."""
    found: dict[str, str] = {}
    for error in errors:
        parts = [str(p) for p in error.get("loc", ()) if p != "body"]
        field = next((p for p in reversed(parts) if p in labels), parts[0] if parts else "form")
        label = labels.get(field, field.replace("_", " ").capitalize())
        found.setdefault(field, human_message(error, field, label))
    return found
