"""Small text helpers shared by every domain."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_NON_SLUG = re.compile(r"[^a-z0-9]+")
_TRANSLITERATE = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ß": "ss", "ł": "l", "đ": "d"})


def slugify(text: str, max_length: int = 80) -> str:
    """ASCII slug: 'Språkkafé på Sølvberget' -> 'sprakkafe-pa-solvberget'."""
    lowered = text.lower().translate(_TRANSLITERATE)
    ascii_text = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    return _NON_SLUG.sub("-", ascii_text).strip("-")[:max_length].strip("-") or "item"


# Letters that Unicode does not decompose into a base letter and a mark: folded by hand (search).
_FOLD_SPECIAL = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "ŀ": "l", "þ": "th",
                               "ð": "d", "ħ": "h", "ŧ": "t", "ı": "i", "ĸ": "k"})
MAX_TOKEN_LENGTH = 64  # a longer "word" is cut: nobody types it, and it would bloat the index


def _drops_marks(base: str) -> bool:
    """Accents are dropped from Latin and Greek letters only: elsewhere (Devanagari, Thai, Arabic …)
    a combining mark is part of the letter and changes the word."""
    code = ord(base)
    return code < 0x0250 or 0x0370 <= code < 0x0400 or 0x1E00 <= code < 0x2000


def _fold_character(char: str) -> str:
    """One (NFC) character folded: case folded, decomposed, the marks of a Latin or Greek base dropped."""
    decomposed = unicodedata.normalize("NFKD", char.casefold().translate(_FOLD_SPECIAL))
    kept: list[str] = []
    drop_marks = False
    for part in decomposed:
        if unicodedata.category(part).startswith("M"):
            if drop_marks:
                continue
        else:
            drop_marks = _drops_marks(part)
        kept.append(part)
    return unicodedata.normalize("NFC", "".join(kept))


class _Table(dict[int, str]):
    """A str.translate table filled on first sight of each character (translating stays in C)."""

    def __init__(self, rule: Callable[[str], str]) -> None:
        super().__init__()
        self.rule = rule

    def __missing__(self, code: int) -> str:
        self[code] = result = self.rule(chr(code))
        return result


_FOLD = _Table(_fold_character)
# Letters, digits and marks make words; everything else separates them.
_WORD_CHARACTERS = _Table(lambda char: char if unicodedata.category(char)[0] in "LNM" else " ")


def fold_text(text: str) -> str:
    """Text as search compares it: case folded, accents of Latin and Greek letters dropped, ø→o,
    æ→ae, ß→ss …: 'Sølvberget Café' -> 'solvberget cafe'. Other scripts keep their marks."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFC", text).translate(_FOLD)


def search_tokens(text: str) -> list[str]:
    """The words of ``text`` as search indexes and matches them: folded (``fold_text``), split at
    everything that is not a letter, a digit or a mark; in order, repeats kept."""
    return [word[:MAX_TOKEN_LENGTH] for word in fold_text(text).translate(_WORD_CHARACTERS).split()]
