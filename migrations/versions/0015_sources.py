"""sources: members' own calendars (calendar_source, its default topics in source_topic) and the link
from a source's UID to the series imported from it (source_event)

New tables only, so no existing table is altered (nothing to batch on SQLite). Downgrading drops them:
the imported series stay as ordinary events.

Revision ID: 0015_sources
Revises: 0013_pictures
Create Date: 2026-12-02 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_sources'
down_revision = '0014_text_versions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=True),
    sa.Column('audience', sa.String(length=16), nullable=True),
    sa.Column('is_drop_in', sa.Boolean(), nullable=False),
    sa.Column('needs_moderation', sa.Boolean(), nullable=False),
    sa.Column('etag', sa.String(length=500), nullable=True),
    sa.Column('last_modified', sa.String(length=100), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_message', sa.String(length=500), nullable=False),
    sa.Column('status_params', sa.JSON(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('last_fetched_at', sa.DateTime(), nullable=True),
    sa.Column('last_success_at', sa.DateTime(), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('failure_notified', sa.Boolean(), nullable=False),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_calendar_source_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['venue_id'], ['venue.id'], name=op.f('fk_calendar_source_venue_id_venue'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_source'))
    )
    with op.batch_alter_table('calendar_source', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_source_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('source_topic',
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['calendar_source.id'], name=op.f('fk_source_topic_source_id_calendar_source'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], name=op.f('fk_source_topic_topic_id_topic'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('source_id', 'topic_id', name=op.f('pk_source_topic'))
    )
    op.create_table('source_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=500), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=False),
    sa.Column('is_removed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['event_series.id'], name=op.f('fk_source_event_series_id_event_series'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['calendar_source.id'], name=op.f('fk_source_event_source_id_calendar_source'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_event')),
    sa.UniqueConstraint('series_id', name=op.f('uq_source_event_series_id')),
    sa.UniqueConstraint('source_id', 'uid', name=op.f('uq_source_event_source_id_uid'))
    )
    with op.batch_alter_table('source_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_event_source_id'), ['source_id'], unique=False)


def downgrade():
    with op.batch_alter_table('source_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_event_source_id'))
    op.drop_table('source_event')
    op.drop_table('source_topic')
    with op.batch_alter_table('calendar_source', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_source_organisation_id'))
    op.drop_table('calendar_source')
