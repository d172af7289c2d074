"""report indexes: a case's lines in time (its first inspection, the reinspection after a due date), a property's
cases in time (recidivism), and the money report's period in the ledger and the liens (issue 13, item 10)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 05:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_case_events_case_occurred_at', 'case_events', ['case_number', 'occurred_at'], unique=False)
    op.create_index('ix_cases_parcel_opened_at', 'cases', ['parcel_id', 'opened_at'], unique=False)
    op.create_index('ix_case_ledger_recorded_at', 'case_ledger', ['recorded_at'], unique=False)
    op.create_index('ix_liens_filed_at', 'liens', ['filed_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_liens_filed_at', table_name='liens')
    op.drop_index('ix_case_ledger_recorded_at', table_name='case_ledger')
    op.drop_index('ix_cases_parcel_opened_at', table_name='cases')
    op.drop_index('ix_case_events_case_occurred_at', table_name='case_events')
