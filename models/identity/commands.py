"""The vault's ``waypoint`` subcommands: purge, retention, backup, restore and keys.

``add_parsers`` declares them on the main parser; ``run`` executes one and returns the exit
status. Messages never carry a name: only case codes, counts and file names.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet

from models.database import session_scope
from models.enums import PurgeReason
from models.errors import ValidationError
from models.identity.backup import (
    BackupError,
    backup,
    rebuild_name_index,
    restore,
    rotate_master_key,
)
from models.identity.purge import CaseNotFound, purge_now, reapply_purges
from models.identity.retention import apply_retention, identities_due

COMMANDS = ("purge", "retention", "backup", "restore", "keys")


def add_parsers(commands: argparse._SubParsersAction) -> None:
    purge = commands.add_parser("purge", help="destroy a person's identity now (crypto-shred)")
    purge.add_argument("code", help="the case code, e.g. WP-24-0137")
    purge.add_argument("--reason", required=True, choices=[r.value for r in PurgeReason])
    purge.add_argument("--whole-case", action="store_true", help="delete the case facts too")
    purge.add_argument("--yes", action="store_true", help="confirm (required)")

    retention = commands.add_parser("retention", help="purge identities of long-closed cases")
    mode = retention.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="list what is due")
    mode.add_argument("--apply", action="store_true", help="purge what is due")

    saving = commands.add_parser("backup", help="copy the SQLite database (online backup)")
    saving.add_argument("file", type=Path)

    restoring = commands.add_parser("restore", help="restore a backup, then purge again")
    restoring.add_argument("file", type=Path, nargs="?")
    restoring.add_argument(
        "--reapply-only",
        action="store_true",
        help="only re-apply the purge ledger (after pg_restore or a copied-back file)",
    )

    keys = commands.add_parser("keys", help="master keys and the name index")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    key_commands.add_parser("rotate", help="re-wrap every data key under the first master key")
    key_commands.add_parser("generate", help="print a new master key")
    key_commands.add_parser(
        "reindex", help="rebuild the name index under the current blind-index key"
    )


def _fail(message: str) -> int:
    print(f"waypoint: {message}", file=sys.stderr)
    return 2


def run(engine: sa.Engine, args: argparse.Namespace, *, today: dt.date) -> int:
    """Run the vault command in ``args``; returns the exit status."""
    try:
        if args.command == "purge":
            return _purge(engine, args)
        if args.command == "retention":
            return _retention(engine, args, today)
        if args.command == "backup":
            backup(engine, args.file)
            print(f"Backed up to {args.file} (ciphertext only; back up the key store apart)")
            return 0
        if args.command == "restore":
            if args.reapply_only:
                done = reapply_purges(engine)
            elif args.file is None:
                return _fail("name the backup file, or pass --reapply-only")
            else:
                done = restore(engine, args.file).reapplied
                print(f"Restored {args.file}")
            print(f"Purges re-applied: {done.identities} identities, {done.cases} whole cases")
            return 0
        if args.keys_command == "generate":
            print(Fernet.generate_key().decode())
            return 0
        if args.keys_command == "reindex":
            people = rebuild_name_index(engine)
            print(f"Rebuilt the name index of {people} people under the current blind-index key")
            return 0
        count = rotate_master_key(engine)
        print(f"Re-wrapped {count} data keys under the first master key; the others can go.")
        return 0
    except BackupError as error:
        return _fail(str(error))


def _purge(engine: sa.Engine, args: argparse.Namespace) -> int:
    if not args.yes:
        return _fail("a purge cannot be undone; pass --yes to confirm")
    try:
        result = purge_now(
            engine,
            actor=None,
            code=args.code,
            confirmation=args.code,
            reason=PurgeReason(args.reason),
            whole_case=args.whole_case,
        )
    except CaseNotFound:
        return _fail(f"no case {args.code.strip().upper()}")
    except ValidationError as error:
        field, message = next(iter(error.messages.items()))
        return _fail(f"{field}: {message}")
    what = "case and identity" if result.whole_case else "identity"
    print(f"Purged the {what} of {result.case_code}; its data key is destroyed.")
    if result.exports:
        print("Exports that may hold a copy (chase them):")
        for export in result.exports:
            print(f"  {export.at:%Y-%m-%d %H:%M} UTC  {export.username or '-'}  {export.entity}")
    return 0


def _retention(engine: sa.Engine, args: argparse.Namespace, today: dt.date) -> int:
    if args.apply:
        codes = apply_retention(engine, today=today)
        print(f"Purged {len(codes)} identities at the end of their retention period")
        return 0
    with session_scope(engine) as session:
        due = identities_due(session, today=today)
    for item in due:
        print(f"{item.case_code}  closed {item.closed_on}  due {item.due_on}  {item.organisation}")
    print(f"{len(due)} identities due (nothing purged: dry run)")
    return 0
