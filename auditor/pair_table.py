"""The per-pair table's plumbing: one row per candidate (connection, client), sorted by
connection then client, so that columns are placed by position and groups are runs
(at a million connections, merges and group transforms copied it several times over)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def pair_keys(conn: np.ndarray, client: np.ndarray) -> np.ndarray:
    """(connection, client) as one sortable int64: tables of pairs are aligned by it, not joined."""
    return (np.asarray(conn).astype(np.int64) << 24) | np.asarray(client).astype(np.int64)


def first_of_runs(keys: np.ndarray) -> np.ndarray:
    """On a sorted array: True at the first row of each run of equal values."""
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    return first


@dataclass(frozen=True, slots=True)
class Groups:
    """The rows of a table sorted by connection, as groups: one per connection."""

    starts: np.ndarray       # first row of each connection
    group: np.ndarray        # each row's group number

    @classmethod
    def of(cls, conn: np.ndarray) -> "Groups":
        first = first_of_runs(conn)
        return cls(np.flatnonzero(first), np.cumsum(first) - 1)

    def against_none(self, logit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row: the probability of this client against the connection's other candidates and
        'none of them' (logit 0, a stable log-sum-exp), and the best logit of its connection."""
        top = np.maximum.reduceat(logit, self.starts)[self.group]
        anchor = np.maximum(top, 0.0)
        share = np.exp2(logit - anchor)
        return share / (np.add.reduceat(share, self.starts)[self.group] + np.exp2(-anchor)), top


def set_name_weight(table: pd.DataFrame) -> np.ndarray:
    """Each pair's name weight: its name evidence summed, or its username pattern where that
    weighs more (`use_pattern`). Written to the table and returned."""
    names = (table["given_w"].fillna(0).to_numpy() + table["sur_w"].fillna(0).to_numpy()
             + table["together"].to_numpy() + table["given_disagree"].to_numpy()
             + table["sur_disagree"].to_numpy() + table["extra"].to_numpy())
    pattern = table["pat_w"].fillna(-np.inf).to_numpy()
    name_w = np.maximum(names, pattern)
    table["name_w"] = name_w
    table["use_pattern"] = pattern > names
    return name_w


def write_rows(table: pd.DataFrame, name: str, rows: np.ndarray, value: np.ndarray | float) -> None:
    """Column `name` with `value` written at `rows` (a copy put back: one column at a time,
    where a .loc over many columns would copy them all)."""
    column = table[name].to_numpy(copy=True)
    column[rows] = value
    table[name] = column


def blank(table: pd.DataFrame, rows: np.ndarray, columns: list[str]) -> None:
    """`columns` set to NaN where `rows`."""
    if rows.any():
        for name in columns:
            write_rows(table, name, rows, np.nan)


def set_better(table: pd.DataFrame, at: np.ndarray, prefix: str, columns: dict[str, np.ndarray | int]) -> None:
    """Where the new `{prefix}_w` beats the current one of the pair in row `at`, write `columns` there."""
    weight = np.asarray(columns[f"{prefix}_w"])
    better = ~(table[f"{prefix}_w"].to_numpy()[at] >= weight)
    for name, value in columns.items():
        write_rows(table, name, at[better], value[better] if isinstance(value, np.ndarray) else value)
