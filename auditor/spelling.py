"""Spelling on keyed encodings: Dice of word Bloom filters and one-edit variants.

A close spelling ('ryzn' / 'ryan', 'daivs' / 'davis') is compared without either word
in clear: each word is a keyed Bloom filter of its bigrams and a set of keyed hashes
of its one-letter deletions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .encode import Role
from .pair_table import first_of_runs


def bloom_dice(c_f: dict[str, np.ndarray], r_f: dict[str, np.ndarray], c_rows: np.ndarray, r_rows: np.ndarray,
               close: float, chunk: int = 1_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Dice of keyed word Bloom filters per (connection word, roster word) row pair, raised to
    `close` where two different words are one edit apart; and whether the two filters differ.

    Chunked: the filters of tens of millions of pairs, gathered at once, take gigabytes.
    """
    n = len(c_rows)
    dice, differ = np.empty(n), np.empty(n, dtype=bool)
    variants = "variants" in c_f and "variants" in r_f
    for start in range(0, n, chunk):
        cr, rr = c_rows[start:start + chunk], r_rows[start:start + chunk]
        a, b = c_f["bits"][cr], r_f["bits"][rr]
        inter = np.bitwise_count(a & b).sum(axis=1)
        total = np.bitwise_count(a).sum(axis=1) + np.bitwise_count(b).sum(axis=1)
        d = 2 * inter / np.maximum(total, 1)
        diff = (a != b).any(axis=1)
        del a, b
        if variants:
            d = one_edit(d, diff, c_f["variants"], r_f["variants"], cr, rr, close)
        dice[start:start + chunk], differ[start:start + chunk] = d, diff
    return dice, differ


def one_edit(dice: np.ndarray, differ: np.ndarray, c_variants: np.ndarray, r_variants: np.ndarray,
             c_rows: np.ndarray, r_rows: np.ndarray, close: float) -> np.ndarray:
    """Dice raised to `close` where two different words are one edit apart.

    Only pairs with some bigram overlap are checked (one edit leaves Dice >= 0.4 even
    in three-letter words), which spares the slot-by-slot comparison for most pairs.
    """
    check = np.flatnonzero((dice >= 0.4) & (dice < close))
    if not len(check):
        return dice
    shared = shares_variant(c_variants[c_rows[check]], r_variants[r_rows[check]])
    out = dice.copy()
    out[check[shared & differ[check]]] = close
    return out


def word_length(variants: np.ndarray) -> np.ndarray:
    """Letters of a word from its variant hashes (first letter, then n + 1 forms for n >= 3 letters)."""
    filled = (variants[:, 1:] != 0).sum(axis=1)
    return np.clip(np.where(filled > 1, filled - 1, 2), 0, 16)


def shares_variant(a: np.ndarray, b: np.ndarray, chunk: int = 100_000) -> np.ndarray:
    """Row-wise: same first letter, and a word or one-letter deletion in common (one edit apart)."""
    out = np.zeros(len(a), dtype=bool)
    for start in range(0, len(a), chunk):
        x, y = a[start:start + chunk, 1:], b[start:start + chunk, 1:]
        same_first = a[start:start + chunk, 0] == b[start:start + chunk, 0]
        out[start:start + chunk] = same_first & ((x[:, :, None] == y[:, None, :])
                                                 & (x[:, :, None] != 0)).any(axis=(1, 2))
    return out


