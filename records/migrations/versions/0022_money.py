"""money: Stripe's payment events kept once, liens certified and sent to the tax roll (issue 15)

Revision ID: 0022_money
Revises: 0021
Create Date: 2026-12-05 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
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
    op.create_table(
        'tax_roll_transmittals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column('path', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('lines', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('period'),
    )
    with op.batch_alter_table('liens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('released_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('transmittal_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_liens_transmittal_id', 'tax_roll_transmittals', ['transmittal_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('liens', schema=None) as batch_op:
        batch_op.drop_constraint('fk_liens_transmittal_id', type_='foreignkey')
        batch_op.drop_column('transmittal_id')
        batch_op.drop_column('released_at')
        batch_op.drop_column('certified_at')
    op.drop_table('tax_roll_transmittals')
    with op.batch_alter_table('online_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_online_payments_case_number'))
    op.drop_table('online_payments')
