"""category kinds: a category splits the total (split) or is counted beside it (tally)

Existing categories become "split" (what they meant until now); records and revisions gain
an empty ``tallies``.

Revision ID: 0007_category_kinds
Revises: 0006_audiences
Create Date: 2026-12-01 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_category_kinds'
down_revision = '0006_audiences'
branch_labels = None
depends_on = None

KIND = sa.Enum('split', 'tally', name='categorykind', native_enum=False, length=8)


def upgrade():
    with op.batch_alter_table('attendance_category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', KIND, server_default='split', nullable=False))
    for table in ('attendance_record', 'attendance_revision'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('tallies', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('tallies', server_default=None)


def downgrade():
    for table in ('attendance_revision', 'attendance_record'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('tallies')
    with op.batch_alter_table('attendance_category', schema=None) as batch_op:
        batch_op.drop_column('kind')
