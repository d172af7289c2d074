"""What the application holds for its lifetime: settings, database, policy, city and the Temporal client."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from temporalio.client import Client

from config.settings import Settings
from domain.city import City
from domain.policy import Policy
from records.db import SessionFactory


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    sessions: SessionFactory
    policy: Policy
    city: City
    temporal: Client
