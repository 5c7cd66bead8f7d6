"""Links between pages; a case is always addressed by its code, never by a name."""

from __future__ import annotations

from urllib.parse import urlencode

from models.case_codes import CODE_DISPLAY

CASE_PAGE = "/case"


def case_url(code: str) -> str:
    """The shareable address of a case: ``/case?code=WP-24-7KQ3MX``."""
    return f"{CASE_PAGE}?{urlencode({'code': code})}"


# For st.column_config.LinkColumn: show the code itself as the link text.
CASE_LINK_DISPLAY = rf"code=({CODE_DISPLAY})"
