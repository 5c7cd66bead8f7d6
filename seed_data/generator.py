"""The deterministic demo-data generator behind ``waypoint seed``.

Given a number of cases, a seed and a "today", it always writes the same rows. Its
distributions follow ../shared/DOMAIN.md: most people in Almaty and Astana; deserters wanted
more often and with a higher extradition risk (desertion is a crime in Kazakhstan too);
permits expiring throughout the coming year with some already expired; detentions rare and
mostly short; a pipeline with realistic drop-off whose stage history reaches back two years;
housing and employment needs mostly unmet. Rows are written in bulk with Core inserts.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from models.accounts import hash_password
from models.audit import record
from models.enums import (
    AsylumStatus,
    AuditAction,
    CaseStatus,
    Category,
    DetentionOutcome,
    DetentionPlace,
    EmploymentSituation,
    ExtraditionStatus,
    HousingSituation,
    Outcome,
    PermitType,
    Role,
    Stage,
    Urgency,
)
from models.i18n import Language
from models.tables import (
    Case,
    CaseNote,
    City,
    Detention,
    EmploymentNeed,
    HousingNeed,
    LegalStatus,
    Organisation,
    Person,
    StageChange,
    User,
)
from seed_data.names import synthetic_person

SEED_DIR = Path(__file__).resolve().parent
CITIES_CSV = SEED_DIR / "cities.csv"
HISTORY_DAYS = 730
BATCH = 5000

ORGANISATIONS = [
    "Steppe Human Rights Bureau",
    "Open Door Legal Aid",
    "Harbour Shelter Network",
]

# username, display name, role, index into ORGANISATIONS (None: no organisation)
DEMO_ACCOUNTS: list[tuple[str, str, Role, int | None]] = [
    ("admin", "Demo Administrator", Role.ADMIN, 0),
    ("coordinator", "Demo Coordinator", Role.COORDINATOR, 0),
    ("caseworker", "Demo Caseworker", Role.CASEWORKER, 0),
    ("caseworker2", "Demo Caseworker 2", Role.CASEWORKER, 1),
    ("funder", "Demo Funder", Role.FUNDER, None),
]

CITY_WEIGHTS = {
    "almaty": 40,
    "astana": 22,
    "shymkent": 4,
    "karaganda": 3,
    "aktobe": 2,
    "oral": 2,
    "oskemen": 3,
    "pavlodar": 2,
    "semey": 1.5,
    "kostanay": 1.5,
    "petropavl": 1.5,
    "atyrau": 1,
    "aktau": 1,
    "taraz": 1,
    "kyzylorda": 0.5,
}
ABROAD_WEIGHT = 1.2  # each city outside Kazakhstan: people who moved on

CATEGORY_WEIGHTS = {
    Category.JOURNALIST: 15,
    Category.ACTIVIST: 30,
    Category.DESERTER: 22,
    Category.MOBILISATION_EVADER: 26,
    Category.OTHER: 7,
}
WANTED_SHARE = {
    Category.JOURNALIST: 0.45,
    Category.ACTIVIST: 0.40,
    Category.DESERTER: 0.75,
    Category.MOBILISATION_EVADER: 0.35,
    Category.OTHER: 0.15,
}
# Russian Criminal Code articles with their maximum sentence in years.
CHARGES = {
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
    Outcome.DEPORTED: 10,
    Outcome.EXTRADITED: 5,
}
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


class ExistingCasesError(RuntimeError):
    """The target database already holds cases; seeding would mix demo data into them."""


@dataclass
class SeedReport:
    cases: int = 0
    rows: dict[str, int] = field(default_factory=dict)


def load_cities(session: Session) -> list[City]:
    """Insert the reference cities that are missing and return all cities."""
    existing = {city.key for city in session.exec(select(City))}
    with CITIES_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["key"] in existing:
                continue
            session.add(
                City(
                    key=row["key"],
                    name_en=row["name_en"],
                    name_ru=row["name_ru"],
                    region_en=row["region_en"],
                    region_ru=row["region_ru"],
                    country=row["country"],
                    lat=float(row["lat"]) if row["lat"] else None,
                    lon=float(row["lon"]) if row["lon"] else None,
                )
            )
    session.flush()
    return list(session.exec(select(City).order_by(City.id)))


def _organisations(session: Session) -> list[Organisation]:
    found = []
    for name in ORGANISATIONS:
        org = session.exec(select(Organisation).where(Organisation.name == name)).first()
        if org is None:
            org = Organisation(name=name)
            session.add(org)
            session.flush()
        found.append(org)
    return found


def _staff(
    session: Session, organisations: list[Organisation], password: str, n_cases: int
) -> dict[int, list[User]]:
    """Demo accounts, and enough further caseworkers for the caseload; the caseworkers of
    each organisation, keyed by its id."""
    password_hash = hash_password(password)  # one hash shared by every synthetic account
    wanted: list[tuple[str, str, Role, int | None]] = list(DEMO_ACCOUNTS)
    per_org = max(2, n_cases // (len(organisations) * 60))
    for index, org in enumerate(organisations):
        wanted.append(
            (
                f"coordinator{index + 1}",
                f"Coordinator {org.name.split()[0]}",
                Role.COORDINATOR,
                index,
            )
        )
        for number in range(1, per_org + 1):
            wanted.append(
                (
                    f"cw{index + 1}-{number:03d}",
                    f"Caseworker {index + 1}-{number:03d}",
                    Role.CASEWORKER,
                    index,
                )
            )
    existing = {u.username: u for u in session.exec(select(User))}
    for username, display, role, org_index in wanted:
        if username in existing:
            continue
        user = User(
            username=username,
            display_name=display,
            role=role,
            organisation_id=organisations[org_index].id if org_index is not None else None,
            password_hash=password_hash,
            language=Language.EN,
        )
        session.add(user)
        existing[username] = user
    session.flush()
    caseworkers: dict[int, list[User]] = {org.id: [] for org in organisations if org.id}
    for user in existing.values():
        if user.role == Role.CASEWORKER and user.organisation_id in caseworkers:
            caseworkers[user.organisation_id].append(user)
    for users in caseworkers.values():
        users.sort(key=lambda u: u.username)
    return caseworkers


def _weighted(rng: random.Random, weights: dict) -> object:  # type: ignore[type-arg]
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(7, 19), rng.randint(0, 59)), dt.UTC)


class _Batches:
    """Rows per table, flushed with one executemany per table every ``BATCH`` cases."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: dict[sa.Table, list[dict[str, object]]] = {}
        self.counts: dict[str, int] = {}

    def add(self, table: sa.Table, row: dict[str, object]) -> None:
        self.rows.setdefault(table, []).append(row)

    def flush(self) -> None:
        for table, rows in self.rows.items():
            if rows:
                self.session.execute(sa.insert(table), rows)
                self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
        self.rows = {}


