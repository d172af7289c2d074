"""Brings a database to the newest schema: `python -m records.migrate` (dev script, compose, tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from config.settings import PROJECT_ROOT, get_settings


def upgrade_to_head(database_url: str) -> None:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, "head")


if __name__ == "__main__":
    upgrade_to_head(get_settings().database_url)
