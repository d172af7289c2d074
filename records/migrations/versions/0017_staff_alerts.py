"""staff alerts: every alert reaches a person (issue 14)

Staff get a phone and their alert preferences; each alert is handed to the people who must read it (a
notification each, read and sent once); an alert says what kind it is; and a message may go to staff about no
one case (a digest), so `messages.case_number` may be empty.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0017'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(
            sa.Column('alert_channel', sqlmodel.sql.sqltypes.AutoString(length=8), server_default='email', nullable=False)
        )
        batch_op.add_column(sa.Column('daily_digest', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), server_default='alert', nullable=False)
        )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.alter_column('case_number', existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=True)
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('urgent', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.ForeignKeyConstraint(['alert_id'], ['alerts.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('alert_id', 'user_id'),
    )
    op.create_index('ix_notifications_alert_id', 'notifications', ['alert_id'])
    op.create_index('ix_notifications_sent_by', 'notifications', ['sent_by'])
    op.create_index('ix_notifications_user_read', 'notifications', ['user_id', 'read_at'])


def downgrade() -> None:
    op.drop_table('notifications')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.alter_column('case_number', existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False)
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_column('kind')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('daily_digest')
        batch_op.drop_column('alert_channel')
        batch_op.drop_column('phone')