def chance_rates(c_f: dict[str, np.ndarray], r_f: dict[str, np.ndarray], close_from: float, loose_from: float,
                 sample: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """How often a random connection word is spelled like a roster word without being
    that word, per role and by the roster word's length: role -> (close, loose) rates
    per length 0..16.

    Close: Dice >= close_from or one edit apart; loose: loose_from <= Dice < close_from.
    Measured on one seeded sample of word pairs of this audit (the u of the typo levels);
    short words have many neighbours ('ana', 'ava', 'eva'), long ones few.
    """
    c_bits, r_bits = c_f["bits"], r_f["bits"]
    lengths = 17
    roles = (int(Role.GIVEN), int(Role.SURNAME))
    if not len(c_bits) or not len(r_bits):
        return {role: (np.full(lengths, 1e-3), np.full(lengths, 1e-3)) for role in roles}
    rng = np.random.default_rng(0)
    n = sample
    c_rows = rng.integers(0, len(c_bits), n)
    r_rows = rng.integers(0, len(r_bits), n)
    dice, differ = bloom_dice(c_f, r_f, c_rows, r_rows, close_from)
    length = word_length(r_f["variants"][r_rows]) if "variants" in r_f else np.full(n, lengths - 1)
    role_of = r_f["role"][r_rows]
    out = {}
    for role in roles:
        mine = role_of == role
        close = np.bincount(length[mine], weights=(differ & (dice >= close_from))[mine], minlength=lengths)
        loose = np.bincount(length[mine], weights=(differ & (dice >= loose_from) & (dice < close_from))[mine],
                            minlength=lengths)
        seen = np.bincount(length[mine], minlength=lengths)
        # Lengths seldom sampled lean on the role's overall rate.
        k = max(int(mine.sum()), 1)
        overall = (close.sum() + 0.5) / (k + 1), (loose.sum() + 0.5) / (k + 1)
        out[role] = ((close + 20 * overall[0]) / (seen + 20), (loose + 20 * overall[1]) / (seen + 20))
    return out


def word_keys(variants: np.ndarray) -> np.ndarray:
    """One 64-bit key per word row: equal words have equal variant rows, so equal keys."""
    mix = np.array([0x9E3779B97F4A7C15 * (2 * i + 1) & 0xFFFFFFFFFFFFFFFF for i in range(variants.shape[1])],
                   dtype=np.uint64)
    with np.errstate(over="ignore"):
        return (variants.astype(np.uint64) * mix).sum(axis=1, dtype=np.uint64)


@dataclass(slots=True)
class NearSpellings:
    """Which words of an audit are one edit from which: the chance of a near-spelling by chance.

    The chance that a stranger's word is one edit from 'jenkins' depends on the word:
    'mark' has every Mary and Marc for neighbours, 'jenkins' hardly any. And a rare
    spelling ('daivs') is not explained by the common neighbours of its word ('davis'
    has every David): only neighbours at most as frequent as the word seen count.
    Distinct words are joined on their keyed one-letter deletions (same first letter),
    never compared pairwise.
    """

    c_word: np.ndarray      # distinct word of each connection word row
    r_word: np.ndarray      # ... of each roster word row
    count: np.ndarray       # word rows (connections' and roster's) per distinct word
    key: np.ndarray         # sorted: word * span + a neighbour's count, one per (word, neighbour)
    mass: np.ndarray        # cumulative neighbour counts along `key`
    span: int

    @classmethod
    def measure(cls, c_f: dict[str, np.ndarray], r_f: dict[str, np.ndarray]) -> "NearSpellings":
        c_keys, r_keys = word_keys(c_f["variants"]), word_keys(r_f["variants"])
        keys, first, inverse, count = np.unique(np.concatenate([c_keys, r_keys]), return_index=True,
                                                return_inverse=True, return_counts=True)
        del c_keys, r_keys
        n_c = len(c_f["variants"])
        in_c = first < n_c                            # each distinct word's first row, on either side
        variants = np.empty((len(keys), c_f["variants"].shape[1]), dtype=np.uint32)
        variants[in_c] = c_f["variants"][first[in_c]]
        variants[~in_c] = r_f["variants"][first[~in_c] - n_c]
        a, b = _one_edit_pairs(variants)
        span = int(count.max()) + 1
        key = a.astype(np.int64) * span + count[b]
        order = np.argsort(key, kind="stable")
        return cls(c_word=inverse[:n_c].astype(np.int32), r_word=inverse[n_c:].astype(np.int32), count=count,
                   key=key[order], mass=np.cumsum(count[b][order]), span=span)

    def as_rare(self, r_rows: np.ndarray, c_rows: np.ndarray) -> np.ndarray:
        """Per (roster word row, connection word row): rows of the audit one edit from the roster
        word and at most as frequent as the connection's word (that word's own rows included)."""
        word = self.r_word[r_rows].astype(np.int64)
        seen = self.count[self.c_word[c_rows]]
        lo = np.searchsorted(self.key, word * self.span, side="left")
        hi = np.searchsorted(self.key, word * self.span + seen, side="right")
        cum = np.r_[0, self.mass]
        return (cum[hi] - cum[lo]).astype(np.float64)


def _one_edit_pairs(variants: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ordered pairs (a, b) of distinct words (rows of `variants`) one edit apart, once each."""
    forms = variants[:, 1:].astype(np.uint64)
    word = np.repeat(np.arange(len(variants)), forms.shape[1])
    form = ((forms << np.uint64(32)) | variants[:, :1].astype(np.uint64)).ravel()   # with the first letter
    used = forms.ravel() != 0
    word, form = word[used], form[used]
    order = np.argsort(form, kind="stable")
    word, form = word[order], form[order]
    starts = np.flatnonzero(first_of_runs(form))
    sizes = np.diff(np.r_[starts, len(form)])
    a_parts, b_parts = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for size in np.unique(sizes[sizes > 1]):
        members = word[starts[sizes == size][:, None] + np.arange(size)]     # groups x size
        i, j = np.nonzero(~np.eye(size, dtype=bool))
        a_parts.append(members[:, i].ravel())
        b_parts.append(members[:, j].ravel())
    pair = np.unique(np.concatenate(a_parts) * len(variants) + np.concatenate(b_parts))  # shared twice: once
    return pair // len(variants), pair % len(variants)
