"""Stable keyed pseudonyms for identifiers that are personal data.

A card number that is an ID number (mdtrt_cert_type 02, or any id shaped like
a resident ID number) or a phone never leaves the store raw: every file of a
scan folder carries ``ID~`` and 16 hex digits of HMAC-SHA256(key, id) instead.
The key is random, generated once per store and kept with it:

* embedded store: ``<db>.pseudonym-key`` beside the database (mode 600), the
  first scan writes it; copy it with the database;
* Neo4j: the node ``(:RingscanKey {name: 'pseudonym'})``.

Same store, same id → same pseudonym, so tools comparing ring members across
scans (evaluate, nightly) keep working; without the key a pseudonym cannot be
turned back into the id, even by trying every possible ID number.
``ringscan report --reveal-pii`` reads the raw ids from the store and maps the
pseudonyms back.

>>> p = Pseudonymiser(b"k" * 32)
>>> p("A330102000004465"), p("11010519491231002X")
('A330102000004465', 'ID~6baaf2c3cf3a29a4')
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from .pii import is_personal_id

__all__ = ["Pseudonymiser", "store_key", "PREFIX", "KEY_SUFFIX"]

PREFIX = "ID~"
KEY_SUFFIX = ".pseudonym-key"
_HEX = 16


class Pseudonymiser:
    """Replaces identifiers that are personal data by a keyed pseudonym; leaves others as they are."""

    def __init__(self, key: bytes, id_cards: frozenset[str] = frozenset()):
        self._key = key
        self.id_cards = id_cards  # card numbers recorded as ID-card vouchers that do not look like ID numbers
        self.key_id = hashlib.sha256(key).hexdigest()[:8]
        # Each value's replacement, worked out once: a folder's files name the same people and cards
        # over and over (the 470k district's folder: 27k values, a few thousand distinct).
        self._done: dict[str, str] = {}

    def is_personal(self, value: object) -> bool:
        return isinstance(value, str) and (value in self.id_cards or is_personal_id(value))

    def pseudonym(self, value: str) -> str:
        return PREFIX + hmac.new(self._key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:_HEX]

    def __call__(self, value):
        if not isinstance(value, str):
            return value
        done = self._done.get(value)
        if done is None:
            done = self._done[value] = self.pseudonym(value) if self.is_personal(value) else value
        return done


def store_key(backend, *, create: bool = True) -> bytes:
    """The store's pseudonym key, generated on first use unless ``create`` is false (then FileNotFoundError)."""
    if getattr(backend, "name", None) == "neo4j":
        if create:
            frame = backend.query("MERGE (k:RingscanKey {name: 'pseudonym'}) ON CREATE SET k.value = $value "
                                  "RETURN k.value AS value", {"value": secrets.token_hex(32)})
        else:
            frame = backend.query("MATCH (k:RingscanKey {name: 'pseudonym'}) RETURN k.value AS value")
            if not len(frame):
                raise FileNotFoundError("the Neo4j store holds no pseudonym key")
        return bytes.fromhex(str(frame["value"].iloc[0]))
    path = getattr(backend, "path", None)
    if path is None:
        raise ValueError("this store keeps no pseudonym key: ringscan needs the embedded or the Neo4j backend")
    path = Path(str(path) + KEY_SUFFIX)
    if not create and not path.exists():
        raise FileNotFoundError(f"no pseudonym key at {path}")
    return _file_key(path)


def _file_key(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        text = path.read_text(encoding="ascii").strip()
        try:
            return bytes.fromhex(text)
        except ValueError as exc:
            raise ValueError(f"{path} is not a pseudonym key (64 hex digits); restore it from the store's "
                             "backup, or delete it to start new pseudonyms") from exc
    except OSError as exc:
        raise ValueError(f"cannot create the pseudonym key {path} beside the store: {exc}") from exc
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
    return key
