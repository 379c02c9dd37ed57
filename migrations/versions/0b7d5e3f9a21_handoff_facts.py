"""hand-offs record what they share with the request's earlier hand-offs

At a year of a million requests the hand-off report read 160,000 hand-offs
four times: COUNT(DISTINCT request) per pair and per type, each return leg
joined to the hand-off before it (ping-pong), and each request's holdings
counted (three or more departments). Each row now records, when written,
whether it sent the request straight back, when the request was last handed
the same way and while of the same type, and how many departments have held
it, so the report sums rows, one pair or one type at a time from its own index;
partial indexes hold the few rows that ping-pong and "three or more
departments" read. Existing hand-offs get the facts from
the ones before them, with SQL frozen as it was written (the live definition
is ``desk.models.reporting.handoff_facts``).

Revision ID: 0b7d5e3f9a21
Revises: 18473c7a4893
Create Date: 2026-12-03 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0b7d5e3f9a21'
down_revision = '18473c7a4893'
branch_labels = None
depends_on = None

PAIR_COLUMNS = ['from_department_id', 'to_department_id', 'at', 'previous_pair_at', 'request_id']
TYPE_COLUMNS = ['from_type_id', 'at', 'previous_type_at', 'from_department_id', 'to_department_id', 'request_id']
PARTIAL_COLUMNS = ['at', 'to_department_id', 'from_department_id', 'from_type_id', 'to_type_id', 'request_id']


def upgrade():
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_back', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('previous_pair_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('previous_type_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('departments_after', sa.Integer(), server_default='2', nullable=False))
    for statement in BACKFILL:
        op.execute(statement)
    op.create_index('ix_handoffs_pair', 'handoffs', PAIR_COLUMNS, unique=False)
    op.create_index('ix_handoffs_type', 'handoffs', TYPE_COLUMNS, unique=False)
    op.create_index('ix_handoffs_sent_back', 'handoffs', PARTIAL_COLUMNS, unique=False,
                    sqlite_where=sa.text('sent_back = 1'), postgresql_where=sa.text('sent_back'))
    op.create_index('ix_handoffs_touched', 'handoffs', [*PARTIAL_COLUMNS, 'departments_after'], unique=False,
                    sqlite_where=sa.text('departments_after >= 3'),
                    postgresql_where=sa.text('departments_after >= 3'))


def downgrade():
    op.drop_index('ix_handoffs_touched', table_name='handoffs')
    op.drop_index('ix_handoffs_sent_back', table_name='handoffs')
    op.drop_index('ix_handoffs_type', table_name='handoffs')
    op.drop_index('ix_handoffs_pair', table_name='handoffs')
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.drop_column('departments_after')
        batch_op.drop_column('previous_type_at')
        batch_op.drop_column('previous_pair_at')
        batch_op.drop_column('sent_back')


BACKFILL = [
    """
    UPDATE handoffs SET sent_back = TRUE
    WHERE seq > 1 AND EXISTS (
        SELECT 1 FROM handoffs AS before
        WHERE before.request_id = handoffs.request_id AND before.seq = handoffs.seq - 1
          AND before.from_department_id = handoffs.to_department_id
    )
    """,
    """
    UPDATE handoffs SET previous_pair_at = (
        SELECT MAX(before.at) FROM handoffs AS before
        WHERE before.request_id = handoffs.request_id AND before.seq < handoffs.seq
          AND before.from_department_id = handoffs.from_department_id
          AND before.to_department_id = handoffs.to_department_id
    )
    WHERE seq > 1
    """,
    """
    UPDATE handoffs SET previous_type_at = (
        SELECT MAX(before.at) FROM handoffs AS before
        WHERE before.request_id = handoffs.request_id AND before.seq < handoffs.seq
          AND before.from_type_id = handoffs.from_type_id
    )
    WHERE seq > 1
    """,
    # The departments that have held the request: where it started (the first hand-off's
    # sender) and every receiver up to this hand-off.
    """
    UPDATE handoffs SET departments_after = (
        SELECT COUNT(DISTINCT held.department_id) FROM (
            SELECT first.from_department_id AS department_id, first.request_id, 0 AS seq
            FROM handoffs AS first WHERE first.seq = 1
            UNION ALL
            SELECT later.to_department_id, later.request_id, later.seq FROM handoffs AS later
        ) AS held
        WHERE held.request_id = handoffs.request_id AND held.seq <= handoffs.seq
    )
    """,
]
