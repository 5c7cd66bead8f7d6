"""Network-wide (or one organisation's) search for pairs of open cases about the same
person, leaving out pairs a coordinator has already decided.

Candidates come from the blocking tokens of the blind index (``people.blocked_pairs``);
only the people of a candidate pair are decrypted and scored."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from models.duplicates.matching import (
    LIKELY,
    NameRecord,
    pairs_in_blocks,
    score_pair,
    years_apart,
)
from models.duplicates.people import CaseKey, blocks, open_records
from models.tables import Case, DuplicateDecision


@dataclass(frozen=True)
class CasePair:
    """Two open cases that may be the same person; ``a`` has the smaller case id."""

    case_id_a: int
    code_a: str
    organisation_a: int
    case_id_b: int
    code_b: str
    organisation_b: int
    score: float
    reasons: tuple[str, ...]

    @property
    def across_organisations(self) -> bool:
        return self.organisation_a != self.organisation_b


def decided_pairs(session: Session) -> set[tuple[int, int]]:
    rows = session.execute(
        sa.select(col(DuplicateDecision.case_a_id), col(DuplicateDecision.case_b_id))
    )
    return {(a, b) for a, b in rows}


def scan(
    session: Session,
    *,
    organisation_id: int | None = None,
    include_other_organisations: bool = True,
    threshold: float = LIKELY,
) -> list[CasePair]:
    """Undecided pairs scoring ``threshold`` or more. With ``organisation_id``, only pairs
    where at least one case is that organisation's (the other may be elsewhere when
    ``include_other_organisations``). Best first."""
    if organisation_id is None or include_other_organisations:
        condition: sa.ColumnElement[bool] = sa.true()
    else:
        condition = col(Case.organisation_id) == organisation_id
    found = blocks(session, condition=condition, touching=organisation_id)
    records = open_records(session, {person for block in found for person in block})
    # Pairs born years apart are never formed: most of a big block, and never a pair.
    born = {person: record.birth_year or None for person, record in records.items()}
    candidates = pairs_in_blocks(([p for p in block if p in records] for block in found), born)
    return _scored(
        session,
        records,
        candidates,
        threshold,
        lambda left, right: organisation_id in (None, left.organisation_id, right.organisation_id),
    )


def scan_cases(
    session: Session, *, case_ids: Collection[int], threshold: float = LIKELY
) -> list[CasePair]:
    """The pairs of ``scan()`` (network-wide) that hold one of ``case_ids``, found from
    those cases' blocks only: what a new or renamed case adds to the review queue."""
    found = blocks(session, condition=sa.true(), of_cases=case_ids)
    records = open_records(session, {person for block in found for person in block})
    cases = set(case_ids)
    wanted = {
        person
        for person, record in records.items()
        if isinstance(record.key, CaseKey) and record.key.case_id in cases
    }
    candidates: set[tuple[int, int]] = set()
    for block in found:
        # Only the pairs with one of the cases: a block of 2,000 holds 2 million others.
        for one in wanted.intersection(block):
            for other in block:
                if other != one and other in records:
                    if not years_apart(records[one], records[other]):
                        candidates.add((min(one, other), max(one, other)))
    return _scored(session, records, candidates, threshold, lambda _left, _right: True)


def _scored(
    session: Session,
    records: dict[int, NameRecord],
    candidates: set[tuple[int, int]],
    threshold: float,
    keep: Callable[[CaseKey, CaseKey], bool],
) -> list[CasePair]:
    """The ``candidates`` (pairs of person ids) that ``keep`` keeps, score ``threshold`` or
    more and nobody has decided, best first."""
    decided = decided_pairs(session)
    pairs = []
    for one, two in candidates:
        left, right = sorted((records[one].key, records[two].key), key=_case_id)
        assert isinstance(left, CaseKey) and isinstance(right, CaseKey)
        if not keep(left, right):
            continue
        score, reasons = score_pair(records[one], records[two])
        if score < threshold or (left.case_id, right.case_id) in decided:
            continue
        pairs.append(
            CasePair(
                left.case_id,
                left.code,
                left.organisation_id,
                right.case_id,
                right.code,
                right.organisation_id,
                score,
                tuple(reasons),
            )
        )
    return sorted(pairs, key=lambda p: (-p.score, p.case_id_a, p.case_id_b))


def _case_id(key: object) -> int:
    assert isinstance(key, CaseKey)
    return key.case_id
