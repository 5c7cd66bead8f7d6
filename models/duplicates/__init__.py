"""Finding the same person twice: scoring (``matching``), where people are read from
(``people``: blocking through the blind index, then decrypting only the candidates), the
network-wide scan (``scan``), the intake check (``intake``) and the review of pairs by
coordinators (``review``)."""

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
from models.duplicates.people import CaseKey, open_records, people_sharing_blocks, record_of
from models.identity.crypto import vault_for

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
    the other lines of the file that may be the same person, best first. Of the
    organisation's people, only those sharing a blocking token with some row are opened."""
    if not rows:
        return {}
    incoming = [record_of(line, values) for line, values in rows]
    blind = vault_for(session).index
    tokens: set[bytes] = set()
    for record in incoming:
        tokens |= blind.blocking_tokens(*record.names)
    sharing = people_sharing_blocks(session, tokens=tokens, organisation_id=organisation_id)
    records = list(open_records(session, sharing).values()) + incoming
    index = BlockIndex(records)
    found: dict[int, list[str]] = {}
    for position in range(len(records) - len(incoming), len(records)):
        record = records[position]
        scored = []
        for other in index.candidates(position):
            score, _reasons = score_pair(record, records[other])
            if score >= threshold:
                key = records[other].key
                label = key.code if isinstance(key, CaseKey) else f"line {key}"
                scored.append((score, label))
        if scored and isinstance(record.key, int):
            found[record.key] = [label for _s, label in sorted(scored, reverse=True)]
    return found
