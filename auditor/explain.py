"""A pair's evidence in words, each piece with its match weight (the report's "why")."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .encode import JOINED_PATTERN, Kind, Source
from .weights import PATTERNS, TYPO_KIND

_SOURCE_NAME = {int(Source.NAME): "", int(Source.USERNAME): " (in the username)",
                int(Source.EMAIL_LOCAL): " (in the e-mail address)", int(Source.IDENTIFIER): ""}


@dataclass(slots=True)
class Evidence:
    what: str
    level: str
    weight: float
    text: str


def _part_text(prefix: str, kind: float, src: float) -> tuple[str, str]:
    role = "given name" if prefix == "given" else "surname"
    where = _SOURCE_NAME.get(int(src), "") if not pd.isna(src) else ""
    if kind == TYPO_KIND:
        return "similar-spelling", f"{role} spelled similarly (typo?){where}"
    level = {int(Kind.WORD): "exact", int(Kind.NICK): "nickname", int(Kind.NICK_RELATED): "related-nickname",
             int(Kind.NICK_REVERSE): "nickname-reversed", int(Kind.NICK_SPELLED): "nickname",
             int(Kind.PHONETIC): "sounds-alike",
             int(Kind.INITIAL): "initial", int(Kind.SUBSTRING): "in-username"}.get(int(kind), "other")
    text = {"exact": f"{role} matches{where}",
            "nickname": f"{role} is a nickname form of the client's{where}",
            "related-nickname": f"{role} and the client's are nicknames of one name, neither of the other{where}",
            "nickname-reversed": f"{role} is the full name of the client's, which is a nickname{where}",
            "sounds-alike": f"{role} sounds alike{where}",
            "initial": "first initial matches",
            "in-username": f"{role} appears inside the username" if int(src) == Source.USERNAME
            else f"{role} appears inside the e-mail address"}.get(level, f"{role} matches")
    return level, text


def explain(row) -> list[Evidence]:
    """The evidence of one pair, in words, with each piece's match weight."""
    out: list[Evidence] = []
    if not pd.isna(row.id_w):
        label = {int(Kind.EMAIL): ("e-mail", "e-mail matches"), int(Kind.PHONE): ("phone", "phone matches"),
                 int(Kind.HANDLE): ("handle", "handle or profile matches on this platform"),
                 int(Kind.HANDLE_ANY): ("handle", "same handle as the client's on another platform")}
        what, text = label[int(row.id_kind)]
        level = "exact" if int(row.id_kind) != Kind.HANDLE_ANY else "other-platform"
        out.append(Evidence(what, level, round(float(row.id_w), 1), text))
    if row.use_pattern:
        _, _, text = PATTERNS[int(row.pat_rpart) % JOINED_PATTERN]
        if int(row.pat_rpart) >= JOINED_PATTERN:
            text += " (both surnames)"
        where = " (from the e-mail address)" if int(row.pat_src) == Source.EMAIL_LOCAL else ""
        out.append(Evidence("username", "pattern", round(float(row.pat_w), 1), text + where))
        return out
    for prefix in ("given", "sur"):
        weight = getattr(row, f"{prefix}_w")
        what = "given name" if prefix == "given" else "surname"
        if not pd.isna(weight):
            level, text = _part_text(prefix, getattr(row, f"{prefix}_kind"), getattr(row, f"{prefix}_src"))
            out.append(Evidence(what, level, round(float(weight), 1), text))
        elif getattr(row, f"{prefix}_disagree") < 0:
            out.append(Evidence(what, "differs", round(float(getattr(row, f"{prefix}_disagree")), 1),
                                f"{what} differs"))
    return out
