"""Open311 GeoReport v2: API keys and request tokens (issue 6)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('open311_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hint', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    op.create_table('open311_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('case_number', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('media_url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('device_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('account_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['case_number'], ['cases.case_number'], ),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], ),
    sa.ForeignKeyConstraint(['key_id'], ['open311_keys.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('complaint_id'),
    sa.UniqueConstraint('token')
    )
    with op.batch_alter_table('open311_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open311_submissions_case_number'), ['case_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_open311_submissions_key_id'), ['key_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('open311_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open311_submissions_key_id'))
        batch_op.drop_index(batch_op.f('ix_open311_submissions_case_number'))

    op.drop_table('open311_submissions')
    op.drop_table('open311_keys')
