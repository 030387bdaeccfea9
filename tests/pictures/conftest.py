"""Pictures tests write their renditions to a temporary PICTURES_DIR; images are made by Pillow here."""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image


@pytest.fixture
def pictures_dir(tmp_path: Path) -> Path:
    return tmp_path / "pictures"


@pytest.fixture
def app_config(pictures_dir: Path) -> dict[str, object]:
    return {"PICTURES_DIR": str(pictures_dir)}


def image_bytes(size: tuple[int, int], format: str = "JPEG", mode: str = "RGB", colour: object = (200, 60, 40),
                **save: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, format=format, **save)  # type: ignore[arg-type]
    return out.getvalue()


def halves_with_gps_and_orientation(size: tuple[int, int] = (600, 400), orientation: int = 6) -> bytes:
    """A JPEG whose left half is red and right half blue, with a GPS position and an EXIF orientation."""
    image = Image.new("RGB", size, (220, 0, 0))
    image.paste((0, 0, 220), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Phone maker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (58.0, 58.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (5.0, 44.0, 1.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95)
    return out.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` × ``height`` pixels (a decompression bomb's header)."""
    data = bytearray(image_bytes((10, 10), "PNG", "L", 0))
    ihdr = 8  # after the signature: length, b"IHDR", 13 bytes of data, CRC
    body = bytearray(data[ihdr + 8:ihdr + 8 + 13])
    body[0:8] = struct.pack(">II", width, height)
    data[ihdr + 8:ihdr + 8 + 13] = body
    data[ihdr + 8 + 13:ihdr + 8 + 17] = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(body)))
    return bytes(data)


def animated_png() -> bytes:
    out = io.BytesIO()
    frames = [Image.new("RGB", (300, 300), colour) for colour in ((255, 0, 0), (0, 255, 0))]
    frames[0].save(out, format="PNG", save_all=True, append_images=frames[1:])
    return out.getvalue()
