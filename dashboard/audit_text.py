"""The audit trail in words: its rows name records, fields and details with internal codes
(``case``, ``permit_expires_on``, ``pending->expired``); these read them in the user's language.

An audit row never holds a value of a case (only which fields changed), so what is shown
here is safe to export. A code this module does not know is shown as it is stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from dashboard.field_names import FIELD_NAMES, field_label
from dashboard.i18n import _, current_language, label, moments, number_text
from models.enums import AuditAction, PurgeReason
from models.i18n import N_
from models.network import ReferralState
from models.releases.quarters import Quarter

SYSTEM = N_("System")

ENTITY_NAMES: dict[str, str] = {
    "audit_event": N_("Audit trail"),
    "case": N_("Case"),
    "case_note": N_("Note"),
    "case_pair": N_("Possible duplicate"),
    "database": N_("Database"),
    "detention": N_("Detention"),
    "employment_need": N_("Employment need"),
    "housing_need": N_("Housing need"),
    "impact_report": N_("Impact report"),
    "import": N_("Import"),
    "import_errors": N_("Import errors"),
    "intake": N_("New case"),  # the new-case form's name check
    "key_store": N_("Key store"),
    "legal_status": N_("Legal status"),
    "name_index": N_("Name index"),
    "network_setting": N_("Network setting"),
    "organisation": N_("Organisation"),
    "person": N_("Identity"),
    "referral": N_("Referral"),
    "release": N_("Release"),
    "service_offer": N_("Service"),
    "user": N_("Account"),
}

# Details written as fixed phrases.
PHRASES: dict[str, str] = {
    "account locked": N_("Account locked"),
    "case out of scope": N_("Case outside the user's access"),
    "deactivated": N_("Account deactivated"),
    "different": N_("Different people"),
    "inactive account": N_("Account deactivated"),
    "off": N_("Off"),
    "on": N_("On"),
    "reactivated": N_("Account reactivated"),
    "same": N_("The same person"),
    "sent": N_("Sent"),
    "too soon after a failure": N_("Too soon after a failed attempt"),
    "unknown username": N_("Unknown username"),
    "wrong current password": N_("Wrong current password"),
    "wrong password": N_("Wrong password"),
}


def _quarter(text: str) -> str:
    return Quarter.parse(text).label(current_language())


def _count(text: str) -> str:
    return number_text(int(text))


def _state(text: str) -> str:
    return label(ReferralState(text))


def _upper(text: str) -> str:
    return text.upper()


Part = Callable[[str], str]


def _counting(pattern: str, message: str) -> tuple[re.Pattern[str], str, dict[str, Part]]:
    """A detail with one count in it, shown with the reader's digit grouping."""
    return re.compile(pattern), message, {"count": _count}


