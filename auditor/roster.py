"""The de-identified roster: keyed encodings of each client, encrypted at rest.

What is stored per client: a pseudonymous client_ref, status, a clinician
pseudonym, the quarter in which treatment ended, and keyed tokens and Bloom
filters of the name, e-mail, phone and handles. Never a name, e-mail, phone,
client id or full date.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .clients import ClientRecord, associated_record
from .encode import Encoder, Identity, TokenRows, WordFilters
from .errors import AuditorError
from .keys import SubKeys
from .normalize import canonical_email, canonical_phone
from .parallel import concatenated, in_ranges
from .sealed import read_header, seal, unseal

KIND = "roster"
VERSION = 1
PARALLEL_MIN = 1_000     # clients: below this a forked worker costs more than it saves
STATUS_CODES = {"unknown": 0, "current": 1, "former": 2, "associated": 3}   # 3: a client's family member
STATUS_NAMES = {v: k for k, v in STATUS_CODES.items()}
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def pseudonym(key: bytes, purpose: str, value: str, length: int) -> str:
    """A short stable code (Crockford base32) for a value, keyed so it cannot be guessed."""
    digest = hmac.new(key, f"{purpose}\x1f{value}".encode(), hashlib.sha256).digest()
    return base32(int.from_bytes(digest[:8], "big"), length)


def base32(number: int, length: int) -> str:
    """The low `length` Crockford base32 digits of a number (no I, L, O, U: easy to read aloud)."""
    chars = []
    for _ in range(length):
        number, rem = divmod(number, 32)
        chars.append(_CROCKFORD[rem])
    return "".join(chars)


def client_ref(keys: SubKeys, record: ClientRecord, length: int = 6) -> str:
    """C-XXXXXX from the client id (or, without one, from the name and e-mail)."""
    basis = record.client_id or "name:" + " ".join(record.given + record.surnames + record.emails[:1])
    return "C-" + pseudonym(keys.pseudonyms, "client", basis, length)


def clinician_ref(keys: SubKeys, clinician: str) -> str:
    return "K-" + pseudonym(keys.pseudonyms, "clinician", clinician, 4) if clinician else ""


def end_quarter(value: date | None) -> str:
    """Treatment end coarsened to a quarter ('2024-Q3'): enough for look-back rules."""
    return f"{value.year}-Q{(value.month - 1) // 3 + 1}" if value else ""


def identity_of(record: ClientRecord) -> Identity:
    emails = (canonical_email(e) for e in record.emails)
    phones = (canonical_phone(p) for p in record.phones)
    return Identity(given=tuple(record.given), surnames=tuple(record.surnames),
                    emails=tuple(dict.fromkeys(e for e in emails if e)),
                    phones=tuple(dict.fromkeys(p for p in phones if p)),
                    handles=tuple(dict.fromkeys(record.handles)))


def assign_refs(keys: SubKeys, records: list[ClientRecord]) -> list[str]:
    """client_ref per record; the rare 6-character collision gets a longer ref."""
    refs = [client_ref(keys, r) for r in records]
    counts: dict[str, int] = {}
    for ref in refs:
        counts[ref] = counts.get(ref, 0) + 1
    return [client_ref(keys, r, 10) if counts[ref] > 1 else ref for ref, r in zip(refs, records)]


@dataclass(slots=True)
class EncodedRoster:
    """A decrypted roster, held in memory for matching."""

    refs: np.ndarray            # str, one per client
    status: np.ndarray          # int8 STATUS_CODES
    ended: np.ndarray           # str '2024-Q3' or ''
    clinician: np.ndarray       # str 'K-XXXX' or ''
    tokens: dict[str, np.ndarray]
    filters: dict[str, np.ndarray]
    header: dict[str, Any]

    @property
    def size(self) -> int:
        """Rows: clients plus their associated persons."""
        return int(self.refs.shape[0])

    @property
    def clients(self) -> int:
        return int((self.status != STATUS_CODES["associated"]).sum())


def encode_roster(keys: SubKeys, records: list[ClientRecord], encoder: Encoder | None = None,
                  workers: int | None = None) -> EncodedRoster:
    """Keyed encodings of every client (plaintext stays in the records, in memory); a large
    roster is split over the CPU cores."""
    encoder = encoder or Encoder(keys)
    refs = assign_refs(keys, records)
    # Associated persons (AAMFT 1.3) are rows of their own under their client's ref: a finding
    # about one says "a family member of C-XXXXXX", never whose name matched.
    family = [(ref, associated_record(r, name)) for ref, r in zip(refs, records) for name in r.associated]
    records = list(records) + [member for _, member in family]
    refs = refs + [ref for ref, _ in family]
    tokens, filters = in_ranges(lambda start, stop: _encode_records(encoder, records, start, stop), len(records),
                                _join_parts, workers, PARALLEL_MIN)
    return EncodedRoster(
        refs=np.asarray(refs, dtype=str),
        status=np.asarray([STATUS_CODES[r.status] for r in records], dtype=np.int8),
        ended=np.asarray([end_quarter(r.end_date) for r in records], dtype=str),
        clinician=np.asarray([clinician_ref(keys, r.clinician) for r in records], dtype=str),
        tokens=tokens,
        filters=filters,
        header={},
    )


Columns = dict[str, np.ndarray]


def _encode_records(encoder: Encoder, records: list[ClientRecord], start: int, stop: int) -> tuple[Columns, Columns]:
    """Token rows and word filters of records[start:stop]; owners are the records' indexes."""
    rows, filters = TokenRows(), WordFilters()
    for index in range(start, stop):
        encoder.encode(index, identity_of(records[index]), rows, filters)
    return rows.arrays(), filters.arrays()


