"""The Picture row: one upload, its alt text and the widths it was rendered at.

Rows are never changed except for their alt text, and never deleted by the app: replacing a picture
points the owner at a new row (the old one and its files stay, so history and caches stay valid).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ink.extensions import Model, UTCDateTime

ALT_TEXT_MAX = 300


class Picture(Model):
    """An uploaded image as re-encoded renditions ``<digest>-<width>.<extension>`` under PICTURES_DIR."""

    __tablename__ = "picture"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The first 32 hex digits of the SHA-256 of the uploaded bytes: the files' names (content-addressed).
    digest: Mapped[str] = mapped_column(sa.String(64), index=True)
    # After EXIF orientation was applied: the upright picture's size.
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    # What was uploaded ("jpeg", "png", "webp") and what the renditions are ("jpg" or "png").
    source_format: Mapped[str] = mapped_column(sa.String(8))
    extension: Mapped[str] = mapped_column(sa.String(4))
    # The rendition widths, ascending, comma-separated ("320,640,1024,1600").
    widths: Mapped[str] = mapped_column(sa.String(64))
    alt_text: Mapped[str] = mapped_column(sa.String(ALT_TEXT_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def rendition_widths(self) -> list[int]:
        """The widths rendered, smallest first."""
        return [int(width) for width in self.widths.split(",") if width]

    @property
    def largest_width(self) -> int:
        return self.rendition_widths[-1]

    def height_at(self, width: int) -> int:
        """The height of the rendition ``width`` pixels wide (the aspect ratio kept, as rendered)."""
        return max(1, round(self.height * width / self.width))

    def file_name(self, width: int) -> str:
        """The file name of one rendition."""
        return f"{self.digest}-{width}.{self.extension}"

    def width_for(self, display_width: int) -> int:
        """The smallest rendition at least ``display_width`` wide, else the largest."""
        return next((width for width in self.rendition_widths if width >= display_width), self.largest_width)

    def __repr__(self) -> str:
        return f"<Picture {self.id} {self.digest[:8]}>"
