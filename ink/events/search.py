"""Free-text search (``?q=``): the search index of event series, kept current, and how it is matched.

One ``SearchDocument`` row per series holds its words, folded in Python (``ink.core.text.search_tokens``:
case and Latin/Greek accents ignored, ø→o …) so that both databases see the same words: the title(s);
the organiser's, accepted co-organisers', venue's and topics' names; the description and audience note.
SQLite's FTS5 (bm25) or PostgreSQL's full-text search (ts_rank, 'simple' configuration) does the
matching: every word of the query must match, each as a prefix ("kite fest" finds "Kite festival").
Query words are letters, digits and marks only, so nothing a visitor types reaches the engines' syntax.

The index follows every change in the same transaction: a session listener notes the series whose
words changed (a series edited or created, an organisation, venue or topic renamed) before a flush and
rewrites their documents after it; ``reindex_series`` serves the rest (co-organiser consent, bulk
inserts) and ``flask search-reindex`` rebuilds everything. Visibility is not the index's business:
``ink.events.filters`` always adds ``EventSeries.public_clause``.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import click
import sqlalchemy as sa
from babel.support import Translations
from flask import Flask
from sqlalchemy.orm import Session, UOWTransaction

from ink.core.html import html_to_text
from ink.core.text import search_tokens
from ink.events.models import (
    SEARCH_TSVECTOR_SQL,
    EventSeries,
    SearchDocument,
    SeriesTextVersion,
    Venue,
    coorganiser_accepted_clause,
    series_coorganiser,
    series_topic,
)
from ink.extensions import db
from ink.i18n import TRANSLATIONS, catalogue_languages
from ink.organisations.models import Organisation, Topic

MAX_QUERY_WORDS = 10  # further words of a query are ignored
CHUNK = 500  # series per statement when (re)indexing many
# bm25 weights of the FTS5 columns (title, names, body); PostgreSQL weighs them A, B, C.
FTS_WEIGHTS = "10.0, 4.0, 1.0"
# What of a series its document is made of: a change to one of these rewrites the document.
SERIES_FIELDS = ("title", "description_html", "audience_note", "organisation_id", "venue_id", "organisation",
                 "venue", "topics", "coorganisers")
_PENDING = "ink.search.pending"
_DEFERRED = "ink.search.deferred"


def query_words(text: str) -> tuple[str, ...]:
    """The distinct words of a visitor's query, as the index holds them (at most MAX_QUERY_WORDS)."""
    return tuple(dict.fromkeys(search_tokens(text)))[:MAX_QUERY_WORDS]


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _fts_match(words: Sequence[str]) -> str:
    """An FTS5 query: each word a quoted prefix ("kite"* "fest"*), all of them required."""
    return " ".join(f'"{word}"*' for word in words)


def _tsquery(words: Sequence[str]) -> sa.ColumnElement[Any]:
    """A PostgreSQL tsquery: each word a prefix ('kite':* & 'fest':*), all of them required."""
    return sa.func.to_tsquery(sa.literal_column("'simple'::regconfig"), " & ".join(f"'{word}':*" for word in words))


def matching_ids(words: Sequence[str]) -> sa.Select[Any]:
    """SELECT of the ids of series whose document has every word (as a prefix); ``words`` from query_words."""
    if _dialect() == "sqlite":
        fts: sa.ColumnClause[Any] = sa.literal_column("search_fts")
        return sa.select(sa.literal_column("rowid")).select_from(sa.table("search_fts")).where(
            fts.op("MATCH")(_fts_match(words)))
    document: sa.ColumnClause[Any] = sa.literal_column(SEARCH_TSVECTOR_SQL)
    return sa.select(SearchDocument.series_id).where(document.op("@@")(_tsquery(words)))


