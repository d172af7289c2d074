"""Console forms drawn from the same pydantic models the JSON API validates, and read back into their payloads.

One model per action means one place to add a field: the form, the API and the workflow all follow it.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Union, get_args, get_origin
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from starlette.datastructures import FormData

# Fields a generic form leaves out: evidence comes from the inspection page's uploads.
SKIPPED = frozenset({"evidence"})
LABELS = {
    "violation_found": "Violation found",
    "complied": "Complied",
    "inspected_at": "Inspected at (if not now)",
    "served_at": "Served at (if not now)",
    "hearing_at": "Hearing at",
    "court_at": "Court date",
    "charges": "Charges (bylaw sections, separated by commas)",
    "docket": "Docket number",
    "ticket": "Ticket (fine number)",
    "penalty": "Penalty (fine number)",
    "reduced_to": "Reduced to (a decision that reduces the penalty)",
    "court_fine": "Fine imposed by the court (on conviction)",
    "days_to_pay": "Days the court gave to pay the fine (the policy's payment terms if empty)",
    "scheduled_for": "Inspection at",
    "officer_badge": "Officer",
    "compliance_days": "Modified compliance period (days)",
    "notice_type": "Notice (the next on the policy's path if left empty)",
    "on_behalf_of": "On behalf of (who it came from)",
    "received_via": "How it reached us",
    "done_on": "Done on (as the owner says)",
}


@dataclass
class FormField:
    name: str
    label: str
    kind: str  # text, textarea, number, money, datetime, date, checkbox, select, checklist
    required: bool
    options: list[tuple[str, str]] = field(default_factory=list)
    default: str = ""


def _plain(annotation: Any) -> tuple[Any, bool]:
    """The annotation without `| None`, and whether None was allowed."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0], len(args) < len(get_args(annotation))
    return annotation, False


def form_fields(model: type[BaseModel], choices: dict[str, list[tuple[str, str]]]) -> list[FormField]:
    """The fields of `model` as form inputs; `choices` gives the options of a field (a checklist's items, the
    outcomes a close may take, the officers to reassign to)."""
    fields = []
    for name, info in model.model_fields.items():
        if name in SKIPPED:
            continue
        annotation, optional = _plain(info.annotation)
        required = info.is_required()
        label = LABELS.get(name, name.replace("_", " ").capitalize())
        default = "" if info.default is None or required or isinstance(info.default, bool) else str(info.default)
        if get_origin(annotation) is dict:
            fields.append(FormField(name, label, "checklist", False, choices.get(name, [])))
        elif name in choices:
            fields.append(FormField(name, label, "select", required, choices[name], default))
        elif annotation is bool:
            fields.append(FormField(name, label, "checkbox", False))
        elif isinstance(annotation, type) and issubclass(annotation, Enum):
            options = [(m.value, m.value.replace("_", " ")) for m in annotation]
            fields.append(FormField(name, label, "select", required, options, default))
        elif annotation is datetime:
            fields.append(FormField(name, label, "datetime", required and not optional))
        elif annotation is date:
            fields.append(FormField(name, label, "date", required and not optional))
        elif annotation is Decimal:
            fields.append(FormField(name, label, "money", required and not optional, default=default))
        elif annotation is int:
            fields.append(FormField(name, label, "number", required and not optional, default=default))
        else:
            long = any(getattr(m, "max_length", 0) and m.max_length > 300 for m in info.metadata)
            fields.append(FormField(name, label, "textarea" if long else "text", required, default=default))
    return fields


def payload_of(form: FormData, fields: list[FormField], zone: ZoneInfo) -> dict[str, Any]:
    """The JSON body the API would receive. Empty optional fields are left out (the model's default applies);
    a browser's local date and time is read in the city's zone."""
    payload: dict[str, Any] = {}
    for spec in fields:
        if spec.kind == "checkbox":
            payload[spec.name] = spec.name in form
        elif spec.kind == "checklist":
            ticked = set(form.getlist(spec.name))
            payload[spec.name] = {item: item in ticked for item, _label in spec.options}
        else:
            value = form.get(spec.name)
            text = value.strip() if isinstance(value, str) else ""
            if not text:
                continue
            if spec.kind == "datetime":
                payload[spec.name] = local_instant(text, zone)
            else:
                payload[spec.name] = text
    return payload


def local_instant(text: str, zone: ZoneInfo) -> str:
    """`2026-11-23T09:30` from a datetime-local input, as an instant in the city's zone (kept as typed if it is
    not a date, so the model's own error names the field)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).isoformat()
