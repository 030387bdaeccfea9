"""audiences: a controlled set per series (series_audience); the free text stays as audience_note

Existing free text is mapped to the set where its words make it obvious ("Everyone welcome",
"alle" -> everyone; "Children and their families" -> children, families) and kept as the note.

Revision ID: 0006_audiences
Revises: 0005_versions
Create Date: 2026-12-01 17:40:00

"""
from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006_audiences'
down_revision = '0005_versions'
branch_labels = None
depends_on = None

AUDIENCES = ('everyone', 'children', 'youth', 'families', 'adults', 'seniors', 'women', 'newcomers')

# Words (English and Bokmål, lower case) that name an audience unambiguously; a frozen copy, not
# imported from the app, so that this migration means the same thing forever.
WORDS = {
    'everyone': 'everyone', 'everybody': 'everyone', 'all': 'everyone', 'alle': 'everyone',
    'children': 'children', 'child': 'children', 'kids': 'children', 'barn': 'children', 'barna': 'children',
    'youth': 'youth', 'teenagers': 'youth', 'teens': 'youth', 'ungdom': 'youth', 'ungdommer': 'youth',
    'unge': 'youth',
    'families': 'families', 'family': 'families', 'familie': 'families', 'familier': 'families',
    'familien': 'families', 'familiene': 'families',
    'adults': 'adults', 'adult': 'adults', 'voksne': 'adults', 'voksen': 'adults',
    'seniors': 'seniors', 'senior': 'seniors', 'seniorer': 'seniors', 'elderly': 'seniors', 'eldre': 'seniors',
    'women': 'women', 'woman': 'women', 'kvinner': 'women', 'damer': 'women',
    'newcomers': 'newcomers', 'newcomer': 'newcomers', 'nykommere': 'newcomers', 'nyankomne': 'newcomers',
    'nyankommede': 'newcomers',
}
PHRASES = {'young people': 'youth', 'unge voksne': 'youth'}


def audiences_of(text: str) -> list[str]:
    """The audiences a free-text note obviously names, in the set's order."""
    lowered = ' '.join(re.findall(r'\w+', text.lower()))
    found = {WORDS[word] for word in lowered.split() if word in WORDS}
    found |= {audience for phrase, audience in PHRASES.items() if f' {phrase} ' in f' {lowered} '}
    if 'unge voksne' in lowered:
        found.discard('adults')  # young adults are young people
    return [audience for audience in AUDIENCES if audience in found]


def _rename_audience_column(old: str, new: str) -> None:
    # Plain RENAME COLUMN (PostgreSQL, SQLite >= 3.25): batch mode would copy event_series and drop
    # the original, which SQLite refuses while occurrences reference it (foreign_keys=ON).
    op.execute(f'ALTER TABLE event_series RENAME COLUMN {old} TO {new}')


def upgrade():
    op.create_table('series_audience',
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.Enum(*AUDIENCES, name='audience', native_enum=False, length=16), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['event_series.id'], name=op.f('fk_series_audience_series_id_event_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('series_id', 'audience', name=op.f('pk_series_audience'))
    )
    with op.batch_alter_table('series_audience', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_series_audience_audience'), ['audience'], unique=False)
    _rename_audience_column('audience', 'audience_note')

    connection = op.get_bind()
    series = sa.table('event_series', sa.column('id', sa.Integer), sa.column('audience_note', sa.String))
    rows = [
        {'series_id': series_id, 'audience': audience}
        for series_id, note in connection.execute(sa.select(series.c.id, series.c.audience_note))
        for audience in audiences_of(note or '')
    ]
    if rows:
        target = sa.table('series_audience', sa.column('series_id', sa.Integer), sa.column('audience', sa.String))
        connection.execute(target.insert(), rows)


def downgrade():
    _rename_audience_column('audience_note', 'audience')
    connection = op.get_bind()
    # A series that had only audiences and no note keeps them as its text.
    series = sa.table('event_series', sa.column('id', sa.Integer), sa.column('audience', sa.String))
    chosen = sa.table('series_audience', sa.column('series_id', sa.Integer), sa.column('audience', sa.String))
    labels = {'everyone': 'Everyone', 'children': 'Children', 'youth': 'Young people', 'families': 'Families',
              'adults': 'Adults', 'seniors': 'Seniors', 'women': 'Women', 'newcomers': 'Newcomers'}
    by_series: dict[int, list[str]] = {}
    for series_id, audience in connection.execute(sa.select(chosen.c.series_id, chosen.c.audience)):
        by_series.setdefault(series_id, []).append(audience)
    empty = set(connection.execute(sa.select(series.c.id).where(series.c.audience == '')).scalars())
    for series_id, audiences in by_series.items():
        if series_id in empty:
            text = ', '.join(labels[a] for a in AUDIENCES if a in audiences)
            connection.execute(series.update().where(series.c.id == series_id).values(audience=text[:200]))
    with op.batch_alter_table('series_audience', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_series_audience_audience'))
    op.drop_table('series_audience')