def seed(
    session: Session,
    *,
    cases: int,
    seed: int,
    today: dt.date,
    password: str,
    allow_existing_cases: bool = False,
) -> SeedReport:
    """Write ``cases`` synthetic cases, with the demo organisations, accounts and cities.

    Refuses (``ExistingCasesError``) when the database already holds cases, unless
    ``allow_existing_cases``. The caller commits ``session``.
    """
    existing = session.exec(sa.select(sa.func.count()).select_from(Case)).one()[0]  # type: ignore[call-overload]
    if existing and not allow_existing_cases:
        raise ExistingCasesError(
            f"This database already holds {existing} cases. Seeding would mix synthetic "
            "cases with them. Use an empty database, or pass --allow-existing-cases if it "
            "holds only demo data."
        )
    rng = random.Random(seed)
    cities = load_cities(session)
    organisations = _organisations(session)
    caseworkers = _staff(session, organisations, password, cases)
    creator = session.exec(select(User).where(User.username == "coordinator")).first()
    creator_id = creator.id if creator else None

    city_weights = {
        city.id: CITY_WEIGHTS.get(city.key, ABROAD_WEIGHT if city.country != "KZ" else 0.5)
        for city in cities
    }
    start = today - dt.timedelta(days=HISTORY_DAYS)
    # Intake dates first, sorted, so that codes run in order within each year.
    opened = sorted(
        start + dt.timedelta(days=int(HISTORY_DAYS * rng.random() ** 0.9)) for _ in range(cases)
    )
    next_case_id = (session.exec(sa.select(sa.func.max(Case.id))).one()[0] or 0) + 1  # type: ignore[call-overload]
    sequence: dict[int, int] = {}
    for year in {day.year for day in opened}:
        sequence[year] = session.exec(  # type: ignore[call-overload]
            sa.select(sa.func.coalesce(sa.func.max(Case.intake_seq), 0)).where(
                Case.intake_year == year
            )
        ).one()[0]

    batches = _Batches(session)
    for number, opened_on in enumerate(opened):
        case_id = next_case_id + number
        sequence[opened_on.year] += 1
        _one_case(
            batches,
            rng,
            case_id=case_id,
            opened_on=opened_on,
            today=today,
            seq=sequence[opened_on.year],
            city_id=_weighted(rng, city_weights),  # type: ignore[arg-type]
            organisations=organisations,
            caseworkers=caseworkers,
            creator_id=creator_id,
        )
        if (number + 1) % BATCH == 0:
            batches.flush()
    batches.flush()
    record(
        session,
        actor=None,
        action=AuditAction.SEED,
        entity="database",
        detail=f"{cases} synthetic cases, seed {seed}",
    )
    session.flush()
    return SeedReport(cases=cases, rows=batches.counts)


