"""staff console: lockout, CSRF, user administration (issue 5)

Sign-in lockout counted on the user row (so it holds across API replicas), and the indexes the console's
case list, dashboard, hearing calendar and outbox read by (bench/case_list.py measures them).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, index name, columns): every list the console sorts or filters has an index that serves it in order.
INDEXES = (
    ('cases', 'ix_cases_opened_at', ['opened_at']),
    ('cases', 'ix_cases_stage_opened_at', ['stage', 'opened_at']),
    ('cases', 'ix_cases_officer_opened_at', ['assigned_officer_id', 'opened_at']),
    ('cases', 'ix_cases_violation_opened_at', ['violation_code', 'opened_at']),
    ('cases', 'ix_cases_priority_opened_at', ['priority', 'opened_at']),
    ('cases', 'ix_cases_next_deadline', ['next_deadline']),
    ('cases', 'ix_cases_overdue_next_deadline', ['overdue', 'next_deadline']),
    ('cases', 'ix_cases_closed_at', ['closed_at']),
    ('case_events', 'ix_case_events_occurred_at', ['occurred_at']),
    ('case_events', 'ix_case_events_kind_occurred_at', ['kind', 'occurred_at']),
    ('hearings', 'ix_hearings_scheduled_for', ['scheduled_for']),
    ('messages', 'ix_messages_created_at', ['created_at']),
)


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_sign_ins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('first_failure_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('first_failure_at')
        batch_op.drop_column('failed_sign_ins')
