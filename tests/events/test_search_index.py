"""The search index (ink.events.search): one document per series, rebuilt by `flask search-reindex`."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ink.events.models import SearchDocument
from ink.extensions import db


def _found(client, query: str) -> list[int]:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/occurrences", query_string={"start": "2026-06-01", "end": "2026-06-30", "q": query})
    assert response.status_code == 200
    return [item["series_id"] for item in response.get_json()]


def test_a_document_holds_the_folded_words_of_the_series(factory) -> None:  # type: ignore[no-untyped-def]
    organisation = factory.organisation("Kafé Verden")
    partner = factory.organisation("Røde Kors")
    venue = factory.venue("Sølvberget")
    series = factory.series(title="Språkkafé!", organisation=organisation, venue=venue, coorganisers=[partner],
                            description_html="<p>Øve på <strong>norsk</strong>.</p>", audience_note="Alle er velkomne")
    document = db.session.get(SearchDocument, series.id)
    assert document is not None
    assert (document.title, document.body) == ("sprakkafe", "ove pa norsk alle er velkomne")
    assert document.names == "kafe verden solvberget rode kors"


def test_reindex_rebuilds_a_lost_index(client, runner, factory) -> None:  # type: ignore[no-untyped-def]
    series = factory.series(title="Kite workshop", start_local=datetime(2026, 6, 3, 12, 0))
    db.session.execute(sa.delete(SearchDocument))
    db.session.commit()
    assert _found(client, "kite") == []
    result = runner.invoke(args=["search-reindex"])
    assert result.exit_code == 0 and "Indexed 1 event series." in result.output
    assert _found(client, "kite") == [series.id]

