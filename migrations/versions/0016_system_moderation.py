"""system moderation requests: moderation_request.source_name (the calendar a sync's request came from)

A request submitted by a sync of a calendar source has no user (submitted_by_id is NULL) and names the
source here; an editor's request leaves it empty. Added in batch mode (SQLite copies the table; nothing
refers to moderation_request). Downgrading drops the column: the requests stay, without the name.

Revision ID: 0016_system_moderation
Revises: 0015_sources
Create Date: 2026-12-02 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_system_moderation'
down_revision = '0015_sources'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('moderation_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_name', sa.String(length=200), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('moderation_request', schema=None) as batch_op:
        batch_op.drop_column('source_name')
