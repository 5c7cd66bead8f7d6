"""Screenshots of every page for every role at 1280x800, in the git-ignored screenshots/
folder (screenshots/<role>-<page>.png; whole pages too, in screenshots/full/, when
WAYPOINT_E2E_FULL_SCREENSHOTS is set), so that a person can see what the product shows.
The tour (tests/e2e/conftest.py) takes them; this checks them."""

from __future__ import annotations

import pytest
from PIL import Image, ImageStat

from tests.e2e.conftest import tour_roles

# The title each page of the tour shows, written out by hand.
PAGE_TITLES = {
    "sign-in": "Sign in to Waypoint",
    "home": "Impact report",  # the funder's home; the other roles start on a case
    "case-with-code": "Case",
    "weekly": "Weekly review",
    "triage": "Risk triage",
    "map": "Caseload map",
    "permits": "Permit expiry",
    "pipeline": "Resettlement pipeline",
    "cases": "Cases",
    "case": "Case",
    "new-case": "New case",
    "import": "Import cases",
    "duplicates": "Possible duplicates",
    "referrals": "Referrals",
    "services": "Services directory",
    "flows": "Referral flows",
    "impact": "Impact report",
    "audit": "Audit trail",
    "admin": "Organisations and accounts",
    "account": "My account",
}


@pytest.mark.parametrize("username", tour_roles())
def test_every_page_of_a_role_is_photographed_at_1280_by_800_with_its_title_in_view(tour, username):
    assert tour[username], f"the tour of {username} opened no page"
    for visit in tour[username]:
        with Image.open(visit.screenshot) as image:
            assert image.size == (1280, 800), visit.name
            main_area = image.convert("L").crop((400, 0, 1280, 800))  # right of the menu
        # Not blank: a flat colour has no spread of shades (0); the emptiest page, the
        # sign-in form, measured 7.6 and pages with charts over 20.
        assert ImageStat.Stat(main_area).stddev[0] > 3, visit.name
        assert visit.headings == [PAGE_TITLES[visit.name]], visit.name


@pytest.mark.parametrize("username", tour_roles())
def test_no_page_of_a_role_shows_an_error(tour, username):
    errors = {visit.name: visit.errors for visit in tour[username] if visit.errors}
    assert errors == {}
