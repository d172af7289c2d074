"""opening channel: the channel of the complaint that opened each case, on the case (issue 13)

The reports filter and break down cases by it; reading it off the first complaint of every case cost a lookup per
case. Filled from each case's first complaint.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
    op.execute(
        "UPDATE cases SET channel = (SELECT complaints.channel FROM complaints "
        "WHERE complaints.case_number = cases.case_number ORDER BY complaints.id LIMIT 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('channel')
