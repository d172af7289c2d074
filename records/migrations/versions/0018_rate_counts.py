"""rate counts: the public pages' rate limits counted in the database (issues 12 and 17)

Every API process counts the same requests: one row per rule, client digest and fixed window, added to by an
upsert and deleted once its window no longer counts.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'rate_counts',
        sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('client', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('window_index', sa.BigInteger(), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.Column('forget_after', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('rule', 'client', 'window_index'),
    )
    op.create_index('ix_rate_counts_forget_after', 'rate_counts', ['forget_after'])


def downgrade() -> None:
    op.drop_table('rate_counts')
