"""pictures: the picture table, an event's picture (series_picture) and an organisation's logo
(organisation_logo)

The owners' links are tables of their own (one row per series or organisation at most: the owner is
the primary key), so no existing table is altered: on SQLite an added foreign-key column would need a
batch copy of event_series and organisation, which other tables refer to. Downgrading drops the
three tables; pictures are not recreated by upgrading again, so the guard asks before it drops rows.

Revision ID: 0013_pictures
Revises: 0012_search
Create Date: 2026-12-02 07:00:00

"""
from alembic import op
import sqlalchemy as sa

from ink.migration_guard import refuse_data_loss


# revision identifiers, used by Alembic.
revision = '0013_pictures'
down_revision = '0012_search'
branch_labels = None
depends_on = None

OWNERS = (('series_picture', 'series_id', 'event_series'), ('organisation_logo', 'organisation_id', 'organisation'))


def upgrade():
    op.create_table('picture',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('source_format', sa.String(length=8), nullable=False),
    sa.Column('extension', sa.String(length=4), nullable=False),
    sa.Column('widths', sa.String(length=64), nullable=False),
    sa.Column('alt_text', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_picture'))
    )
    with op.batch_alter_table('picture', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_picture_digest'), ['digest'], unique=False)

    for table, owner_column, owner_table in OWNERS:
        op.create_table(table,
        sa.Column(owner_column, sa.Integer(), nullable=False),
        sa.Column('picture_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['picture_id'], ['picture.id'], name=op.f(f'fk_{table}_picture_id_picture'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint([owner_column], [f'{owner_table}.id'],
                                name=op.f(f'fk_{table}_{owner_column}_{owner_table}'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint(owner_column, name=op.f(f'pk_{table}'))
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_picture_id'), ['picture_id'], unique=False)


def downgrade():
    refuse_data_loss('0013_pictures', ['picture'])
    for table, _owner_column, _owner_table in reversed(OWNERS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_picture_id'))
        op.drop_table(table)
    with op.batch_alter_table('picture', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_picture_digest'))
    op.drop_table('picture')
