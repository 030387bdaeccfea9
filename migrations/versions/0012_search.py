"""search: the search_document table (one row per series: its folded words) and the database's own index

SQLite: an FTS5 table over it (external content, kept in step by three triggers). PostgreSQL: a GIN
index over its weighted tsvector ('simple' configuration; the text is folded in Python). The upgrade
fills it for the existing series; the downgrade drops it (derived data: nothing is lost).

Revision ID: 0012_search
Revises: 0011_audit
Create Date: 2026-12-02 07:00:00

"""
from collections import defaultdict

from alembic import op
import sqlalchemy as sa
from babel.support import Translations

from ink.core.html import html_to_text
from ink.core.text import search_tokens
from ink.i18n import TRANSLATIONS, catalogue_languages


# revision identifiers, used by Alembic.
revision = '0012_search'
down_revision = '0011_audit'
branch_labels = None
depends_on = None

TSVECTOR = ("(setweight(to_tsvector('simple'::regconfig, search_document.title), 'A'::\"char\")"
            " || setweight(to_tsvector('simple'::regconfig, search_document.names), 'B'::\"char\")"
            " || setweight(to_tsvector('simple'::regconfig, search_document.body), 'C'::\"char\"))")
COLUMNS = "title, names, body"
NEW = "new.series_id, new.title, new.names, new.body"
OLD = "'delete', old.series_id, old.title, old.names, old.body"
UP = {
    'sqlite': (
        f"CREATE VIRTUAL TABLE search_fts USING fts5({COLUMNS}, content='search_document', "
        "content_rowid='series_id', tokenize=\"unicode61 remove_diacritics 2 categories 'L* N* Co M*'\", "
        "prefix='2 3')",
        f"CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
        f"INSERT INTO search_fts(rowid, {COLUMNS}) VALUES ({NEW}); END",
        f"CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {COLUMNS}) VALUES ({OLD}); END",
        f"CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {COLUMNS}) VALUES ({OLD}); "
        f"INSERT INTO search_fts(rowid, {COLUMNS}) VALUES ({NEW}); END",
    ),
    'postgresql': (f"CREATE INDEX ix_search_document_tsvector ON search_document USING gin ({TSVECTOR})",),
}
DOWN = {
    'sqlite': ("DROP TRIGGER IF EXISTS search_document_au", "DROP TRIGGER IF EXISTS search_document_ad",
               "DROP TRIGGER IF EXISTS search_document_ai", "DROP TABLE IF EXISTS search_fts"),
    'postgresql': ("DROP INDEX IF EXISTS ix_search_document_tsvector",),
}


def _dialect() -> str:
    return op.get_bind().dialect.name


def _words(*texts):
    return " ".join(word for text in texts for word in search_tokens(text or ""))


def _fill() -> None:
    """One document per existing series (as ink/events/search.py builds them at this revision: topics
    named in every catalogue's language)."""
    bind = op.get_bind()
    names = defaultdict(list)
    for series_id, name in bind.execute(sa.text(
            "SELECT c.series_id, o.name FROM series_coorganiser c JOIN organisation o ON o.id = c.organisation_id "
            "WHERE c.status = 'accepted'")):
        names[series_id].append(name)
    catalogues = [Translations.load(str(TRANSLATIONS), [language]) for language in catalogue_languages()]
    for series_id, name in bind.execute(sa.text(
            "SELECT t.series_id, topic.name FROM series_topic t JOIN topic ON topic.id = t.topic_id")):
        names[series_id].extend(dict.fromkeys([name, *(catalogue.gettext(name) for catalogue in catalogues)]))
    rows = bind.execute(sa.text(
        "SELECT s.id, s.title, s.description_html, s.audience_note, o.name AS organisation, v.name AS venue "
        "FROM event_series s JOIN organisation o ON o.id = s.organisation_id LEFT JOIN venue v ON v.id = s.venue_id"))
    documents = [{"series_id": row.id, "title": _words(row.title),
                  "names": _words(row.organisation, row.venue, *names[row.id]),
                  "body": _words(html_to_text(row.description_html or ""), row.audience_note)} for row in rows]
    if documents:
        bind.execute(sa.text("INSERT INTO search_document (series_id, title, names, body) "
                             "VALUES (:series_id, :title, :names, :body)"), documents)


def upgrade():
    op.create_table(
        'search_document',
        sa.Column('series_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('names', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['series_id'], ['event_series.id'],
                                name=op.f('fk_search_document_series_id_event_series'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('series_id', name=op.f('pk_search_document')),
    )
    for statement in UP.get(_dialect(), ()):
        op.execute(statement)
    _fill()


def downgrade():
    for statement in DOWN.get(_dialect(), ()):
        op.execute(statement)
    op.drop_table('search_document')
