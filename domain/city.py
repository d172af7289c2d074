"""The city itself: name, office, contacts and the bounds that say whether a point is inside it."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Office(_Strict):
    address: str
    lat: float
    lon: float


class Bounds(_Strict):
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon


class City(_Strict):
    name: str
    short_name: str
    state: str
    timezone: str
    department: str
    phone: str
    email: str
    website: str
    office: Office
    bounds: Bounds


def load_city(path: Path) -> City:
    return City.model_validate(tomllib.loads(path.read_text(encoding="utf-8"))["city"])
