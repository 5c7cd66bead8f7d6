"""``waypoint duplicates``: every undecided pair at or above the "likely" threshold, as CSV
(pairs across organisations only when the network setting allows them), or with
``--refresh`` the stored review queue searched again network-wide (``waypoint refresh`` does
that too, daily); and ``waypoint network-setting``."""

from __future__ import annotations

import time

import pandas as pd
import sqlalchemy as sa
from sqlmodel import select

from models.database import session_scope
from models.duplicates.queue import refresh_network
from models.duplicates.scan import scan
from models.duplicates.setting import CROSS_ORG_MATCHING, SETTINGS, is_on, set_setting
from models.tables import Organisation
from reports.files import csv_text

COLUMNS = ("case_code_a", "case_code_b", "score", "reasons")


def duplicates_csv(engine: sa.Engine, *, organisation: str | None) -> tuple[int, str]:
    """Exit code and the CSV text (or the error message)."""
    with session_scope(engine) as session:
        organisation_id = None
        if organisation:
            org = session.exec(
                select(Organisation).where(Organisation.name == organisation.strip())
            ).first()
            if org is None:
                return 2, f"waypoint: no organisation named {organisation!r}\n"
            organisation_id = org.id
        across = is_on(session, CROSS_ORG_MATCHING)
        pairs = scan(session, organisation_id=organisation_id, include_other_organisations=across)
        if not across:
            pairs = [pair for pair in pairs if not pair.across_organisations]
    rows = [[p.code_a, p.code_b, f"{p.score:.2f}", "; ".join(p.reasons)] for p in pairs]
    return 0, csv_text(pd.DataFrame(rows, columns=list(COLUMNS)))


def refresh_queue(engine: sa.Engine) -> str:
    """Search the whole network again and store the likely pairs (one transaction)."""
    started = time.perf_counter()
    with session_scope(engine) as session:
        stored = refresh_network(session)
    elapsed = time.perf_counter() - started
    return f"Duplicate review queue: {stored} likely pairs stored in {elapsed:.1f} s"


def network_setting_command(engine: sa.Engine, *, name: str, value: str | None) -> str:
    """``waypoint network-setting NAME [on|off]``: show the setting, or change it."""
    if name not in SETTINGS:
        raise ValueError(f"no network setting named {name!r}")
    with session_scope(engine) as session:
        if value is not None:
            set_setting(session, name=name, enabled=value == "on", actor=None)
        state = is_on(session, name)
    return f"{name}: {'on' if state else 'off'}"
