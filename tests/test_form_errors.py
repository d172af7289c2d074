"""A refused form says what to do in a person's words, whatever pydantic said: one mapping for every form."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pydantic import BaseModel, Field, ValidationError

from api.form_errors import human_errors
from api.schemas import ComplaintCreate


class Entry(BaseModel):
    days: int = Field(ge=1, le=30)
    done_on: date
    on_behalf_of: str = Field(min_length=2, max_length=10)


def errors_of(model: type[BaseModel], values: Mapping[str, object], labels: dict[str, str]) -> dict[str, str]:
    try:
        model.model_validate(values)
    except ValidationError as exc:
        return human_errors(exc.errors(), labels)
    raise AssertionError("the values were accepted")


def test_pydantics_messages_become_what_to_do() -> None:
    person = {"email": "nora@home", "phone": "call me"}
    complaint = {"violation_code": "", "address": "", "description": "ab", "channel": "phone", "complainant": person}
    labels = {"violation_code": "The problem", "address": "Address", "description": "Your description"}
    assert errors_of(ComplaintCreate, complaint, labels | {"email": "E-mail", "phone": "Phone"}) == {
        "violation_code": "Choose what the problem is",
        "address": "Enter the street address",
        "description": "Your description must be at least 3 characters",
        "email": "Enter an e-mail address in the form name@example.com",
        "phone": "Enter a phone number in digits, for example 555 010 9944",
    }
    labels = {"days": "Days", "done_on": "Done on", "on_behalf_of": "On behalf of"}
    assert errors_of(Entry, {"days": "many", "done_on": "soon", "on_behalf_of": "x" * 11}, labels) == {
        "days": "Enter days as a number",
        "done_on": "Enter done on as a date",
        "on_behalf_of": "On behalf of must be 10 characters or fewer",
    }
    assert errors_of(Entry, {"days": 31, "done_on": "", "on_behalf_of": "x"}, labels) == {
        "days": "Days must be at most 30",
        "done_on": "Enter the day the work was done",
        "on_behalf_of": "On behalf of must be at least 2 characters",
    }
