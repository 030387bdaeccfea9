"""Folding and splitting text for search (ink.core.text): what the index holds and a query is matched by."""
from __future__ import annotations

import pytest

from ink.core.text import MAX_TOKEN_LENGTH, fold_text, search_tokens
from ink.events.search import MAX_QUERY_WORDS, query_words


@pytest.mark.parametrize(("text", "folded"), [
    ("Sølvberget", "solvberget"),
    ("Café", "cafe"),
    ("SPRÅKKAFÉ", "sprakkafe"),
    ("Ærø", "aero"),
    ("Straße", "strasse"),
    ("Łódź", "lodz"),
    ("Đakovo", "dakovo"),
    ("Þingvellir", "thingvellir"),
    ("İstanbul", "istanbul"),
    ("Ñandú", "nandu"),
    ("Αθήνα", "αθηνα"),  # Greek accents go too
    ("ﬁesta", "fiesta"),  # compatibility forms are unfolded
])
def test_case_and_accents_fold_away(text: str, folded: str) -> None:
    assert fold_text(text) == folded


def test_marks_that_are_part_of_a_letter_stay() -> None:
    # Devanagari vowel signs and Arabic harakat are not accents: dropping them would change the word.
    assert fold_text("हिन्दी") == "हिन्दी"
    assert search_tokens("हिन्दी कार्यशाला") == ["हिन्दी", "कार्यशाला"]
    assert search_tokens("مَرْحَبًا") == ["مَرْحَبًا"]


def test_words_split_at_everything_but_letters_digits_and_marks() -> None:
    assert search_tokens('Kite-festival, 2026: "Sola" (ages 3–11) kite_fest') == [
        "kite", "festival", "2026", "sola", "ages", "3", "11", "kite", "fest"]
    assert search_tokens("東京 Киев ÅRSMØTE") == ["東京", "киев", "arsmote"]
    assert search_tokens("* & | ! ( ) : ' \" NEAR") == ["near"]
    assert search_tokens("") == [] and search_tokens("\x00\x7f") == []


def test_long_words_are_cut() -> None:
    assert search_tokens("a" * 500) == ["a" * MAX_TOKEN_LENGTH]


def test_query_words_are_distinct_and_few() -> None:
    assert query_words("Kite kite KITE festival") == ("kite", "festival")
    assert len(query_words(" ".join(f"w{n}" for n in range(50)))) == MAX_QUERY_WORDS
