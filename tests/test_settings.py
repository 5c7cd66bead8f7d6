"""Settings: demo mode, and refusing to run with missing or placeholder secrets."""

from __future__ import annotations

import datetime as dt

import pytest

from models.settings import DEMO_DATABASE_PATH, ConfigurationError, load_settings

STRONG = "k" * 48


def test_no_database_configured_means_demo_mode_with_the_demo_file(tmp_path):
    settings = load_settings({}, secrets_path=tmp_path / "none.toml")
    assert settings.demo_mode
    assert settings.database_url == f"sqlite:///{DEMO_DATABASE_PATH}"
    assert settings.demo_password == "waypoint-demo"


@pytest.mark.parametrize("key", [None, "", "changeme", "secret", "too-short-key"])
def test_configured_deployment_refuses_a_missing_or_placeholder_cookie_key(tmp_path, key):
    env = {"WAYPOINT_DATABASE_URL": "sqlite:///x.db"}
    if key is not None:
        env["WAYPOINT_COOKIE_KEY"] = key
    with pytest.raises(ConfigurationError, match="WAYPOINT_COOKIE_KEY"):
        load_settings(env, secrets_path=tmp_path / "none.toml")


def test_secrets_file_supplies_the_database_and_key(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f'[waypoint]\nwaypoint_database_url = "sqlite:///real.db"\n'
        f'waypoint_cookie_key = "{STRONG}"\n',
        encoding="utf-8",
    )
    settings = load_settings({}, secrets_path=secrets)
    assert not settings.demo_mode
    assert settings.database_url == "sqlite:///real.db"
    assert settings.cookie_key == STRONG


def test_environment_wins_over_the_secrets_file_and_today_can_be_pinned(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('waypoint_cookie_key = "changeme"\n', encoding="utf-8")
    settings = load_settings(
        {
            "WAYPOINT_DATABASE_URL": "sqlite:///x.db",
            "WAYPOINT_COOKIE_KEY": STRONG,
            "WAYPOINT_TODAY": "2026-01-31",
        },
        secrets_path=secrets,
    )
    assert settings.cookie_key == STRONG
    assert settings.today() == dt.date(2026, 1, 31)
