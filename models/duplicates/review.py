"""The coordinator's review of possible duplicates.

Within the organisation a pair shows both case codes; "same person" merges them (the
survivor stays, the other case is closed with the outcome ``duplicate``, linked to the
survivor by the decision, its history kept) and "different" is remembered so that the pair
never comes back. A pair with a case of another organisation shows only "possible match at
<organisation>", that case's code and the score: no name, no fact of the other case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.access import Action, Actor, require, visible_cases
from models.audit import record
from models.duplicates import queue
from models.duplicates.scan import CasePair, scan
from models.duplicates.setting import cross_org_matching
from models.enums import AuditAction, CaseStatus, Outcome
from models.errors import ValidationError
from models.i18n import N_
from models.tables import (
    Case,
    DuplicateCandidate,
    DuplicateDecision,
    Organisation,
    table_of,
    utcnow,
)


@dataclass(frozen=True)
class ReviewPair:
    """A pair as the reviewing coordinator may see it."""

    own_case_id: int
    own_code: str
    other_case_id: int
    other_code: str
    score: float
    reasons: tuple[str, ...]
    other_organisation: str | None  # None: the coordinator's own organisation
    other_organisation_id: int | None = None  # set for another organisation's case


def pairs_to_review(
    session: Session, *, actor: Actor, across_organisations: bool | None = None
) -> list[ReviewPair]:
    """Undecided likely pairs touching the actor's organisation, best first; pairs with
    another organisation's case only when ``across_organisations`` (by default: when the
    network setting of cross-organisation matching is on)."""
    require(actor, Action.EDIT_CASE)
    require(actor, Action.ASSIGN_CASE)  # coordinators and admins review, not caseworkers
    if actor.organisation_id is None:
        return []
    if across_organisations is None:
        across_organisations = cross_org_matching(session)
    names: dict[int | None, str] = dict(
        session.execute(sa.select(col(Organisation.id), col(Organisation.name))).all()
    )
    found = []
    for pair in scan(
        session,
        organisation_id=actor.organisation_id,
        include_other_organisations=across_organisations,
    ):
        found.append(_as_seen_by(pair, actor.organisation_id, names))
    return found


def _as_seen_by(pair: CasePair, organisation_id: int, names: dict[int | None, str]) -> ReviewPair:
    mine_first = pair.organisation_a == organisation_id
    own = (pair.case_id_a, pair.code_a) if mine_first else (pair.case_id_b, pair.code_b)
    other = (pair.case_id_b, pair.code_b) if mine_first else (pair.case_id_a, pair.code_a)
    other_org = pair.organisation_b if mine_first else pair.organisation_a
    return ReviewPair(
        own[0],
        own[1],
        other[0],
        other[1],
        pair.score,
        pair.reasons,
        None if other_org == organisation_id else names.get(other_org, "?"),
        None if other_org == organisation_id else other_org,
    )


@dataclass(frozen=True)
class ReviewOverview:
    """What the duplicates page shows: the best stored pairs to review (at most ``LISTED``)
    and how many there are in all, whether cross-organisation matching is on for the
    network, and when the organisation's pairs were last searched for (``None``: never)."""

    pairs: list[ReviewPair]
    total: int
    cross_org_matching: bool
    searched_at: dt.datetime | None


# Pairs listed at once, best first: a coordinator decides from the top, and each decision
# brings the next one up. (The demo network of 100,000 holds 50,000 namesake pairs.)
LISTED = 200


def review_overview(session: Session, *, actor: Actor, limit: int = LISTED) -> ReviewOverview:
    """The actor's pairs to review from the stored queue (``queue``), as ``pairs_to_review``
    would find them at the last search: undecided pairs touching the actor's organisation,
    both cases still open, the own case one the actor may see (so an organisation move
    leaves the old organisation's pairs behind), another organisation's case only when the
    network setting allows it. The best ``limit`` (the newest cases first among equal
    scores), and the count of all of them. Indexed reads, not a search."""
    require(actor, Action.EDIT_CASE)
    require(actor, Action.ASSIGN_CASE)
    across = cross_org_matching(session)
    if actor.organisation_id is None:
        return ReviewOverview([], 0, across, None)
    names: dict[int | None, str] = dict(
        session.execute(sa.select(col(Organisation.id), col(Organisation.name))).all()
    )
    organisation_id = actor.organisation_id
    pair = table_of(DuplicateCandidate)
    found = []
    total = 0
    for own_first in (True, False):
        query = _stored_side(actor, own_first=own_first, across=across)
        total += session.execute(query.with_only_columns(sa.func.count())).scalar_one()
        # Best first, then the newest cases: the score index, read backwards, and no sort.
        best = query.order_by(
            pair.c.score.desc(), pair.c.case_a_id.desc(), pair.c.case_b_id.desc()
        ).limit(limit)
        for own_id, own_code, other_id, other_code, other_org, score, reasons in session.execute(
            best
        ):
            elsewhere = other_org != organisation_id
            found.append(
                ReviewPair(
                    own_id,
                    own_code,
                    other_id,
                    other_code,
                    score,
                    queue.reasons_of(reasons),
                    names.get(other_org, "?") if elsewhere else None,
                    other_org if elsewhere else None,
                )
            )
    found.sort(key=lambda p: (p.score, *sorted((p.own_case_id, p.other_case_id))), reverse=True)
    return ReviewOverview(
        found[:limit], total, across, queue.last_searched(session, organisation_id=organisation_id)
    )