def ranked_matches(words: Sequence[str]) -> sa.Subquery:
    """A subquery (series_id, rank) of the matching series: the higher the rank, the better the match
    (a word in the title counts most, then the names, then the description)."""
    if _dialect() == "sqlite":
        fts: sa.ColumnClause[Any] = sa.literal_column("search_fts")
        rank = -sa.func.bm25(fts, sa.literal_column(FTS_WEIGHTS))
        query = (sa.select(sa.literal_column("rowid").label("series_id"), rank.label("rank"))
                 .select_from(sa.table("search_fts")).where(fts.op("MATCH")(_fts_match(words))))
    else:
        document: sa.ColumnClause[Any] = sa.literal_column(SEARCH_TSVECTOR_SQL)
        tsquery = _tsquery(words)
        query = sa.select(SearchDocument.series_id.label("series_id"),
                          sa.func.ts_rank(document, tsquery).label("rank")).where(document.op("@@")(tsquery))
    return query.subquery("search_rank")


# --- building documents


@lru_cache(maxsize=256)
def topic_names(name: str) -> tuple[str, ...]:
    """A topic's name (an English msgid) and its name in every catalogue: residents search in their language."""
    translated = (Translations.load(str(TRANSLATIONS), [language]).gettext(name) for language in catalogue_languages())
    return tuple(dict.fromkeys([name, *translated]))


def _words(*texts: str) -> str:
    return " ".join(word for text in texts for word in search_tokens(text or ""))


def _documents(connection: sa.Connection, series_ids: Sequence[int]) -> list[dict[str, object]]:
    """The SearchDocument rows of these series (those that exist), read with three queries (topics are
    named in every language of the catalogues)."""
    names: dict[int, list[str]] = defaultdict(list)
    for series_id, name in connection.execute(
        sa.select(series_coorganiser.c.series_id, Organisation.name)
        .join(Organisation, Organisation.id == series_coorganiser.c.organisation_id)
        .where(series_coorganiser.c.series_id.in_(series_ids), coorganiser_accepted_clause())
    ):
        names[series_id].append(name)
    for series_id, name in connection.execute(
        sa.select(series_topic.c.series_id, Topic.name).join(Topic, Topic.id == series_topic.c.topic_id)
        .where(series_topic.c.series_id.in_(series_ids))
    ):
        names[series_id].extend(topic_names(name))
    titles: dict[int, list[str]] = defaultdict(list)
    bodies: dict[int, list[str]] = defaultdict(list)
    for version in connection.execute(  # versions in other languages (issue 12): found in any of them
        sa.select(SeriesTextVersion.series_id, SeriesTextVersion.title, SeriesTextVersion.description_html,
                  SeriesTextVersion.audience_note)
        .where(SeriesTextVersion.series_id.in_(series_ids)).order_by(SeriesTextVersion.language)
    ):
        titles[version.series_id].append(version.title)
        bodies[version.series_id].extend((html_to_text(version.description_html), version.audience_note))
    rows = connection.execute(
        sa.select(EventSeries.id, EventSeries.title, EventSeries.description_html, EventSeries.audience_note,
                  Organisation.name.label("organisation"), Venue.name.label("venue"))
        .join(Organisation, Organisation.id == EventSeries.organisation_id)
        .outerjoin(Venue, Venue.id == EventSeries.venue_id)
        .where(EventSeries.id.in_(series_ids))
    )
    return [{"series_id": row.id, "title": _words(row.title, *titles[row.id]),
             "names": _words(row.organisation, row.venue or "", *names[row.id]),
             "body": _words(html_to_text(row.description_html), row.audience_note, *bodies[row.id])} for row in rows]


def reindex_series(connection: sa.Connection, series_ids: Iterable[int]) -> int:
    """Rewrite the documents of these series (in the connection's transaction); returns how many."""
    ids = sorted(set(series_ids))
    written = 0
    for offset in range(0, len(ids), CHUNK):
        chunk = ids[offset:offset + CHUNK]
        connection.execute(sa.delete(SearchDocument).where(SearchDocument.series_id.in_(chunk)))
        documents = _documents(connection, chunk)
        if documents:
            connection.execute(sa.insert(SearchDocument), documents)
        written += len(documents)
    return written


