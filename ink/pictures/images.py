"""Pure image work with Pillow: refuse what is not a plain photo or logo, then re-encode renditions.

Only JPEG, PNG and WebP are opened (Pillow tries no other decoder, so SVG, GIF, PDF and the rest are
"not an image" here); animated files are refused; the size in pixels is checked from the header before
any pixel is decoded (a decompression bomb is refused, never unpacked). The upright picture (EXIF
orientation applied) is rendered at a few widths, never upscaled, from fresh images without any
metadata: no EXIF (GPS, camera, dates), no ICC profile, no text chunks.

Renditions are JPEG, or PNG when the picture uses transparency (a logo on a transparent background).
One format per picture keeps ``srcset`` simple (no ``<picture>`` with sources), and JPEG and PNG are
what every link-preview bot reads (og:image in WebP is still refused by some).
"""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from ink.core.errors import N_, NP_, ValidationFailed

FIELD = "picture"
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
WIDTHS = (320, 640, 1024, 1600)
JPEG_QUALITY = 82
DIGEST_LENGTH = 32


@dataclass(frozen=True)
class Limits:
    """What an upload may be: at most ``max_bytes`` and ``max_pixels``, each side at least ``min_side``."""

    max_bytes: int
    max_pixels: int
    min_side: int


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class Prepared:
    """An accepted upload: the upright size, formats, and the encoded renditions (smallest first)."""

    digest: str
    width: int
    height: int
    source_format: str
    extension: str
    renditions: tuple[Rendition, ...]


class PictureRefused(ValidationFailed):
    """The upload is not a picture this site accepts; the message says why (on the form's picture field)."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message, FIELD, **params)


def rendition_widths(width: int) -> list[int]:
    """The widths a picture ``width`` pixels wide is rendered at: the standard ones below it, then its
    own width capped at the largest (never upscaled)."""
    largest = min(width, WIDTHS[-1])
    return [*(candidate for candidate in WIDTHS if candidate < largest), largest]


def scaled_height(width: int, height: int, to_width: int) -> int:
    """The height at ``to_width`` keeping the aspect ratio (as ``Picture.height_at`` computes it)."""
    return max(1, round(height * to_width / width))


def prepare(data: bytes, limits: Limits) -> Prepared:
    """Check an upload and render it; raises PictureRefused with the reason."""
    if len(data) > limits.max_bytes:
        raise PictureRefused(N_("The file is larger than %(limit)s MB."), limit=_megabytes(limits.max_bytes))
    image = _open(data, limits)
    source_format = str(image.format)
    upright = _decode_upright(image)
    width, height = upright.size
    if min(width, height) < limits.min_side:
        raise PictureRefused(NP_("The picture is too small: it needs at least %(size)d pixel on each side.",
                                 "The picture is too small: it needs at least %(size)d pixels on each side.", "size"),
                             size=limits.min_side)
    transparent = _uses_transparency(upright)
    pixels = upright.convert("RGBA" if transparent else "RGB")
    extension = "png" if transparent else "jpg"
    renditions = tuple(_render(pixels, target, scaled_height(width, height, target), extension)
                       for target in rendition_widths(width))
    return Prepared(digest=hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH], width=width, height=height,
                    source_format=source_format.lower(), extension=extension, renditions=renditions)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g}"


def _open(data: bytes, limits: Limits) -> Image.Image:
    """Read the header only: the format, the size in pixels, whether it is animated."""
    try:
        with warnings.catch_warnings():
            # Pillow warns (past Image.MAX_IMAGE_PIXELS) or raises (past twice that): a bomb either way.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PictureRefused(N_("The picture has too many pixels (at most %(limit)s megapixels)."),
                             limit=_megapixels(limits.max_pixels)) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise PictureRefused(N_("This is not a JPEG, PNG or WebP picture.")) from None
    if image.width * image.height > limits.max_pixels:
        raise PictureRefused(N_("The picture has too many pixels (at most %(limit)s megapixels)."),
                             limit=_megapixels(limits.max_pixels))
    if getattr(image, "is_animated", False) or getattr(image, "n_frames", 1) > 1:
        raise PictureRefused(N_("Animated pictures are not accepted: upload a still JPEG, PNG or WebP picture."))
    return image


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:g}"


def _decode_upright(image: Image.Image) -> Image.Image:
    """Decode every pixel (a truncated or corrupt file fails here) and turn it as its EXIF says."""
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        raise PictureRefused(N_("The file is damaged or incomplete: save the picture again and upload that.")) from None
    return upright if upright is not None else image


def _uses_transparency(image: Image.Image) -> bool:
    """Whether any pixel is (partly) transparent: an opaque PNG is stored as a JPEG like any photo."""
    if image.mode not in ("RGBA", "LA", "PA") and "transparency" not in image.info:
        return False
    alpha = image.convert("RGBA").getchannel("A")
    low = alpha.getextrema()[0]  # one band: (lowest, highest)
    return isinstance(low, (int, float)) and low < 255


def _render(pixels: Image.Image, width: int, height: int, extension: str) -> Rendition:
    """One rendition, encoded from a fresh image: only its pixels are written."""
    resized = pixels if pixels.size == (width, height) else pixels.resize((width, height), Image.Resampling.LANCZOS)
    clean = Image.new(resized.mode, resized.size)
    clean.paste(resized)
    out = io.BytesIO()
    if extension == "png":
        clean.save(out, format="PNG", optimize=True)
    else:
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return Rendition(width=width, height=height, data=out.getvalue())
