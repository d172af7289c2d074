"""evidence: photos and files stored with their sha256 (issues 4, 5, 6)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'evidence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_number', sa.String(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('media_type', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(), nullable=False),
        sa.Column('original_name', sa.String(length=255), nullable=False),
        sa.Column('source', sa.String(length=32), nullable=False),
        sa.Column('internal', sa.Boolean(), nullable=False),
        sa.Column('caption', sa.String(length=500), nullable=True),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('uploaded_by', sa.String(length=64), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.ForeignKeyConstraint(['case_number'], ['cases.case_number']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_number', 'sha256', name='uq_evidence_case_sha256'),
    )
    op.create_index('ix_evidence_case_number', 'evidence', ['case_number'])


def downgrade() -> None:
    op.drop_index('ix_evidence_case_number', table_name='evidence')
    op.drop_table('evidence')
