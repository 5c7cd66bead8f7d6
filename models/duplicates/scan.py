"""Network-wide (or one organisation's) search for pairs of open cases about the same
person, leaving out pairs a coordinator has already decided."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from models.duplicates.matching import LIKELY, find_matches
from models.duplicates.people import open_case_records
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
    rows = session.execute(sa.select(DuplicateDecision.case_a_id, DuplicateDecision.case_b_id))
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
    records = open_case_records(session, condition=condition)
    decided = decided_pairs(session)
    pairs = []
    for match in find_matches(records, threshold=threshold):
        left, right = sorted((match.left, match.right), key=lambda k: k[2])  # type: ignore[index]
        if (left[2], right[2]) in decided:  # type: ignore[index]
            continue
        if organisation_id is not None and organisation_id not in (left[3], right[3]):  # type: ignore[index]
            continue
        pairs.append(
            CasePair(
                left[2],
                left[1],
                left[3],
                right[2],
                right[1],
                right[3],  # type: ignore[index]
                match.score,
                match.reasons,
            )
        )
    return pairs
