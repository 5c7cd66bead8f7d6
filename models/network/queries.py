"""Read-side queries of the coordination views: inbox, outbox, the weekly review's overdue
referrals, and the flows between organisations (counts only). Every one is scoped here, from
the actor; pages never filter by hand. Rows carry case codes, never a name.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from models import risk
from models.access import Action, Actor, case_scope, permits
from models.enums import Role, Urgency
from models.i18n import Language
from models.identity.store import case_cipher, open_sealed
from models.network.enums import ReferralState, ServiceType
from models.network.scope import open_referral, received_by
from models.network.tables import Referral, ServiceArea, ServiceOffer
from models.tables import Case, City, Organisation, User, city_name, utcnow

OVERDUE_HOURS = 72
REFERRAL_COLUMNS = [
    "id",
    "code",
    "urgent",
    "urgency",
    "service",
    "state",
    "from_organisation",
    "to_organisation",
    "sent_at",
    "answer_by",
    "assignee",
]
URGENT_LEVELS = (int(risk.RiskLevel.HIGH), int(risk.RiskLevel.CRITICAL))
_URGENCY_ORDER = sa.case(
    (col(Referral.urgency) == Urgency.HIGH, 0),
    (col(Referral.urgency) == Urgency.MEDIUM, 1),
    else_=2,
)


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands timestamps back naive; every one is stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _listing(session: Session, where: list[sa.ColumnElement[bool]], today: dt.date) -> pd.DataFrame:
    """Referral rows matching ``where``: urgent cases (high or critical risk) first, then the
    referral's urgency, then oldest first."""
    sender, target = aliased(Organisation), aliased(Organisation)
    level = risk.level_expression(today)
    urgent = sa.case((level.in_(URGENT_LEVELS), True), else_=False)
    statement = (
        risk.with_legal_status(
            sa.select(
                col(Referral.id),
                col(Case.code),
                urgent.label("urgent"),
                col(Referral.urgency),
                col(Referral.service),
                col(Referral.state),
                col(sender.name).label("from_organisation"),
                col(target.name).label("to_organisation"),
                col(Referral.sent_at),
                col(Referral.answer_by),
                col(User.display_name).label("assignee"),
            ).select_from(Case)
        )
        .join(Referral, col(Referral.case_id) == col(Case.id))
        .join(sender, col(sender.id) == col(Referral.from_organisation_id))
        .join(target, col(target.id) == col(Referral.to_organisation_id))
        .outerjoin(User, col(User.id) == col(Referral.assignee_id))
        .where(*where)
        .order_by(urgent.desc(), _URGENCY_ORDER, col(Referral.sent_at), col(Referral.id))
    )
    rows = session.execute(statement).all()
    frame = pd.DataFrame([row._asdict() for row in rows], columns=REFERRAL_COLUMNS)
    frame["urgent"] = frame["urgent"].astype(bool)
    return frame


def inbox(
    session: Session, *, actor: Actor, today: dt.date, now: dt.datetime | None = None
) -> pd.DataFrame:
    """Open referrals (pending or accepted) sent to ``actor``'s side; urgent first."""
    if not permits(actor, Action.READ_CASE):
        return pd.DataFrame(columns=REFERRAL_COLUMNS)
    return _listing(session, [received_by(actor), open_referral(now)], today)


def inbox_count(session: Session, *, actor: Actor, now: dt.datetime | None = None) -> int:
    """How many referrals wait for an answer from ``actor``'s organisation (navigation)."""
    if actor.role is not Role.COORDINATOR:
        return 0
    return int(
        session.execute(
            sa.select(sa.func.count(col(Referral.id))).where(
                received_by(actor),
                open_referral(now),
                col(Referral.state) == ReferralState.PENDING,
            )
        ).scalar_one()
    )


def outbox(session: Session, *, actor: Actor, today: dt.date) -> pd.DataFrame:
    """Every referral of the cases ``actor`` owns, in any state; urgent first."""
    if not permits(actor, Action.REFER_CASE):
        return pd.DataFrame(columns=REFERRAL_COLUMNS)
    return _listing(session, [case_scope(actor)], today)


