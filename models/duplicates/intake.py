"""The intake check: while a name is typed on the new-case form, the open cases whose person
may be the same. Candidates come from the blocking tokens of the blind index; only they are
decrypted and scored. What the person typing sees of a match:

- a case they may open: its code and the score;
- any other case (another organisation's, when cross-organisation matching is on, or one
  of their own organisation they may not open): "possible match at <organisation>" and
  the score, never a code or a name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from models.access import Action, Actor, require, visible_cases
from models.duplicates.matching import POSSIBLE, score_pair
from models.duplicates.people import CaseKey, open_records, people_sharing_blocks, record_of
from models.duplicates.setting import cross_org_matching
from models.identity.blind_index import blocking_tokens
from models.tables import Case, Organisation

LIMIT = 5


@dataclass(frozen=True)
class IntakeMatch:
    """A possible duplicate of the person being taken in, as the actor may see it."""

    score: float
    code: str | None  # None: a case the actor may not open
    organisation: str  # the organisation the case belongs to
    own_organisation: bool


def intake_matches(
    session: Session,
    *,
    actor: Actor,
    organisation_id: int,
    values: Mapping[str, object],
    threshold: float = POSSIBLE,
) -> list[IntakeMatch]:
    """Possible duplicates (best first, at most ``LIMIT``) of a person about to be taken in
    for ``organisation_id``, given the form's values (``full_name``, ``name_cyrillic``,
    ``name_latin``, ``birth_year``)."""
    require(actor, Action.CREATE_CASE)
    typed = record_of(None, values)
    tokens = blocking_tokens(session, *typed.names) if typed.names else set()
    if not tokens:
        return []
    within = None if cross_org_matching(session) else organisation_id
    people = open_records(
        session, people_sharing_blocks(session, tokens=tokens, organisation_id=within)
    )
    scored = []
    for record in people.values():
        score, _reasons = score_pair(typed, record)
        if score >= threshold:
            assert isinstance(record.key, CaseKey)
            scored.append((score, record.key))
    scored.sort(key=lambda item: (-item[0], item[1].case_id))
    scored = scored[:LIMIT]
    if not scored:
        return []
    ids = [key.case_id for _s, key in scored]
    visible = set(
        session.execute(
            sa.select(col(Case.id)).where(col(Case.id).in_(ids), visible_cases(actor))
        ).scalars()
    )
    names: dict[int | None, str] = dict(
        session.execute(sa.select(col(Organisation.id), col(Organisation.name))).all()
    )
    return [
        IntakeMatch(
            score=score,
            code=key.code if key.case_id in visible else None,
            organisation=names.get(key.organisation_id, "?"),
            own_organisation=key.organisation_id == organisation_id,
        )
        for score, key in scored
    ]
