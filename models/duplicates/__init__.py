"""Finding the same person twice: scoring (``matching``), where people are read from
(``people``), and the review of pairs by coordinators (``review``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlmodel import Session

from models.duplicates.matching import (
    LIKELY,
    POSSIBLE,
    NameRecord,
    candidate_pairs,
    find_matches,
    score_pair,
)
from models.duplicates.people import organisation_records, record_of

__all__ = [
    "LIKELY",
    "POSSIBLE",
    "NameRecord",
    "candidate_pairs",
    "find_matches",
    "possible_duplicates_of_rows",
    "score_pair",
]


def possible_duplicates_of_rows(
    session: Session,
    *,
    organisation_id: int,
    rows: Sequence[tuple[int, Mapping[str, object]]],
    threshold: float = POSSIBLE,
) -> dict[int, list[str]]:
    """For rows about to be imported (line, values): the organisation's cases (by code) and
    the other lines of the file that may be the same person, best first."""
    existing = organisation_records(session, organisation_id=organisation_id)
    incoming = [record_of(("line", line), values) for line, values in rows]
    records = existing + incoming
    scored: dict[int, list[tuple[float, str]]] = {}
    for i, j in candidate_pairs(records):
        left, right = records[i], records[j]
        if left.key[0] != "line" and right.key[0] != "line":  # type: ignore[index]
            continue  # two cases already in the database: the review's business
        score, _reasons = score_pair(left, right)
        if score < threshold:
            continue
        for this, other in ((left, right), (right, left)):
            if this.key[0] == "line":  # type: ignore[index]
                label = (
                    f"line {other.key[1]}"  # type: ignore[index]
                    if other.key[0] == "line"  # type: ignore[index]
                    else str(other.key[1])  # type: ignore[index]
                )
                scored.setdefault(this.key[1], []).append((score, label))  # type: ignore[index]
    return {
        line: [label for _s, label in sorted(found, reverse=True)] for line, found in scored.items()
    }
