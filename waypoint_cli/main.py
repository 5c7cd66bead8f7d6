"""The ``waypoint`` command: database upgrades, demo data, accounts and releases."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col, select

from models.accounts import create_user, plain_name, validate_password
from models.database import (
    DatabaseUnavailable,
    SchemaOutOfDate,
    check_schema,
    current_revision,
    describe,
    head_revision,
    make_engine,
    session_scope,
    upgrade,
)
from models.duplicates.setting import SETTINGS as NETWORK_SETTINGS
from models.enums import Role
from models.errors import ValidationError
from models.identity import commands as vault_commands
from models.network.referrals import expire_overdue
from models.releases import BudgetError, ReleaseError
from models.settings import DEMO_PASSWORD_DEFAULT, ConfigurationError, Settings, load_settings
from models.stored import refresh, vacuum_after_load
from models.tables import Organisation
from seed_data.generator import ExistingCasesError, seed
from waypoint_cli.duplicates import duplicates_csv, network_setting_command, refresh_queue
from waypoint_cli.imports import run_import
from waypoint_cli.releases import export_command, list_command, publish_command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="waypoint", description=__doc__)
    parser.add_argument(
        "--database-url",
        help="database to use (default: WAYPOINT_DATABASE_URL, else the demo SQLite file)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="bring the database to the newest schema")
    db_commands.add_parser("current", help="show the schema revision of the database")

    seeding = commands.add_parser("seed", help="write synthetic demo data")
    seeding.add_argument("--cases", type=int, default=600)
    seeding.add_argument("--seed", type=int, default=7)
    seeding.add_argument("--today", type=dt.date.fromisoformat, help="date the data ends on")
    seeding.add_argument(
        "--allow-existing-cases",
        action="store_true",
        help="seed even though the database already holds cases (demo databases only)",
    )

    refreshing = commands.add_parser(
        "refresh",
        help="move the stored risk levels to today, record overdue referrals as expired and "
        "search the network for duplicates again (run daily from cron)",
    )
    refreshing.add_argument("--today", type=dt.date.fromisoformat, help="day to compute for")

    organisation = commands.add_parser("create-organisation", help="add an organisation")
    organisation.add_argument("name")

    user = commands.add_parser("create-user", help="add an account; prompts for the password")
    user.add_argument("--username", required=True)
    user.add_argument("--name", required=True, help="display name")
    user.add_argument("--role", required=True, choices=[r.value for r in Role])
    user.add_argument("--organisation", help="organisation name (not needed for funders)")

    importing = commands.add_parser("import", help="import cases from a spreadsheet")
    importing.add_argument("file", type=Path, help=".csv, .xlsx or .ods")
    importing.add_argument("--organisation", required=True, help="organisation name")
    importing.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    importing.add_argument("--result", type=Path, help="write the per-row result CSV here")

    duplicates = commands.add_parser("duplicates", help="pairs of likely duplicate people")
    duplicates.add_argument("--organisation", help="organisation name (default: every one)")
    duplicates.add_argument("--format", choices=["csv"], default="csv")
    duplicates.add_argument(
        "--refresh",
        action="store_true",
        help="search the whole network again and store the pairs coordinators review",
    )
    network = commands.add_parser("network-setting", help="show or change a network setting")
    network.add_argument("name", choices=NETWORK_SETTINGS)
    network.add_argument("value", nargs="?", choices=["on", "off"])
    release = commands.add_parser("release", help="quarterly releases for funders")
    release_commands = release.add_subparsers(dest="release_command", required=True)
    publish = release_commands.add_parser(
        "publish", help="publish a closed quarter (its draft, or a new one)"
    )
    publish.add_argument("--quarter", required=True, help="e.g. 2026Q3")
    release_commands.add_parser("list", help="every release drafted, with its status")
    export = release_commands.add_parser("export", help="write a published release to a file")
    export.add_argument("--quarter", required=True, help="e.g. 2026Q3")
    export.add_argument("--format", required=True, choices=["csv", "xlsx", "html", "pdf"])
    export.add_argument("--output", required=True, type=Path)
    export.add_argument("--language", default="en", choices=["en", "ru"])
    vault_commands.add_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigurationError as error:
        print(f"waypoint: {error}", file=sys.stderr)
        return 2
    engine = make_engine(args.database_url or settings.database_url)
    try:
        if args.command == "db":
            if args.db_command == "upgrade":
                before = current_revision(engine)
                upgrade(engine)
                print(f"{describe(engine)}: schema {before or 'empty'} -> {head_revision()}")
            else:
                print(
                    f"{describe(engine)}: {current_revision(engine) or 'empty'} "
                    f"(this code needs {head_revision()})"
                )
            return 0
        # A restored file may carry an older schema; a new key needs no database at all.
        if args.command == "restore" or getattr(args, "keys_command", None) == "generate":
            return vault_commands.run(engine, args, today=settings.today())
        check_schema(engine)
        if args.command == "seed":
            demo_database = settings.demo_mode and args.database_url is None
            password = _seed_password(settings, demo_database=demo_database)
            started = time.perf_counter()
            with session_scope(engine) as session:
                report = seed(
                    session,
                    cases=args.cases,
                    seed=args.seed,
                    today=args.today or settings.today(),
                    password=password,
                    allow_existing_cases=args.allow_existing_cases,
                )
            vacuum_after_load(engine)
            elapsed = time.perf_counter() - started
            print(
                f"Seeded {report.cases} cases in {elapsed:.1f} s "
                f"({report.cases / max(elapsed, 1e-9):,.0f} cases/s) into {describe(engine)}"
            )
            print(refresh_queue(engine))  # the demo's duplicates, ready to review
            return 0
        if args.command == "refresh":
            day = args.today or settings.today()
            with session_scope(engine) as session:
                recomputed = refresh(session, today=day)
                expired = expire_overdue(session)
            print(f"Stored risk levels are for {day}: {recomputed} cases recomputed")
            print(f"Referrals past their answer deadline recorded as expired: {expired}")
            print(refresh_queue(engine))
            return 0
        if args.command == "create-organisation":
            name = " ".join(args.name.split())
            try:
                plain_name("name", name)  # as the admin page checks it
            except ValidationError as error:
                print(_validation_message(error), file=sys.stderr)
                return 2
            with session_scope(engine) as session:
                session.add(Organisation(name=name))
            print(f"Created organisation {name!r}")
            return 0
        if args.command == "create-user":
            return _create_user(engine, args)
        if args.command == "import":
            code, lines = run_import(
                engine,
                path=args.file,
                organisation=args.organisation,
                dry_run=args.dry_run,
                result=args.result,
                today=settings.today(),
            )
            print("\n".join(lines), file=sys.stdout if code == 0 else sys.stderr)
            return code
        if args.command == "duplicates" and args.refresh:
            print(refresh_queue(engine))
            return 0
        if args.command == "duplicates":
            code, text = duplicates_csv(engine, organisation=args.organisation)
            print(text, end="", file=sys.stdout if code == 0 else sys.stderr)
            return code
        if args.command == "network-setting":
            print(network_setting_command(engine, name=args.name, value=args.value))
            return 0
        if args.command in vault_commands.COMMANDS:
            return vault_commands.run(engine, args, today=settings.today())
        if args.command == "release":
            return _release(engine, args, today=settings.today())
    except (
        DatabaseUnavailable,
        SchemaOutOfDate,
        ExistingCasesError,
        ReleaseError,
        BudgetError,
        ConfigurationError,
    ) as error:
        print(f"waypoint: {error}", file=sys.stderr)
        return 2
    return 1


def _release(engine: sa.Engine, args: argparse.Namespace, *, today: dt.date) -> int:
    if args.release_command == "publish":
        print(publish_command(engine, quarter=args.quarter, today=today))
    elif args.release_command == "list":
        print("\n".join(list_command(engine)))
    else:
        print(
            export_command(
                engine,
                quarter=args.quarter,
                export=args.format,
                output=args.output,
                language=args.language,
            )
        )
    return 0


def _seed_password(settings: Settings, *, demo_database: bool) -> str:
    """The password of every account ``waypoint seed`` creates, or ``ConfigurationError``.

    The demo database (no database configured) takes ``WAYPOINT_DEMO_PASSWORD`` or the
    default that the README prints. Any other database may be a real one, where the seeded
    accounts, an admin among them, would open with that published password: there the
    setting must be given, and pass the policy of every other account's password."""
    if demo_database:
        return settings.demo_password
    if settings.demo_password == DEMO_PASSWORD_DEFAULT:
        raise ConfigurationError(
            "seeding a configured database creates accounts, an admin among them, that would "
            f"open with the published demo password {DEMO_PASSWORD_DEFAULT!r}. Set "
            "WAYPOINT_DEMO_PASSWORD to a password of your own (12 or more characters, hard to "
            "guess) and seed again; nothing was written."
        )
    if any(word in settings.demo_password.lower() for word in ("waypoint", "demo")):
        # zxcvbn rates 'waypoint demo password' strong; its words are in the README.
        raise ConfigurationError(
            "WAYPOINT_DEMO_PASSWORD: a password containing 'waypoint' or 'demo' is among the "
            "first a guesser tries here. Choose another and seed again; nothing was written."
        )
    try:
        # The default's words are known to every guesser: the README prints them.
        return validate_password(
            settings.demo_password,
            user_inputs=["waypoint", "demo", "waypoint-demo"],
            field="WAYPOINT_DEMO_PASSWORD",
        )
    except ValidationError as error:
        raise ConfigurationError(
            f"{_validation_message(error)} The seeded accounts, an admin among them, would open "
            "with it: set a stronger one and seed again; nothing was written."
        ) from None


def _validation_message(error: ValidationError) -> str:
    """``field: message`` of a ``ValidationError``, in English."""
    field, message = next(iter(error.messages.items()))
    return f"{field}: {message.format(**error.params[field])}"


def _create_user(engine: sa.Engine, args: argparse.Namespace) -> int:
    with session_scope(engine) as session:
        organisation_id = None
        if args.organisation:
            org = session.exec(
                select(Organisation).where(col(Organisation.name) == args.organisation.strip())
            ).first()
            if org is None:
                print(f"waypoint: no organisation named {args.organisation!r}", file=sys.stderr)
                return 2
            organisation_id = org.id
        password = getpass.getpass("Password (12+ characters): ")
        if password != getpass.getpass("Repeat the password: "):
            print("waypoint: the two passwords differ; nothing was created", file=sys.stderr)
            return 2
        try:
            create_user(
                session,
                actor=None,
                username=args.username,
                display_name=args.name,
                role=Role(args.role),
                organisation_id=organisation_id,
                password=password,
            )
        except ValidationError as error:
            print(f"waypoint: {_validation_message(error)}; nothing was created", file=sys.stderr)
            return 2
    print(f"Created {args.role} account {args.username.strip().lower()!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
