"""Event pictures and organisation logos: uploads through the HTTP client with images made by Pillow,
what is stored (upright, no metadata, a few widths), how pages show it, how files are served, who may
change it."""
from __future__ import annotations

import io
import os
import re
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from ink.extensions import db
from ink.pictures.models import Picture
from tests.audit.conftest import entries
from tests.pictures.conftest import (
    animated_png,
    halves_with_gps_and_orientation,
    image_bytes,
    png_claiming_size,
)

ALT = "Six people around a table with coffee cups"


@pytest.fixture
def org(factory):  # type: ignore[no-untyped-def]
    return factory.organisation("Kafé Verden", slug="kafe-verden")


@pytest.fixture
def series(factory, org):  # type: ignore[no-untyped-def]
    return factory.series(organisation=org, title="Language café", start_local=datetime(2026, 6, 3, 18, 0),
                          duration_minutes=90, description_html="<p>Practise Norwegian over coffee.</p>")


@pytest.fixture
def editor(factory, org, auth):  # type: ignore[no-untyped-def]
    user = factory.user("editor@example.org", editor_of=[org])
    auth.login("editor@example.org")
    return user


def upload(client, url: str, data: bytes | None, filename: str = "photo.jpg", alt: str = ALT, **fields: str):  # type: ignore[no-untyped-def]
    body: dict[str, object] = {"alt_text": alt, **fields}
    if data is not None:
        body["picture"] = (io.BytesIO(data), filename)
    return client.post(url, data=body, content_type="multipart/form-data")


def picture_url(series) -> str:  # type: ignore[no-untyped-def]
    return f"/manage/series/{series.id}/picture"


def stored(series) -> Picture | None:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return series.picture  # type: ignore[no-any-return]


def opened(pictures_dir: Path, name: str) -> Image.Image:
    image = Image.open(pictures_dir / name)
    image.load()
    return image


def picture_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Picture)) or 0


# --- what is stored -------------------------------------------------------------------------------------

def test_a_photo_is_turned_upright_and_loses_its_exif_and_position(client, editor, series, pictures_dir):  # type: ignore[no-untyped-def]
    original = halves_with_gps_and_orientation((600, 400), orientation=6)
    source = Image.open(io.BytesIO(original))
    assert source.getexif().get_ifd(0x8825), "the upload does carry a GPS position"

    response = upload(client, picture_url(series), original)

    assert response.status_code == 302 and response.headers["Location"] == f"/manage/series/{series.id}"
    picture = stored(series)
    assert picture is not None and picture.alt_text == ALT
    # Orientation 6 means "turn 90° clockwise to view": the upright picture is 400 wide, 600 high.
    assert (picture.width, picture.height) == (400, 600)
    assert picture.rendition_widths == [320, 400]  # never upscaled past its own width
    largest = opened(pictures_dir, picture.file_name(400))
    assert largest.format == "JPEG" and largest.size == (400, 600)
    assert not largest.getexif() and "exif" not in largest.info and "icc_profile" not in largest.info
    assert b"Exif" not in (pictures_dir / picture.file_name(400)).read_bytes()
    # The left (red) half is now on top, the right (blue) half at the bottom.
    top, bottom = largest.convert("RGB").getpixel((200, 100)), largest.convert("RGB").getpixel((200, 500))
    assert top[0] > 150 and top[2] < 80, top
    assert bottom[2] > 150 and bottom[0] < 80, bottom
    assert opened(pictures_dir, picture.file_name(320)).size == (320, 480)


