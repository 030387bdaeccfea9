from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask import render_template_string
from flask_login import login_user

from ink.attendance.models import CountMethod
from ink.attendance.service import create_door_link, occurrences_missing_count, record_attendance
from ink.events.models import SeriesStatus
from ink.events.recurrence import Recurrence
from ink.events.service import cancel_occurrence
from ink.extensions import db

PANELS = '{% from "_macros.html" import panels with context %}{{ panels(slot, obj) }}'


def test_occurrences_missing_count(factory, network, clock):  # type: ignore[no-untyped-def]
    occs = network.occurrences()  # May 5, 12, 19, 26 held; Jun 2 today (not ended); later ones future
    record_attendance(occs[1], total=3, method=CountMethod.ESTIMATE, user=None, now=clock.now())
    cancel_occurrence(occs[2], reason="Holiday", now=clock.now())
    draft = factory.series(organisation=network.org, status=SeriesStatus.DRAFT, start_local=datetime(2026, 5, 1, 12, 0))
    other = factory.series(organisation=network.other, start_local=datetime(2026, 4, 1, 12, 0))
    db.session.commit()
    missing = occurrences_missing_count(now=clock.now())
    assert [o.id for o in missing] == [other.occurrences[0].id, occs[0].id, occs[3].id]  # oldest first
    assert draft.occurrences[0].id not in {o.id for o in missing}
    # The partner co-organises the café: its missing counts are the café's.
    assert [o.id for o in occurrences_missing_count(now=clock.now(), organisation_ids=[network.partner.id])] == [occs[0].id, occs[3].id]
    assert [o.id for o in occurrences_missing_count(now=clock.now(), organisation_ids=[network.other.id])] == [other.occurrences[0].id]
    assert occurrences_missing_count(now=clock.now(), organisation_ids=[]) == []
    assert len(occurrences_missing_count(now=clock.now(), limit=1)) == 1
    ended_before = datetime(2026, 5, 20, tzinfo=timezone.utc)
    assert [o.id for o in occurrences_missing_count(now=clock.now(), ended_before=ended_before)] == [other.occurrences[0].id, occs[0].id]
    clock.set(occs[4].end_at + timedelta(minutes=1))
    assert occs[4].id in {o.id for o in occurrences_missing_count(now=clock.now())}


def render_panels(app, user, slot, obj=None):  # type: ignore[no-untyped-def]
    with app.app_context(), app.test_request_context():  # a context of its own, as each request has
        if user is not None:
            login_user(user)
        return render_template_string(PANELS, slot=slot, obj=obj)


def test_dashboard_panel_lists_missing_counts_per_organisation(app, factory, network, clock):  # type: ignore[no-untyped-def]
    factory.series(organisation=network.other, title="Chess club", start_local=datetime(2026, 4, 1, 12, 0))
    coordinator_view = render_panels(app, network.coordinator, "dashboard")
    assert "Attendance still to count" in coordinator_view
    assert coordinator_view.index("Kafé Verden") < coordinator_view.index("Other Club")  # newest first
    assert "Chess club" in coordinator_view and "Language café" in coordinator_view
    editor_view = render_panels(app, network.editor, "dashboard")
    assert "Language café" in editor_view and "Chess club" not in editor_view
    assert "Network attendance report" not in editor_view
    assert render_panels(app, None, "dashboard").strip() == ""


def test_occurrence_and_series_panels(app, network, clock):  # type: ignore[no-untyped-def]
    occ = network.today()
    panel = render_panels(app, network.editor, "occurrence", occ)
    assert "Create a counting link" in panel and f"/manage/attendance/occurrences/{occ.id}" in panel
    assert render_panels(app, network.outsider, "occurrence", occ).strip() == ""
    create_door_link(occ, user=network.editor, now=clock.now())
    db.session.commit()
    with_link = render_panels(app, network.editor, "occurrence", occ)
    assert 'class="segno"' in with_link and "https://ink.example.org/door/" in with_link
    assert "Switch this link off" in with_link
    series_panel = render_panels(app, network.partner_editor, "series", network.series)
    assert "Attendance report" in series_panel and "Breakdown categories" in series_panel
    assert render_panels(app, network.outsider, "series", network.series).strip() == ""


def test_missing_page(client, auth, network):  # type: ignore[no-untyped-def]
    auth.login("editor@example.org")
    html = client.get("/manage/attendance/missing").get_data(as_text=True)
    assert html.count("Language café") == 1  # one group for the series
    occs = network.occurrences()
    links = [html.index(f'/manage/attendance/occurrences/{o.id}"') for o in reversed(occs[:4])]
    assert links == sorted(links)  # four Tuesdays in May, newest first
    assert html.index("<details>") < links[3] and "1 older occurrence" in html
    auth.logout()
    auth.login("outsider@example.org")
    assert "Every past occurrence has a count." in client.get("/manage/attendance/missing").get_data(as_text=True)


def test_categories_page(client, auth, network):  # type: ignore[no-untyped-def]
    auth.login("editor@example.org")
    url = f"/manage/attendance/series/{network.series.id}/categories"
    assert client.post(url, data={"name": "  Children "}).status_code == 302
    again = client.post(url, data={"name": "children"})
    assert again.status_code == 422 and "already has that category" in again.get_data(as_text=True)
    assert client.post(url, data={"name": ""}).status_code == 422
    assert "Children" in client.get(url).get_data(as_text=True)
    from ink.attendance.models import AttendanceCategory

    category = db.session.scalar(sa.select(AttendanceCategory))
    assert client.post(f"{url}/{category.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceCategory)) == 0


def test_manage_dashboard_lists_missing_counts_newest_first_per_series(client, auth, factory, network, clock):  # type: ignore[no-untyped-def]
    chess = factory.series(organisation=network.other, title="Chess club", start_local=datetime(2026, 4, 1, 12, 0),
                           recurrence=None)
    occs = network.occurrences()
    record_attendance(occs[1], total=3, method=CountMethod.ESTIMATE, user=None, now=clock.now())  # May 12 counted
    db.session.commit()
    auth.login("coordinator@example.org")
    response = client.get("/manage/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    panel = html[html.index("Attendance still to count"):]
    links = [f'/manage/attendance/occurrences/{o.id}"' for o in (occs[3], occs[2], occs[0], chess.occurrences[0])]
    # The café's May Tuesdays come first, newest first (its latest gap is the most recent), then
    # Other Club's April chess club; the counted one and today's (not yet ended) are not listed.
    positions = [panel.index(link) for link in links]
    assert positions == sorted(positions)
    assert panel.index("Language café") < positions[0] < positions[2] < panel.index("Chess club") < positions[3]
    assert "(<bdi>Kafé Verden</bdi> · 3 without a count)" in panel and "(<bdi>Other Club</bdi> · 1 without a count)" in panel
    for absent in (occs[1], occs[4]):
        assert f'/manage/attendance/occurrences/{absent.id}"' not in panel
    auth.logout()
    auth.login("outsider@example.org")  # Other Club's editor sees only their own
    own = client.get("/manage/").get_data(as_text=True)
    assert "Chess club" in own and f'/manage/attendance/occurrences/{occs[0].id}"' not in own


def test_counts_are_reached_from_the_occurrence_manage_page(client, auth, network):  # type: ignore[no-untyped-def]
    occ = network.past()
    auth.login("editor@example.org")
    html = client.get(f"/manage/occurrences/{occ.id}").get_data(as_text=True)
    assert f'href="/manage/attendance/occurrences/{occ.id}"' in html and "Enter the count" in html
    assert client.post(f"/manage/attendance/occurrences/{occ.id}",
                       data={"total": "12", "method": "head_count"}).status_code == 302
    assert "Counted: 12 people." in client.get(f"/manage/occurrences/{occ.id}").get_data(as_text=True)


def test_long_gaps_are_folded_and_the_newest_come_first(client, auth, factory, network, clock):  # type: ignore[no-untyped-def]
    """Regression (issue #8): the list was a wall of links back to last year, oldest first."""
    old = factory.series(organisation=network.org, title="Sewing circle", start_local=datetime(2025, 6, 3, 18, 0),
                         recurrence=Recurrence(freq="weekly", end="count", count=40))
    auth.login("editor@example.org")
    panel = client.get("/manage/").get_data(as_text=True)
    panel = panel[panel.index("Attendance still to count"):]
    newest = sorted(old.occurrences, key=lambda o: o.start_at, reverse=True)
    # Language café (May 2026) before the sewing circle (ended March 2026); each shows its three latest.
    assert panel.index("Language café") < panel.index("Sewing circle")
    sewing = panel[panel.index("Sewing circle"):]
    shown, folded = sewing.split("<details>", 1)[0], sewing.split("<details>", 1)[1].split("</details>", 1)[0]
    assert [f'/manage/attendance/occurrences/{o.id}"' in shown for o in newest[:4]] == [True, True, True, False]
    assert all(f'/manage/attendance/occurrences/{o.id}"' in folded for o in newest[3:])
    assert "37 older occurrences" in folded and "(<bdi>Kafé Verden</bdi> · 40 without a count)" in sewing


def test_dashboard_names_each_organisations_report(client, auth, factory, network):  # type: ignore[no-untyped-def]
    """Regression (issue #8): "Your organisation's attendance report" twice, without a name."""
    factory.user("both@example.org", editor_of=[network.org, network.partner])
    auth.login("both@example.org")
    html = client.get("/manage/").get_data(as_text=True)
    assert "Your organisation's attendance report" not in html
    assert (f'<a href="/manage/attendance/reports/organisations/{network.org.id}">Attendance report: Kafé Verden</a>'
            in html)
    assert (f'<a href="/manage/attendance/reports/organisations/{network.partner.id}">Attendance report: Språkvenn</a>'
            in html)
