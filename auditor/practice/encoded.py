"""The clinician's side of the practice flow: encoded connections and the local index.

`mine.enc` (kind "practice-connections") is what a clinician sends the practice
admin: keyed encodings of every connection (the same Encoder the roster used,
without a vocabulary: the clinician has no roster), one opaque connection ref
per connection, and only what the policy needs to rule on a tie (platform,
relation, the clinician's own account name, how a subscriber joined). No display
name, username, e-mail, phone, URL, external id, date or source path.

Each encoding also carries a random return key (kept in the local index too):
the admin seals the results under it, so only the clinician whose index made
the encodings can open them, not a colleague who holds the same practice key.

Connection refs are HMACs under a random secret that never leaves the
clinician's machine (it lives in the local index), so they are stable from one
quarter to the next (the admin's history can diff runs) yet the admin, who holds
the practice key, cannot test a guess of a handle against them.

The local index (kind "practice-index", sealed, 0600) maps each ref back to the
full Connection record so that `auditor findings import` can show the
clinician's own handles. It keeps the last few encodings so that results of an
earlier encode can still be imported.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import io
import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from connectors.interface import Connection

from ..connection_features import EncodedConnections, encode_connections
from ..encode import Encoder
from ..clock import now_utc
from ..errors import AuditorError
from ..findings import InputSummary, connection_key
from ..history.location import default_store_path
from ..keys import SubKeys
from ..roster import base32
from ..sealed import seal, unseal

KIND = "practice-connections"
VERSION = 1
INDEX_KIND = "practice-index"
INDEX_VERSION = 1
KEEP_ENCODINGS = 8           # earlier encodings whose results can still be imported
ATTRIBUTES = ("platform", "relation", "account", "joined_via")   # what the policy needs; nothing else


def _code(digest: bytes, length: int) -> str:
    return base32(int.from_bytes(digest[:10], "big"), length)


def random_id(prefix: str) -> str:
    return f"{prefix}-{_code(secrets.token_bytes(10), 12)}"


def default_index_path(practice: str) -> Path:
    """Beside the history store, in the clinician's user data folder."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", practice) or "default"
    return default_store_path(practice).parent / f"practice-index-{safe}.enc"


def default_admin_store_path(practice: str) -> Path:
    """The admin's practice history: beside, never inside, the admin's own audit history."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", practice) or "default"
    return default_store_path(practice).parent / f"practice-admin-{safe}.sqlite"


# -- the local index ------------------------------------------------------------------

def record_of(conn: Connection) -> dict[str, Any]:
    data = dataclasses.asdict(conn)
    data["extras"] = [list(pair) for pair in conn.extras]
    return data


def connection_of(record: dict[str, Any]) -> Connection:
    names = {f.name for f in dataclasses.fields(Connection)}
    data = {k: v for k, v in record.items() if k in names}
    data["extras"] = tuple(tuple(pair) for pair in data.get("extras", ()))
    return Connection(**data)


@dataclass(slots=True)
class LocalIndex:
    """Ref -> connection, on the clinician's machine only."""

    index_id: str
    secret: bytes
    encodings: dict[str, dict[str, Any]] = field(default_factory=dict)   # encodings_id -> refs, inputs, when
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)  # ref -> Connection record

    @classmethod
    def new(cls) -> "LocalIndex":
        return cls(index_id=random_id("I"), secret=secrets.token_bytes(32))

    def ref(self, basis: str) -> str:
        return "N-" + _code(hmac.new(self.secret, basis.encode(), hashlib.sha256).digest(), 12)

    def assign(self, connections: Sequence[Connection]) -> list[str]:
        """One ref per connection: stable for the same connection, distinct within one list."""
        seen: dict[str, int] = {}
        refs: list[str] = []
        used: set[str] = set()
        for conn in connections:
            key = connection_key(conn)
            n = seen.get(key, 0)
            seen[key] = n + 1
            ref = self.ref(f"{key}#{n}")
            while ref in used:                       # a 60-bit collision: practically never
                n += 1_000_000
                ref = self.ref(f"{key}#{n}")
            used.add(ref)
            refs.append(ref)
        return refs

    def add_encoding(self, encodings_id: str, refs: list[str], connections: Sequence[Connection],
                     entry: dict[str, Any]) -> None:
        for ref, conn in zip(refs, connections):
            self.connections[ref] = record_of(conn)
        self.encodings[encodings_id] = {**entry, "refs": refs}
        for old in sorted(self.encodings, key=lambda e: self.encodings[e].get("created_at", ""))[:-KEEP_ENCODINGS]:
            del self.encodings[old]
        live = {r for e in self.encodings.values() for r in e["refs"]}
        self.connections = {r: c for r, c in self.connections.items() if r in live}

    def resolve(self, ref: str) -> Connection | None:
        record = self.connections.get(ref)
        return connection_of(record) if record is not None else None


