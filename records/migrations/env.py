"""Alembic environment: the URL comes from the caller's config or the application settings."""

from alembic import context
from sqlmodel import SQLModel

import records.communications  # the communications log, reply addresses, disputes
import records.council_reports  # registers its table on SQLModel.metadata, as the lines below do
import records.documents
import records.evidence  # registers its table on SQLModel.metadata, as the next line does
import records.online_payments  # Stripe's events, each kept once
import records.open311  # registers its tables too (Open311 keys and submissions)
import records.portal  # the portal's tables
import records.provider_holds  # providers holding messages
import records.rate_counts  # the public pages' rate limits
import records.tables  # noqa: F401 - registers the tables on SQLModel.metadata
from config.settings import get_settings
from records.db import make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=SQLModel.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
