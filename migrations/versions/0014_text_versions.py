"""text versions: the original language of series, organisations and venues, and the versions of their
texts in other languages (series_text_version, organisation_text_version, venue_text_version)

The three subjects get an ``original_language`` column (existing rows: the network's default
language, "en" unless configured otherwise; the server default keeps rows inserted outside the ORM
valid). SQLite adds a column without copying the table (batch mode decides) and drops it in place. Downgrading drops the
version tables and the columns; versions are not recreated by upgrading again, so the guard asks
before it drops rows.

Revision ID: 0014_text_versions
Revises: 0013_pictures
Create Date: 2026-12-02 14:00:00

"""
from alembic import op
from flask import current_app, has_app_context
import sqlalchemy as sa

from ink.migration_guard import refuse_data_loss


# revision identifiers, used by Alembic.
revision = '0014_text_versions'
down_revision = '0013_pictures'
branch_labels = None
depends_on = None

SUBJECTS = ('event_series', 'organisation', 'venue')
VERSION_TABLES = (
    ('series_text_version', 'series_id', 'event_series', (
        ('title', sa.String(length=200)), ('description_html', sa.Text()),
        ('audience_note', sa.String(length=200)),
    )),
    ('organisation_text_version', 'organisation_id', 'organisation', (
        ('description', sa.Text()),)),
    ('venue_text_version', 'venue_id', 'venue', (
        ('accessibility', sa.Text()),)),
)


def _default_language():
    if not has_app_context():  # offline SQL
        return 'en'
    return str(current_app.config.get('BABEL_DEFAULT_LOCALE') or 'en')


def _is_sqlite():
    return op.get_bind().dialect.name == 'sqlite'


def upgrade():
    language = _default_language()
    for table in SUBJECTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('original_language', sa.String(length=16), nullable=False,
                                          server_default='en'))
        if language != 'en':
            op.execute(sa.text(f'UPDATE {table} SET original_language = :language').bindparams(language=language))

    for table, owner_column, owner_table, texts in VERSION_TABLES:
        op.create_table(table,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('original_revision', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column(owner_column, sa.Integer(), nullable=False),
        *[sa.Column(name, type_, nullable=False) for name, type_ in texts],
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.ForeignKeyConstraint([owner_column], [f'{owner_table}.id'],
                                name=op.f(f'fk_{table}_{owner_column}_{owner_table}'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f(f'fk_{table}_updated_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
        sa.UniqueConstraint(owner_column, 'language', name=op.f(f'uq_{table}_{owner_column}_language')),
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_{owner_column}'), [owner_column], unique=False)


def downgrade():
    refuse_data_loss('0014_text_versions', [table for table, *_rest in VERSION_TABLES])
    for table, owner_column, _owner_table, _texts in reversed(VERSION_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_{owner_column}'))
        op.drop_table(table)
    for table in reversed(SUBJECTS):
        if _is_sqlite():  # SQLite 3.35+ drops a plain column in place (no copy of a table others refer to)
            op.execute(f'ALTER TABLE {table} DROP COLUMN original_language')
        else:
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.drop_column('original_language')
