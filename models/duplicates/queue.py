"""The stored review queue: the likely pairs nobody has decided, kept in
``duplicate_candidate`` so that the coordinator's page reads them (an indexed read) instead
of searching the network (seconds at 100,000 people) on every visit.

``scan`` stays the definition of the pairs; the queue holds what it found, and is kept
current by:

- ``refresh_network``: the whole network, in one transaction (``waypoint refresh``, daily,
  and ``waypoint duplicates --refresh``);
- ``look_again``: one organisation's pairs, when its coordinator asks;
- ``requeue_cases``: a new case's pairs at intake and import, and those of a case whose
  identity an import changed. A renamed person's old pairs are dropped and their pairs
  searched again in the same transaction: a coordinator wants the pairs of the name the
  case has now, and a pair that only an old spelling made is no longer a lead.

What a coordinator sees of it (decided, closed and out-of-scope pairs left out, the network
setting applied) is read in ``review.review_overview``. No identity is stored here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlmodel import Session, col

from models.access import Action, Actor, require
from models.duplicates.people import CHUNK
from models.duplicates.scan import CasePair, scan, scan_cases
from models.tables import Case, DuplicateCandidate, DuplicateSearch, Organisation, utcnow

REASON_SEPARATOR = "|"


def refresh_network(session: Session) -> int:
    """Replace the stored pairs with every undecided pair ``scan()`` finds now, network-wide
    (across organisations too: the network setting decides what a coordinator is shown,
    not what is stored), and mark every organisation searched. Pairs stored by an intake
    while the search ran are kept. Returns how many pairs are stored. The caller commits."""
    started = utcnow()
    pairs = scan(session)
    session.execute(sa.delete(DuplicateCandidate).where(col(DuplicateCandidate.found_at) < started))
    kept = set(
        session.execute(
            sa.select(col(DuplicateCandidate.case_a_id), col(DuplicateCandidate.case_b_id))
        ).tuples()
    )
    _insert(session, [p for p in pairs if (p.case_id_a, p.case_id_b) not in kept], found_at=started)
    session.execute(sa.delete(DuplicateSearch))
    organisations = session.execute(sa.select(col(Organisation.id))).scalars().all()
    session.execute(
        sa.insert(DuplicateSearch),
        [{"organisation_id": org, "searched_at": started} for org in organisations],
    )
    session.flush()
    return int(session.scalar(sa.select(sa.func.count()).select_from(DuplicateCandidate)) or 0)


def look_again(session: Session, *, actor: Actor) -> int:
    """Search the actor's organisation again (its pairs with other organisations too) and
    store the result in place of the stored pairs touching the organisation. Coordinators
    and admins only. Returns how many pairs touch the organisation now."""
    require(actor, Action.EDIT_CASE)
    require(actor, Action.ASSIGN_CASE)
    organisation_id = actor.organisation_id
    if organisation_id is None:
        return 0
    started = utcnow()
    pairs = scan(session, organisation_id=organisation_id)
    theirs = sa.select(col(Case.id)).where(col(Case.organisation_id) == organisation_id)
    session.execute(
        sa.delete(DuplicateCandidate).where(
            sa.or_(
                col(DuplicateCandidate.case_a_id).in_(theirs),
                col(DuplicateCandidate.case_b_id).in_(theirs),
            )
        )
    )
    _insert(session, pairs, found_at=started)
    searched = session.get(DuplicateSearch, organisation_id)
    if searched is None:
        session.add(DuplicateSearch(organisation_id=organisation_id, searched_at=started))
    else:
        searched.searched_at = started
        session.add(searched)
    session.flush()
    return len(pairs)


def requeue_cases(session: Session, *, case_ids: Collection[int]) -> int:
    """Replace the stored pairs of ``case_ids`` (new cases, or cases whose person's names or
    birth year changed) with their pairs as ``scan()`` would find them now. Returns how
    many pairs were stored. The caller commits."""
    wanted = sorted(set(case_ids))
    if not wanted:
        return 0
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        session.execute(
            sa.delete(DuplicateCandidate).where(
                sa.or_(
                    col(DuplicateCandidate.case_a_id).in_(chunk),
                    col(DuplicateCandidate.case_b_id).in_(chunk),
                )
            )
        )
    pairs = scan_cases(session, case_ids=wanted)
    _insert(session, pairs, found_at=utcnow())
    session.flush()
    return len(pairs)


def forget_pair(session: Session, *, case_a_id: int, case_b_id: int) -> None:
    """Take a decided pair out of the queue (the review leaves decided pairs out anyway)."""
    session.execute(
        sa.delete(DuplicateCandidate).where(
            col(DuplicateCandidate.case_a_id) == case_a_id,
            col(DuplicateCandidate.case_b_id) == case_b_id,
        )
    )


def last_searched(session: Session, *, organisation_id: int) -> dt.datetime | None:
    """When the organisation's pairs were last searched for (``None``: never)."""
    found = session.get(DuplicateSearch, organisation_id)
    return found.searched_at if found else None


def reasons_of(stored: str) -> tuple[str, ...]:
    """The reason keys of a stored pair."""
    return tuple(r for r in stored.split(REASON_SEPARATOR) if r)


def _insert(session: Session, pairs: Sequence[CasePair], *, found_at: dt.datetime) -> None:
    rows = [
        {
            "case_a_id": pair.case_id_a,
            "case_b_id": pair.case_id_b,
            "score": pair.score,
            "reasons": REASON_SEPARATOR.join(pair.reasons),
            "found_at": found_at,
        }
        for pair in pairs
    ]
    for start in range(0, len(rows), 5000):
        session.execute(sa.insert(DuplicateCandidate), rows[start : start + 5000])
