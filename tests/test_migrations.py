"""The migrations build exactly the schema the tables declare, on SQLite and on PostgreSQL.

Several features add tables at once; a column declared in a model but missing from its migration would
only show on a city's database after an upgrade. Alembic's own comparison finds it here first.
"""

from __future__ import annotations

import importlib
import pkgutil

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import records
from records.db import make_engine


def test_the_migrated_database_matches_every_declared_table(database_url: str) -> None:
    for module in pkgutil.iter_modules(records.__path__):
        if module.name != "migrate":
            importlib.import_module(f"records.{module.name}")
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == []
