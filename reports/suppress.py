"""Small-count suppression for external reports.

A count from 1 to N-1 (N = the policy's small_count_threshold) is shown as
"<N"; zero is shown as 0. Suppressing only the small cell is not enough when
the table's total is printed (or can be summed from another table): the
reader would subtract. So when a table has small cells, larger cells are also
withheld ("complementary suppression") until the hidden cells together leave
every small one free to be anything from 1 to N-1. Only the text and, where
it is shown, the count leave this module: a suppressed count is not kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WITHHELD = "withheld"


@dataclass(frozen=True, slots=True)
class ShownCount:
    """A count as an external reader may see it: `value` is None unless shown exactly."""

    text: str
    value: int | None
    kind: str = "shown"       # shown / small / withheld

    @property
    def hidden(self) -> bool:
        return self.value is None


def show_total(count: int, threshold: int) -> ShownCount:
    """One count on its own: small -> '<N'."""
    if 0 < count < threshold:
        return ShownCount(f"<{threshold}", None, "small")
    return ShownCount(str(count), count)


def _complements(cells: Sequence[tuple[str, int]], small: set[str], threshold: int) -> set[str]:
    """Larger cells to withhold so that subtraction pins no small cell below its full 1..N-1 range.

    With hidden small cells P (each 1..N-1) and withheld cells W (each >= N),
    a reader who knows their sum S can bound a small cell by
    S - (|P|-1) - N*|W| from above; that bound must reach N-1, and W must not
    be empty (else a lone small cell equals S minus what is shown).
    """
    candidates = sorted((count, key) for key, count in cells if count >= threshold)
    withheld: set[str] = set()
    hidden_sum = sum(count for key, count in cells if key in small)

    def need(n_withheld: int) -> int:
        return (threshold - 1) + (len(small) - 1) + threshold * n_withheld

    while candidates and (not withheld or hidden_sum < need(len(withheld))):
        target = need(len(withheld) + 1) - hidden_sum
        # the smallest cell that is enough on its own, else the largest (it helps most)
        count, key = next((c for c in candidates if c[0] >= target), candidates[-1])
        candidates.remove((count, key))
        withheld.add(key)
        hidden_sum += count
    return withheld


def suppress_table(cells: Sequence[tuple[str, int]], threshold: int) -> tuple[tuple[str, ShownCount], ...]:
    """Every cell of one breakdown (by severity, platform, ...) as it may be shown."""
    small = {key for key, count in cells if 0 < count < threshold}
    total = sum(count for _, count in cells)
    withheld = _complements(cells, small, threshold) if small and total >= threshold else set()
    shown = []
    for key, count in cells:
        if key in small:
            shown.append((key, ShownCount(f"<{threshold}", None, "small")))
        elif key in withheld:
            shown.append((key, ShownCount(WITHHELD, None, "withheld")))
        else:
            shown.append((key, ShownCount(str(count), count)))
    return tuple(shown)
