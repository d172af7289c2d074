"""resident and owner portal: tracking and access codes (issue 6)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('owner_access_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_number', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('letter', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('code_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['case_number'], ['cases.case_number'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_sha256')
    )
    with op.batch_alter_table('owner_access_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_owner_access_codes_case_number'), ['case_number'], unique=False)

    op.create_table('owner_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_number', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('delivered', sa.Boolean(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['case_number'], ['cases.case_number'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('owner_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_owner_requests_case_number'), ['case_number'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('owner_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_owner_requests_case_number'))
    op.drop_table('owner_requests')
    with op.batch_alter_table('owner_access_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_owner_access_codes_case_number'))
    op.drop_table('owner_access_codes')