def save_index(path: Path, keys: SubKeys, index: LocalIndex) -> None:
    payload = json.dumps({"index_id": index.index_id, "secret": index.secret.hex(), "encodings": index.encodings,
                          "connections": index.connections}, ensure_ascii=False).encode()
    seal(path, INDEX_KIND, INDEX_VERSION, keys, payload, {"index_id": index.index_id})


def load_index(path: Path, keys: SubKeys, *, create: bool = False) -> LocalIndex:
    path = Path(path)
    if not path.exists():
        if create:
            return LocalIndex.new()
        raise AuditorError(f"{path}: no local index here; import on the machine (and with the --index) "
                           "that ran 'auditor connections encode'")
    sealed = unseal(path, INDEX_KIND, (INDEX_VERSION,), keys)
    try:
        data = json.loads(sealed.payload)
        return LocalIndex(index_id=str(data["index_id"]), secret=bytes.fromhex(data["secret"]),
                          encodings=dict(data["encodings"]), connections=dict(data["connections"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise AuditorError(f"{path}: the local index is unreadable ({type(exc).__name__})") from None


# -- the encoded-connections file -----------------------------------------------------

@dataclass(slots=True)
class PracticeConnections:
    """A clinician's encoded connections as the admin sees them: no plaintext identifiers."""

    encodings_id: str
    index_id: str
    created_at: str
    refs: np.ndarray                      # str, one per connection
    attributes: dict[str, np.ndarray]     # ATTRIBUTES -> str arrays, one per connection
    encoded: EncodedConnections
    inputs: list[dict[str, Any]]          # per platform: records, skipped (no paths)
    return_key: bytes = b""               # the results for these encodings are sealed under it

    @property
    def size(self) -> int:
        return int(self.refs.shape[0])

    def connection(self, i: int) -> Connection:
        """The policy's view of connection i: attributes and the ref, nothing else."""
        ref = str(self.refs[i])
        return Connection(source=ref, id=ref, **{name: str(self.attributes[name][i]) for name in ATTRIBUTES})


def platform_inputs(inputs: list[InputSummary]) -> list[dict[str, Any]]:
    """Counts per platform only: a path can carry the clinician's account name."""
    out: dict[str, dict[str, Any]] = {}
    for item in inputs:
        row = out.setdefault(item.platform, {"platform": item.platform, "files": 0, "records": 0, "skipped": 0})
        row["files"] += 1
        row["records"] += item.records
        row["skipped"] += item.skipped
    return [out[p] for p in sorted(out)]


def encode_for_practice(keys: SubKeys, connections: Sequence[Connection], inputs: list[InputSummary],
                        index: LocalIndex, region: str = "US",
                        ignored: list[tuple[str, str]] | None = None) -> PracticeConnections:
    """Encode every connection (no vocabulary filter) and record the refs in the local index."""
    encoded = encode_connections(Encoder(keys), connections, region)
    refs = index.assign(connections)
    encodings_id = random_id("E")
    created = now_utc()
    return_key = secrets.token_bytes(32)
    index.add_encoding(encodings_id, refs, connections, {
        "created_at": created,
        "return_key": return_key.hex(),
        "inputs": [dataclasses.asdict(i) for i in inputs],
        "ignored": [list(pair) for pair in (ignored or [])],
        "region": region,
    })
    return PracticeConnections(
        encodings_id=encodings_id, index_id=index.index_id, created_at=created,
        refs=np.asarray(refs, dtype=str).reshape(len(refs)),
        attributes={name: np.asarray([getattr(c, name) or "" for c in connections], dtype=str).reshape(len(refs))
                    for name in ATTRIBUTES},
        encoded=encoded, inputs=platform_inputs(inputs), return_key=return_key)


def _pack(obj: Any) -> dict[str, np.ndarray]:
    """Every field of a dataclass of arrays (dicts of arrays, arrays, scalars), generically."""
    arrays: dict[str, np.ndarray] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if value is None:                      # an optional field left out: its default on loading
            continue
        if isinstance(value, dict):
            arrays.update({f"d__{f.name}__{k}": np.asarray(v) for k, v in value.items()})
            arrays[f"k__{f.name}"] = np.asarray(sorted(value), dtype=str)
        elif isinstance(value, (np.ndarray, list, tuple)):
            arrays[f"a__{f.name}"] = np.asarray(value)
        elif isinstance(value, (bool, int, float, str, np.generic)):
            arrays[f"s__{f.name}"] = np.asarray(value)
        else:
            raise AuditorError(f"cannot store field {f.name} of {type(obj).__name__} ({type(value).__name__}): "
                               "this version of the tool cannot write practice encodings")
    return arrays


def _unpack(cls: type, arrays: dict[str, np.ndarray], path: Path) -> Any:
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f"k__{f.name}" in arrays:
            keys = arrays[f"k__{f.name}"].tolist()
            values[f.name] = {k: arrays[f"d__{f.name}__{k}"] for k in keys}
        elif f"a__{f.name}" in arrays:
            values[f.name] = arrays[f"a__{f.name}"]
        elif f"s__{f.name}" in arrays:
            values[f.name] = arrays[f"s__{f.name}"].item()
        elif f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
            continue
        else:
            raise AuditorError(f"{path}: written by another version of the tool (no '{f.name}' encodings); "
                               "ask the clinician to encode again with this version")
    return cls(**values)


def save_connections(path: Path, keys: SubKeys, pc: PracticeConnections) -> dict[str, Any]:
    """Seal mine.enc (0600, atomic); returns the header's counts."""
    arrays = {f"e__{k}": v for k, v in _pack(pc.encoded).items()}
    arrays["refs"] = pc.refs
    arrays.update({f"attr__{k}": v for k, v in pc.attributes.items()})
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    meta = json.dumps({"encodings_id": pc.encodings_id, "index_id": pc.index_id, "created_at": pc.created_at,
                       "inputs": pc.inputs, "return_key": pc.return_key.hex()}).encode()
    payload = len(meta).to_bytes(4, "big") + meta + buffer.getvalue()
    counts = {"connections": pc.size, "platforms": len(pc.inputs)}
    seal(path, KIND, VERSION, keys, payload, {"created_at": pc.created_at, "counts": counts})
    return counts


def load_connections(path: Path, keys: SubKeys) -> PracticeConnections:
    path = Path(path)
    sealed = unseal(path, KIND, (VERSION,), keys)
    payload = sealed.payload
    try:
        size = int.from_bytes(payload[:4], "big")
        meta = json.loads(payload[4:4 + size])
        with np.load(io.BytesIO(payload[4 + size:]), allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        encoded = _unpack(EncodedConnections, {k[3:]: v for k, v in arrays.items() if k.startswith("e__")}, path)
        refs = arrays["refs"]
        attributes = {name: arrays[f"attr__{name}"] for name in ATTRIBUTES}
        pc = PracticeConnections(
            encodings_id=str(meta["encodings_id"]), index_id=str(meta["index_id"]),
            created_at=str(meta.get("created_at", "")), refs=refs, attributes=attributes, encoded=encoded,
            inputs=list(meta.get("inputs", [])), return_key=bytes.fromhex(meta["return_key"]))
    except AuditorError:
        raise
    except (ValueError, KeyError, TypeError, OSError, EOFError) as exc:
        raise AuditorError(f"{path}: the encoded connections are unreadable ({type(exc).__name__})") from None
    if any(v.shape != refs.shape for v in attributes.values()) or int(getattr(encoded, "size", pc.size)) != pc.size:
        raise AuditorError(f"{path}: the encoded connections are inconsistent (damaged file)")
    return pc
