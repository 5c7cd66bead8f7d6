"""What the seeder's worker processes run: drawing one shard of synthetic cases.

``seed_data.generator`` (the database side) cuts a seed into shards and hands each to
``draw_shard``, in a spawned worker process or inline; the rows depend only on the ``Plan``
and the ``Shard``, never on the process. This module imports no more than drawing needs
(no database session, no key store), so that a worker starts quickly; see the generator's
docstring for the design.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from bisect import bisect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import accumulate, chain
from typing import Any, Generic, TypeVar, cast

import sqlalchemy as sa
from sqlmodel import SQLModel

from models.enums import (
    AsylumStatus,
    CaseStatus,
    Category,
    DetentionOutcome,
    DetentionPlace,
    EmploymentSituation,
    ExtraditionStatus,
    HousingSituation,
    Outcome,
    PermitType,
    Stage,
    Urgency,
)
from models.identity import keystore
from models.identity.blind_index import BlindIndex
from models.identity.crypto import DataCipher, Identity, KeyMaker, seal_identity, seal_text
from models.tables import (
    Case,
    CaseNote,
    Detention,
    EmploymentNeed,
    HousingNeed,
    LegalStatus,
    Person,
    PersonToken,
    StageChange,
    table_of,
)
from seed_data.names import synthetic_person

ORGANISATION_WEIGHTS = [45, 35, 20]

CATEGORY_WEIGHTS = {
    Category.JOURNALIST: 15,
    Category.ACTIVIST: 30,
    Category.DESERTER: 22,
    Category.MOBILISATION_EVADER: 26,
    Category.OTHER: 7,
}
WANTED_SHARE: dict[str, float] = {
    Category.JOURNALIST: 0.45,
    Category.ACTIVIST: 0.40,
    Category.DESERTER: 0.75,
    Category.MOBILISATION_EVADER: 0.35,
    Category.OTHER: 0.15,
}
# Russian Criminal Code articles with their maximum sentence in years.
CHARGES: dict[str, list[tuple[str, int]]] = {
    Category.JOURNALIST: [("207.3", 15), ("280.3", 7), ("284.1", 6)],
    Category.ACTIVIST: [("207.3", 15), ("280.3", 7), ("282.2", 10), ("280.4", 7)],
    Category.DESERTER: [("338", 15), ("337", 10), ("332", 3)],
    Category.MOBILISATION_EVADER: [("328", 2), ("339", 5)],
    Category.OTHER: [("282.2", 10), ("280", 5)],
}
DESTINATIONS = {"DE": 30, "FR": 18, "LT": 12, "NL": 10, "CA": 8, "PL": 7, "FI": 5, "US": 5, "CZ": 5}

# Probability of moving on from each stage, and the days it takes (low, high).
ADVANCE = {
    Stage.INTAKE: (0.97, 5, 30),
    Stage.NEEDS_ASSESSMENT: (0.92, 15, 60),
    Stage.DOCUMENTS: (0.80, 30, 180),
    Stage.VISA_APPLICATION: (0.65, 60, 300),
    Stage.VISA_GRANTED: (0.95, 10, 60),
    Stage.TRAVEL_ARRANGED: (0.98, 5, 30),
}
EXIT_OUTCOMES = {
    Outcome.SETTLED_LOCALLY: 35,
    Outcome.WITHDREW: 15,
    Outcome.LOST_CONTACT: 35,
    Outcome.DEPORTED: 6,
    Outcome.EXTRADITED: 2,
}
PERMITS = {
    PermitType.TEMPORARY_RESIDENCE: 40,
    PermitType.VISA_FREE: 22,
    PermitType.NONE: 12,
    PermitType.ASYLUM_PENDING: 10,
    PermitType.PERMANENT_RESIDENCE: 3,
    PermitType.REFUGEE_STATUS: 2,
    PermitType.OTHER: 11,
}
# Wanted people are the ones NGOs work hardest to keep legal: few have no permit at all,
# and fewer let one lapse.
PERMITS_WHEN_WANTED = {**PERMITS, PermitType.NONE: 1.5}
# Days from today to a permit's expiry (low, high): about one in six already past.
PERMIT_EXPIRY_DAYS = (-75, 365)
PERMIT_EXPIRY_DAYS_WHEN_WANTED = (-20, 365)
VISA_FREE_EXPIRY_DAYS = (-30, 90)
VISA_FREE_EXPIRY_DAYS_WHEN_WANTED = (-6, 90)
ASYLUM = {
    AsylumStatus.NOT_APPLIED: 70,
    AsylumStatus.PENDING: 14,
    AsylumStatus.REFUSED: 10,
    AsylumStatus.APPEAL: 4,
    AsylumStatus.GRANTED: 2,
}
DETENTION_PLACES = {
    DetentionPlace.DOCUMENT_CHECK: 50,
    DetentionPlace.AIRPORT: 25,
    DetentionPlace.BORDER: 10,
    DetentionPlace.HOME: 10,
    DetentionPlace.OTHER: 5,
}
HOUSING = {
    HousingSituation.STABLE: 22,
    HousingSituation.TEMPORARY: 40,
    HousingSituation.SHELTER: 15,
    HousingSituation.AT_RISK: 17,
    HousingSituation.HOMELESS: 6,
}
EMPLOYMENT = {
    EmploymentSituation.FORMAL: 8,
    EmploymentSituation.INFORMAL: 45,
    EmploymentSituation.REMOTE: 15,
    EmploymentSituation.UNEMPLOYED: 32,
}
NOTES_PER_CASE = {0: 30, 1: 35, 2: 25, 3: 10}
NOTE_TEMPLATES = [
    "Called to check in; no change since the last contact.",
    "Accompanied to the migration service; documents submitted.",
    "Needs help finding housing before the end of the month.",
    "Lawyer consulted about the extradition request.",
    "Referred to psychosocial support.",
    "Embassy appointment confirmed.",
    "Asked for help with translation of court documents.",
    "Reports being followed after a document check; advised on safety.",
    "Evidence file for the visa application is complete.",
    "Informal job found; income still unstable.",
]


T = TypeVar("T")
Row = tuple[object, ...]


class _Choice(Generic[T]):
    """A weighted choice among fixed options: one random number and a binary search
    (``random.choices`` rebuilds its cumulative weights on every call)."""

    __slots__ = ("bounds", "options", "total")

    def __init__(self, weights: Mapping[T, float]) -> None:
        self.options = list(weights)
        cumulative = list(accumulate(weights.values()))
        self.bounds = cumulative[:-1]
        self.total = cumulative[-1]

    def __call__(self, rng: random.Random) -> T:
        return self.options[bisect(self.bounds, rng.random() * self.total)]


def _values(weights: Mapping[T, float]) -> _Choice[str]:
    """A choice among enum members that yields their plain string values, as stored."""
    return _Choice({str(member): weight for member, weight in weights.items()})


def _between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high`` inclusive (cheaper than ``randint``)."""
    return low + int(rng.random() * (high - low + 1))