# Details with numbers or codes in them: a pattern, its message and how each part is shown.
PATTERNS: list[tuple[re.Pattern[str], str, dict[str, Part]]] = [
    _counting(
        r"(?P<count>\d+) failed password checks",
        N_("Locked after wrong passwords in a row: {count}"),
    ),
    _counting(
        r"(?P<count>\d+) open cases unassigned", N_("Open cases left without a caseworker: {count}")
    ),
    _counting(r"(?P<count>\d+) identities purged again", N_("Identities purged again: {count}")),
    _counting(r"(?P<count>\d+) data keys re-wrapped", N_("Data keys re-wrapped: {count}")),
    _counting(
        r"name index rebuilt for (?P<count>\d+) people under the current .*key",
        N_("Name index rebuilt under the current key; people: {count}"),
    ),
    _counting(
        r"(?P<count>\d+) synthetic cases, seed (?P<seed>\d+)",
        N_("Synthetic cases: {count} (seed {seed})"),
    ),
    _counting(r"(?P<count>\d+) possible matches", N_("Possible matches: {count}")),
    _counting(r"(?P<count>\d+) names of a file", N_("Names in the file: {count}")),
    _counting(r"csv, (?P<count>\d+) rows", N_("CSV, rows: {count}")),
    _counting(r"rows=(?P<count>\d+)", N_("Rows: {count}")),
    (
        re.compile(r"into case (?P<id>\d+)"),
        N_("Merged into the case with record id {id}"),
        {},
    ),
    (
        re.compile(r"(?P<quarter>\d{4}Q[1-4]) draft discarded"),
        N_("Draft for {quarter} discarded"),
        {"quarter": _quarter},
    ),
    (
        re.compile(r"(?P<quarter>\d{4}Q[1-4]), epsilon=(?P<epsilon>[0-9.e+-]+)"),
        N_("{quarter}, privacy budget ε = {epsilon}"),
        {"quarter": _quarter, "epsilon": lambda e: number_text(float(e), decimals=_places(e))},
    ),
    (
        re.compile(r"(?P<quarter>\d{4}Q[1-4]), (?P<form>[a-z]+)"),
        "{quarter}, {form}",
        {"quarter": _quarter, "form": _upper},
    ),
    (re.compile(r"(?P<quarter>\d{4}Q[1-4])"), "{quarter}", {"quarter": _quarter}),
    (
        re.compile(r"(?P<form>[a-z]+), k=(?P<k>\d+)"),
        N_("{form}, counts under {k} hidden"),
        {"form": _upper},
    ),
    (
        re.compile(r"(?P<before>[a-z]+)->(?P<after>[a-z]+)"),
        "{before} → {after}",
        {"before": _state, "after": _state},
    ),
]


def _blank(value: object) -> bool:
    """None, an empty text, or pandas' NaN for a missing value."""
    return value is None or value == "" or (isinstance(value, float) and value != value)


def _places(number: str) -> int:
    return len(number.partition(".")[2])


def _import_counts(detail: str) -> str | None:
    """An import's ``created=3 updated=1 …`` as "New cases: 3, Updated cases: 1, …"."""
    pairs = [part.partition("=") for part in detail.split()]
    if not pairs or any(not sep or key not in FIELD_NAMES for key, sep, _v in pairs):
        return None
    return ", ".join(f"{_(FIELD_NAMES[key])}: {value}" for key, _sep, value in pairs)


def detail_text(detail: object) -> str:
    """The detail of an audit row in words; as stored when it is no known code."""
    if _blank(detail):
        return "—"
    text = str(detail)
    if text in PHRASES:
        return _(PHRASES[text])
    if text in PurgeReason._value2member_map_:
        return label(PurgeReason(text))
    for pattern, message, parts in PATTERNS:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        try:
            values = {
                name: parts.get(name, str)(value) for name, value in found.groupdict().items()
            }
        except ValueError:  # e.g. a state that no longer exists: show the stored text
            return text
        return _(message, **values)
    return _import_counts(text) or text


def entity_text(entity: object) -> str:
    text = "" if _blank(entity) else str(entity)
    return _(ENTITY_NAMES[text]) if text in ENTITY_NAMES else text or "—"


def fields_text(fields: object) -> str:
    """The comma-separated field names of an audit row, as labels."""
    if _blank(fields):
        return "—"
    return ", ".join(field_label(name) for name in str(fields).split(","))


def user_text(username: object) -> str:
    """The author of a row; «System» for the command line, the seeder and scheduled jobs."""
    return _(SYSTEM) if _blank(username) else str(username)


def readable_trail(frame: pd.DataFrame) -> pd.DataFrame:
    """Audit rows (``models.audit_queries.AUDIT_COLUMNS``, or a subset) in words: local
    times, the system named, actions, records, fields and details translated."""
    shown = frame.copy()
    readers: dict[str, Callable[[object], str]] = {
        "username": user_text,
        "action": lambda a: label(AuditAction(str(a))),
        "entity": entity_text,
        "fields": fields_text,
        "detail": detail_text,
    }
    for column, read in readers.items():
        if column in shown:
            shown[column] = shown[column].map(read)
    if "at" in shown:
        shown["at"] = moments(shown["at"])
    return shown
