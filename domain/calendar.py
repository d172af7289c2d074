"""The city's business-day calendar: every deadline counted in business days is computed here.

Response targets and many statutory periods run in business days (San Diego: Priority I within
1 business day). Counting is done on local dates; `due_at` turns a due date into the instant the
city's office closes, which is what a timer waits for.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _known_time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except Exception as exc:
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as America/Chicago)") from exc
    return value


TimeZoneName = Annotated[str, AfterValidator(_known_time_zone)]


class BusinessCalendar(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: TimeZoneName
    close_of_business: time = time(17, 0)
    weekend: tuple[str, ...] = ("sat", "sun")
    holidays: tuple[date, ...] = Field(default=())

    @field_validator("weekend")
    @classmethod
    def _weekday_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [day for day in value if day not in WEEKDAY_NAMES]
        if unknown:
            raise ValueError(f"unknown weekday {unknown[0]!r}; use {', '.join(WEEKDAY_NAMES)}")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_business_day(self, day: date) -> bool:
        return WEEKDAY_NAMES[day.weekday()] not in self.weekend and day not in self.holidays

    def add_business_days(self, start: date, days: int) -> date:
        """The business day `days` after `start` (a complaint received on a Friday with 1 day is due Monday)."""
        if days < 0:
            raise ValueError("business days to add must not be negative")
        day = start
        remaining = days
        while remaining:
            day += timedelta(days=1)
            if self.is_business_day(day):
                remaining -= 1
        return self.roll_forward(day)

    def days_between(self, start: date, end: date, *, business: bool) -> int:
        """How many days (business days, or calendar days) after `start` `end` falls; 0 when it is not after."""
        if not business:
            return max((end - start).days, 0)
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_business_day(start + timedelta(days=n)))

    def roll_forward(self, day: date) -> date:
        """The first business day on or after `day`: a deadline never falls when the office is closed."""
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def due_at(self, day: date) -> datetime:
        """The instant the city's office closes on `day`, as an aware datetime."""
        return datetime.combine(day, self.close_of_business, tzinfo=self.zone)

    def business_days_after(self, instant: datetime, days: int) -> datetime:
        return self.due_at(self.add_business_days(self.local_date(instant), days))

    def calendar_days_after(self, instant: datetime, days: int) -> datetime:
        """Compliance periods and appeal windows run in calendar days and end on a business day."""
        return self.due_at(self.roll_forward(self.local_date(instant) + timedelta(days=days)))
