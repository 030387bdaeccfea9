"""Cancelling a date or a whole event asks first, without JavaScript: a confirmation page whose button
sends ``confirmed=yes``. A single POST without it never cancels."""
from __future__ import annotations

import re

from ink.events.models import Occurrence, OccurrenceStatus, SeriesStatus
from ink.extensions import db


def _status(occ: Occurrence) -> OccurrenceStatus:
    db.session.expire_all()
    return occ.status


def test_a_post_without_confirmation_shows_the_question_and_cancels_nothing(client, weekly):
    series, occurrences = weekly
    occ = occurrences[1]
    response = client.post(f"/manage/occurrences/{occ.id}/cancel", data={"reason": "Hall closed", "back": "series"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Cancel Tuesday 9 June 2026, 17:00?" in html
    # The reason typed so far and where to go back are carried to the confirming button's form.
    assert 'value="Hall closed"' in html and 'name="back" value="series"' in html
    assert 'name="confirmed" value="yes"' in html
    assert f'href="/manage/series/{series.id}"' in html  # the way back, keeping the date
    assert _status(occ) == OccurrenceStatus.SCHEDULED


def test_the_confirming_post_cancels(client, weekly):
    series, occurrences = weekly
    occ = occurrences[1]
    response = client.post(f"/manage/occurrences/{occ.id}/cancel",
                           data={"reason": "Hall closed", "back": "series", "confirmed": "yes"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/manage/series/{series.id}")
    assert _status(occ) == OccurrenceStatus.CANCELLED and occ.cancel_reason == "Hall closed"


def test_the_confirmation_page_can_be_opened_directly(client, weekly):
    _, occurrences = weekly
    occ = occurrences[1]
    response = client.get(f"/manage/occurrences/{occ.id}/cancel")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="confirmed" value="yes"' in html
    assert f'href="/manage/occurrences/{occ.id}"' in html
    assert _status(occ) == OccurrenceStatus.SCHEDULED


def test_a_cancelled_date_is_not_asked_about_again(client, weekly):
    _, occurrences = weekly
    occ = occurrences[1]
    client.post(f"/manage/occurrences/{occ.id}/cancel", data={"confirmed": "yes"})
    response = client.get(f"/manage/occurrences/{occ.id}/cancel")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/manage/occurrences/{occ.id}")


def test_series_page_cancel_buttons_lead_to_the_question(client, weekly):
    """The series page's per-date buttons are the post_button macro: token, back=series, no confirmation."""
    series, occurrences = weekly
    html = client.get(f"/manage/series/{series.id}").get_data(as_text=True)
    form = re.search(
        rf'<form method="post" action="/manage/occurrences/{occurrences[0].id}/cancel" class="inline">(.*?)</form>',
        html, re.S)
    assert form is not None
    assert 'name="csrf_token"' in form.group(1) and 'name="back" value="series"' in form.group(1)
    assert "confirmed" not in form.group(1)


def test_whole_event_cancel_needs_the_confirming_button(client, weekly):
    series, _ = weekly
    response = client.post(f"/manage/series/{series.id}/cancel", data={"reason": "Season over"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Cancel Café?" in html and 'name="confirmed" value="yes"' in html
    db.session.expire_all()
    assert series.status == SeriesStatus.PUBLISHED
    response = client.post(f"/manage/series/{series.id}/cancel", data={"reason": "Season over", "confirmed": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    assert series.status == SeriesStatus.CANCELLED


def test_confirmation_page_in_bokmal(client, weekly):
    _, occurrences = weekly
    client.post("/language", data={"lang": "nb", "next": "/"})
    html = client.get(f"/manage/occurrences/{occurrences[1].id}/cancel").get_data(as_text=True)
    assert "Avlyse tirsdag 9. juni 2026 kl. 17:00?" in html
