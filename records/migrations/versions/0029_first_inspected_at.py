"""first inspected at: the instant of a case's first inspection, on the case (issue 13)

The time-to-first-inspection and officers reports read it for every case received in a period; looking it up on
each case's timeline cost a lookup per case. Filled from each case's timeline.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 06:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0029'
down_revision: str | None = '0028'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_inspected_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE cases SET first_inspected_at = (SELECT min(case_events.occurred_at) FROM case_events "
        "WHERE case_events.case_number = cases.case_number "
        "AND case_events.kind IN ('inspection_violation_found', 'inspection_no_violation'))"
    )


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('first_inspected_at')
