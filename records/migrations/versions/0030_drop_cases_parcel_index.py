"""drop cases' (parcel_id) index: (parcel_id, opened_at) from 0019 serves every lookup by property

Each new case wrote both indexes; SQLite's planner weighed them alike, so a property search read either. The
foreign key to parcels is served by the remaining index's leading column.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 21:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0030'
down_revision: str | None = '0029'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index('ix_cases_parcel_id', table_name='cases')


def downgrade() -> None:
    op.create_index('ix_cases_parcel_id', 'cases', ['parcel_id'], unique=False)
