"""How a city's legacy export maps onto Abate: which column holds what, how dates are written, and the tables
from legacy types, statuses, officers and sources to the policy's violation codes, stages, outcomes and
channels. The city writes it as TOML (`config/import/example-mapping.toml` documents every key); an error names
the key and the reason, so the person converting the data can fix the file without reading code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.stages import CaseStage, Channel, Outcome
from domain.toml_models import TomlRefused, read_toml

T = TypeVar("T")

# A key of a table that stands for every legacy value the table does not name.
CATCH_ALL = "*"

# The steps an open legacy case can continue from; "from_dates" reads the step from the comply-by date
# (a compliance period while it runs, reinspection due once it has passed) and is an inspection without one.
OpenStage = Literal["from_dates", "investigating", "awaiting_compliance", "reinspection_due", "prosecution"]
OPEN_STAGES: dict[str, CaseStage] = {
    "investigating": CaseStage.INVESTIGATING,
    "awaiting_compliance": CaseStage.AWAITING_COMPLIANCE,
    "reinspection_due": CaseStage.REINSPECTION_DUE,
    "prosecution": CaseStage.PROSECUTION,
}


class MappingError(ValueError):
    """A mapping file Abate cannot use; the message starts with the key at fault."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Columns(_Strict):
    """Column headings of the export, as they are written in its first row; only the legacy number is required."""

    legacy_case_number: str
    address: str | None = None
    parcel_id: str | None = None
    x: str | None = Field(default=None, description="longitude, or easting in a projected system")
    y: str | None = Field(default=None, description="latitude, or northing in a projected system")
    opened: str | None = None
    closed: str | None = None
    comply_by: str | None = None
    status: str | None = None
    violation_type: str | None = None
    violation_description: str | None = None
    violation_date: str | None = None
    violation_status: str | None = None
    officer: str | None = None
    channel: str | None = None
    fine: str | None = None
    paid: str | None = None
    owner_name: str | None = None
    owner_mailing_address: str | None = None
    complainant_name: str | None = None

    def named(self) -> dict[str, str]:
        """Every mapped column: field → heading."""
        return {name: heading for name, heading in self.model_dump().items() if heading}


class Coordinates(_Strict):
    # Any coordinate reference system pyproj knows: "EPSG:4326" for lat/lon, "EPSG:3418" for Iowa South
    # state plane in US survey feet, and so on. The importer checks that pyproj knows it.
    system: str = "EPSG:4326"


class Dates(_Strict):
    formats: list[str] = Field(min_length=1, description="strptime formats, tried in order")
    # Values that mean "no date" in the legacy system (1900-01-01, 00/00/0000…): read as an empty cell.
    no_date: list[str] = Field(default_factory=list)

    @field_validator("formats")
    @classmethod
    def _formats_read_dates(cls, formats: list[str]) -> list[str]:
        for pattern in formats:
            if "%" not in pattern:
                raise ValueError(f"{pattern!r} is not a strptime format (such as %m/%d/%Y)")
            sample = datetime(2024, 3, 7).strftime(pattern)
            try:
                datetime.strptime(sample, pattern)
            except ValueError:
                raise ValueError(f"{pattern!r} cannot read back the dates it writes") from None
        return formats


class StatusRule(_Strict):
    """What a legacy status means: an outcome closes the case as history; a stage keeps it open, as a workflow."""

    outcome: Outcome | None = None
    stage: OpenStage | None = None

    @model_validator(mode="after")
    def _one_of(self) -> StatusRule:
        if (self.outcome is None) == (self.stage is None):
            raise ValueError("give either an outcome (a closed case) or a stage (an open case), not both or neither")
        return self


class LegacyMapping(_Strict):
    shape: Literal["per_case", "per_violation"]
    columns: Columns
    coordinates: Coordinates = Coordinates()
    dates: Dates
    violation_types: dict[str, str] = Field(min_length=1)
    statuses: dict[str, StatusRule] = Field(min_length=1)
    officers: dict[str, str] = Field(default_factory=dict, description="legacy name → officer badge")
    channels: dict[str, Channel] = Field(default_factory=lambda: {CATCH_ALL: Channel.PHONE})

    @model_validator(mode="after")
    def _columns_the_shape_needs(self) -> LegacyMapping:
        if self.shape == "per_violation" and self.columns.violation_type is None:
            raise ValueError("columns.violation_type is required when there is one row per violation")
        return self

    def violation_code(self, legacy_type: str) -> str | None:
        return _look_up(self.violation_types, legacy_type)

    def status_rule(self, legacy_status: str) -> StatusRule | None:
        return _look_up(self.statuses, legacy_status)

    def officer_badge(self, legacy_name: str) -> str | None:
        return _look_up(self.officers, legacy_name)

    def channel(self, legacy_source: str) -> Channel | None:
        return _look_up(self.channels, legacy_source)


def _look_up(table: dict[str, T], legacy: str) -> T | None:
    """Legacy values are matched without regard to case or surrounding spaces, then the catch-all."""
    wanted = " ".join(legacy.split()).casefold()
    for key, value in table.items():
        if key != CATCH_ALL and " ".join(key.split()).casefold() == wanted:
            return value
    return table.get(CATCH_ALL)


def parse_mapping(text: str) -> LegacyMapping:
    """The mapping, or MappingError naming the key at fault and why."""
    try:
        return read_toml(text, LegacyMapping)
    except TomlRefused as refused:
        if refused.key is None:
            raise MappingError(f"the file is not TOML: {refused.reason}") from None
        raise MappingError(f"{refused.key or '(top level)'}: {refused.reason}") from None