def _one_case(
    batches: _Batches,
    rng: random.Random,
    *,
    case_id: int,
    opened_on: dt.date,
    today: dt.date,
    seq: int,
    city_id: int,
    organisations: list[Organisation],
    caseworkers: dict[int, list[User]],
    creator_id: int | None,
) -> None:
    category: Category = _weighted(rng, CATEGORY_WEIGHTS)  # type: ignore[assignment]
    org = organisations[rng.choices(range(len(organisations)), weights=[45, 35, 20])[0]]
    assert org.id is not None
    staff = caseworkers[org.id]
    # A few fresh intakes wait for a caseworker.
    caseworker_id = None if rng.random() < 0.04 else rng.choice(staff).id

    # Walk the pipeline from intake until today or an exit.
    stage = Stage.INTAKE
    entered = _at(opened_on, rng)
    history = [(None, Stage.INTAKE, entered)]
    outcome: Outcome | None = None
    closed_on: dt.date | None = None
    now = dt.datetime.combine(today, dt.time(23, 59), dt.UTC)
    while True:
        if stage == Stage.RELOCATED:
            outcome, closed_on = Outcome.RELOCATED, entered.date()
            break
        chance, low, high = ADVANCE[stage]
        days = rng.randint(low, high)
        moment = entered + dt.timedelta(days=days, minutes=rng.randint(0, 600))
        if moment > now:
            break
        if rng.random() < chance:
            following = list(Stage)[stage.position + 1]
            history.append((stage, following, moment))
            stage, entered = following, moment
        else:
            outcome = _weighted(rng, EXIT_OUTCOMES)  # type: ignore[assignment]
            if category == Category.DESERTER and outcome == Outcome.SETTLED_LOCALLY:
                outcome = Outcome.EXTRADITED if rng.random() < 0.12 else outcome
            closed_on = moment.date()
            break
    status = CaseStatus.CLOSED if outcome else CaseStatus.OPEN
    last_activity = history[-1][2]
    if status == CaseStatus.OPEN:
        # Most open cases were touched recently; a share has gone quiet for weeks.
        quiet = rng.randint(15, 90) if rng.random() < 0.18 else rng.randint(0, 13)
        last_activity = max(last_activity, now - dt.timedelta(days=quiet, hours=rng.randint(0, 12)))
    else:
        last_activity = max(last_activity, _at(closed_on, rng))  # type: ignore[arg-type]

    destination = (
        _weighted(rng, DESTINATIONS) if stage.position >= Stage.VISA_APPLICATION.position else None
    )
    batches.add(
        Case.__table__,
        {  # type: ignore[attr-defined]
            "id": case_id,
            "code": f"WP-{opened_on.year % 100:02d}-{seq:04d}",
            "intake_year": opened_on.year,
            "intake_seq": seq,
            "category": category,
            "city_id": city_id,
            "organisation_id": org.id,
            "caseworker_id": caseworker_id,
            "stage": stage,
            "destination_country": destination,
            "status": status,
            "outcome": outcome,
            "opened_on": opened_on,
            "closed_on": closed_on,
            "created_at": history[0][2],
            "updated_at": last_activity,
            "version": 1,
        },
    )
    for from_stage, to_stage, moment in history:
        batches.add(
            StageChange.__table__,
            {  # type: ignore[attr-defined]
                "case_id": case_id,
                "from_stage": from_stage,
                "to_stage": to_stage,
                "changed_at": moment,
                "changed_by_id": creator_id,
            },
        )
    batches.add(
        Person.__table__,
        {
            "case_id": case_id,
            **synthetic_person(rng),  # type: ignore[attr-defined]
            "birth_year": rng.randint(1965, 2004),
            "contact": f"+7 70{rng.randint(0, 9)} {rng.randint(100, 999)} "
            f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
        },
    )
    _legal_status(
        batches,
        rng,
        case_id=case_id,
        category=category,
        opened_on=opened_on,
        today=today,
        status=status,
    )
    _detentions(
        batches,
        rng,
        case_id=case_id,
        category=category,
        opened_on=opened_on,
        today=today,
        outcome=outcome,
        closed_on=closed_on,
    )
    _needs(batches, rng, case_id=case_id, today=today, last_activity=last_activity.date())
    for _ in range(rng.choices([0, 1, 2, 3], weights=[30, 35, 25, 10])[0]):
        day = opened_on + dt.timedelta(
            days=rng.randint(0, max(0, (last_activity.date() - opened_on).days))
        )
        batches.add(
            CaseNote.__table__,
            {  # type: ignore[attr-defined]
                "case_id": case_id,
                "author_id": caseworker_id or creator_id,
                "body": rng.choice(NOTE_TEMPLATES),
                "created_at": _at(day, rng),
            },
        )


