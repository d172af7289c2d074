"""unpaid charges: what is still owed of each charge, kept beside the ledger for the money report (issue 13)

The backfill settles every account once with the money report's own rule (`domain.report_figures`), so a city
upgrading keeps the figures it had; from then on the record writer keeps the table in step with the ledger.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 06:00:00
"""

from collections.abc import Sequence
from itertools import groupby

import sqlalchemy as sa
import sqlmodel
from alembic import op

from domain.report_figures import LedgerFact, unpaid_charges

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def upgrade() -> None:
    unpaid = op.create_table(
        'unpaid_charges',
        sa.Column('case_number', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('event_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('line', sa.Integer(), nullable=False),
        sa.Column('entry_type', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column('owed', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_number'], ['cases.case_number']),
        sa.PrimaryKeyConstraint('case_number', 'event_key', 'line'),
    )
    assert unpaid is not None
    ledger = sa.table(
        'case_ledger',
        sa.column('id', sa.Integer()),
        sa.column('case_number', sa.String()),
        sa.column('event_key', sa.String()),
        sa.column('line', sa.Integer()),
        sa.column('entry_type', sa.String()),
        sa.column('amount', sa.Numeric(12, 2)),
        sa.column('due_at', sa.DateTime(timezone=True)),
        sa.column('recorded_at', sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(ledger).order_by(ledger.c.case_number, ledger.c.id)).all()
    kept: list[dict[str, object]] = []
    for _case, lines in groupby(rows, key=lambda row: row.case_number):
        account = list(lines)
        facts = [LedgerFact(r.case_number, r.entry_type, r.amount, r.recorded_at, r.due_at) for r in account]
        keys = {id(fact): row for fact, row in zip(facts, account, strict=True)}
        kept += [
            {
                'case_number': charge.case_number,
                'event_key': keys[id(charge)].event_key,
                'line': keys[id(charge)].line,
                'entry_type': charge.entry_type,
                'owed': owed,
                'due_at': charge.due_at,
                'recorded_at': charge.recorded_at,
            }
            for charge, owed in unpaid_charges(facts)
        ]
    for at in range(0, len(kept), BATCH):
        op.bulk_insert(unpaid, kept[at : at + BATCH])


def downgrade() -> None:
    op.drop_table('unpaid_charges')
