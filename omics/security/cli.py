"""Command-line operations on accounts and the audit log: ``create-user`` and ``audit-verify``.

Registered as subcommands of ``app.py``. The password comes from ``OMICS_PASSWORD`` or an
interactive prompt, never from the command line (where ``ps`` and shell history would keep
it). ``audit-verify`` exits non-zero when the chain was edited, truncated or has a hole.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from omics.config import Settings
from omics.security import accounts, audit
from omics.security.database import Database
from omics.security.passwords import WeakPasswordError
from omics.security.roles import ACCOUNT_ROLES


def _password() -> str:
    from_env = os.environ.get("OMICS_PASSWORD")
    if from_env:
        return from_env
    try:
        first = getpass.getpass("Password: ")
        again = getpass.getpass("Repeat password: ")
    except EOFError:
        raise SystemExit("create-user: set OMICS_PASSWORD or run in a terminal") from None
    if first != again:
        raise SystemExit("create-user: the passwords differ")
    return first


def create_user(settings: Settings, args: argparse.Namespace) -> None:
    database = Database.from_settings(settings)
    try:
        with database.transaction() as session:
            user = accounts.create_user(session, args.name, _password(), args.role)
            audit.append(
                session,
                audit.AuditEvent(
                    action="user_create",
                    outcome="success",
                    actor="cli",
                    actor_role="admin",
                    target=user.username,
                    details={"role": user.role},
                ),
            )
    except (accounts.AccountError, WeakPasswordError, ValueError) as error:
        raise SystemExit(f"create-user: {error}") from None
    print(f"created {args.role} {args.name}")


def audit_verify(settings: Settings, args: argparse.Namespace) -> None:
    database = Database.from_settings(settings)
    with database.transaction() as session:
        report = audit.verify(session)
    for problem in report.problems:
        print(f"audit-verify: {problem}", file=sys.stderr)
    if not report.ok:
        raise SystemExit(1)
    print(
        f"audit log intact: {report.entries} entries (HMAC-keyed from entry {report.keyed_from}; "
        f"{report.anchors} anchors outside the database checked)"
    )


def flower_basic_auth(settings: Settings) -> str:
    """Flower's ``--basic-auth`` option; refuses to run Flower without usable credentials.

    Flower reads ``--basic-auth`` as a comma-separated list of ``user:password`` pairs, so a
    comma would split the password into fragments that each log in while the real password
    fails; a colon in the user name would move the boundary between name and password.
    Such credentials are refused with a message instead of being passed on broken.
    """
    user, password = settings.security.flower_user, settings.security.flower_password
    if not user or not password:
        raise SystemExit("flower: set OMICS_FLOWER_USER and OMICS_FLOWER_PASSWORD (no default password)")
    if "," in user or "," in password or ":" in user:
        raise SystemExit(
            "flower: OMICS_FLOWER_USER and OMICS_FLOWER_PASSWORD must not contain a comma, nor the "
            "user a colon (Flower splits its credential list at commas); choose other ones"
        )
    return f"--basic-auth={user}:{password}"


def add_commands(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``create-user`` and ``audit-verify`` to ``app.py``'s command line."""
    create = subcommands.add_parser("create-user", help="create an account")
    create.add_argument("name")
    create.add_argument("--role", required=True, choices=[role.value for role in ACCOUNT_ROLES])
    create.set_defaults(func=create_user)
    verify = subcommands.add_parser("audit-verify", help="check the audit hash chain")
    verify.set_defaults(func=audit_verify)