def test_a_large_picture_gets_every_width_up_to_1600(client, editor, series, pictures_dir):  # type: ignore[no-untyped-def]
    assert upload(client, picture_url(series), image_bytes((2400, 1200))).status_code == 302

    picture = stored(series)
    assert picture is not None and picture.rendition_widths == [320, 640, 1024, 1600]
    for width in picture.rendition_widths:
        assert opened(pictures_dir, picture.file_name(width)).size == (width, width // 2)
    assert sorted(path.name for path in pictures_dir.iterdir()) == sorted(
        picture.file_name(width) for width in picture.rendition_widths)  # no temporary files left


def test_a_png_with_transparency_stays_a_png_with_its_alpha(client, editor, series, pictures_dir):  # type: ignore[no-untyped-def]
    logo = Image.new("RGBA", (500, 300), (0, 0, 0, 0))
    logo.paste((11, 92, 173, 255), (100, 50, 400, 250))
    out = io.BytesIO()
    logo.save(out, format="PNG")

    assert upload(client, picture_url(series), out.getvalue(), "logo.png").status_code == 302

    picture = stored(series)
    assert picture is not None and (picture.source_format, picture.extension) == ("png", "png")
    rendition = opened(pictures_dir, picture.file_name(500))
    assert rendition.format == "PNG" and rendition.mode == "RGBA"
    assert rendition.getpixel((10, 10))[3] == 0 and rendition.getpixel((250, 150)) == (11, 92, 173, 255)


def test_an_opaque_png_and_a_webp_become_jpegs(client, editor, series, factory, org, pictures_dir):  # type: ignore[no-untyped-def]
    other = factory.series(organisation=org, title="Homework help")

    assert upload(client, picture_url(series), image_bytes((400, 400), "PNG", "RGBA", (1, 2, 3, 255)), "a.png").status_code == 302
    assert upload(client, picture_url(other), image_bytes((400, 300), "WEBP"), "b.webp").status_code == 302

    png, webp = stored(series), stored(other)
    assert png is not None and (png.source_format, png.extension) == ("png", "jpg")
    assert webp is not None and (webp.source_format, webp.extension) == ("webp", "jpg")
    assert opened(pictures_dir, webp.file_name(400)).format == "JPEG"


# --- what is refused ------------------------------------------------------------------------------------

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(("data", "filename", "message"), [
    (image_bytes((400, 400), "GIF", "P", 1), "a.gif", "This is not a JPEG, PNG or WebP picture."),
    (SVG, "a.svg", "This is not a JPEG, PNG or WebP picture."),
    (b"just some text, not a picture", "a.jpg", "This is not a JPEG, PNG or WebP picture."),
    (b"", "empty.jpg", "This is not a JPEG, PNG or WebP picture."),
    (image_bytes((800, 600))[:3000], "cut.jpg", "The file is damaged or incomplete"),
    (animated_png(), "moving.png", "Animated pictures are not accepted"),
    (image_bytes((150, 600)), "narrow.jpg", "The picture is too small: it needs at least 200 pixels on each side."),
    (png_claiming_size(8000, 6000), "big.png", "The picture has too many pixels (at most 40 megapixels)."),
    (png_claiming_size(30000, 30000), "bomb.png", "The picture has too many pixels (at most 40 megapixels)."),
], ids=["gif", "svg", "text", "empty", "truncated", "animated", "too-small", "too-many-pixels", "bomb"])
def test_what_is_not_a_plain_picture_is_a_field_error(client, editor, series, pictures_dir, data, filename, message):  # type: ignore[no-untyped-def]
    response = upload(client, picture_url(series), data, filename)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert 'id="picture-errors"' in response.get_data(as_text=True)
    assert stored(series) is None and picture_count() == 0
    assert not pictures_dir.exists() or not list(pictures_dir.iterdir())


def test_a_file_over_the_byte_limit_is_a_field_error_and_a_far_bigger_body_a_413(app, client, editor, series):  # type: ignore[no-untyped-def]
    app.config["PICTURE_MAX_BYTES"] = 100_000
    noisy = Image.effect_noise((400, 400), 100).convert("RGB")
    out = io.BytesIO()
    noisy.save(out, format="JPEG", quality=95)
    assert 100_000 < len(out.getvalue()) < 200_000

    response = upload(client, picture_url(series), out.getvalue())

    assert response.status_code == 422
    assert "The file is larger than 0.1 MB." in response.get_data(as_text=True)
    assert upload(client, picture_url(series), b"x" * 300_000).status_code == 413
    assert stored(series) is None


def test_alt_text_is_required(client, editor, series):  # type: ignore[no-untyped-def]
    response = upload(client, picture_url(series), image_bytes((400, 300)), alt="  ")

    assert response.status_code == 422
    assert 'id="alt_text-errors"' in response.get_data(as_text=True)
    assert "Describe the picture for people who cannot see it" in response.get_data(as_text=True)
    assert stored(series) is None


@pytest.mark.parametrize("value", ["just a string", "<script>alert(1)</script>", "a\x00b"])
def test_text_in_the_file_field_is_a_field_error(client, editor, series, value):  # type: ignore[no-untyped-def]
    response = client.post(picture_url(series), data={"picture": value, "alt_text": ALT})

    assert response.status_code == 422
    assert "Choose a JPEG, PNG or WebP picture to upload." in response.get_data(as_text=True)


def test_the_form_is_multipart_and_says_what_is_accepted(client, editor, series):  # type: ignore[no-untyped-def]
    html = client.get(picture_url(series)).get_data(as_text=True)

    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html and 'accept="image/jpeg,image/png,image/webp"' in html
    assert "at most 10 MB, at least 200 pixels on each side" in html
    assert 'name="remove"' not in html  # nothing to remove yet
    detail = client.get(f"/manage/series/{series.id}").get_data(as_text=True)
    assert f'href="/manage/series/{series.id}/picture">Add a picture</a>' in detail


# --- replacing, alt text, removing ----------------------------------------------------------------------

def test_replacing_keeps_the_old_row_and_files_and_alt_text_alone_can_change(client, editor, series, pictures_dir):  # type: ignore[no-untyped-def]
    upload(client, picture_url(series), image_bytes((400, 300), colour=(10, 10, 10)))
    first = stored(series)
    assert first is not None
    upload(client, picture_url(series), image_bytes((500, 300), colour=(250, 250, 250)), alt="A white wall")
    second = stored(series)
    assert second is not None and second.id != first.id and second.alt_text == "A white wall"
    assert db.session.get(Picture, first.id) is not None and (pictures_dir / first.file_name(400)).is_file()

    response = upload(client, picture_url(series), None, alt="A freshly painted white wall")

    assert response.status_code == 302
    kept = stored(series)
    assert kept is not None and kept.id == second.id and kept.alt_text == "A freshly painted white wall"
    assert 'value="A freshly painted white wall"' in client.get(picture_url(series)).get_data(as_text=True)


def test_removing_the_picture(client, editor, series):  # type: ignore[no-untyped-def]
    upload(client, picture_url(series), image_bytes((400, 300)))
    assert 'name="remove"' in client.get(picture_url(series)).get_data(as_text=True)

    response = upload(client, picture_url(series), None, alt="", remove="y")

    assert response.status_code == 302 and stored(series) is None
    assert picture_count() == 1  # the row stays (history), only the link went
    removal = entries(object_kind="event_series", object_id=str(series.id), action="edit")[-1]
    assert removal.changes["picture"] == {"before": [ALT], "after": []}
    assert "<img" not in client.get(f"/events/{series.id}").get_data(as_text=True).split('<main')[1]


def test_an_organisation_logo(client, editor, org, pictures_dir):  # type: ignore[no-untyped-def]
    url = f"/manage/organisations/{org.id}/logo"
    assert client.get(url).status_code == 200

    response = upload(client, url, image_bytes((600, 300), "PNG"), "logo.png", alt="Kafé Verden")

    assert response.status_code == 302 and response.headers["Location"] == f"/manage/organisations/{org.id}/edit"
    db.session.expire_all()
    assert org.logo is not None and org.logo.alt_text == "Kafé Verden"
    page = client.get("/organisations/kafe-verden").get_data(as_text=True)
    assert re.search(r'<img src="/pictures/[0-9a-f]{32}-320\.jpg" srcset="[^"]+ 320w, [^"]+ 600w" sizes="8rem"\s+'
                     r'width="320" height="160" alt="Kafé Verden" class="logo"', page), page
    directory = client.get("/organisations/").get_data(as_text=True)
    assert 'alt="Kafé Verden" class="logo" loading="lazy" decoding="async"' in directory


# --- authorisation --------------------------------------------------------------------------------------

def test_an_editor_of_another_organisation_cannot_touch_the_picture_or_logo(client, factory, auth, org, series):  # type: ignore[no-untyped-def]
    other = factory.organisation("Språkvenn", slug="sprakvenn")
    factory.user("other@example.org", editor_of=[other])
    auth.login("other@example.org")

    assert client.get(picture_url(series)).status_code == 403
    assert upload(client, picture_url(series), image_bytes((400, 300))).status_code == 403
    assert upload(client, f"/manage/organisations/{org.id}/logo", image_bytes((400, 300))).status_code == 403
    db.session.expire_all()
    assert series.picture is None and org.logo is None and picture_count() == 0


def test_anonymous_visitors_are_sent_to_sign_in_and_coordinators_may(client, factory, auth, series):  # type: ignore[no-untyped-def]
    response = upload(client, picture_url(series), image_bytes((400, 300)))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert stored(series) is None

    factory.coordinator()
    auth.login("coordinator@example.org")
    assert upload(client, picture_url(series), image_bytes((400, 300))).status_code == 302
    assert stored(series) is not None


# --- pages and files ------------------------------------------------------------------------------------

def test_the_programme_row_shows_a_thumbnail_and_rows_without_one_stay_plain(client, editor, factory, org, series):  # type: ignore[no-untyped-def]
    factory.series(organisation=org, title="Homework help", start_local=datetime(2026, 6, 3, 16, 0), duration_minutes=60)
    upload(client, picture_url(series), image_bytes((2000, 1500)))
    picture = stored(series)
    assert picture is not None

    html = client.get("/?start=2026-06-03").get_data(as_text=True)

    articles = re.findall(r'<article class="occurrence[^"]*">.*?</article>', html, re.S)
    with_picture = next(a for a in articles if "Language café" in a)
    without = next(a for a in articles if "Homework help" in a)
    assert 'class="occurrence has-picture"' in with_picture
    srcset = ", ".join(f"/pictures/{picture.file_name(w)} {w}w" for w in (320, 640, 1024, 1600))
    assert (f'<img src="/pictures/{picture.file_name(320)}" srcset="{srcset}" sizes="6rem"\n'
            f'       width="320" height="240" alt="{ALT}" loading="lazy" decoding="async">') in with_picture
    assert "<img" not in without and "has-picture" not in without and "occurrence-picture" not in without


def test_the_event_page_shows_the_large_picture_after_the_next_date(client, editor, series):  # type: ignore[no-untyped-def]
    upload(client, picture_url(series), image_bytes((2000, 1000)))
    picture = stored(series)
    assert picture is not None

    html = client.get(f"/events/{series.id}").get_data(as_text=True)

    figure = html[html.index('<figure class="event-picture">'):html.index("</figure>")]
    assert f'src="/pictures/{picture.file_name(1024)}"' in figure and 'width="1024" height="512"' in figure
    assert 'sizes="(min-width: 48rem) 46rem, 100vw"' in figure and 'loading="lazy" decoding="async"' in figure
    assert f'alt="{ALT}"' in figure
    # The next date stays at the top (seen on a phone without scrolling); the picture comes before the text.
    assert html.index('class="next-date"') < html.index('class="event-picture"') < html.index('class="description"')


def test_a_rendition_is_served_for_a_year_and_other_names_are_404(client, editor, series, pictures_dir):  # type: ignore[no-untyped-def]
    upload(client, picture_url(series), image_bytes((400, 300)))
    picture = stored(series)
    assert picture is not None
    client.post("/logout")

    response = client.get(f"/pictures/{picture.file_name(320)}")

    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == (pictures_dir / picture.file_name(320)).read_bytes()
    assert response.headers["ETag"] == f'"{picture.file_name(320)}"'
    again = client.get(f"/pictures/{picture.file_name(320)}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    (pictures_dir / "notes.txt").write_text("secret")
    for name in (picture.file_name(321), "notes.txt", f"{picture.digest}-320.gif", "..%2Fconfig.py",
                 f"{picture.digest.upper()}-320.jpg", f"..%2F{picture.file_name(320)}"):
        assert client.get(f"/pictures/{name}").status_code == 404, name


def test_a_picture_change_is_logged_as_an_edit_of_the_event(client, editor, series):  # type: ignore[no-untyped-def]
    upload(client, picture_url(series), image_bytes((400, 300)))
    upload(client, picture_url(series), image_bytes((500, 300)), alt="A white wall")

    edits = entries(object_kind="event_series", object_id=str(series.id), action="edit")

    assert [edit.changes["picture"] for edit in edits[-2:]] == [
        {"before": [], "after": [ALT]}, {"before": [ALT], "after": ["A white wall"]}]
    assert edits[-1].actor_name and "editor@example.org" in edits[-1].actor_name
    created = entries(object_kind="picture", action="create")
    assert [entry.object_label for entry in created] == [ALT, "A white wall"]


@pytest.mark.committing  # about a rollback itself: not inside the test's outer transaction
def test_a_failed_commit_leaves_no_row_and_purge_pictures_deletes_only_old_orphans(
        app, client, editor, series, factory, org, pictures_dir, monkeypatch, runner, clock):  # type: ignore[no-untyped-def]
    kept = factory.series(organisation=org, title="Homework help")
    upload(client, picture_url(kept), image_bytes((400, 300), colour=(1, 1, 1)))
    kept_picture = stored(kept)
    assert kept_picture is not None

    def refuse(message: str, category: str = "success") -> None:
        raise RuntimeError("the database refused the commit")

    monkeypatch.setattr("ink.events.views.commit_then_flash", refuse)
    monkeypatch.setitem(app.config, "PROPAGATE_TEST_ERRORS", False)  # the 500 page, as in production
    assert upload(client, picture_url(series), image_bytes((640, 480), colour=(9, 9, 9))).status_code == 500
    monkeypatch.undo()

    assert stored(series) is None and picture_count() == 1
    orphans = sorted(p.name for p in pictures_dir.iterdir() if not p.name.startswith(kept_picture.digest))
    assert len(orphans) == 2  # 320 and 640: written before the commit that failed
    (pictures_dir / ".upload-abc.part").write_bytes(b"half a file")
    (pictures_dir / "README.txt").write_text("not ours")
    old = (clock.now().timestamp() - 2 * 24 * 3600,) * 2
    for path in pictures_dir.iterdir():
        os.utime(path, old)
    recent_orphan = pictures_dir / f"{'0' * 32}-320.jpg"
    recent_orphan.write_bytes(b"an upload still in progress")
    os.utime(recent_orphan, (clock.now().timestamp(),) * 2)

    result = runner.invoke(args=["purge-pictures"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"deleted {name}" for name in sorted([*orphans, ".upload-abc.part"])] + [
        "3 orphan picture file(s) deleted."]
    assert sorted(p.name for p in pictures_dir.iterdir()) == sorted(
        [*(kept_picture.file_name(w) for w in kept_picture.rendition_widths), "README.txt", recent_orphan.name])
