"""versions: optimistic locking on series, organisations, venues and attendance records

A ``version`` on each (SQLAlchemy's version_id_col: every UPDATE checks and increments it), and
who last changed a series, organisation or venue (``updated_by_id``; venues also get ``updated_at``)
so a refused stale save can say who changed what.

Revision ID: 0005_versions
Revises: 0004_reminders
Create Date: 2026-12-01 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_versions'
down_revision = '0004_reminders'
branch_labels = None
depends_on = None

VERSIONED = ('event_series', 'organisation', 'venue', 'attendance_record')
WITH_EDITOR = ('event_series', 'organisation', 'venue')


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
            if table in WITH_EDITOR:
                batch_op.add_column(sa.Column('updated_by_id', sa.Integer(), nullable=True))
                batch_op.create_foreign_key(batch_op.f(f'fk_{table}_updated_by_id_user'), 'user',
                                            ['updated_by_id'], ['id'], ondelete='SET NULL')
            if table == 'venue':
                batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))


def downgrade():
    for table in reversed(VERSIONED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == 'venue':
                batch_op.drop_column('updated_at')
            if table in WITH_EDITOR:
                batch_op.drop_constraint(batch_op.f(f'fk_{table}_updated_by_id_user'), type_='foreignkey')
                batch_op.drop_column('updated_by_id')
            batch_op.drop_column('version')
