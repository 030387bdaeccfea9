"""Versions of texts in other languages (issue 12): the model and its out-of-date flag, the one fallback
rule (ink.core.texts), and the manage screens (field errors, CSRF, authorization across organisations, 409,
audit, moderation)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from ink.audit.models import AuditEntry
from ink.core.texts import choose_texts, texts_revision
from ink.events.models import ModerationKind, ModerationRequest, ModerationStatus, SeriesTextVersion
from ink.events.search import matching_ids
from ink.extensions import db
from ink.organisations import text_versions
from ink.organisations.models import OrganisationModeration

LANGUAGES = ("en", "nb", "pl", "ar", "uk")
NOW = datetime(2026, 6, 2, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"LANGUAGES": LANGUAGES}


# --- the pure rule ----------------------------------------------------------------------------------------

ORIGINAL = {"title": "Språkkafé", "description_html": "<p>Øv på norsk</p>", "audience_note": "Alle"}
POLISH = {"title": "Kawiarnia językowa", "description_html": "<p>Ćwicz norweski</p>", "audience_note": ""}


def test_the_wanted_language_gets_its_version() -> None:
    chosen = choose_texts("nb", ORIGINAL, {"pl": POLISH}, "pl")
    assert chosen["title"] == "Kawiarnia językowa" and chosen.language == "pl" and not chosen.is_fallback
    assert chosen.others == ("nb",)
    # The version left the note empty: the original's note, marked with the original's language.
    assert chosen["audience_note"] == "Alle" and chosen.lang("audience_note") == "nb"
    assert chosen.lang("title") == "pl"


def test_without_a_version_the_original_is_a_fallback_that_names_the_versions() -> None:
    chosen = choose_texts("nb", ORIGINAL, {"pl": POLISH, "ar": POLISH}, "uk")
    assert chosen["title"] == "Språkkafé" and chosen.language == "nb" and chosen.is_fallback
    assert chosen.others == ("ar", "pl")
    assert not choose_texts("nb", ORIGINAL, {}, "nb").is_fallback  # the original's own readers
    assert not choose_texts("nb", ORIGINAL, {}, "nb-NO").is_fallback
    assert choose_texts("nb", ORIGINAL, {"pl": POLISH}, "pl-PL").language == "pl"


def test_a_version_in_a_language_not_configured_is_kept_but_not_offered() -> None:
    chosen = choose_texts("nb", ORIGINAL, {"pl": POLISH}, "pl", languages=("en", "nb"))
    assert chosen.language == "nb" and chosen.is_fallback and chosen.others == ()


def test_the_revision_changes_only_when_a_text_changes() -> None:
    assert texts_revision(ORIGINAL) == texts_revision({**ORIGINAL, "title": " Språkkafé "})
    assert texts_revision(ORIGINAL) != texts_revision({**ORIGINAL, "audience_note": "Voksne"})


# --- the model ---------------------------------------------------------------------------------------------

def test_a_version_is_flagged_when_the_original_changes_until_edited_or_confirmed(app, factory) -> None:
    series = factory.series(title="Språkkafé", original_language="nb")
    version = text_versions.add_text_version(series, SeriesTextVersion, "pl", POLISH, now=NOW)
    db.session.commit()
    assert not version.is_stale
    series.venue_id = None
    series.is_drop_in = not series.is_drop_in  # not a text: no flag
    db.session.commit()
    assert not version.is_stale
    series.title = "Språkkafé på biblioteket"
    db.session.commit()
    assert version.is_stale
    text_versions.confirm_text_version(series, version, now=NOW)
    db.session.commit()
    assert not version.is_stale
    series.audience_note = "Voksne"
    db.session.commit()
    assert version.is_stale
    text_versions.update_text_version(series, version, POLISH, now=NOW)
    assert not version.is_stale


def test_a_version_is_never_in_the_original_language_nor_twice(app, factory) -> None:
    series = factory.series(original_language="nb")
    with pytest.raises(Exception) as refused:
        text_versions.add_text_version(series, SeriesTextVersion, "nb", POLISH, now=NOW)
    assert getattr(refused.value, "field", None) == "language"
    text_versions.add_text_version(series, SeriesTextVersion, "pl", POLISH, now=NOW)
    with pytest.raises(Exception):
        text_versions.add_text_version(series, SeriesTextVersion, "pl", POLISH, now=NOW)
    with pytest.raises(Exception):  # not one of the network's languages
        text_versions.add_text_version(series, SeriesTextVersion, "fr", POLISH, now=NOW)
    db.session.rollback()


def test_the_database_refuses_two_versions_in_one_language(app, factory) -> None:
    series = factory.series()
    db.session.add_all([SeriesTextVersion(series_id=series.id, language="pl", title="a", created_at=NOW,
                                          updated_at=NOW, description_html="", audience_note="",
                                          original_revision=""),
                        SeriesTextVersion(series_id=series.id, language="pl", title="b", created_at=NOW,
                                          updated_at=NOW, description_html="", audience_note="",
                                          original_revision="")])
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- the manage screens -------------------------------------------------------------------------------------

@pytest.fixture
def two_organisations(factory):  # type: ignore[no-untyped-def]
    a = factory.organisation("Kafé Verden")
    b = factory.organisation("Språkvenn")
    factory.user("a@example.org", editor_of=[a])
    factory.user("b@example.org", editor_of=[b])
    factory.coordinator()
    series_a = factory.series(organisation=a, title="Språkkafé", original_language="nb",
                              description_html="<p>Øv på norsk</p>")
    series_b = factory.series(organisation=b, title="Sjakk", original_language="nb")
    venue = factory.venue("Biblioteket", accessibility="Trinnfri inngang", original_language="nb")
    return a, b, series_a, series_b, venue


def _add(client, path: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(path, data=data)


def test_the_edit_screen_lists_versions_and_adds_one(client, auth, two_organisations) -> None:
    _a, _b, series, _other, _venue = two_organisations
    auth.login("a@example.org")
    page = client.get(f"/manage/series/{series.id}/edit").get_data(as_text=True)
    assert "Versions in other languages" in page and f"/manage/series/{series.id}/texts/new" in page
    form = client.get(f"/manage/series/{series.id}/texts/new").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="language".*?</select>', form, re.S)
    assert select is not None
    offered = re.findall(r'<option[^>]*value="([a-z]+)"', select.group(0))
    assert offered == ["en", "pl", "ar", "uk"]  # not the original's (nb)
    response = _add(client, f"/manage/series/{series.id}/texts/new", language="pl", title="Kawiarnia językowa",
                    description_html='<p onclick="x()">Ćwicz <script>alert(1)</script>norweski</p>',
                    audience_note="Dla wszystkich")
    assert response.status_code == 302
    [version] = series.text_versions
    assert version.language == "pl" and version.description_html == "<p>Ćwicz norweski</p>"
    page = client.get(f"/manage/series/{series.id}/edit").get_data(as_text=True)
    assert f"/manage/series/{series.id}/texts/pl" in page and "may be out of date" not in page
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_kind == "series_text_version")).first()
    assert entry is not None and entry.organisation_id == series.organisation_id


def test_field_errors_re_render_with_422(client, auth, two_organisations) -> None:
    _a, _b, series, _other, venue = two_organisations
    auth.login("a@example.org")
    path = f"/manage/series/{series.id}/texts/new"
    assert _add(client, path, language="pl", title="").status_code == 422
    assert _add(client, path, language="pl", title="x" * 201).status_code == 422
    response = _add(client, path, language="nb", title="Kafé")  # the original's language
    assert response.status_code == 422 and "no version yet" in response.get_data(as_text=True)
    assert _add(client, path, language="xx", title="Kafé").status_code == 422
    assert _add(client, path, language="pl", title="Kafé", audience_note="y" * 201).status_code == 422
    assert series.text_versions == []
    auth.login("coordinator@example.org")
    assert _add(client, f"/manage/venues/{venue.id}/texts/new", language="pl", accessibility="").status_code == 422


def test_an_editor_of_one_organisation_never_touches_anothers_versions(client, auth, two_organisations) -> None:
    a, b, series_a, series_b, venue = two_organisations
    text_versions.add_text_version(series_b, SeriesTextVersion, "pl", POLISH, now=NOW)
    db.session.commit()
    auth.login("a@example.org")
    for path in (f"/manage/series/{series_b.id}/texts/new", f"/manage/series/{series_b.id}/texts/pl",
                 f"/manage/series/{series_b.id}/texts/pl/remove", f"/manage/organisations/{b.id}/texts/new",
                 f"/manage/venues/{venue.id}/texts/new"):
        assert client.get(path).status_code == 403, path
    assert _add(client, f"/manage/series/{series_b.id}/texts/new", language="ar", title="x").status_code == 403
    assert _add(client, f"/manage/series/{series_b.id}/texts/pl", title="x", version="1").status_code == 403
    assert client.post(f"/manage/series/{series_b.id}/texts/pl/remove", data={"confirmed": "yes"}).status_code == 403
    assert client.post(f"/manage/series/{series_b.id}/texts/pl/confirm").status_code == 403
    assert _add(client, f"/manage/organisations/{b.id}/texts/new", language="pl", description="x").status_code == 403
    db.session.expire_all()
    assert [v.title for v in series_b.text_versions] == ["Kawiarnia językowa"]
    # Their own organisation's profile: yes.
    assert _add(client, f"/manage/organisations/{a.id}/texts/new", language="pl",
                description="Kawiarnia dla wszystkich").status_code == 302
    assert client.get(f"/manage/series/{series_a.id}/texts/zz").status_code == 404


def test_a_stale_edit_is_a_409_and_overwrites_nothing(client, auth, two_organisations) -> None:
    _a, _b, series, _other, _venue = two_organisations
    version = text_versions.add_text_version(series, SeriesTextVersion, "pl", POLISH, now=NOW)
    db.session.commit()
    auth.login("a@example.org")
    path = f"/manage/series/{series.id}/texts/pl"
    loaded = str(version.version)
    assert _add(client, path, title="Pierwsza", version=loaded).status_code == 302
    response = _add(client, path, title="Druga", version=loaded)
    assert response.status_code == 409 and "Nothing was overwritten" in response.get_data(as_text=True)
    db.session.expire_all()
    assert series.text_versions[0].title == "Pierwsza"
    stale_remove = client.post(path + "/remove", data={"confirmed": "yes", "version": loaded})
    assert stale_remove.status_code == 409
    assert len(series.text_versions) == 1


def test_edit_clears_the_flag_confirm_clears_it_remove_asks_first(client, auth, two_organisations) -> None:
    _a, _b, series, _other, _venue = two_organisations
    version = text_versions.add_text_version(series, SeriesTextVersion, "pl", POLISH, now=NOW)
    series.title = "Språkkafé på biblioteket"
    db.session.commit()
    auth.login("a@example.org")
    page = client.get(f"/manage/series/{series.id}/edit").get_data(as_text=True)
    assert "may be out of date" in page
    response = client.post(f"/manage/series/{series.id}/texts/pl/confirm", data={"version": str(version.version)})
    assert response.status_code == 302
    db.session.expire_all()
    assert not series.text_versions[0].is_stale
    # Removing: a GET or a POST without confirmed=yes only asks.
    assert "Yes, remove the version" in client.get(f"/manage/series/{series.id}/texts/pl/remove").get_data(as_text=True)
    assert client.post(f"/manage/series/{series.id}/texts/pl/remove", data={}).status_code == 422
    assert len(series.text_versions) == 1
    removed = client.post(f"/manage/series/{series.id}/texts/pl/remove",
                          data={"confirmed": "yes", "version": str(series.text_versions[0].version)})
    assert removed.status_code == 302
    db.session.expire_all()
    assert series.text_versions == []


def test_the_original_language_is_chosen_in_the_edit_form(client, auth, two_organisations) -> None:
    a, _b, series, _other, _venue = two_organisations
    text_versions.add_text_version(series, SeriesTextVersion, "pl", POLISH, now=NOW)
    db.session.commit()
    auth.login("a@example.org")
    page = client.get(f"/manage/organisations/{a.id}/edit").get_data(as_text=True)
    assert 'name="original_language"' in page
    response = client.post(f"/manage/organisations/{a.id}/edit", data={
        "name": a.name, "description": "Om oss", "original_language": "ar", "version": str(a.version)})
    assert response.status_code == 302
    db.session.expire_all()
    assert a.original_language == "ar"
    bad = client.post(f"/manage/organisations/{a.id}/edit", data={
        "name": a.name, "original_language": "xx", "version": str(a.version)})
    assert bad.status_code == 422


# --- moderation -------------------------------------------------------------------------------------------------

def test_a_reviewed_organisations_new_version_waits_for_a_coordinator(client, auth, factory) -> None:
    org = factory.organisation("Ny forening", moderation=OrganisationModeration.REVIEWED)
    factory.user("r@example.org", editor_of=[org])
    factory.coordinator()
    series = factory.series(organisation=org, title="Språkkafé", original_language="nb")
    auth.login("r@example.org")
    response = _add(client, f"/manage/series/{series.id}/texts/new", language="pl", title="Kawiarnia językowa")
    assert response.status_code == 302
    db.session.expire_all()
    assert series.text_versions == []  # the public sees no Polish version yet
    assert client.get(f"/events/{series.id}", headers={"Accept-Language": "pl"}).status_code == 200
    [request] = db.session.scalars(sa.select(ModerationRequest).where(ModerationRequest.kind == ModerationKind.TEXT))
    auth.login("coordinator@example.org")
    queue = client.get("/manage/moderation/").get_data(as_text=True)
    assert "Kawiarnia językowa" in queue
    approved = client.post(f"/manage/moderation/{request.id}/approve",
                           data={f"approve-{request.id}-version": str(series.version)})
    assert approved.status_code == 302
    db.session.expire_all()
    assert request.status == ModerationStatus.APPROVED
    assert [v.title for v in series.text_versions] == ["Kawiarnia językowa"]


# --- search ---------------------------------------------------------------------------------------------------

def test_search_finds_every_version_and_follows_its_changes(client, factory) -> None:


    series = factory.series(title="Språkkafé", original_language="nb")
    assert list(db.session.scalars(matching_ids(["kawiarnia"]))) == []
    version = text_versions.add_text_version(series, SeriesTextVersion, "pl", POLISH, now=NOW)
    db.session.commit()
    assert list(db.session.scalars(matching_ids(["kawiarnia"]))) == [series.id]
    assert list(db.session.scalars(matching_ids(["cwicz", "norweski"]))) == [series.id]  # the description
    response = client.get("/?q=kawiarnia")
    assert "Språkkafé" in response.get_data(as_text=True)
    text_versions.update_text_version(series, version, {**POLISH, "title": "Spotkanie"}, now=NOW)
    db.session.commit()
    assert list(db.session.scalars(matching_ids(["kawiarnia"]))) == []
    assert list(db.session.scalars(matching_ids(["spotkanie"]))) == [series.id]
    text_versions.remove_text_version(series, version, now=NOW)
    db.session.commit()
    assert list(db.session.scalars(matching_ids(["spotkanie"]))) == []
