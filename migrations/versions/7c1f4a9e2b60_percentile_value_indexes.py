"""value-ordered indexes for percentiles; ratings by department cover agent and score

A head's medians and 90th percentiles over a year sorted a third of a million
resolutions once per grouping (overall, by type, agreement version, agent,
requesting department). Each of these indexes keeps one department's
resolutions in value order, overall or within one grouping column, so a
percentile over a long period is read off at its position
(``desk.services.reports.percentiles``). The agent's also carries the outcome
columns that the agent table counts. The ratings' department index gains the
agent and the score, so CSAT by agent is read from the index alone, and a
second one in agent order serves long periods without a sort.

Revision ID: 7c1f4a9e2b60
Revises: 0b7d5e3f9a21
Create Date: 2026-12-03 19:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c1f4a9e2b60'
down_revision = '0b7d5e3f9a21'
branch_labels = None
depends_on = None

TAIL = ['resolution_business_seconds', 'resolved_at', 'type_id', 'priority']
INDEXES = {
    'ix_requests_seconds': ['department_id', *TAIL],
    'ix_requests_seconds_type': ['department_id', 'type_id', 'resolution_business_seconds', 'resolved_at', 'priority'],
    'ix_requests_seconds_version': ['department_id', 'agreement_version_id', *TAIL],
    'ix_requests_seconds_requester': ['department_id', 'requesting_department_id', *TAIL],
    'ix_requests_seconds_agent': ['department_id', 'assignee_id', *TAIL,
                                  'response_met', 'resolution_met', 'reopen_count', 'escalated_at'],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, 'requests', columns, unique=False)
    op.drop_index('ix_ratings_department', table_name='ratings')
    op.create_index('ix_ratings_department', 'ratings', ['department_id', 'resolved_at', 'agent_id', 'score'],
                    unique=False)
    op.create_index('ix_ratings_department_agent', 'ratings', ['department_id', 'agent_id', 'resolved_at', 'score'],
                    unique=False)


def downgrade():
    op.drop_index('ix_ratings_department_agent', table_name='ratings')
    op.drop_index('ix_ratings_department', table_name='ratings')
    op.create_index('ix_ratings_department', 'ratings', ['department_id', 'resolved_at'], unique=False)
    for name in reversed(INDEXES):
        op.drop_index(name, table_name='requests')
