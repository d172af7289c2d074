"""money: Stripe's payment events kept once (issue 15)

Revision ID: 0018_money
Revises: 0017
Create Date: 2026-12-05 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0018_money'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'online_payments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('case_number', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('amount', sa.Numeric(12, 2), nullable=False),
        sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
        sa.ForeignKeyConstraint(['case_number'], ['cases.case_number']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    with op.batch_alter_table('online_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_online_payments_case_number'), ['case_number'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('online_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_online_payments_case_number'))
    op.drop_table('online_payments')
