"""Storing pictures: renditions written under PICTURES_DIR (atomically), then the row added to the session.

Files first, row second: when the request's commit fails the row is gone with the transaction and the
files stay as harmless orphans (content-addressed, so a later upload of the same file reuses them).
Services never commit; the request that called them owns the transaction.
"""
from __future__ import annotations

import os
import re
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from flask import current_app

from ink.extensions import db
from ink.pictures.images import Limits, Prepared, prepare
from ink.pictures.models import Picture

TEMPORARY_PREFIX = ".upload-"
# The only names /pictures/<name> serves: a digest, a width, an extension (no path can be formed).
FILE_NAME = re.compile(r"[0-9a-f]{32}-[0-9]{1,4}\.(?:jpg|png)")


def pictures_dir() -> Path:
    """Where renditions are written and served from (PICTURES_DIR, resolved by create_app)."""
    return Path(str(current_app.config["PICTURES_DIR"]))


def picture_limits() -> Limits:
    """The configured upload limits."""
    config = current_app.config
    return Limits(max_bytes=int(config["PICTURE_MAX_BYTES"]), max_pixels=int(config["PICTURE_MAX_PIXELS"]),
                  min_side=int(config["PICTURE_MIN_SIDE"]))


def store_picture(data: bytes, alt_text: str, *, now: datetime) -> Picture:
    """Check and render an upload, write its files, and add its row to the session (not committed).
    Raises ink.pictures.images.PictureRefused when the upload is refused."""
    prepared = prepare(data, picture_limits())
    _write_renditions(prepared, pictures_dir())
    picture = Picture(
        digest=prepared.digest, width=prepared.width, height=prepared.height,
        source_format=prepared.source_format, extension=prepared.extension,
        widths=",".join(str(rendition.width) for rendition in prepared.renditions),
        alt_text=alt_text.strip(), created_at=now,
    )
    db.session.add(picture)
    return picture


def set_alt_text(picture: Picture, alt_text: str) -> None:
    """Change what a picture's alt text says (the files stay as they are)."""
    picture.alt_text = alt_text.strip()


def rendition_path(name: str) -> Path | None:
    """The file behind a served name, or None when the name is not one of ours or no such file exists."""
    if not FILE_NAME.fullmatch(name):
        return None
    path = pictures_dir() / name
    return path if path.is_file() else None


def purge_orphan_files(*, now: datetime, min_age: timedelta) -> list[str]:
    """Delete renditions no picture row names (uploads whose commit failed) and unfinished temporary
    files, if older than ``min_age`` (an upload in progress writes its files before its row is
    committed); the names deleted, sorted. Files of replaced pictures stay: their rows do."""
    directory = pictures_dir()
    if not directory.is_dir():
        return []
    known = set(db.session.scalars(sa.select(Picture.digest).distinct()))
    cutoff = (now - min_age).timestamp()
    deleted = []
    for path in directory.iterdir():
        is_orphan = FILE_NAME.fullmatch(path.name) is not None and path.name.split("-", 1)[0] not in known
        is_unfinished = path.name.startswith(TEMPORARY_PREFIX)
        if (is_orphan or is_unfinished) and path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            deleted.append(path.name)
    return sorted(deleted)


def _write_renditions(prepared: Prepared, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for rendition in prepared.renditions:
        target = directory / f"{prepared.digest}-{rendition.width}.{prepared.extension}"
        if not target.exists():
            _write_atomically(target, rendition.data)


def _write_atomically(target: Path, data: bytes) -> None:
    """Write beside the target, then rename: a reader sees the whole file or none."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=TEMPORARY_PREFIX, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
