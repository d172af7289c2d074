"""court dates: a prosecution's dates and a Part I ticket's meeting or trial on the hearing calendar (issue 15)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'court_dates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_number', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(['case_number'], ['cases.case_number']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_number', 'key', name='uq_court_dates_case_key'),
    )
    op.create_index('ix_court_dates_at', 'court_dates', ['at'], unique=False)
    op.create_index(op.f('ix_court_dates_case_number'), 'court_dates', ['case_number'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_court_dates_case_number'), table_name='court_dates')
    op.drop_index('ix_court_dates_at', table_name='court_dates')
    op.drop_table('court_dates')
