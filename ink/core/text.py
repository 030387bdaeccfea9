"""Small text helpers shared by every domain."""
from __future__ import annotations

import re
import unicodedata

_NON_SLUG = re.compile(r"[^a-z0-9]+")
_TRANSLITERATE = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ß": "ss", "ł": "l", "đ": "d"})


def slugify(text: str, max_length: int = 80) -> str:
    """ASCII slug: 'Språkkafé på Sølvberget' -> 'sprakkafe-pa-solvberget'."""
    lowered = text.lower().translate(_TRANSLITERATE)
    ascii_text = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    return _NON_SLUG.sub("-", ascii_text).strip("-")[:max_length].strip("-") or "item"
