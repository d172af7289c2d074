"""notices: delivery fallback and the letters the workflow sends (issue 4)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('case_notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('awaiting_service_by', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column('failed_services', sa.JSON(), nullable=False, server_default='[]'))
    op.create_table(
        'case_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_number', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('business_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('delivery', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('path', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('template', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('template_version', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('pdf_path', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('pdf_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.ForeignKeyConstraint(['case_number'], ['cases.case_number']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_number', 'path', name='uq_case_documents_case_path'),
    )
    with op.batch_alter_table('case_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_documents_case_number'), ['case_number'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('case_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_documents_case_number'))
    op.drop_table('case_documents')
    with op.batch_alter_table('case_notices', schema=None) as batch_op:
        batch_op.drop_column('failed_services')
        batch_op.drop_column('awaiting_service_by')
