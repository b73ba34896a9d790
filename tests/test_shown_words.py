"""Compounds and word order of a shown name (auditor/shown_words.py)."""

from __future__ import annotations

import numpy as np

from auditor.normalize import clean_name
from auditor.shown_words import compound_bits


def test_compound_bits_cover_the_hyphenated_word_that_holds_a_word():
    names = ["Anna-Lena Berg", "Anna-Lena Berg", "Ana Maria Lopez-Garcia", "Jean-Paul-Marie Roux", "Ana Smith"]
    joined = np.array([clean_name(n).joined for n in names], dtype=np.int64)
    word = np.array([0, 2, 3, 1, 1], dtype=np.int64)
    assert compound_bits(joined, word).tolist() == [0b11, 0b100, 0b1100, 0b111, 0b10]
