"""Screenshots of every page for every role at 1280x800, in the git-ignored screenshots/
folder (screenshots/<role>-<page>.png; whole pages too, in screenshots/full/, when
WAYPOINT_E2E_FULL_SCREENSHOTS is set), so that a person can see what the product shows.
The tour (tests/e2e/conftest.py) takes them; this checks them."""

from __future__ import annotations

import struct

import pytest

from tests.e2e.conftest import DEMO_USERS

pytestmark = pytest.mark.xdist_group("tour")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


@pytest.mark.parametrize("username", ["visitor", *DEMO_USERS])
def test_every_page_of_a_role_is_photographed_at_1280_by_800(tour, username):
    for visit in tour[username]:
        data = visit.screenshot.read_bytes()
        assert png_size(data) == (1280, 800), visit.name
        assert visit.screenshot.name == f"{username}-{visit.name}.png"


@pytest.mark.parametrize("username", ["visitor", *DEMO_USERS])
def test_no_page_of_a_role_shows_an_error(tour, username):
    errors = {visit.name: visit.errors for visit in tour[username] if visit.errors}
    assert errors == {}