def _at(rng: random.Random, day: dt.date) -> dt.datetime:
    """A moment in working hours on ``day``, as a naive UTC datetime."""
    return dt.datetime(
        day.year, day.month, day.day, 7 + int(rng.random() * 13), int(rng.random() * 60)
    )


# --- how values reach the driver ------------------------------------------------------------


@dataclass(frozen=True)
class _Encoding:
    """Converts dates and (naive UTC) timestamps into what the driver is handed."""

    day: Callable[[dt.date], object]
    moment: Callable[[dt.datetime], object]


def _sqlite_moment(moment: dt.datetime) -> str:
    # The text SQLAlchemy's SQLite DATETIME writes, read back as an aware UTC datetime.
    return moment.isoformat(" ", "microseconds")


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC)


def _unchanged(day: dt.date) -> dt.date:
    return day


SQLITE_ENCODING = _Encoding(day=dt.date.isoformat, moment=_sqlite_moment)
DRIVER_ENCODING = _Encoding(day=_unchanged, moment=_utc)


def _columns(model: type[SQLModel], *names: str) -> tuple[sa.Table, tuple[str, ...]]:
    table = table_of(model)
    assert set(names) <= set(table.columns.keys()), names
    return table, names


CASE_COLUMNS = _columns(
    Case,
    "id", "code", "intake_year", "intake_seq", "category", "city_id", "organisation_id",
    "caseworker_id", "stage", "destination_country", "status", "outcome", "opened_on",
    "closed_on", "created_at", "updated_at", "version", "stage_entered_at",
)  # fmt: skip
STAGE_CHANGE_COLUMNS = _columns(
    StageChange,
    "case_id", "from_stage", "to_stage", "changed_at", "changed_by_id", "stay_days",
)  # fmt: skip
PERSON_COLUMNS = _columns(
    Person,
    "id", "case_id", "key_id", "sealed",
)  # fmt: skip
PERSON_TOKEN_COLUMNS = _columns(
    PersonToken,
    "token", "person_id",
)  # fmt: skip
LEGAL_STATUS_COLUMNS = _columns(
    LegalStatus,
    "case_id", "permit_type", "permit_issued_on", "permit_expires_on", "extension_refused",
    "wanted", "charge_article", "charge_max_years", "dual_criminality", "extradition_status",
    "asylum_status", "passport_held", "passport_expires_on", "updated_at",
)  # fmt: skip
DETENTION_COLUMNS = _columns(
    Detention,
    "case_id", "detained_on", "place", "released_on", "outcome", "created_at",
)  # fmt: skip
HOUSING_COLUMNS = _columns(
    HousingNeed,
    "case_id", "situation", "sealed_need", "urgency", "met", "updated_on",
)  # fmt: skip
EMPLOYMENT_COLUMNS = _columns(
    EmploymentNeed,
    "case_id", "situation", "sealed_need", "urgency", "met", "updated_on",
)  # fmt: skip
NOTE_COLUMNS = _columns(
    CaseNote,
    "case_id", "author_id", "organisation_id", "sealed_body", "created_at",
)  # fmt: skip
# In foreign-key order: cases first.
TARGETS = [
    CASE_COLUMNS,
    STAGE_CHANGE_COLUMNS,
    PERSON_COLUMNS,
    PERSON_TOKEN_COLUMNS,
    LEGAL_STATUS_COLUMNS,
    DETENTION_COLUMNS,
    HOUSING_COLUMNS,
    EMPLOYMENT_COLUMNS,
    NOTE_COLUMNS,
]


