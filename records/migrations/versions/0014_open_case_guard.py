"""portal: one open case per parcel and violation type (issue 6)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_JOINING_REPORTS = "stage <> 'closed' AND joins_reports"


def upgrade() -> None:
    op.add_column('cases', sa.Column('joins_reports', sa.Boolean(), server_default=sa.false(), nullable=False))
    # The case reports have joined so far: the first opened of the open cases about each parcel and violation type.
    op.execute(
        "UPDATE cases SET joins_reports = TRUE WHERE stage <> 'closed' AND NOT EXISTS ("
        " SELECT 1 FROM cases AS earlier WHERE earlier.parcel_id = cases.parcel_id"
        " AND earlier.violation_code = cases.violation_code AND earlier.stage <> 'closed'"
        " AND (earlier.opened_at < cases.opened_at"
        " OR (earlier.opened_at = cases.opened_at AND earlier.case_number < cases.case_number)))"
    )
    op.create_index(
        'ux_cases_open_joining_reports',
        'cases',
        ['parcel_id', 'violation_code'],
        unique=True,
        sqlite_where=sa.text(OPEN_JOINING_REPORTS),
        postgresql_where=sa.text(OPEN_JOINING_REPORTS),
    )


def downgrade() -> None:
    op.drop_index('ux_cases_open_joining_reports', table_name='cases')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('joins_reports')