def _stored_side(actor: Actor, *, own_first: bool, across: bool) -> sa.Select[Any]:
    """The stored pairs whose first (``own_first``) or second case is an open case of the
    actor's organisation that the actor may see, the other case open, the pair undecided. A
    pair within the organisation is read once, from its first case."""
    pair = table_of(DuplicateCandidate)
    other = table_of(Case).alias("other_case")
    own_side, other_side = (pair.c.case_a_id, pair.c.case_b_id)[:: 1 if own_first else -1]
    decided = sa.exists().where(
        col(DuplicateDecision.case_a_id) == pair.c.case_a_id,
        col(DuplicateDecision.case_b_id) == pair.c.case_b_id,
    )
    # The other case of a pair within the organisation must be one the actor may see too.
    other_visible = (
        sa.select(col(Case.id))
        .where(col(Case.id) == other.c.id, visible_cases(actor))
        .correlate_except(Case)
        .exists()
    )
    organisation_id = actor.organisation_id
    query = (
        sa.select(
            col(Case.id),
            col(Case.code),
            other.c.id,
            other.c.code,
            other.c.organisation_id,
            pair.c.score,
            pair.c.reasons,
        )
        .select_from(Case)
        .join(pair, own_side == col(Case.id))
        .join(other, other.c.id == other_side)
        .where(
            col(Case.organisation_id) == organisation_id,
            col(Case.status) == CaseStatus.OPEN,
            visible_cases(actor),
            other.c.status == CaseStatus.OPEN,
            sa.or_(other.c.organisation_id != organisation_id, other_visible),
            ~decided,
        )
    )
    if not own_first:
        query = query.where(other.c.organisation_id != organisation_id)
    if not across:
        query = query.where(other.c.organisation_id == organisation_id)
    return query


def _ordered(a: int, b: int) -> tuple[int, int]:
    if a == b:
        raise ValidationError("pair", N_("Choose two different cases."))
    return (a, b) if a < b else (b, a)


def _own_case(session: Session, actor: Actor, case_id: int) -> Case:
    case = session.exec(select(Case).where(col(Case.id) == case_id, visible_cases(actor))).first()
    if case is None or case.organisation_id != actor.organisation_id:
        raise ValidationError("pair", N_("This pair is not yours to decide."))
    return case


def mark_different(session: Session, *, actor: Actor, own_case_id: int, other_case_id: int) -> None:
    """Remember that the two cases are different people; the pair is never shown again.
    The other case may belong to another organisation (its identity is never read)."""
    require(actor, Action.EDIT_CASE)
    _own_case(session, actor, own_case_id)
    a, b = _ordered(own_case_id, other_case_id)
    if session.get(Case, other_case_id) is None:
        raise ValidationError("pair", N_("This pair is not yours to decide."))
    session.add(
        DuplicateDecision(case_a_id=a, case_b_id=b, same_person=False, decided_by_id=actor.id)
    )
    queue.forget_pair(session, case_a_id=a, case_b_id=b)
    session.flush()
    record(
        session,
        actor=actor,
        action=AuditAction.DUPLICATE_DECISION,
        entity="case_pair",
        entity_id=f"{a}-{b}",
        case_id=own_case_id,
        detail="different",
    )


def merge(
    session: Session, *, actor: Actor, survivor_id: int, duplicate_id: int, today: dt.date
) -> None:
    """Same person, both cases of the actor's organisation: the duplicate is closed with the
    outcome ``duplicate`` and linked to the survivor; both keep their history."""
    require(actor, Action.CLOSE_CASE)
    survivor = _own_case(session, actor, survivor_id)
    duplicate = _own_case(session, actor, duplicate_id)
    a, b = _ordered(survivor_id, duplicate_id)
    if survivor.status != CaseStatus.OPEN or duplicate.status != CaseStatus.OPEN:
        raise ValidationError("pair", N_("Only two open cases can be merged."))
    session.execute(
        sa.update(Case)
        .where(col(Case.id) == duplicate_id)
        .values(
            status=CaseStatus.CLOSED,
            outcome=Outcome.DUPLICATE,
            closed_on=today,
            version=Case.version + 1,
            updated_at=utcnow(),
        )
    )
    session.add(
        DuplicateDecision(
            case_a_id=a,
            case_b_id=b,
            same_person=True,
            survivor_id=survivor_id,
            decided_by_id=actor.id,
        )
    )
    queue.forget_pair(session, case_a_id=a, case_b_id=b)
    session.flush()
    record(
        session,
        actor=actor,
        action=AuditAction.MERGE,
        entity="case",
        entity_id=duplicate_id,
        case_id=duplicate_id,
        fields=("closed_on", "outcome", "status"),
        detail=f"into case {survivor_id}",
    )
    record(
        session,
        actor=actor,
        action=AuditAction.DUPLICATE_DECISION,
        entity="case_pair",
        entity_id=f"{a}-{b}",
        case_id=survivor_id,
        detail="same",
    )
