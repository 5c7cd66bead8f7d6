"""The coordinator's review of possible duplicates.

Within the organisation a pair shows both case codes; "same person" merges them (the
survivor stays, the other case is closed with the outcome ``duplicate``, linked to the
survivor by the decision, its history kept) and "different" is remembered so that the pair
never comes back. A pair with a case of another organisation shows only "possible match at
<organisation>", that case's code and the score: no name, no fact of the other case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col, select

from models.access import Action, Actor, require, visible_cases
from models.audit import record
from models.duplicates.people import CHUNK
from models.duplicates.scan import CasePair, decided_pairs, scan
from models.duplicates.setting import cross_org_matching
from models.enums import AuditAction, CaseStatus, Outcome
from models.errors import ValidationError
from models.i18n import N_
from models.tables import Case, DuplicateDecision, Organisation, utcnow


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
    """What the duplicates page shows: the pairs to review, and whether cross-organisation
    matching is on for the network."""

    pairs: list[ReviewPair]
    cross_org_matching: bool


def review_overview(session: Session, *, actor: Actor) -> ReviewOverview:
    """The actor's pairs to review (as ``pairs_to_review``) and the network setting."""
    across = cross_org_matching(session)
    return ReviewOverview(
        pairs_to_review(session, actor=actor, across_organisations=across),
        across,
    )


def still_to_review(
    session: Session, *, actor: Actor, pairs: Sequence[ReviewPair]
) -> list[ReviewPair]:
    """``pairs`` from an earlier ``review_overview`` as they stand now: without the pairs
    decided since, and without any whose cases are no longer open or whose own case the
    actor may no longer see (after an organisation move, say). A few indexed queries,
    instead of the scan (seconds at 100,000 people)."""
    require(actor, Action.EDIT_CASE)
    require(actor, Action.ASSIGN_CASE)
    decided = decided_pairs(session)
    wanted = sorted({p.own_case_id for p in pairs} | {p.other_case_id for p in pairs})
    still_open: set[int] = set()
    own_visible: set[int] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        rows = session.execute(
            sa.select(col(Case.id), visible_cases(actor)).where(
                col(Case.id).in_(chunk), col(Case.status) == CaseStatus.OPEN
            )
        ).all()
        still_open.update(case_id for case_id, _ in rows)
        own_visible.update(case_id for case_id, visible in rows if visible)
    return [
        p
        for p in pairs
        if tuple(sorted((p.own_case_id, p.other_case_id))) not in decided
        and p.other_case_id in still_open
        and p.own_case_id in own_visible
        and (p.other_organisation_id is not None or p.other_case_id in own_visible)
    ]


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


def matches_for_case(
    session: Session, *, actor: Actor, case_id: int, across_organisations: bool | None = None
) -> list[ReviewPair]:
    """Likely matches of one case (just taken in) among the open cases the review would
    show: the organisation's own, and other organisations' as "possible match at"."""
    return [
        pair
        for pair in pairs_to_review(session, actor=actor, across_organisations=across_organisations)
        if case_id in (pair.own_case_id, pair.other_case_id)
    ]


def matches_for_new_case(session: Session, *, actor: Actor, code: str) -> list[ReviewPair]:
    """``matches_for_case`` by case code, for the intake form; none if out of scope."""
    from models.access import case_visible, permits

    if not permits(actor, Action.ASSIGN_CASE):
        return []
    case = case_visible(session, actor=actor, code=code)
    if case is None or case.id is None:
        return []
    return [
        pair if pair.own_case_id == case.id else _swap(pair)
        for pair in matches_for_case(session, actor=actor, case_id=case.id)
    ]


def _swap(pair: ReviewPair) -> ReviewPair:
    return ReviewPair(
        pair.other_case_id,
        pair.other_code,
        pair.own_case_id,
        pair.own_code,
        pair.score,
        pair.reasons,
        pair.other_organisation,
        pair.other_organisation_id,
    )
