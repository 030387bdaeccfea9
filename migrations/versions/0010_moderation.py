"""moderation: trusted and reviewed organisations, and the requests that wait for a coordinator

``organisation.moderation`` says whether an organisation's editors publish directly (``trusted``) or
through a coordinator's review (``reviewed``). Every organisation that exists when this runs becomes
**trusted**: until now every editor published directly, and an upgrade must not suddenly hold the
whole network's programme back; coordinators switch organisations to reviewed one by one. New
organisations are reviewed by default (the model's default). ``moderation_request`` holds each
publish, change or move that waits for (or was decided by) a coordinator.

Revision ID: 0010_moderation
Revises: 0007_category_kinds
Create Date: 2026-12-01 20:45:00

"""
from alembic import op
import sqlalchemy as sa

from ink.migration_guard import refuse_data_loss


# revision identifiers, used by Alembic.
revision = '0010_moderation'
down_revision = "0009_joining"
branch_labels = None
depends_on = None

MODERATION = sa.Enum('trusted', 'reviewed', name='organisationmoderation', native_enum=False, length=16)


def upgrade():
    # An added column with a constant default needs no copy of the table on SQLite (a copy would DROP the
    # organisation table, which fails while events refer to it). There the default stays in the schema;
    # the model always writes the value, so only rows from before this migration ever took it.
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderation', MODERATION, server_default='trusted', nullable=False))
    if not _is_sqlite():
        with op.batch_alter_table('organisation', schema=None) as batch_op:
            batch_op.alter_column('moderation', server_default=None)

    op.create_table('moderation_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('publish', 'change', 'move', name='moderationkind', native_enum=False, length=16), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'returned', 'withdrawn', name='moderationstatus', native_enum=False, length=16), nullable=False),
    sa.Column('proposed', sa.JSON(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_moderation_request_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrence.id'], name=op.f('fk_moderation_request_occurrence_id_occurrence'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['series_id'], ['event_series.id'], name=op.f('fk_moderation_request_series_id_event_series'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user.id'], name=op.f('fk_moderation_request_submitted_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_request'))
    )
    with op.batch_alter_table('moderation_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_request_series_id'), ['series_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_request_status'), ['status'], unique=False)


def downgrade():
    # Waiting requests (the editors' proposed changes) and the record of decisions are not recreated by upgrading.
    refuse_data_loss("0010_moderation", ["moderation_request"])
    with op.batch_alter_table('moderation_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_request_status'))
        batch_op.drop_index(batch_op.f('ix_moderation_request_series_id'))
    op.drop_table('moderation_request')
    if _is_sqlite():  # SQLite 3.35+ drops a plain column in place (no copy of a table others refer to)
        op.execute('ALTER TABLE organisation DROP COLUMN moderation')
    else:
        with op.batch_alter_table('organisation', schema=None) as batch_op:
            batch_op.drop_column('moderation')


def _is_sqlite():
    return op.get_bind().dialect.name == 'sqlite'