def _join_parts(parts: list[tuple[Columns, Columns]]) -> tuple[Columns, Columns]:
    return concatenated([tokens for tokens, _ in parts]), concatenated([filters for _, filters in parts])


def _counts(roster: EncodedRoster) -> dict[str, int]:
    return {
        "clients": roster.clients,
        "associated": int((roster.status == STATUS_CODES["associated"]).sum()),
        "current": int((roster.status == STATUS_CODES["current"]).sum()),
        "former": int((roster.status == STATUS_CODES["former"]).sum()),
        "status_unknown": int((roster.status == STATUS_CODES["unknown"]).sum()),
        "clinicians": len({c for c in roster.clinician.tolist() if c}),
        "tokens": int(roster.tokens["token"].shape[0]),
    }


def save_roster(path: Path, keys: SubKeys, roster: EncodedRoster, columns: list[str]) -> dict[str, Any]:
    """Encrypt and write atomically (0600); returns the header written."""
    buffer = io.BytesIO()
    arrays = {"refs": roster.refs, "status": roster.status, "ended": roster.ended,
              "clinician": roster.clinician}
    arrays.update({f"t_{k}": v for k, v in roster.tokens.items()})
    arrays.update({f"f_{k}": v for k, v in roster.filters.items()})
    np.savez_compressed(buffer, **arrays)
    extra = {
        "created_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "counts": _counts(roster),
        "columns_used": sorted(columns),
    }
    seal(path, KIND, VERSION, keys, buffer.getvalue(), extra)
    roster.header = {"kind": KIND, "version": VERSION, "key_fingerprint": keys.fingerprint, **extra}
    return roster.header


def load_roster(path: Path, keys: SubKeys) -> EncodedRoster:
    sealed = unseal(path, KIND, (VERSION,), keys)
    try:
        with np.load(io.BytesIO(sealed.payload), allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (ValueError, OSError, KeyError) as exc:
        raise AuditorError(f"{path}: the roster payload is unreadable ({exc})") from None
    return EncodedRoster(
        refs=arrays["refs"], status=arrays["status"], ended=arrays["ended"], clinician=arrays["clinician"],
        tokens={k[2:]: v for k, v in arrays.items() if k.startswith("t_")},
        filters={k[2:]: v for k, v in arrays.items() if k.startswith("f_")},
        header=sealed.header,
    )


def roster_info(path: Path) -> dict[str, Any]:
    """The header only: counts, version, fingerprint, created date. Needs no key."""
    header, _, _ = read_header(path, KIND)
    return header