def case_referrals(session: Session, *, actor: Actor, case_id: int, today: dt.date) -> pd.DataFrame:
    """The referrals of one case: all of them for its owner; the actor's own open ones for
    the receiving side. With their free texts (``TEXT_COLUMNS``), opened with the person's
    key: the reason the sender gave, and the receiver's answer."""
    owner = session.execute(
        sa.select(col(Case.id)).where(col(Case.id) == case_id, case_scope(actor))
    ).first()
    if owner is not None:
        rows = _listing(session, [col(Case.id) == case_id], today)
    else:
        where = [col(Case.id) == case_id, received_by(actor), open_referral()]
        rows = _listing(session, where, today)
    return _with_texts(session, rows, case_id)


# The free texts of a referral, sealed with the person's key, as ``case_referrals`` opens them.
TEXT_COLUMNS = {
    "reason": Referral.sealed_reason,
    "decline_reason": Referral.sealed_decline_reason,
    "service_delivered": Referral.sealed_service_delivered,
}


def _with_texts(session: Session, rows: pd.DataFrame, case_id: int) -> pd.DataFrame:
    """``rows`` (referrals of one case) with their free texts in clear; none once the
    person's identity was purged."""
    ids = [int(i) for i in rows["id"]]
    sealed = {
        row[0]: row[1:]
        for row in session.execute(
            sa.select(col(Referral.id), *(col(c) for c in TEXT_COLUMNS.values())).where(
                col(Referral.id).in_(ids)
            )
        )
    }
    cipher = case_cipher(session, case_id=case_id) if ids else None
    opened = rows.copy()
    for index, name in enumerate(TEXT_COLUMNS):
        opened[name] = [open_sealed(cipher, sealed[i][index]) for i in ids]
    return opened


def overdue_pending(
    session: Session,
    *,
    actor: Actor,
    today: dt.date,
    now: dt.datetime | None = None,
    hours: int = OVERDUE_HOURS,
) -> pd.DataFrame:
    """Referrals still pending more than ``hours`` after they were sent, for the weekly
    review of both organisations: the sender's (own cases) and the receiver's (inbox)."""
    now = now or utcnow()
    if actor.role not in (Role.COORDINATOR, Role.ADMIN):
        return pd.DataFrame(columns=REFERRAL_COLUMNS)
    return _listing(
        session,
        [
            sa.or_(case_scope(actor), received_by(actor)),
            open_referral(now),
            col(Referral.state) == ReferralState.PENDING,
            col(Referral.sent_at) < now - dt.timedelta(hours=hours),
        ],
        today,
    )


# Flows between organisations ------------------------------------------------------------

FLOW_COLUMNS = [
    "from_organisation",
    "to_organisation",
    "sent",
    "pending",
    "accepted",
    "declined",
    "completed",
    "ended_otherwise",
    "acceptance_rate",
    "median_hours_to_answer",
]
CAPACITY_COLUMNS = ["service", "city", "open_places", "taking", "demand"]


@dataclass(frozen=True)
class Flows:
    """Counts only: per pair of organisations, and capacity against demand."""

    pairs: pd.DataFrame
    capacity: pd.DataFrame
    acceptance_rate: float | None
    median_hours_to_answer: float | None
    network_wide: bool


