"""Default match weights of each kind of evidence: m = P(agree | same person), u0 = the
prior chance of agreeing for a stranger (observed frequencies replace it where an audit has them)."""

from __future__ import annotations

from .encode import Kind, Pattern, Role

NICKNAME_M = 0.10     # P(a client shows some nickname of her given name), the direct nickname level

# (kind, role) -> (m, u0, level word); role None = any role.
EVIDENCE: dict[tuple[int, int], tuple[float, float, str]] = {
    (Kind.EMAIL, Role.UNKNOWN): (0.95, 1e-7, "e-mail"),
    (Kind.PHONE, Role.UNKNOWN): (0.95, 1e-7, "phone"),
    (Kind.HANDLE, Role.UNKNOWN): (0.95, 1e-7, "handle"),
    (Kind.HANDLE_ANY, Role.UNKNOWN): (0.5, 1e-5, "handle-other-platform"),
    (Kind.WORD, Role.GIVEN): (0.80, 0.003, "exact"),
    (Kind.WORD, Role.SURNAME): (0.85, 0.0005, "exact"),
    (Kind.NICK, Role.GIVEN): (NICKNAME_M, 0.005, "nickname"),
    # Registered under one nickname of a name and shown under another (Bill / Will): a guess of
    # one in ten of the direct rate (the benchmark's clients never do it).
    (Kind.NICK_RELATED, Role.GIVEN): (NICKNAME_M / 10, 0.005, "related-nickname"),
    # Registered under a nickname and shown under its full name (Dave / David): an EHR holds the
    # legal name, and one who is legally Dave seldom goes by David online. A guess of a fifth.
    (Kind.NICK_REVERSE, Role.GIVEN): (NICKNAME_M / 5, 0.005, "nickname-reversed"),
    # The nickname spelled as shown (m: the nickname level's, shared evenly by the name's nicknames).
    (Kind.NICK_SPELLED, Role.GIVEN): (NICKNAME_M, 0.001, "nickname"),
    (Kind.PHONETIC, Role.GIVEN): (0.04, 0.003, "sounds-alike"),
    (Kind.PHONETIC, Role.SURNAME): (0.05, 0.001, "sounds-alike"),
    (Kind.INITIAL, Role.GIVEN): (0.95, 0.07, "initial"),   # given that the connection shows an initial
    (Kind.SUBSTRING, Role.GIVEN): (0.30, 0.006, "in-username"),
    (Kind.SUBSTRING, Role.SURNAME): (0.35, 0.002, "in-username"),
}
PATTERNS: dict[int, tuple[float, float, str]] = {
    Pattern.GIVEN_SURNAME: (0.40, 1e-6, "username is given name + surname"),
    Pattern.SURNAME_GIVEN: (0.20, 1e-6, "username is surname + given name"),
    Pattern.INITIAL_SURNAME: (0.30, 2e-5, "username is first initial + surname"),
    Pattern.SURNAME_INITIAL: (0.10, 2e-5, "username is surname + first initial"),
    Pattern.NICK_SURNAME: (0.10, 1e-6, "username is a nickname of the given name + surname"),
    Pattern.SURNAME_NICK: (0.05, 1e-6, "username is surname + a nickname of the given name"),
}
# m of a close and of a looser spelling; chance agreement is measured on random word pairs (and is
# never less than a share of the word's own frequency: common names have common near-spellings).
TYPO_M = (0.04, 0.02)
TYPO_KIND = -1              # the `kind` of a name part rescued as a close spelling (no token agreed)
