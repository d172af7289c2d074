"""lien release: a released lien's line in the tax-roll file that took it off the roll (issue 15)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 08:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('liens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('release_transmittal_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_liens_release_transmittal_id', 'tax_roll_transmittals', ['release_transmittal_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('liens', schema=None) as batch_op:
        batch_op.drop_constraint('fk_liens_release_transmittal_id', type_='foreignkey')
        batch_op.drop_column('release_transmittal_id')
