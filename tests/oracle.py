"""The independent computation of every dashboard number.

``Rows`` reads every table the dashboards count with plain SELECTs; its methods and the
functions below recompute each number in plain Python, without SQL (risk levels included), so
that the dashboard queries and pages are compared with something they do not share.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from models.access import Actor
from models.enums import Role, Stage
from models.risk import RiskLevel, rules
from models.tables import Case, City, Detention, LegalStatus, StageChange, User

TODAY = dt.date(2026, 11, 23)  # the day the seeded world is seen on
URGENT = (RiskLevel.HIGH, RiskLevel.CRITICAL)


def as_utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclass
class Rows:
    """Every row the dashboards count, read with plain SELECTs."""

    cases: list
    legal: dict
    detentions: dict
    changes: dict
    cities: dict
    users: dict

    @classmethod
    def read(cls, session: Session) -> Rows:
        detentions: dict = defaultdict(list)
        for row in session.execute(sa.select(Detention.__table__)):
            detentions[row.case_id].append(row)
        changes: dict = defaultdict(list)
        for row in session.execute(sa.select(StageChange.__table__)):
            changes[row.case_id].append(row)
        return cls(
            cases=list(session.execute(sa.select(Case.__table__))),
            legal={r.case_id: r for r in session.execute(sa.select(LegalStatus.__table__))},
            detentions=detentions,
            changes=changes,
            cities={r.id: r for r in session.execute(sa.select(City.__table__))},
            users={r.id: r for r in session.execute(sa.select(User.__table__))},
        )

    def visible(self, actor: Actor) -> list:
        if actor.role == Role.ADMIN:
            return self.cases
        if actor.role == Role.COORDINATOR:
            return [c for c in self.cases if c.organisation_id == actor.organisation_id]
        if actor.role == Role.CASEWORKER:
            return [c for c in self.cases if c.caseworker_id == actor.id]
        return []

    def open_cases(self, actor: Actor) -> list:
        return [c for c in self.visible(actor) if c.status == "open"]

    def facts(self, case, today: dt.date = TODAY) -> dict[str, bool]:
        legal = self.legal.get(case.id)
        expires = legal.permit_expires_on if legal else None
        wanted = bool(legal and legal.wanted)
        extradition = legal.extradition_status if legal else None
        held = self.detentions.get(case.id, [])
        expired = expires is not None and expires < today
        expiring = expires is not None and today <= expires <= today + dt.timedelta(days=30)
        return {
            "detained": any(
                d.detained_on <= today and (d.released_on is None or d.released_on > today)
                for d in held
            ),
            "extradition_proceedings": extradition in ("proceedings", "ordered"),
            "wanted_without_permit": wanted
            and (expired or legal is None or legal.permit_type in (None, "none")),
            "wanted_permit_expiring": wanted and expiring,
            "detained_recently": any(
                today - dt.timedelta(days=90) <= d.detained_on <= today for d in held
            ),
            "extradition_requested": extradition == "requested",
            "permit_expired": expired,
            "permit_expiring": expiring,
            "wanted": wanted,
            "stale": as_utc(case.updated_at)
            < dt.datetime.combine(today - dt.timedelta(days=14), dt.time(), dt.UTC),
            "deserter_dual_criminality": case.category == "deserter"
            and wanted
            and bool(legal and legal.dual_criminality),
        }

    def level(self, case, today: dt.date = TODAY) -> RiskLevel | None:
        if case.status != "open":
            return None
        f = self.facts(case, today)
        if f["detained"] or f["extradition_proceedings"] or f["wanted_without_permit"]:
            level = RiskLevel.CRITICAL
        elif f["wanted_permit_expiring"] or f["detained_recently"] or f["extradition_requested"]:
            level = RiskLevel.HIGH
        elif f["permit_expired"] or f["permit_expiring"] or f["wanted"] or f["stale"]:
            level = RiskLevel.MEDIUM
        else:
            level = RiskLevel.LOW
        if f["deserter_dual_criminality"] and level < RiskLevel.HIGH:
            level = RiskLevel(level + 1)
        return level

    def urgency(self, case) -> int:
        return int(self.level(case)) * 10 + (
            5 if self.facts(case)["deserter_dual_criminality"] else 0
        )

    def most_urgent_first(self, cases: list) -> list:
        """``cases`` in the order of the urgent and triage lists."""

        def key(case):  # noqa: ANN001, ANN202
            expires = self.legal[case.id].permit_expires_on
            return (-self.urgency(case), expires is None, expires or TODAY, case.code)

        return sorted(cases, key=key)

    def reasons(self, case, today: dt.date = TODAY) -> tuple[str, ...]:
        f = self.facts(case, today)
        return tuple(rule.reason for rule in rules(today) if f[rule.key])

    def furthest(self, case) -> Stage:
        positions = [Stage(c.to_stage).position for c in self.changes.get(case.id, [])]
        return list(Stage)[max([Stage(case.stage).position, *positions])]


def expected_pipeline(rows: Rows, cases: list) -> tuple[dict, dict, Counter]:
    """The pipeline of ``cases``: how many reached each stage, the median days spent in
    each stage, and how many left by each outcome."""
    funnel = dict.fromkeys(Stage, 0)
    for case in cases:
        for stage in list(Stage)[: rows.furthest(case).position + 1]:
            funnel[stage] += 1
    stays: dict = defaultdict(list)
    for case in cases:
        history = rows.changes.get(case.id, [])
        for entering in history:
            for leaving in history:
                if (
                    leaving.from_stage == entering.to_stage
                    and leaving.changed_at >= entering.changed_at
                ):
                    seconds = as_utc(leaving.changed_at) - as_utc(entering.changed_at)
                    stays[Stage(entering.to_stage)].append(int(seconds.total_seconds() // 86400))
    medians = {stage: statistics.median(stays[stage]) if stays[stage] else None for stage in Stage}
    exits = Counter(c.outcome for c in cases if c.status == "closed")
    return funnel, medians, exits