Rows = dict[sa.Table, list[Row]]


def _no_rows() -> Rows:
    # The wrapped data keys ride along under the key store's table; they go to the key store.
    return {table: [] for table in [*(table for table, _ in TARGETS), keystore.data_key]}


STAGES = list(Stage)
STAGE_VALUES = [str(stage) for stage in STAGES]
RELOCATED_AT = Stage.RELOCATED.position
VISA_APPLICATION_AT = Stage.VISA_APPLICATION.position
ADVANCE_AT = [ADVANCE[stage] for stage in STAGES[:-1]]
LONG_PERMITS = {PermitType.TEMPORARY_RESIDENCE, PermitType.OTHER, PermitType.ASYLUM_PENDING}
LASTING_PERMITS = {PermitType.PERMANENT_RESIDENCE, PermitType.REFUGEE_STATUS}
HOUSING_NEED = "Affordable rental or shelter place"
EMPLOYMENT_NEED = "Legal work or income support"


class _CaseMaker:
    """Draws one case at a time and collects its rows until they are taken."""

    def __init__(
        self,
        rng: random.Random,
        encoding: _Encoding,
        *,
        today: dt.date,
        organisation_ids: list[int],
        caseworker_ids: list[list[int]],
        pinned: dict[int, tuple[int, int]],
        creator_id: int | None,
        sealer: _Sealer,
    ) -> None:
        self.rng = rng
        self.sealer = sealer
        self.rows = _no_rows()
        self.day = encoding.day
        self.moment = encoding.moment
        self.today = today
        self.now = dt.datetime.combine(today, dt.time(23, 59))
        self.organisation_ids = organisation_ids
        self.caseworker_ids = caseworker_ids
        self.pinned = pinned
        self.creator_id = creator_id
        self.category = _values(CATEGORY_WEIGHTS)
        self.organisation = _Choice(dict(enumerate(ORGANISATION_WEIGHTS)))
        self.exit = _values(EXIT_OUTCOMES)
        self.destination = _Choice(DESTINATIONS)
        self.permit = _values(PERMITS)
        self.permit_when_wanted = _values(PERMITS_WHEN_WANTED)
        self.asylum = _values(ASYLUM)
        self.detention_place = _values(DETENTION_PLACES)
        self.housing = _values(HOUSING)
        self.employment = _values(EMPLOYMENT)
        self.notes = _Choice(NOTES_PER_CASE)
        self.low_or_medium = {
            "housing": _values({Urgency.LOW: 40, Urgency.MEDIUM: 60}),
            "employment": _values({Urgency.LOW: 50, Urgency.MEDIUM: 50}),
        }

    def take(self) -> Rows:
        """The rows collected since the last call."""
        taken, self.rows = self.rows, _no_rows()
        return taken

    def case(
        self,
        *,
        case_id: int,
        person_id: int,
        number: int,
        opened_on: dt.date,
        code: str,
        seq: int,
        city_id: int,
    ) -> None:
        rng = self.rng
        category = self.category(rng)
        org_index = self.organisation(rng)
        # A few fresh intakes wait for a caseworker.
        staff = self.caseworker_ids[org_index]
        caseworker_id = None if rng.random() < 0.04 else staff[int(rng.random() * len(staff))]
        pinned = number in self.pinned
        if pinned:
            org_index, caseworker_id = self.pinned[number]

        history, outcome, closed_on = self._pipeline(category, opened_on, stays_open=pinned)
        stage = history[-1][1]
        last_activity = history[-1][2]
        if outcome is None:
            # Most open cases were touched recently; a share has gone quiet for weeks.
            quiet = _between(rng, 15, 90) if rng.random() < 0.18 else _between(rng, 0, 13)
            last_activity = max(
                last_activity, self.now - dt.timedelta(days=quiet, hours=_between(rng, 0, 12))
            )
        else:
            assert closed_on is not None, "a case with an outcome is closed"
            last_activity = max(last_activity, _at(rng, closed_on))

        day, moment = self.day, self.moment
        self.rows[CASE_COLUMNS[0]].append(
            (
                case_id,
                code,
                opened_on.year,
                seq,
                category,
                city_id,
                self.organisation_ids[org_index],
                caseworker_id,
                STAGE_VALUES[stage],
                self.destination(rng) if stage >= VISA_APPLICATION_AT else None,
                CaseStatus.OPEN.value if outcome is None else CaseStatus.CLOSED.value,
                outcome,
                day(opened_on),
                closed_on and day(closed_on),
                moment(history[0][2]),
                moment(last_activity),
                1,
                moment(history[-1][2]),
            )
        )
        changes = self.rows[STAGE_CHANGE_COLUMNS[0]]
        entered: dt.datetime | None = None
        for from_stage, to_stage, at in history:
            changes.append(
                (
                    case_id,
                    None if from_stage is None else STAGE_VALUES[from_stage],
                    STAGE_VALUES[to_stage],
                    moment(at),
                    self.creator_id,
                    None if entered is None else (at - entered).days,
                )
            )
            entered = at
        name = synthetic_person(rng)
        identity = Identity(
            *name,
            birth_year=_between(rng, 1965, 2004),
            contact=f"+7 70{_between(rng, 0, 9)} {_between(rng, 100, 999)} "
            f"{_between(rng, 10, 99)} {_between(rng, 10, 99)}",
        )
        # Sealed at once: the clear identity never reaches the driver (nor SQLite's pages).
        key = self.sealer.keys.new_key()
        self.rows[keystore.data_key].append((key.key_id, key.wrapped))
        self.rows[PERSON_COLUMNS[0]].append(
            (person_id, case_id, key.key_id, seal_identity(key.cipher, identity))
        )
        spellings = tuple(identity.spellings())
        tokens = self.sealer.tokens.get(spellings)
        if tokens is None:
            # Synthetic names repeat: their blind tokens are computed once per process.
            tokens = self.sealer.tokens[spellings] = tuple(self.sealer.index.of_text(*spellings))
        self.rows[PERSON_TOKEN_COLUMNS[0]].extend((token, person_id) for token in tokens)
        self._legal_status(case_id, category, opened_on)
        self._detention(case_id, category, opened_on, outcome, closed_on)
        self._needs(case_id, min(self.today, last_activity.date()), key.cipher)
        self._notes(
            case_id,
            opened_on,
            last_activity.date(),
            caseworker_id or self.creator_id,
            self.organisation_ids[org_index],  # the case's own organisation writes its notes
            key.cipher,
        )

    def _pipeline(
        self, category: str, opened_on: dt.date, *, stays_open: bool
    ) -> tuple[list[tuple[int | None, int, dt.datetime]], str | None, dt.date | None]:
        """Walk the pipeline from intake until today or an exit (unless the case
        ``stays_open``): the stage changes (from, to, when), the outcome and the day the
        case closed (``None`` while open)."""
        rng = self.rng
        entered = _at(rng, opened_on)
        history: list[tuple[int | None, int, dt.datetime]] = [(None, 0, entered)]
        stage = 0
        while True:
            if stage == RELOCATED_AT:
                return history, Outcome.RELOCATED.value, entered.date()
            chance, low, high = ADVANCE_AT[stage]
            moment = entered + dt.timedelta(
                days=_between(rng, low, high), minutes=_between(rng, 0, 600)
            )
            if moment > self.now or (stays_open and stage + 1 == RELOCATED_AT):
                return history, None, None
            if rng.random() < chance:
                history.append((stage, stage + 1, moment))
                stage, entered = stage + 1, moment
                continue
            if stays_open:
                return history, None, None
            outcome = self.exit(rng)
            if category == Category.DESERTER and outcome == Outcome.SETTLED_LOCALLY:
                outcome = Outcome.EXTRADITED.value if rng.random() < 0.06 else outcome
            return history, outcome, moment.date()

    def _legal_status(self, case_id: int, category: str, opened_on: dt.date) -> None:
        rng, today, day = self.rng, self.today, self.day
        wanted = rng.random() < WANTED_SHARE[category]
        permit = (self.permit_when_wanted if wanted else self.permit)(rng)
        issued = expires = None
        if permit in LONG_PERMITS:
            low, high = PERMIT_EXPIRY_DAYS_WHEN_WANTED if wanted else PERMIT_EXPIRY_DAYS
            expires = today + dt.timedelta(days=_between(rng, low, high))
            issued = min(max(opened_on, expires - dt.timedelta(days=365)), expires)
        elif permit == PermitType.VISA_FREE:
            low, high = VISA_FREE_EXPIRY_DAYS_WHEN_WANTED if wanted else VISA_FREE_EXPIRY_DAYS
            expires = today + dt.timedelta(days=_between(rng, low, high))
            issued = expires - dt.timedelta(days=90)
        elif permit in LASTING_PERMITS:
            issued = opened_on
            expires = issued + dt.timedelta(days=365 * 5)
        dual = category == Category.DESERTER or (
            category == Category.MOBILISATION_EVADER and rng.random() < 0.2
        )
        extradition = ExtraditionStatus.NONE.value
        if wanted:
            risk = 2.5 if dual else 1.0
            roll = rng.random()
            if roll < 0.006 * risk:
                extradition = ExtraditionStatus.ORDERED.value
            elif roll < 0.025 * risk:
                extradition = ExtraditionStatus.PROCEEDINGS.value
            elif roll < 0.14 * risk:
                extradition = ExtraditionStatus.REQUESTED.value
            elif roll < 0.18 * risk:
                extradition = ExtraditionStatus.REFUSED.value
        charges = CHARGES[category]
        article, years = charges[int(rng.random() * len(charges))] if wanted else (None, None)
        passport_held = rng.random() < 0.55
        self.rows[LEGAL_STATUS_COLUMNS[0]].append(
            (
                case_id,
                permit,
                issued and day(issued),
                expires and day(expires),
                bool(expires and rng.random() < 0.12),
                wanted,
                article,
                years,
                wanted and dual,
                extradition,
                self.asylum(rng),
                passport_held,
                day(today + dt.timedelta(days=_between(rng, -200, 3000)))
                if passport_held
                else None,
                self.moment(_at(rng, opened_on)),
            )
        )

    def _detention(
        self,
        case_id: int,
        category: str,
        opened_on: dt.date,
        outcome: str | None,
        closed_on: dt.date | None,
    ) -> None:
        rng, today = self.rng, self.today
        share = 0.14 if category == Category.DESERTER else 0.06
        forced_exit = outcome in (Outcome.DEPORTED, Outcome.EXTRADITED)
        if not forced_exit and rng.random() >= share:
            return
        end = closed_on or today
        detained_on = opened_on + dt.timedelta(
            days=_between(rng, 0, max(0, (end - opened_on).days))
        )
        place = self.detention_place(rng)
        released_on: dt.date | None
        if forced_exit:
            result = (
                DetentionOutcome.DEPORTED
                if outcome == Outcome.DEPORTED
                else DetentionOutcome.EXTRADITED
            )
            detained_on = max(opened_on, end - dt.timedelta(days=_between(rng, 2, 60)))
            released_on = closed_on
        elif rng.random() < 0.8:
            released_on = detained_on + dt.timedelta(days=_between(rng, 0, 3))
            result = DetentionOutcome.RELEASED
        else:
            released_on = detained_on + dt.timedelta(days=_between(rng, 20, 200))
            result = DetentionOutcome.RELEASED_ON_CONDITIONS
        if outcome is None and (today - detained_on).days < 14 and rng.random() < 0.5:
            released_on = None  # a recent arrest whose outcome is still open
        if (released_on is not None and released_on > today) or (
            released_on is None and not forced_exit
        ):
            released_on = None
            result = (
                DetentionOutcome.EXTRADITION_ARREST
                if category == Category.DESERTER
                else DetentionOutcome.PENDING
            )
        self.rows[DETENTION_COLUMNS[0]].append(
            (
                case_id,
                self.day(detained_on),
                place,
                released_on and self.day(released_on),
                result.value,
                self.moment(_at(rng, detained_on)),
            )
        )

    def _needs(self, case_id: int, updated_on: dt.date, cipher: DataCipher) -> None:
        rng = self.rng
        updated = self.day(updated_on)
        housing = self.housing(rng)
        stable = housing == HousingSituation.STABLE
        urgent = housing in (HousingSituation.HOMELESS, HousingSituation.AT_RISK)
        self.rows[HOUSING_COLUMNS[0]].append(
            (
                case_id,
                housing,
                None if stable else seal_text(cipher, HOUSING_NEED),
                Urgency.HIGH.value if urgent else self.low_or_medium["housing"](rng),
                stable or rng.random() < 0.15,
                updated,
            )
        )
        work = self.employment(rng)
        formal = work == EmploymentSituation.FORMAL
        self.rows[EMPLOYMENT_COLUMNS[0]].append(
            (
                case_id,
                work,
                None if formal else seal_text(cipher, EMPLOYMENT_NEED),
                Urgency.HIGH.value
                if work == EmploymentSituation.UNEMPLOYED
                else self.low_or_medium["employment"](rng),
                formal or rng.random() < 0.12,
                updated,
            )
        )

    def _notes(
        self,
        case_id: int,
        opened_on: dt.date,
        last_activity: dt.date,
        author_id: int | None,
        organisation_id: int,
        cipher: DataCipher,
    ) -> None:
        rng = self.rng
        span = max(0, (last_activity - opened_on).days)
        notes = self.rows[NOTE_COLUMNS[0]]
        for _ in range(self.notes(rng)):
            day = opened_on + dt.timedelta(days=_between(rng, 0, span))
            body = NOTE_TEMPLATES[int(rng.random() * len(NOTE_TEMPLATES))]
            sealed = seal_text(cipher, body)
            notes.append((case_id, author_id, organisation_id, sealed, self.moment(_at(rng, day))))


