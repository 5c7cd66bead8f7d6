"""Cross-organisation matching, a network setting: when on, a coordinator's review and the
intake check also show "possible match at <organisation>" for another organisation's
cases (never a name). Off for a new network; the demo turns it on. Changed with
``waypoint network-setting cross-org-matching on|off``."""

from __future__ import annotations

from sqlmodel import Session

from models.access import Actor
from models.audit import record
from models.enums import AuditAction
from models.tables import NetworkSetting, utcnow

CROSS_ORG_MATCHING = "cross-org-matching"
SETTINGS = (CROSS_ORG_MATCHING,)


def is_on(session: Session, name: str) -> bool:
    """Whether the network setting ``name`` is on (a setting never set is off)."""
    found = session.get(NetworkSetting, name)
    return bool(found and found.enabled)


def cross_org_matching(session: Session) -> bool:
    """Whether duplicates are looked for across organisations."""
    return is_on(session, CROSS_ORG_MATCHING)


def set_setting(session: Session, *, name: str, enabled: bool, actor: Actor | None) -> None:
    """Turn the network setting ``name`` on or off (audited: which setting, on or off)."""
    if name not in SETTINGS:
        raise ValueError(f"no network setting named {name!r}")
    found = session.get(NetworkSetting, name)
    if found is None:
        session.add(NetworkSetting(name=name, enabled=enabled))
    else:
        found.enabled = enabled
        found.updated_at = utcnow()
        session.add(found)
    session.flush()
    record(
        session,
        actor=actor,
        action=AuditAction.UPDATE,
        entity="network_setting",
        entity_id=name,
        fields=("enabled",),
        detail="on" if enabled else "off",
    )
