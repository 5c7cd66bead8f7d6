"""Plain factory functions that build test data through the ORM, one row at a time, and the
set-up that several test modules share (the seeded world of the dashboard pages, the idle
caseworker, the page opener)."""

from __future__ import annotations

import datetime as dt
import itertools

import sqlalchemy as sa
from sqlmodel import Session, select

from models.access import Actor
from models.accounts import hash_password
from models.database import make_engine
from models.enums import (
    CaseStatus,
    Category,
    DetentionOutcome,
    DetentionPlace,
    ExtraditionStatus,
    Outcome,
    PermitType,
    Role,
    Stage,
)
from models.identity.crypto import Identity
from models.identity.store import add_person
from models.stored import store_case
from models.tables import (
    Case,
    City,
    Detention,
    LegalStatus,
    Organisation,
    StageChange,
    User,
    utcnow,
)
from seed_data.generator import seed
from tests.oracle import TODAY, Rows

PASSWORD = "correct horse battery"
SEEDED_CASES = 300
_counter = itertools.count(1)
_HASH: dict[str, str] = {}


def password_hash(password: str = PASSWORD) -> str:
    """bcrypt is slow on purpose; hash each test password once per run."""
    if password not in _HASH:
        _HASH[password] = hash_password(password)
    return _HASH[password]


def make_organisation(session: Session, name: str | None = None) -> Organisation:
    org = Organisation(name=name or f"Organisation {next(_counter)}")
    session.add(org)
    session.flush()
    return org


def make_user(
    session: Session,
    *,
    role: Role = Role.CASEWORKER,
    organisation: Organisation | None = None,
    username: str | None = None,
    password: str = PASSWORD,
    active: bool = True,
) -> User:
    number = next(_counter)
    user = User(
        username=username or f"user{number}",
        # Distinct, as people's names are: AppTest picks a select box's option by its label.
        display_name=f"Test User {number}",
        role=role,
        organisation_id=organisation.id if organisation else None,
        password_hash=password_hash(password),
        active=active,
    )
    session.add(user)
    session.flush()
    return user


def actor_of(user: User) -> Actor:
    return Actor.of(user)


def make_city(
    session: Session,
    *,
    key: str | None = None,
    country: str = "KZ",
    lat: float | None = 43.24,
    lon: float | None = 76.89,
    region: str = "Almaty",
) -> City:
    key = key or f"city{next(_counter)}"
    city = City(
        key=key,
        name_en=key.title(),
        name_ru=key.title(),
        region_en=region,
        region_ru=region,
        country=country,
        lat=lat,
        lon=lon,
    )
    session.add(city)
    session.flush()
    return city


def make_case(
    session: Session,
    *,
    organisation: Organisation,
    caseworker: User | None = None,
    city: City | None = None,
    category: Category = Category.ACTIVIST,
    stage: Stage = Stage.INTAKE,
    opened_on: dt.date = dt.date(2025, 3, 1),
    outcome: Outcome | None = None,
    permit_type: PermitType = PermitType.TEMPORARY_RESIDENCE,
    permit_expires_on: dt.date | None = None,
    wanted: bool = False,
    dual_criminality: bool = False,
    extradition: ExtraditionStatus = ExtraditionStatus.NONE,
    full_name: str | None = None,
    updated_at: dt.datetime | None = None,
    code: str | None = None,
) -> Case:
    """A case with its person, legal status and first stage change."""
    seq = next(_counter)
    case = Case(
        code=code or f"WP-{opened_on.year % 100:02d}-{seq:04d}",
        intake_year=opened_on.year,
        intake_seq=seq,
        category=category,
        city_id=city.id if city else None,
        organisation_id=organisation.id,  # type: ignore[arg-type]
        caseworker_id=caseworker.id if caseworker else None,
        stage=stage,
        status=CaseStatus.CLOSED if outcome else CaseStatus.OPEN,
        outcome=outcome,
        opened_on=opened_on,
        closed_on=opened_on + dt.timedelta(days=30) if outcome else None,
        updated_at=updated_at or utcnow(),
    )
    session.add(case)
    session.flush()
    assert case.id is not None
    add_person(
        session,
        case_id=case.id,
        identity=Identity(
            full_name=full_name or f"Тестовый Человек {seq}", name_latin=f"Test Person {seq}"
        ),
    )
    session.add(
        LegalStatus(
            case_id=case.id,
            permit_type=permit_type,
            permit_expires_on=permit_expires_on,
            wanted=wanted,
            dual_criminality=dual_criminality,
            extradition_status=extradition,
        )
    )
    session.add(
        StageChange(
            case_id=case.id,
            from_stage=None,
            to_stage=Stage.INTAKE,
            changed_at=dt.datetime.combine(opened_on, dt.time(9), dt.UTC),
        )
    )
    # As the app does after every write: the case's stored risk follows its facts.
    store_case(session, case_id=case.id)
    return case


def make_detention(
    session: Session,
    *,
    case: Case,
    detained_on: dt.date,
    released_on: dt.date | None = None,
    place: DetentionPlace = DetentionPlace.DOCUMENT_CHECK,
) -> Detention:
    detention = Detention(
        case_id=case.id,  # type: ignore[arg-type]
        detained_on=detained_on,
        released_on=released_on,
        place=place,
        outcome=DetentionOutcome.RELEASED if released_on else DetentionOutcome.PENDING,
    )
    session.add(detention)
    store_case(session, case_id=case.id)  # type: ignore[arg-type]
    return detention


def seeded(engine: sa.Engine, cases: int = SEEDED_CASES) -> None:
    """The demo generator's world (seed 7) as of ``TODAY``, committed."""
    with Session(engine) as session:
        seed(session, cases=cases, seed=7, today=TODAY, password="a-long-test-password-1")
        session.commit()


def actor_named(session: Session, username: str) -> Actor:
    return actor_of(session.exec(select(User).where(User.username == username)).one())


def seeded_world(database_url: str) -> tuple[Rows, dict[str, Actor]]:
    """A database of ``SEEDED_CASES`` seeded cases, its raw rows, and the demo coordinator
    and caseworker: the shared set-up of the dashboard page tests."""
    engine = make_engine(database_url)
    seeded(engine)
    with Session(engine) as session:
        rows = Rows.read(session)
        actors = {name: actor_named(session, name) for name in ("coordinator", "caseworker")}
    engine.dispose()
    return rows, actors


def idle_caseworker(database_url: str) -> Actor:
    """A caseworker of an organisation of their own, with no case at all (committed)."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            user = make_user(session, role=Role.CASEWORKER, organisation=make_organisation(session))
            session.commit()
            return actor_of(user)
    finally:
        engine.dispose()


def open_dashboard(page_test, page: str, database_url: str, actor, **options):  # type: ignore[no-untyped-def]
    """Run dashboard ``page`` in AppTest as ``actor`` on ``TODAY``; it must not fail."""
    at = page_test(
        page, database_url=database_url, actor=actor, today=TODAY.isoformat(), **options
    ).run()
    assert not at.exception
    return at
