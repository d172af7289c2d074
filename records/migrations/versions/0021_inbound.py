"""inbound: residents' e-mails, texts and calls on the case (issue 14, items 4-9)

The communications log (with the unmatched inbox: lines without a case, and the reply each incoming line is
owed), each case's reply address, disputes of the code, and the providers holding messages because they refuse
the city's credentials.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_text = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'case_reply_addresses',
        sa.Column('case_number', _text(length=16), nullable=False),
        sa.Column('token', _text(length=32), nullable=False),
        sa.ForeignKeyConstraint(['case_number'], ['cases.case_number']),
        sa.PrimaryKeyConstraint('case_number'),
        sa.UniqueConstraint('token'),
    )
    op.create_table(
        'communications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_number', _text(length=16), nullable=True),
        sa.Column('channel', _text(length=8), nullable=False),
        sa.Column('direction', _text(length=8), nullable=False),
        sa.Column('party', _text(length=16), nullable=False),
        sa.Column('sender', _text(), nullable=False),
        sa.Column('subject', _text(), nullable=False),
        sa.Column('body', _text(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('logged_by', _text(length=64), nullable=False),
        sa.Column('provider_ref', _text(length=255), nullable=True),
        sa.Column('message_key', _text(length=120), nullable=True),
        sa.Column('attachments', sa.JSON(), nullable=False),
        sa.Column('refused_attachments', sa.JSON(), nullable=False),
        sa.Column('reply_due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reply_id', sa.Integer(), nullable=True),
        sa.Column('filed_by', _text(length=64), nullable=True),
        sa.ForeignKeyConstraint(['case_number'], ['cases.case_number']),
        sa.ForeignKeyConstraint(['reply_id'], ['communications.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('provider_ref', name='uq_communications_provider_ref'),
    )
    op.create_index('ix_communications_case_number', 'communications', ['case_number'])
    op.create_table(
        'code_disputes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_number', _text(length=16), nullable=False),
        sa.Column('party', _text(length=16), nullable=False),
        sa.Column('summary', _text(), nullable=False),
        sa.Column('recorded_by', _text(length=64), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('resolution', _text(), nullable=True),
        sa.Column('resolved_by', _text(length=64), nullable=True),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['case_number'], ['cases.case_number']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_code_disputes_case_number', 'code_disputes', ['case_number'])
    op.create_table(
        'provider_holds',
        sa.Column('provider', _text(length=16), nullable=False),
        sa.Column('reason', _text(), nullable=False),
        sa.Column('held_since', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('provider'),
    )


def downgrade() -> None:
    op.drop_table('provider_holds')
    op.drop_table('code_disputes')
    op.drop_table('communications')
    op.drop_table('case_reply_addresses')
