"""Network-wide (or one organisation's) search for pairs of open cases about the same
person, leaving out pairs a coordinator has already decided.

Candidates come from the blocking tokens of the blind index (``people.blocked_pairs``);
only the people of a candidate pair are decrypted and scored."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from models.duplicates.matching import LIKELY, pairs_in_blocks, score_pair
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
    decided = decided_pairs(session)
    pairs = []
    for one, two in candidates:
        left_key, right_key = records[one].key, records[two].key
        assert isinstance(left_key, CaseKey) and isinstance(right_key, CaseKey)
        if organisation_id is not None and organisation_id not in (
            left_key.organisation_id,
            right_key.organisation_id,
        ):
            continue
        score, reasons = score_pair(records[one], records[two])
        if score < threshold:
            continue
        left, right = sorted((records[one].key, records[two].key), key=_case_id)
        assert isinstance(left, CaseKey) and isinstance(right, CaseKey)
        if (left.case_id, right.case_id) in decided:
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