def _legal_status(
    batches: _Batches,
    rng: random.Random,
    *,
    case_id: int,
    category: Category,
    opened_on: dt.date,
    today: dt.date,
    status: CaseStatus,
) -> None:
    wanted = rng.random() < WANTED_SHARE[category]
    permit: PermitType = _weighted(
        rng,
        {  # type: ignore[assignment]
            PermitType.TEMPORARY_RESIDENCE: 40,
            PermitType.VISA_FREE: 22,
            PermitType.NONE: 12,
            PermitType.ASYLUM_PENDING: 10,
            PermitType.PERMANENT_RESIDENCE: 3,
            PermitType.REFUGEE_STATUS: 2,
            PermitType.OTHER: 11,
        },
    )
    issued = expires = None
    if permit in (PermitType.TEMPORARY_RESIDENCE, PermitType.OTHER, PermitType.ASYLUM_PENDING):
        # Expiry spread through the coming year, about one in eight already past.
        expires = today + dt.timedelta(days=rng.randint(-75, 365))
        issued = max(opened_on, expires - dt.timedelta(days=365))
        issued = min(issued, expires)
    elif permit == PermitType.VISA_FREE:
        expires = today + dt.timedelta(days=rng.randint(-30, 90))
        issued = expires - dt.timedelta(days=90)
    elif permit in (PermitType.PERMANENT_RESIDENCE, PermitType.REFUGEE_STATUS):
        issued = opened_on
        expires = issued + dt.timedelta(days=365 * 5)
    dual = category == Category.DESERTER or (
        category == Category.MOBILISATION_EVADER and rng.random() < 0.2
    )
    extradition = ExtraditionStatus.NONE
    if wanted:
        risk = 2.5 if dual else 1.0
        roll = rng.random()
        if roll < 0.012 * risk:
            extradition = ExtraditionStatus.ORDERED
        elif roll < 0.05 * risk:
            extradition = ExtraditionStatus.PROCEEDINGS
        elif roll < 0.14 * risk:
            extradition = ExtraditionStatus.REQUESTED
        elif roll < 0.18 * risk:
            extradition = ExtraditionStatus.REFUSED
    article, years = rng.choice(CHARGES[category]) if wanted else (None, None)
    passport_held = rng.random() < 0.55
    batches.add(
        LegalStatus.__table__,
        {  # type: ignore[attr-defined]
            "case_id": case_id,
            "permit_type": permit,
            "permit_issued_on": issued,
            "permit_expires_on": expires,
            "extension_refused": bool(expires and rng.random() < 0.12),
            "wanted": wanted,
            "charge_article": article,
            "charge_max_years": years,
            "dual_criminality": bool(wanted and dual),
            "extradition_status": extradition,
            "asylum_status": _weighted(
                rng,
                {
                    AsylumStatus.NOT_APPLIED: 70,
                    AsylumStatus.PENDING: 14,
                    AsylumStatus.REFUSED: 10,
                    AsylumStatus.APPEAL: 4,
                    AsylumStatus.GRANTED: 2,
                },
            ),
            "passport_held": passport_held,
            "passport_expires_on": today + dt.timedelta(days=rng.randint(-200, 3000))
            if passport_held
            else None,
            "updated_at": _at(opened_on, rng),
        },
    )