def reindex_all(connection: sa.Connection) -> int:
    """Rebuild the whole index; returns the number of series indexed."""
    connection.execute(sa.delete(SearchDocument))
    ids = list(connection.scalars(sa.select(EventSeries.id).order_by(EventSeries.id)))
    return reindex_series(connection, ids)


# --- keeping it current


@dataclass
class _Pending:
    """What a flush changed that the index must follow (objects: new series have no id before it)."""

    series: list[EventSeries] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    venues: list[Venue] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    versions: list[SeriesTextVersion] = field(default_factory=list)  # added, changed or removed

    def __bool__(self) -> bool:
        return bool(self.series or self.organisations or self.venues or self.topics or self.versions)


def _changed(obj: object, names: Sequence[str]) -> bool:
    attrs = sa.inspect(obj, raiseerr=True).attrs
    return any(attrs[name].history.has_changes() for name in names)


@contextmanager
def indexing_deferred(session: Session) -> Iterator[None]:
    """Within it, flushes leave the index alone: for bulk work that calls ``reindex_series`` once at
    the end (the data generator), instead of indexing each series at its flush and again after."""
    session.info[_DEFERRED] = True
    try:
        yield
    finally:
        session.info.pop(_DEFERRED, None)


def _note_changes(session: Session, flush_context: UOWTransaction, instances: object) -> None:
    if session.info.get(_DEFERRED):
        return
    pending = session.info.setdefault(_PENDING, _Pending())
    pending.series.extend(obj for obj in session.new if isinstance(obj, EventSeries))
    pending.versions.extend(obj for obj in (*session.new, *session.dirty, *session.deleted)
                            if isinstance(obj, SeriesTextVersion))
    for obj in session.dirty:
        if isinstance(obj, EventSeries) and _changed(obj, SERIES_FIELDS):
            pending.series.append(obj)
        elif isinstance(obj, Organisation) and _changed(obj, ("name",)):
            pending.organisations.append(obj)
        elif isinstance(obj, Venue) and _changed(obj, ("name",)):
            pending.venues.append(obj)
        elif isinstance(obj, Topic) and _changed(obj, ("name",)):
            pending.topics.append(obj)


def _affected_ids(connection: sa.Connection, pending: _Pending) -> set[int]:
    ids = {obj.id for obj in pending.series}
    ids.update(version.series_id if version.series_id is not None else version.series.id
               for version in pending.versions)
    if pending.organisations:
        organisation_ids = [obj.id for obj in pending.organisations]
        ids.update(connection.scalars(sa.select(EventSeries.id).where(EventSeries.organisation_id.in_(organisation_ids))))
        ids.update(connection.scalars(sa.select(series_coorganiser.c.series_id)
                                      .where(series_coorganiser.c.organisation_id.in_(organisation_ids))))
    if pending.venues:
        ids.update(connection.scalars(sa.select(EventSeries.id)
                                      .where(EventSeries.venue_id.in_([obj.id for obj in pending.venues]))))
    if pending.topics:
        ids.update(connection.scalars(sa.select(series_topic.c.series_id)
                                      .where(series_topic.c.topic_id.in_([obj.id for obj in pending.topics]))))
    return ids


def _write_changes(session: Session, flush_context: UOWTransaction) -> None:
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending:
        connection = session.connection()
        reindex_series(connection, _affected_ids(connection, pending))


sa.event.listen(Session, "before_flush", _note_changes)
sa.event.listen(Session, "after_flush_postexec", _write_changes)


@click.command("search-reindex")
def search_reindex_command() -> None:
    """Rebuild the free-text search index of every event series."""
    count = reindex_all(db.session.connection())
    db.session.commit()
    click.echo(f"Indexed {count} event series.")


def register_commands(app: Flask) -> None:
    """Add ``flask search-reindex``."""
    app.cli.add_command(search_reindex_command)
