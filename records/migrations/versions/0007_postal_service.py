"""postal and posted service: print queue, certified numbers, postings (issue 4)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


COLUMNS = (
    "mailed_by",
    "mailed_at",
    "posting_evidence_id",
    "tracking_number",
    "pdf_unavailable_reason",
    "pdf_sha256",
    "pdf_path",
)


def upgrade() -> None:
    with op.batch_alter_table('case_notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf_path', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('pdf_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('pdf_unavailable_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('tracking_number', sqlmodel.sql.sqltypes.AutoString(length=34), nullable=True))
        batch_op.add_column(sa.Column('posting_evidence_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('mailed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case_notices', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_column(column)
