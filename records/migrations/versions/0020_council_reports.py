"""council reports: each period's council PDF, stored once with its sha256 (issue 13)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'council_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_first', sa.Date(), nullable=False),
        sa.Column('period_last', sa.Date(), nullable=False),
        sa.Column('path', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period_first', 'period_last', name='uq_council_reports_period'),
    )


def downgrade() -> None:
    op.drop_table('council_reports')
