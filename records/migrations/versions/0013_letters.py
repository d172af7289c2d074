"""letters: reminders and follow-up letters (issue 4)

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0013'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('owner_preferred_channel', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )
    with op.batch_alter_table('case_notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    with op.batch_alter_table('case_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('mailed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case_documents', schema=None) as batch_op:
        batch_op.drop_column('mailed_by')
        batch_op.drop_column('mailed_at')
    with op.batch_alter_table('case_notices', schema=None) as batch_op:
        batch_op.drop_column('created_by')
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.drop_column('owner_preferred_channel')
