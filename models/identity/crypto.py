"""Envelope encryption of identities and notes.

Each person has a random 256-bit data key. Their identity (full name, every spelling, birth
year, contact) is sealed with it as one AES-256-GCM message (random 96-bit nonce first), and
so is every note of their case. The data key itself is stored only *wrapped* by the master key(s)
(``MultiFernet``: the first master key wraps, every listed key unwraps), in the key store.
Destroying the wrapped key destroys every copy of the person's ciphertext, wherever it went.

``vault_for(session)`` returns the vault of the session's database, built once from the
settings (see ``keys.py``). ``reset()`` forgets the built vaults (tests, key rotation).
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import TypeVar

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlmodel import Session

from models.identity.blind_index import BlindIndex
from models.identity.keys import VaultConfig, load_vault_config
from models.identity.keystore import KeyStore
from models.settings import load_settings

K = TypeVar("K")


@dataclass(frozen=True)
class Identity:
    """Who a case is about, in clear: only ever built in memory, never stored like this."""

    full_name: str
    name_cyrillic: str | None = None
    name_latin: str | None = None
    other_spellings: str | None = None
    birth_year: int | None = None
    contact: str | None = None

    def spellings(self) -> list[str]:
        """Every spelling of the name, for the blind index."""
        return [
            s
            for s in (self.full_name, self.name_cyrillic, self.name_latin, self.other_spellings)
            if s
        ]


class DataCipher:
    """AES-256-GCM under one data key: ``encrypt`` returns nonce + ciphertext + tag."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def encrypt(self, plain: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plain, None)

    def decrypt(self, sealed: bytes) -> bytes:
        return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], None)


@dataclass(frozen=True)
class DataKey:
    """A person's data key: its id (stored beside the ciphertext), the cipher, its wrapping."""

    key_id: str
    cipher: DataCipher
    wrapped: bytes


NONCE_BYTES = 12


class KeyDestroyed(LookupError):
    """The data key is gone (purged): the ciphertext can no longer be read."""


class KeyMaker:
    """Makes fresh data keys, wrapped by the master keys, with nothing else: no key store, no
    database (what a process that only draws synthetic data needs, e.g. the seeder's)."""

    def __init__(self, master_keys: tuple[bytes, ...]) -> None:
        self.master = MultiFernet([Fernet(key) for key in master_keys])

    def new_key(self) -> DataKey:
        """A fresh data key, wrapped; the caller stores ``wrapped`` in the key store."""
        raw = AESGCM.generate_key(bit_length=256)
        return DataKey(uuid.uuid4().hex, DataCipher(raw), self.master.encrypt(raw))


class Vault:
    """Master keys, blind index and key store of one deployment."""

    def __init__(self, config: VaultConfig) -> None:
        self.config = config
        self.maker = KeyMaker(config.master_keys)
        self.master = self.maker.master
        self.keystore = KeyStore(config.keystore_url)
        self.index = BlindIndex(config.blind_index_key)

    def new_key(self) -> DataKey:
        """A fresh data key, wrapped; the caller stores ``wrapped`` in the key store."""
        return self.maker.new_key()

    def create_key(self) -> DataKey:
        """A fresh data key, already stored in the key store."""
        key = self.new_key()
        self.keystore.put_many([(key.key_id, key.wrapped)])
        return key

    def cipher(self, key_id: str) -> DataCipher:
        """The cipher of the data key ``key_id``; ``KeyDestroyed`` once it was purged."""
        wrapped = self.keystore.get(key_id)
        if wrapped is None:
            raise KeyDestroyed(key_id)
        return DataCipher(self.master.decrypt(wrapped))

    def open_identities(self, people: Iterable[tuple[K, str, bytes]]) -> dict[K, Identity]:
        """The identities of ``people`` (handle, key id, sealed identity), by handle, with a few
        key store reads for any number; a purged person (its key is gone) is left out."""
        rows = list(people)
        wrapped = self.keystore.get_many(key_id for _handle, key_id, _sealed in rows)
        return {
            handle: open_identity(DataCipher(self.master.decrypt(wrapped[key_id])), bytes(sealed))
            for handle, key_id, sealed in rows
            if key_id in wrapped
        }

    def rewrap(self, wrapped: bytes) -> bytes:
        """``wrapped`` unwrapped by any master key and wrapped again by the first one."""
        return self.master.rotate(wrapped)


# The field names in declaration order: what ``asdict`` gives, without its deep copy (the
# values are strings and numbers), which cost more than the encryption when seeding.
_IDENTITY_FIELDS = tuple(f.name for f in fields(Identity))
_JSON = json.JSONEncoder(ensure_ascii=False)  # what json.dumps(..., ensure_ascii=False) uses


def seal_identity(cipher: DataCipher, identity: Identity) -> bytes:
    plain = {name: getattr(identity, name) for name in _IDENTITY_FIELDS}
    return cipher.encrypt(_JSON.encode(plain).encode())


def open_identity(cipher: DataCipher, sealed: bytes) -> Identity:
    return Identity(**json.loads(cipher.decrypt(sealed)))


def seal_text(cipher: DataCipher, text: str) -> bytes:
    return cipher.encrypt(text.encode())


def open_text(cipher: DataCipher, sealed: bytes) -> str:
    return cipher.decrypt(sealed).decode()


_vaults: dict[tuple[str, VaultConfig], Vault] = {}
_lock = threading.Lock()


def vault_for_url(database_url: str) -> Vault:
    """The vault of the case database at ``database_url`` (built once per configuration)."""
    settings = load_settings()
    # Demo keys only for the demo database itself, never for a database named otherwise.
    demo = settings.demo_mode and database_url == settings.database_url
    config = load_vault_config(database_url, demo_mode=demo)
    with _lock:
        found = _vaults.get((database_url, config))
        if found is None:
            found = _vaults[(database_url, config)] = Vault(config)
        return found


def vault_for(session: Session | sa.Connection | sa.Engine) -> Vault:
    """The vault of the database ``session`` (or connection, or engine) is bound to."""
    bind = session.get_bind() if isinstance(session, Session) else session
    engine = bind.engine if isinstance(bind, sa.Connection) else bind
    return vault_for_url(engine.url.render_as_string(hide_password=False))


def reset() -> None:
    """Forget every built vault and close its key store."""
    with _lock:
        for vault in _vaults.values():
            vault.keystore.dispose()
        _vaults.clear()


__all__ = [
    "DataCipher",
    "DataKey",
    "Identity",
    "InvalidToken",
    "KeyDestroyed",
    "KeyMaker",
    "Vault",
    "open_identity",
    "open_text",
    "reset",
    "seal_identity",
    "seal_text",
    "vault_for",
    "vault_for_url",
]