@dataclass
class _Pair:
    """Running counts of one (from, to) pair of organisations."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FLOW_COLUMNS[2:8], 0))
    answers: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    accepted: int = 0


def _flow_condition(actor: Actor) -> sa.ColumnElement[bool] | None:
    if actor.role is Role.ADMIN:
        return sa.true()
    if actor.role is Role.COORDINATOR and actor.organisation_id is not None:
        return sa.or_(
            col(Referral.from_organisation_id) == actor.organisation_id,
            col(Referral.to_organisation_id) == actor.organisation_id,
        )
    return None


def _rate(accepted: int, answered: int) -> float | None:
    return None if answered == 0 else accepted / answered


def _median_hours(pairs: list[tuple[dt.datetime, dt.datetime]]) -> float | None:
    hours = [(_aware(answered) - _aware(sent)).total_seconds() / 3600 for sent, answered in pairs]
    return statistics.median(hours) if hours else None


def flows(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime | None = None,
    language: str = Language.EN,
) -> Flows | None:
    """The flows ``actor`` may see (admins: the whole network; coordinators: those their
    organisation takes part in); ``None`` for other roles. "Answered" is accepted or declined
    (a referral accepted and later completed, revoked or withdrawn counts as accepted). City
    names in ``language``."""
    condition = _flow_condition(actor)
    if condition is None:
        return None
    sender, target = aliased(Organisation), aliased(Organisation)
    rows = session.execute(
        sa.select(
            col(sender.name),
            col(target.name),
            col(Referral.state),
            col(Referral.sent_at),
            col(Referral.answered_at),
        )
        .join(sender, col(sender.id) == col(Referral.from_organisation_id))
        .join(target, col(target.id) == col(Referral.to_organisation_id))
        .where(condition)
    ).all()
    table: dict[tuple[str, str], _Pair] = {}
    answered_all: list[tuple[dt.datetime, dt.datetime]] = []
    accepted_all = 0
    for from_name, to_name, state, sent_at, answered_at in rows:
        entry = table.setdefault((from_name, to_name), _Pair())
        entry.counts["sent"] += 1
        state = ReferralState(state)
        entry.counts[state.value if state.value in entry.counts else "ended_otherwise"] += 1
        if answered_at is not None:
            entry.answers.append((sent_at, answered_at))
            answered_all.append((sent_at, answered_at))
            if state is not ReferralState.DECLINED:
                entry.accepted += 1
                accepted_all += 1
    pairs = pd.DataFrame(
        [
            {
                "from_organisation": pair[0],
                "to_organisation": pair[1],
                **entry.counts,
                "acceptance_rate": _rate(entry.accepted, len(entry.answers)),
                "median_hours_to_answer": _median_hours(entry.answers),
            }
            for pair, entry in sorted(table.items())
        ],
        columns=FLOW_COLUMNS,
    )
    return Flows(
        pairs=pairs,
        capacity=capacity_against_demand(session, actor=actor, now=now, language=language),
        acceptance_rate=_rate(accepted_all, len(answered_all)),
        median_hours_to_answer=_median_hours(answered_all),
        network_wide=actor.role is Role.ADMIN,
    )


def capacity_against_demand(
    session: Session,
    *,
    actor: Actor,
    now: dt.datetime | None = None,
    language: str = Language.EN,
) -> pd.DataFrame:
    """Per service and city (named in ``language``): open places of the services covering
    that city (directly or by its country; ``taking`` counts services taking referrals)
    against demand, the open referrals for cases in that city. A coordinator's demand counts
    only referrals their organisation sent, and those it received with the case facts shared
    (the city is a fact)."""
    city = city_name(language)
    condition = _flow_condition(actor)
    if condition is None:
        return pd.DataFrame(columns=CAPACITY_COLUMNS)
    if actor.role is not Role.ADMIN:
        condition = sa.or_(
            col(Referral.from_organisation_id) == actor.organisation_id,
            sa.and_(
                col(Referral.to_organisation_id) == actor.organisation_id,
                col(Referral.share_facts) == sa.true(),
            ),
        )
    demand = session.execute(
        sa.select(col(Referral.service), city, sa.func.count(col(Referral.id)))
        .join(Case, col(Case.id) == col(Referral.case_id))
        .join(City, col(City.id) == col(Case.city_id))
        .where(condition, open_referral(now))
        .group_by(col(Referral.service), city)
    ).all()
    offers = session.execute(
        sa.select(
            col(ServiceOffer.id),
            col(ServiceOffer.service),
            city,
            col(ServiceOffer.open_places),
            col(ServiceOffer.taking_referrals),
        )
        .join(ServiceArea, col(ServiceArea.offer_id) == col(ServiceOffer.id))
        .join(
            City,
            sa.or_(
                col(City.id) == col(ServiceArea.city_id),
                sa.and_(
                    col(ServiceArea.country).is_not(None),
                    col(City.country) == col(ServiceArea.country),
                ),
            ),
        )
        .join(Organisation, col(Organisation.id) == col(ServiceOffer.organisation_id))
        .where(col(Organisation.active) == sa.true())
        .distinct()
    ).all()
    cells: dict[tuple[ServiceType, str], dict[str, int]] = {}
    for _offer_id, service, city, places, taking in offers:
        cell = cells.setdefault(
            (ServiceType(service), city), {"open_places": 0, "taking": 0, "demand": 0}
        )
        if taking:
            cell["taking"] += 1
            cell["open_places"] += places or 0
    for service, city, count in demand:
        cell = cells.setdefault(
            (ServiceType(service), city), {"open_places": 0, "taking": 0, "demand": 0}
        )
        cell["demand"] += int(count)
    # Only where someone asked: every city of a country-wide service would drown the table.
    rows = [
        {"service": service, "city": city, **cell}
        for (service, city), cell in sorted(cells.items())
        if cell["demand"] > 0
    ]
    return pd.DataFrame(rows, columns=CAPACITY_COLUMNS)
