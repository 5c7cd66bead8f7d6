"""Finding the same person twice: scoring (``matching``), where people are read from
(``people``), and the review of pairs by coordinators (``review``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlmodel import Session

from models.duplicates.matching import (
    LIKELY,
    POSSIBLE,
    BlockIndex,
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
    if not rows:
        return {}
    incoming = [record_of(line, values) for line, values in rows]
    records = organisation_records(session, organisation_id=organisation_id) + incoming
    index = BlockIndex(records)
    found: dict[int, list[str]] = {}
    for position in range(len(records) - len(incoming), len(records)):
        record = records[position]
        scored = []
        for other in index.candidates(position):
            score, _reasons = score_pair(record, records[other])
            if score >= threshold:
                key = records[other].key
                label = f"line {key}" if isinstance(key, int) else str(key[1])  # type: ignore[index]
                scored.append((score, label))
        if scored:
            found[record.key] = [label for _s, label in sorted(scored, reverse=True)]  # type: ignore[index]
    return found
