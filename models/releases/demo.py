"""Releases for the demo: so that a funder's page is not empty on a fresh demo database."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from models.releases.privacy import Budget
from models.releases.quarters import Quarter, last_closed
from models.releases.service import publish_quarter

DEMO_QUARTERS = 4


def publish_demo_releases(
    session: Session, *, today: dt.date, quarters: int = DEMO_QUARTERS
) -> list[Quarter]:
    """Publish the last ``quarters`` closed quarters at the default ε (skipping none: call it
    on a freshly seeded demo database only). The caller commits."""
    budget = Budget.configured()
    wanted, quarter = [], last_closed(today)
    for _ in range(quarters):
        wanted.append(quarter)
        quarter = quarter.previous()
    for quarter in reversed(wanted):
        publish_quarter(session, actor=None, quarter=quarter, today=today, budget=budget)
    return list(reversed(wanted))