def _detentions(
    batches: _Batches,
    rng: random.Random,
    *,
    case_id: int,
    category: Category,
    opened_on: dt.date,
    today: dt.date,
    outcome: Outcome | None,
    closed_on: dt.date | None,
) -> None:
    share = 0.14 if category == Category.DESERTER else 0.06
    forced_exit = outcome in (Outcome.DEPORTED, Outcome.EXTRADITED)
    if not forced_exit and rng.random() >= share:
        return
    end = closed_on or today
    span = max(0, (end - opened_on).days)
    detained_on = opened_on + dt.timedelta(days=rng.randint(0, span))
    place = _weighted(
        rng,
        {
            DetentionPlace.DOCUMENT_CHECK: 50,
            DetentionPlace.AIRPORT: 25,
            DetentionPlace.BORDER: 10,
            DetentionPlace.HOME: 10,
            DetentionPlace.OTHER: 5,
        },
    )
    if forced_exit:
        released_on = None
        result = (
            DetentionOutcome.DEPORTED
            if outcome == Outcome.DEPORTED
            else DetentionOutcome.EXTRADITED
        )
        detained_on = max(opened_on, (closed_on or today) - dt.timedelta(days=rng.randint(2, 60)))
        released_on = closed_on
    elif rng.random() < 0.8:
        released_on = detained_on + dt.timedelta(days=rng.randint(0, 3))
        result = DetentionOutcome.RELEASED
    else:
        released_on = detained_on + dt.timedelta(days=rng.randint(20, 200))
        result = DetentionOutcome.RELEASED_ON_CONDITIONS
    if outcome is None and (today - detained_on).days < 14 and rng.random() < 0.5:
        released_on = None  # a recent arrest whose outcome is still open
    if released_on is not None and released_on > today or released_on is None and not forced_exit:
        released_on, result = (
            None,
            (
                DetentionOutcome.EXTRADITION_ARREST
                if category == Category.DESERTER
                else DetentionOutcome.PENDING
            ),
        )
    batches.add(
        Detention.__table__,
        {  # type: ignore[attr-defined]
            "case_id": case_id,
            "detained_on": detained_on,
            "place": place,
            "released_on": released_on,
            "outcome": result,
            "created_at": _at(detained_on, rng),
        },
    )


def _needs(
    batches: _Batches,
    rng: random.Random,
    *,
    case_id: int,
    today: dt.date,
    last_activity: dt.date,
) -> None:
    housing: HousingSituation = _weighted(
        rng,
        {  # type: ignore[assignment]
            HousingSituation.STABLE: 22,
            HousingSituation.TEMPORARY: 40,
            HousingSituation.SHELTER: 15,
            HousingSituation.AT_RISK: 17,
            HousingSituation.HOMELESS: 6,
        },
    )
    batches.add(
        HousingNeed.__table__,
        {  # type: ignore[attr-defined]
            "case_id": case_id,
            "situation": housing,
            "need": None
            if housing == HousingSituation.STABLE
            else "Affordable rental or shelter place",
            "urgency": Urgency.HIGH
            if housing in (HousingSituation.HOMELESS, HousingSituation.AT_RISK)
            else _weighted(rng, {Urgency.LOW: 40, Urgency.MEDIUM: 60}),
            "met": housing == HousingSituation.STABLE or rng.random() < 0.15,
            "updated_on": min(today, last_activity),
        },
    )
    work: EmploymentSituation = _weighted(
        rng,
        {  # type: ignore[assignment]
            EmploymentSituation.FORMAL: 8,
            EmploymentSituation.INFORMAL: 45,
            EmploymentSituation.REMOTE: 15,
            EmploymentSituation.UNEMPLOYED: 32,
        },
    )
    batches.add(
        EmploymentNeed.__table__,
        {  # type: ignore[attr-defined]
            "case_id": case_id,
            "situation": work,
            "need": None if work == EmploymentSituation.FORMAL else "Legal work or income support",
            "urgency": Urgency.HIGH
            if work == EmploymentSituation.UNEMPLOYED
            else _weighted(rng, {Urgency.LOW: 50, Urgency.MEDIUM: 50}),
            "met": work == EmploymentSituation.FORMAL or rng.random() < 0.12,
            "updated_on": min(today, last_activity),
        },
    )
