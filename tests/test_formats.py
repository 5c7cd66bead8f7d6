"""Dates, times, numbers and country names as each language writes them (models.i18n)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from models.i18n import (
    country_name,
    format_date,
    format_moment,
    format_month,
    format_number,
    format_percent,
)
from models.settings import ConfigurationError, load_settings

ALMATY = ZoneInfo("Asia/Almaty")


def test_russian_dates_read_day_month_year_and_english_ones_stay_iso():
    day = dt.date(2026, 11, 3)
    assert format_date(day, "ru") == "03.11.2026"
    assert format_date(day, "en") == "2026-11-03"
    assert format_date(dt.datetime(2026, 11, 3, 23, 59), "ru") == "03.11.2026"


@pytest.mark.parametrize("missing", [None, pd.NaT, float("nan")])
def test_a_missing_date_time_or_number_is_a_dash(missing):
    assert format_date(missing, "ru") == "—"
    assert format_moment(missing, "ru", ALMATY) == "—"
    assert format_number(missing, "ru") == "—"


def test_times_are_read_in_the_local_zone_without_seconds_or_utc():
    moment = dt.datetime(2026, 11, 23, 6, 0, 41, 871563, tzinfo=dt.UTC)
    assert format_moment(moment, "ru", ALMATY) == "23.11.2026 11:00"
    assert format_moment(moment, "en", ALMATY) == "2026-11-23 11:00"


def test_a_time_late_in_the_utc_evening_is_the_next_day_in_kazakhstan():
    assert format_moment(dt.datetime(2026, 12, 31, 19, 30, tzinfo=dt.UTC), "ru", ALMATY) == (
        "01.01.2027 00:30"
    )
    assert format_moment(dt.datetime(2026, 12, 31, 18, 59, tzinfo=dt.UTC), "ru", ALMATY) == (
        "31.12.2026 23:59"
    )


def test_naive_stored_times_and_text_are_utc():
    assert format_moment(dt.datetime(2026, 11, 23, 20, 15), "ru", ALMATY) == "24.11.2026 01:15"
    assert format_moment("2026-11-23 20:15:00", "ru", ALMATY) == "24.11.2026 01:15"
    stamp = pd.Timestamp("2026-11-23T20:15:00Z")
    assert format_moment(stamp, "ru", ALMATY) == "24.11.2026 01:15"


def test_russian_numbers_take_a_decimal_comma_and_a_space_between_thousands():
    assert format_number(16.0, "ru") == "16"
    assert format_number(16.04, "ru", decimals=1) == "16,0"
    assert format_number(0.934, "ru", decimals=2) == "0,93"
    assert format_number(-1234.5, "ru", decimals=1) == "-1\xa0234,5"
    assert format_number(-1234.5, "en", decimals=1) == "-1,234.5"
    assert format_number(0, "en", decimals=2) == "0.00"
    assert format_number(16.0, "ru", decimals=1, trailing_zeros=False) == "16"
    assert format_number(32.5, "ru", decimals=1, trailing_zeros=False) == "32,5"


def test_percentages_follow_the_language():
    assert format_percent(0.456, "ru") == "46\xa0%"
    assert format_percent(0.456, "en") == "46%"
    assert format_percent(None, "ru") == "—"


def test_months_are_named_in_the_language():
    assert format_month(dt.date(2025, 1, 15), "ru") == "янв. 2025"
    assert format_month(dt.date(2025, 1, 15), "en") == "Jan 2025"


def test_countries_are_named_from_their_codes():
    assert country_name("DE", "ru") == "Германия"
    assert country_name("lt", "ru") == "Литва"
    assert country_name("KZ", "en") == "Kazakhstan"
    assert country_name("ZZZ", "ru") == "ZZZ"
    assert country_name(None, "ru") == "—"


def test_the_time_zone_is_almaty_unless_set_and_must_exist(tmp_path):
    none = tmp_path / "none.toml"
    assert load_settings({}, secrets_path=none).zone == ALMATY
    chosen = load_settings({"WAYPOINT_TIME_ZONE": "Asia/Aqtobe"}, secrets_path=none)
    assert chosen.zone == ZoneInfo("Asia/Aqtobe")
    for wrong in ("Asia/Nowhere", "../etc/passwd"):
        with pytest.raises(ConfigurationError, match="WAYPOINT_TIME_ZONE"):
            load_settings({"WAYPOINT_TIME_ZONE": wrong}, secrets_path=none)
