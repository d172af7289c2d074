"""The console's case list: filters, search, sort and pages over the case projection.

Every sort has an index that returns rows in order (migration 0008), so a page of 25 out of 100,000 cases
reads about 25 rows plus one count; `bench/case_list.py` measures it and tests check the query plans.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticUseDefault
from sqlalchemy import Select, func
from sqlmodel import Session, col, or_, select

from domain.stages import CaseStage
from records.legacy_cases import cases_by_legacy_number
from records.tables import Case, Officer, Parcel

PAGE_SIZE = 25
_CASE_NUMBER = re.compile(r"^[A-Z]{2}-\d")


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


class Sort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"
    DEADLINE = "deadline"
    PRIORITY = "priority"

    @property
    def label(self) -> str:
        return {
            Sort.NEWEST: "Newest first",
            Sort.OLDEST: "Oldest first",
            Sort.DEADLINE: "Next deadline (soonest first)",
            Sort.PRIORITY: "Priority, then oldest",
        }[self]


class BlankIsAny(BaseModel):
    """A filter read from a GET form: a field left empty means any, and unknown parameters are ignored."""

    model_config = ConfigDict(extra="ignore")

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_any(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            raise PydanticUseDefault
        return value


class CaseFilter(BlankIsAny):
    """What the list's form asks for; an empty field means any."""

    q: str | None = Field(default=None, max_length=100, description="case number, address or owner")
    status: Status = Status.OPEN
    stage: CaseStage | None = None
    priority: int | None = Field(default=None, ge=1, le=9)
    violation: str | None = Field(default=None, max_length=24)
    officer: int | None = None
    zone: str | None = Field(default=None, max_length=16)
    overdue: bool = False
    sort: Sort = Sort.NEWEST
    page: int = Field(default=1, ge=1)

    def query_string(self, **changes: Any) -> str:
        """This filter as a query string (without the page), for links that keep it."""
        values = self.model_dump(exclude={"page"}, exclude_none=True) | changes
        values = {k: (1 if v is True else v) for k, v in values.items() if v not in (False, "")}
        return urlencode({k: str(v) for k, v in values.items()})


@dataclass(frozen=True)
class CaseRow:
    case: Case
    address: str
    owner: str
    zone: str
    officer: str | None


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    total: int
    page: int
    pages: int


def _conditions(f: CaseFilter) -> list[Any]:
    where: list[Any] = []
    if f.status is Status.OPEN:
        where.append(col(Case.stage) != CaseStage.CLOSED)
    elif f.status is Status.CLOSED:
        where.append(col(Case.stage) == CaseStage.CLOSED)
    if f.stage is not None:
        where.append(col(Case.stage) == f.stage)
    if f.priority is not None:
        where.append(col(Case.priority) == f.priority)
    if f.violation:
        where.append(col(Case.violation_code) == f.violation)
    if f.officer is not None:
        where.append(col(Case.assigned_officer_id) == f.officer)
    if f.overdue:
        where.append(col(Case.overdue).is_(True))
    if f.zone:
        where.append(col(Case.parcel_id).in_(select(Parcel.parcel_id).where(Parcel.zone_code == f.zone)))
    if f.q:
        term = f.q.strip()
        if _CASE_NUMBER.match(term.upper()):
            # A case number or its start: a range on the primary key (LIKE would not use the index in SQLite).
            prefix = term.upper()
            where.append(col(Case.case_number) >= prefix)
            where.append(col(Case.case_number) < prefix + "\uffff")
        else:
            pattern = f"%{term.lower()}%"
            matching = select(Parcel.parcel_id).where(
                or_(func.lower(Parcel.address).like(pattern), func.lower(Parcel.owner_name).like(pattern))
            )
            # A legacy number finds the case imported from it (records.legacy_cases).
            where.append(
                or_(col(Case.parcel_id).in_(matching), col(Case.case_number).in_(cases_by_legacy_number(term)))
            )
    if f.sort is Sort.DEADLINE:
        where.append(col(Case.next_deadline).is_not(None))
    return where


def _order(sort: Sort) -> list[Any]:
    match sort:
        case Sort.NEWEST:
            return [col(Case.opened_at).desc()]
        case Sort.OLDEST:
            return [col(Case.opened_at)]
        case Sort.DEADLINE:
            return [col(Case.next_deadline)]
        case Sort.PRIORITY:
            return [col(Case.priority), col(Case.opened_at)]


def list_query(f: CaseFilter, page_size: int = PAGE_SIZE) -> Select[Any]:
    """The page's rows: cases first (filtered, ordered, limited), then their parcel and officer."""
    return (
        select(Case, Parcel.address, Parcel.owner_name, Parcel.zone_code, Officer.name)  # type: ignore[call-overload]
        .join(Parcel, col(Parcel.parcel_id) == Case.parcel_id)
        .outerjoin(Officer, col(Officer.id) == Case.assigned_officer_id)
        .where(*_conditions(f))
        .order_by(*_order(f.sort), col(Case.case_number))
        .limit(page_size)
        .offset((f.page - 1) * page_size)
    )


def count_query(f: CaseFilter) -> Select[Any]:
    return select(func.count()).select_from(Case).where(*_conditions(f))


def case_page(session: Session, f: CaseFilter, page_size: int = PAGE_SIZE) -> CasePage:
    total = session.exec(count_query(f)).one()  # type: ignore[call-overload]
    rows = [
        CaseRow(case, address, owner, zone, officer)
        for case, address, owner, zone, officer in session.exec(list_query(f, page_size))  # type: ignore[call-overload]
    ]
    return CasePage(rows=rows, total=total, page=f.page, pages=max(1, math.ceil(total / page_size)))
