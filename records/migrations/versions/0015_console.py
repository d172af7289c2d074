"""console: sessions and evidence times (issue 5)

A session version on each user, which signing out moves on (ending every session token issued before), and
which witness gave a photo's capture time: its EXIF, or the phone's file time sent with the upload. Every
capture time kept before this revision was read from EXIF.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('taken_at_source', sa.String(length=16), nullable=True))
    op.execute("UPDATE evidence SET taken_at_source = 'exif' WHERE taken_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_column('taken_at_source')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
