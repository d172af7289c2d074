"""legacy import: each imported case keyed by its legacy number (issue 16)

A case brought in from a legacy export keeps its legacy number (searchable), when it was imported by the server's
clock (apart from the legacy dates it carries), a fingerprint of what the export said (so a second run of the same
file changes nothing and a corrected file updates what changed), and, for an open case, the state its workflow
starts from.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'legacy_cases',
        sa.Column('legacy_case_number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('case_number', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('legacy_status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('resume', sa.JSON(), nullable=True),
        sa.Column('imported_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.ForeignKeyConstraint(['case_number'], ['cases.case_number']),
        sa.PrimaryKeyConstraint('legacy_case_number'),
    )
    op.create_index('ix_legacy_cases_case_number', 'legacy_cases', ['case_number'], unique=True)


def downgrade() -> None:
    op.drop_table('legacy_cases')
