"""Waypoint's settings, read from the environment and ``.streamlit/secrets.toml``.

Demo mode is the state of a machine where nobody configured a database: the app then creates
and seeds ``var/waypoint.db`` and may use placeholder secrets. Anywhere else a missing or
placeholder secret stops the app with a message that says what to set.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEMO_DATABASE_PATH = PROJECT_DIR / "var" / "waypoint.db"
SECRETS_PATH = PROJECT_DIR / ".streamlit" / "secrets.toml"

DEMO_PASSWORD_DEFAULT = "waypoint-demo"
DEMO_COOKIE_KEY = "demo-cookie-key-not-secret"
PLACEHOLDERS = {"", "changeme", "change-me", "secret", "placeholder", DEMO_COOKIE_KEY}
MIN_SECRET_LENGTH = 32

IDLE_TIMEOUT = dt.timedelta(minutes=30)
LOCKOUT_THRESHOLD = 5
LOCKOUT_DURATION = dt.timedelta(minutes=15)
# After the n-th failed sign-in in a row, the next attempt waits 2^(n-1) seconds (at most the
# maximum); an attempt made earlier is refused without checking the password.
SIGN_IN_DELAY_MAX = dt.timedelta(seconds=60)
# Kazakhstan has kept one time zone, UTC+5, since March 2024: Almaty's is the country's.
TIME_ZONE_DEFAULT = "Asia/Almaty"


class ConfigurationError(RuntimeError):
    """The deployment is misconfigured; the message says what to set."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    demo_mode: bool
    cookie_key: str
    demo_password: str
    today_override: dt.date | None = None
    time_zone: str = TIME_ZONE_DEFAULT

    @property
    def zone(self) -> ZoneInfo:
        """The zone in which people read times; every stored time stays in UTC."""
        return ZoneInfo(self.time_zone)

    def today(self) -> dt.date:
        """The date every dashboard computes against; tests and demos can pin it."""
        return self.today_override or dt.date.today()


def _read_secrets(path: Path) -> dict[str, object]:
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    waypoint = data.get("waypoint", {})
    return {**data, **waypoint} if isinstance(waypoint, dict) else data


def load_settings(
    environ: dict[str, str] | None = None, secrets_path: Path = SECRETS_PATH
) -> Settings:
    """Settings from ``environ`` (default ``os.environ``) and the secrets file.

    Raises ``ConfigurationError`` outside demo mode when a secret is missing or a placeholder.
    """
    env = dict(os.environ if environ is None else environ)
    secrets = _read_secrets(secrets_path)

    def value(name: str) -> str | None:
        found = env.get(name.upper()) or secrets.get(name.lower())
        return str(found) if found is not None else None

    url = value("WAYPOINT_DATABASE_URL")
    demo_mode = url is None
    if url is None:
        url = f"sqlite:///{DEMO_DATABASE_PATH}"

    cookie_key = value("WAYPOINT_COOKIE_KEY")
    if demo_mode:
        cookie_key = cookie_key or DEMO_COOKIE_KEY
    elif cookie_key is None or cookie_key.strip().lower() in PLACEHOLDERS:
        raise ConfigurationError(
            "WAYPOINT_COOKIE_KEY is missing or a placeholder. Set it in the environment or as "
            "cookie_key under [waypoint] in .streamlit/secrets.toml to a random value of at "
            f"least {MIN_SECRET_LENGTH} characters, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )
    elif len(cookie_key) < MIN_SECRET_LENGTH:
        raise ConfigurationError(
            f"WAYPOINT_COOKIE_KEY is shorter than {MIN_SECRET_LENGTH} characters; "
            "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
        )

    time_zone = value("WAYPOINT_TIME_ZONE") or TIME_ZONE_DEFAULT
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigurationError(
            f"WAYPOINT_TIME_ZONE {time_zone!r} is not a time zone; set an IANA name such as "
            f"{TIME_ZONE_DEFAULT}."
        ) from error

    today = value("WAYPOINT_TODAY")
    return Settings(
        database_url=url,
        demo_mode=demo_mode,
        cookie_key=cookie_key,
        demo_password=value("WAYPOINT_DEMO_PASSWORD") or DEMO_PASSWORD_DEFAULT,
        today_override=dt.date.fromisoformat(today) if today else None,
        time_zone=time_zone,
    )
