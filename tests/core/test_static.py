"""Versioned static URLs cached for a year, short caching otherwise, and a real /favicon.ico."""
from __future__ import annotations

import re
import struct

from flask import Flask, url_for


def test_static_urls_carry_a_content_hash(app: Flask) -> None:
    with app.test_request_context():
        url = url_for("static", filename="ink.css")
    assert re.fullmatch(r"/static/ink\.css\?v=[0-9a-f]{12}", url)


def test_pages_link_versioned_assets_and_both_icons(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/static/ink\.css\?v=[0-9a-f]{12}"', html)
    assert re.search(r'<link rel="icon" href="/static/favicon\.svg\?v=[0-9a-f]{12}" type="image/svg\+xml">', html)
    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in html


def test_versioned_static_file_is_immutable_for_a_year(client, app: Flask) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        url = url_for("static", filename="ink.css")
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_unversioned_or_stale_version_gets_a_short_cache(client) -> None:  # type: ignore[no-untyped-def]
    for url in ("/static/ink.css", "/static/ink.css?v=000000000000"):
        with client.get(url) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "public, max-age=300"


def test_a_changed_file_gets_a_new_url(app: Flask, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app.static_folder = str(tmp_path)
    (tmp_path / "x.css").write_text("a {}")
    with app.test_request_context():
        first = url_for("static", filename="x.css")
        (tmp_path / "x.css").write_text("a { color: red }")
        second = url_for("static", filename="x.css")
    assert first != second


def test_favicon_is_a_valid_icon(client) -> None:  # type: ignore[no-untyped-def]
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/vnd.microsoft.icon"
        data = response.get_data()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1) and count >= 1
    sizes = set()
    for index in range(count):
        width, height, _colours, _zero, _planes, bits, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * index)
        assert offset + length <= len(data) and bits == 32
        header_size, bmp_width, bmp_height = struct.unpack_from("<Iii", data, offset)
        assert header_size == 40 and bmp_width == width and bmp_height == 2 * height  # BMP: old browsers read it
        sizes.add(width)
    assert {16, 32} <= sizes


def test_favicon_svg_is_served(client) -> None:  # type: ignore[no-untyped-def]
    with client.get("/static/favicon.svg") as response:
        assert response.status_code == 200 and b"<svg" in response.get_data()