# --- drawing a shard --------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What drawing any shard needs besides its own cases; sent to the workers as it is. No
    database connection, no key store: the master keys wrap the data keys, the blind-index
    key makes the tokens."""

    seed: int
    today: dt.date
    sqlite: bool  # SQLite's text for dates and timestamps, or the driver's objects
    organisation_ids: list[int]
    caseworker_ids: list[list[int]]  # by organisation index
    pinned: dict[int, tuple[int, int]]  # case number -> (organisation index, user id)
    creator_id: int | None
    city_weights: dict[int, float]
    first_case_id: int
    first_person_id: int
    master_keys: tuple[bytes, ...]
    blind_index_key: bytes


@dataclass(frozen=True)
class Shard:
    """Up to ``BATCH`` consecutive cases (by number), with what the main process drew for
    them in sequence: intake dates, codes and intake numbers."""

    index: int
    rng_state: tuple[Any, ...] | None  # shard 0 only: the seed's generator after the dates
    first: int  # the number of its first case
    opened: list[dt.date]
    codes: list[str]
    numbers: list[int]


@dataclass(frozen=True)
class Drawn:
    """A shard's rows, compact: the (key id, wrapped key) pairs, and for each of ``TARGETS``
    its rows: on SQLite flattened into one list of values (cheaper to pickle, and what the
    multi-row ``INSERT`` takes), on PostgreSQL as the bytes ``COPY`` reads."""

    keys: list[tuple[str, bytes]]
    tables: list[Any]  # list[object] (SQLite) or bytes (PostgreSQL), for each of TARGETS
    counts: list[int]  # rows, for each of TARGETS


class _Sealer:
    """Seals the people drawn in one process: data keys, blind index, the tokens of each
    spelling seen (synthetic names repeat)."""

    def __init__(self, master_keys: tuple[bytes, ...], blind_index_key: bytes) -> None:
        self.keys = KeyMaker(master_keys)
        self.index = BlindIndex(blind_index_key)
        self.tokens: dict[tuple[str, ...], tuple[bytes, ...]] = {}


@functools.lru_cache(maxsize=2)
def _sealer(master_keys: tuple[bytes, ...], blind_index_key: bytes) -> _Sealer:
    return _Sealer(master_keys, blind_index_key)


def _shard_rng(plan: Plan, shard: Shard) -> random.Random:
    """Shard 0 goes on from the seed's generator; each later shard has its own, from the seed
    and its index (a string seed: the same in every process and on every run)."""
    if shard.index == 0:
        assert shard.rng_state is not None, "shard 0 goes on from the seed's generator"
        rng = random.Random()
        rng.setstate(shard.rng_state)
        return rng
    return random.Random(f"waypoint seed {plan.seed} shard {shard.index}")


def draw_shard(plan: Plan, shard: Shard) -> Drawn:
    """Draw one shard's cases (in a worker process, or inline: the same rows either way)."""
    rng = _shard_rng(plan, shard)
    maker = _CaseMaker(
        rng,
        SQLITE_ENCODING if plan.sqlite else DRIVER_ENCODING,
        today=plan.today,
        organisation_ids=plan.organisation_ids,
        caseworker_ids=plan.caseworker_ids,
        pinned=plan.pinned,
        creator_id=plan.creator_id,
        sealer=_sealer(plan.master_keys, plan.blind_index_key),
    )
    pick_city = _Choice(plan.city_weights)
    for offset, (opened_on, code, number) in enumerate(
        zip(shard.opened, shard.codes, shard.numbers, strict=True)
    ):
        case_number = shard.first + offset
        maker.case(
            case_id=plan.first_case_id + case_number,
            person_id=plan.first_person_id + case_number,
            number=case_number,
            opened_on=opened_on,
            code=code,
            seq=number,
            city_id=pick_city(rng),
        )
    rows = maker.take()
    # In primary-key order (token, person): the shard goes into the key's b-tree in one
    # sweep instead of at random places (the 824,000 tokens of 100,000 cases: 2.4-3.0 CPU s
    # on SQLite instead of 5.3-6.6).
    rows[PERSON_TOKEN_COLUMNS[0]].sort()
    keys = cast(list[tuple[str, bytes]], rows[keystore.data_key])
    tables = [rows[table] for table, _ in TARGETS]
    counts = [len(table_rows) for table_rows in tables]
    if plan.sqlite:
        return Drawn(keys, [list(chain.from_iterable(t)) for t in tables], counts)
    return Drawn(keys, [_copy_text(t) for t in tables], counts)


def _copy_text(rows: list[Row]) -> bytes:
    """``rows`` in the text format of PostgreSQL's ``COPY`` (what psycopg's ``write_row``
    sends; built here, in the worker, it costs the writing process nothing)."""
    text = _COPY_TEXT
    return "".join(
        ["\t".join([text[type(value)](value) for value in row]) + "\n" for row in rows]
    ).encode()


# Backslash, tab, newline and carriage return escaped, as COPY's text format wants them.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
# How each type of value the drawing makes is written in COPY's text format.
_COPY_TEXT: dict[type, Callable[[Any], str]] = {
    type(None): lambda _: "\\N",
    bool: lambda value: "t" if value else "f",
    int: str,
    str: lambda value: value.translate(_COPY_ESCAPES),
    bytes: lambda value: "\\\\x" + value.hex(),  # bytea's hex form, its backslash escaped
    dt.date: dt.date.isoformat,
    dt.datetime: dt.datetime.isoformat,  # aware (UTC): with its offset
}


def ready() -> None:
    """Nothing: a worker that runs it has started and imported this module."""
