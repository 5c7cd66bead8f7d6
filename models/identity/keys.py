"""Where the identity vault's secrets come from: master keys, the blind-index key, the key store.

- ``WAYPOINT_MASTER_KEYS``: one or more Fernet keys, comma-separated, newest first. The first
  wraps new data keys; the others still unwrap keys wrapped before a rotation.
- ``WAYPOINT_BLIND_INDEX_KEY``: the HMAC key of the name index (32+ characters).
- ``WAYPOINT_KEYSTORE_URL``: the key store's database. Default for a SQLite case database:
  a SQLite file beside it (``waypoint.db`` -> ``waypoint-keys.db``). A PostgreSQL case
  database needs it set (a separate database, with its own credentials).

Each is read from the environment, else from ``.streamlit/secrets.toml`` (top level or under
``[waypoint]``, lower case), never from the case database. In demo mode (no database URL
configured) missing keys are generated into ``var/`` with mode 0600; elsewhere a missing or
placeholder key stops the program with ``ConfigurationError``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet

from models.settings import (
    DEMO_DATABASE_PATH,
    MIN_SECRET_LENGTH,
    PLACEHOLDERS,
    SECRETS_PATH,
    ConfigurationError,
    _read_secrets,
)

DEMO_MASTER_KEY_PATH = DEMO_DATABASE_PATH.parent / "master.key"
DEMO_BLIND_KEY_PATH = DEMO_DATABASE_PATH.parent / "blind-index.key"
GENERATE_HINT = (
    "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
)


@dataclass(frozen=True)
class VaultConfig:
    """The master keys (newest first), the blind-index key and the key store's URL."""

    master_keys: tuple[bytes, ...]
    blind_index_key: bytes
    keystore_url: str


def default_keystore_url(database_url: str) -> str | None:
    """The SQLite key store beside a SQLite case database; ``None`` for other databases."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = Path(url.database)
    return f"sqlite:///{path.with_name(path.stem + '-keys.db')}"


def _demo_secret(path: Path, make: bytes) -> bytes:
    """The secret stored at ``path``, created (mode 0600) on first use."""
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(make)
    return make


def _master_keys(raw: str) -> tuple[bytes, ...]:
    keys = tuple(part.strip().encode() for part in raw.split(",") if part.strip())
    for key in keys:
        try:
            Fernet(key)
        except ValueError as error:
            raise ConfigurationError(
                "WAYPOINT_MASTER_KEYS holds a value that is not a Fernet key (32 bytes, "
                f"url-safe base64). Generate one with {GENERATE_HINT}."
            ) from error
    return keys


def load_vault_config(
    database_url: str,
    *,
    demo_mode: bool,
    environ: dict[str, str] | None = None,
    secrets_path: Path = SECRETS_PATH,
) -> VaultConfig:
    """The vault's keys and key store for ``database_url``; raises ``ConfigurationError``
    outside demo mode when a key is missing or a placeholder."""
    env = dict(os.environ if environ is None else environ)
    secrets = _read_secrets(secrets_path)

    def value(name: str) -> str | None:
        short = name.lower().removeprefix("waypoint_")
        found = env.get(name.upper()) or secrets.get(name.lower()) or secrets.get(short)
        return str(found) if found is not None else None

    raw_master = value("WAYPOINT_MASTER_KEYS")
    if raw_master is None or raw_master.strip().lower() in PLACEHOLDERS:
        if not demo_mode:
            raise ConfigurationError(
                "WAYPOINT_MASTER_KEYS is missing or a placeholder. Set it in the environment "
                "or as master_keys under [waypoint] in .streamlit/secrets.toml to a key made "
                f"with {GENERATE_HINT}. Keep a copy offline: without it no identity can be read."
            )
        raw_master = _demo_secret(DEMO_MASTER_KEY_PATH, Fernet.generate_key()).decode()
    master_keys = _master_keys(raw_master)

    blind = value("WAYPOINT_BLIND_INDEX_KEY")
    if blind is None or blind.strip().lower() in PLACEHOLDERS:
        if not demo_mode:
            raise ConfigurationError(
                "WAYPOINT_BLIND_INDEX_KEY is missing or a placeholder. Set it to a random "
                f"value of at least {MIN_SECRET_LENGTH} characters, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        blind = _demo_secret(DEMO_BLIND_KEY_PATH, os.urandom(32).hex().encode()).decode()
    elif len(blind) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            f"WAYPOINT_BLIND_INDEX_KEY is shorter than {MIN_SECRET_LENGTH} characters."
        )

    keystore_url = value("WAYPOINT_KEYSTORE_URL") or default_keystore_url(database_url)
    if keystore_url is None:
        raise ConfigurationError(
            "WAYPOINT_KEYSTORE_URL is not set. A PostgreSQL case database needs a separate "
            "key store: a PostgreSQL database with its own credentials, or a SQLite file "
            "(sqlite:////path/to/keys.db) on another disk."
        )
    return VaultConfig(
        master_keys=master_keys, blind_index_key=blind.encode(), keystore_url=keystore_url
    )
