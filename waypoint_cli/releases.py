"""What ``waypoint release ...`` does; the parser in ``main.py`` only calls these.

The command line acts as the operator of the database (``actor=None`` in the audit trail).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from models.database import session_scope
from models.releases.downloads import ReleaseFormat, record_release_export
from models.releases.privacy import Budget
from models.releases.service import (
    ReleaseError,
    ledger,
    parse_quarter,
    publish_quarter,
    published_release,
)
from reports.releases.files import export_release


def publish_command(engine: sa.Engine, *, quarter: str, today: dt.date) -> str:
    """Publish the draft of ``quarter`` (or draft and publish it); the line to print."""
    wanted = parse_quarter(quarter)
    budget = Budget.configured()
    with session_scope(engine) as session:
        release = publish_quarter(session, actor=None, quarter=wanted, today=today, budget=budget)
        return (
            f"Published the release for {wanted} (release {release.id}, "
            f"epsilon {release.epsilon:g})"
        )


def list_command(engine: sa.Engine) -> list[str]:
    """One line per release ever drafted, the budget's record."""
    with Session(engine) as session:
        lines = ledger(session, actor=None)
    if not lines:
        return ["No releases yet."]
    out = [f"{'quarter':8} {'status':10} {'epsilon':>7}  prepared          published"]
    for line in lines:
        published = line.published_at.strftime("%Y-%m-%d %H:%M") if line.published_at else "-"
        out.append(
            f"{line.quarter:8} {line.status.value:10} {line.epsilon:7g}  "
            f"{line.prepared_at:%Y-%m-%d %H:%M}  {published}"
        )
    return out


def export_command(
    engine: sa.Engine, *, quarter: str, export: str, output: Path, language: str = "en"
) -> str:
    """Write the published release of ``quarter`` to ``output``; audited."""
    wanted = parse_quarter(quarter)
    try:
        form = ReleaseFormat(export)
    except ValueError as error:
        raise ReleaseError(f"unknown format {export!r}") from error
    with session_scope(engine) as session:
        view = published_release(session, actor=None, quarter=wanted)
        if view is None:
            raise ReleaseError(f"No published release for {wanted}")
        data = export_release(view, form, language=language)
        output.write_bytes(data)
        record_release_export(session, actor=None, view=view, export=form)
    return f"Wrote the {wanted} release as {form.value} to {output} ({len(data):,} bytes)"
