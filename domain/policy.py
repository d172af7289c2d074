"""The city's enforcement policy: a TOML pack validated on load.

A running case carries the `ViolationType` and calendar it started under (a snapshot in its workflow
input), so a policy change applies to new cases only.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from domain.calendar import BusinessCalendar


class PolicyError(ValueError):
    """A policy pack that cannot be used; the message names the key and the reason."""


class Category(StrEnum):
    """Severity class: I is life-safety."""

    I = "I"  # noqa: E741 - the city's own name for the class
    II = "II"
    III = "III"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CategoryRule(_Strict):
    label: str
    response_target_business_days: int = Field(ge=0)


class ViolationType(_Strict):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9-]{1,23}$")
    title: str = Field(min_length=3)
    section: str
    category: Category
    priority: int = Field(ge=1, le=3)
    specialty: str
    response_target_business_days: int = Field(ge=0)
    description: str = ""

    @property
    def priority_label(self) -> str:
        return f"P{self.priority}"


class PackInfo(_Strict):
    id: str
    name: str
    jurisdiction: str
    specialties: tuple[str, ...]


class Policy(_Strict):
    pack: PackInfo
    calendar: BusinessCalendar
    categories: dict[Category, CategoryRule]
    violation_types: tuple[ViolationType, ...] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _response_targets_default_to_the_category(cls, data: Any) -> Any:
        """A violation type without its own response target takes its category's."""
        if not isinstance(data, dict) or not isinstance(data.get("violation_types"), list):
            return data
        categories = data.get("categories")
        if not isinstance(categories, dict):
            categories = {}
        filled = []
        for entry in data["violation_types"]:
            rule = categories.get(entry.get("category")) if isinstance(entry, dict) else None
            if isinstance(rule, dict) and "response_target_business_days" not in entry:
                entry = {**entry, "response_target_business_days": rule.get("response_target_business_days")}
            filled.append(entry)
        return {**data, "violation_types": filled}

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        missing = [c.value for c in Category if c not in self.categories]
        if missing:
            raise ValueError(f"categories: category {missing[0]} is not defined")
        seen: set[str] = set()
        for index, violation in enumerate(self.violation_types):
            if violation.code in seen:
                raise ValueError(f"violation_types[{index}].code: {violation.code!r} is defined twice")
            seen.add(violation.code)
            if violation.specialty not in self.pack.specialties:
                raise ValueError(
                    f"violation_types[{index}].specialty: {violation.specialty!r} is not one of "
                    f"pack.specialties ({', '.join(self.pack.specialties)})"
                )
        return self

    def violation(self, code: str) -> ViolationType | None:
        return next((v for v in self.violation_types if v.code == code), None)

    @property
    def codes(self) -> list[str]:
        return [v.code for v in self.violation_types]


def _key(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def parse_policy(text: str, source: str = "policy") -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: not valid TOML: {exc}") from exc
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = _key(first["loc"])
        reason = first["msg"].removeprefix("Value error, ")
        raise PolicyError(f"{source}: {key}: {reason}" if key else f"{source}: {reason}") from exc


def load_policy(path: Path) -> Policy:
    return parse_policy(path.read_text(encoding="utf-8"), source=str(path))
