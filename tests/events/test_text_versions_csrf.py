"""CSRF on the forms of versions in other languages, with protection switched on as in production."""
from __future__ import annotations

import pytest

from ink.extensions import db
from tests.events.manage_helpers import page_csrf_token, sign_in_with_csrf


@pytest.fixture
def app_config() -> dict[str, object]:
    return {"WTF_CSRF_ENABLED": True, "LANGUAGES": ("en", "nb", "pl")}


def test_adding_a_version_needs_the_token(client, factory) -> None:  # type: ignore[no-untyped-def]
    org = factory.organisation("Kafé Verden")
    factory.user("a@example.org", editor_of=[org])
    series = factory.series(organisation=org, title="Språkkafé", original_language="nb")
    sign_in_with_csrf(client, "a@example.org")
    path = f"/manage/series/{series.id}/texts/new"
    assert client.post(path, data={"language": "pl", "title": "Kawiarnia"}).status_code == 400
    db.session.expire_all()
    assert series.text_versions == []
    token = page_csrf_token(client, path)
    assert client.post(path, data={"language": "pl", "title": "Kawiarnia", "csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert [version.language for version in series.text_versions] == ["pl"]
