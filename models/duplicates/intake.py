"""The intake check: while a name is typed on the new-case form, the open cases whose person
may be the same. Candidates come from the blocking tokens of the blind index; only they are
decrypted and scored. What the person typing sees of a match:

- a case they may open: its code and the score;
- any other case (another organisation's, when cross-organisation matching is on, or one
  of their own organisation they may not open): "possible match at <organisation>" and
  the score, never a code or a name.

A name is identity, and the check answers "is this person known, and where": so it runs
only for roles that may read identities (an admin taking a case in for an organisation gets
no answer; the duplicates review finds the pair afterwards), every check is audited (who,
when, how many matches; never the name), and an account may run ``CHECKS_PER_HOUR`` checks
an hour, enough for a busy intake day and far too few to sweep a list of names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from models.access import Action, Actor, permits, require, visible_cases
from models.accounts import lock_account
from models.audit import record
from models.duplicates.matching import POSSIBLE, NameRecord, score_pair
from models.duplicates.people import CaseKey, open_records, people_sharing_blocks, record_of
from models.duplicates.setting import cross_org_matching
from models.enums import AuditAction
from models.errors import ValidationError
from models.i18n import N_
from models.identity.blind_index import blocking_tokens
from models.settings import load_settings
from models.tables import AuditEvent, Case, Organisation, utcnow

LIMIT = 5
CHECKS_PER_HOUR = 120
TOO_MANY_CHECKS = N_(
    "You have checked {count} names for duplicates in the last hour, the most one account "
    "may. The check resumes by {time}; you can still open the case."
)


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
    ``name_latin``, ``birth_year``). Empty for a role that may not read identities. Raises
    ``ValidationError`` (on ``full_name``) past ``CHECKS_PER_HOUR`` checks in the last hour."""
    require(actor, Action.CREATE_CASE)
    if not permits(actor, Action.READ_IDENTITY):
        return []
    typed = record_of(None, values)
    tokens = blocking_tokens(session, *typed.names) if typed.names else set()
    if not tokens:
        return []
    _within_rate(session, actor)
    found = _matches(session, actor, organisation_id, typed, tokens, threshold)
    record(
        session,
        actor=actor,
        action=AuditAction.NAME_CHECK,
        entity="intake",
        detail=f"{len(found)} possible matches",
    )
    return found


def _within_rate(session: Session, actor: Actor) -> None:
    """Refuse a check past ``CHECKS_PER_HOUR`` in the hour before now (counted from the audit
    log, which every app server sharing the database writes). The account is locked first,
    so parallel checks are counted one after the other rather than all passing together."""
    lock_account(session, user_id=actor.id)
    since = utcnow() - dt.timedelta(hours=1)
    recent = session.execute(
        sa.select(col(AuditEvent.at))
        .where(
            col(AuditEvent.user_id) == actor.id,
            col(AuditEvent.action) == AuditAction.NAME_CHECK,
            col(AuditEvent.at) >= since,
        )
        .order_by(col(AuditEvent.at))
        .limit(CHECKS_PER_HOUR)
    ).scalars()
    checks = list(recent)
    if len(checks) >= CHECKS_PER_HOUR:
        resumes = _aware(checks[0]) + dt.timedelta(hours=1)
        local = resumes.astimezone(load_settings().zone)  # as the pages show times
        raise ValidationError(
            "full_name", TOO_MANY_CHECKS, count=len(checks), time=local.strftime("%H:%M")
        )


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _matches(
    session: Session,
    actor: Actor,
    organisation_id: int,
    typed: NameRecord,
    tokens: set[bytes],
    threshold: float,
) -> list[IntakeMatch]:
    """The best matches of ``typed`` among the open people sharing a blocking token."""
    within = None if cross_org_matching(session) else organisation_id
    people = open_records(
        session, people_sharing_blocks(session, tokens=tokens, organisation_id=within)
    )
    scored = []
    for person in people.values():
        score, _reasons = score_pair(typed, person)
        if score >= threshold:
            assert isinstance(person.key, CaseKey)
            scored.append((score, person.key))
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
