"""``python app.py create-client ...`` and ``python app.py rotate-keys``.

``create-client`` prints ``client_id`` and, for a confidential client, ``client_secret`` once,
as ``key: value`` lines. ``rotate-keys`` starts signing with a new key; tokens signed by the
old one keep working until they expire (running web processes pick the new key up within
their keyring cache time, 30 seconds). Both are audited with the actor ``cli``.
"""

from __future__ import annotations

import argparse

from omics.config import Settings
from omics.security import audit
from omics.security.database import Database
from omics.security.oauth import clients, keys


def _cli_event(action: str, target: str | None, details: dict[str, object]) -> audit.AuditEvent:
    return audit.AuditEvent(
        action=action, outcome="success", actor="cli", actor_role="admin", target=target, details=details
    )


def create_client(settings: Settings, args: argparse.Namespace) -> None:
    database = Database.from_settings(settings)
    try:
        with database.transaction() as session:
            new = clients.register(
                session,
                args.name,
                args.grants.split(","),
                args.scopes.split(","),
                public=args.public,
                owner=args.owner,
            )
            view = clients.client_to_dict(new.record)
            audit.append(session, _cli_event("client_create", view["client_id"], {"name": args.name, **view}))
    except clients.ClientError as error:
        raise SystemExit(f"create-client: {error}") from None
    print(f"client_id: {view['client_id']}")
    if new.secret is not None:
        print(f"client_secret: {new.secret}")


def rotate_keys(settings: Settings, args: argparse.Namespace) -> None:
    database = Database.from_settings(settings)
    algorithm = settings.oauth.signing_algorithm
    try:
        with database.transaction() as session:
            kid, retired = keys.rotate(
                session, algorithm, keys.passphrase(settings), keys.verify_window(settings)
            )
            pruned = keys.prune(session)
            details = {"algorithm": algorithm, "retired": retired, "pruned": pruned, "reason": "command"}
            audit.append(session, _cli_event("key_rotate", kid, details))
    except keys.SigningKeyError as error:
        raise SystemExit(f"rotate-keys: {error}") from None
    print(f"kid: {kid}")
    print(f"retired: {','.join(retired) or '-'}")


def add_commands(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``create-client`` and ``rotate-keys`` to ``app.py``'s command line."""
    create = subcommands.add_parser("create-client", help="register an OAuth2 client")
    create.add_argument("name")
    create.add_argument("--grants", required=True, help=f"comma-separated: {','.join(clients.GRANT_TYPES)}")
    create.add_argument("--scopes", required=True, help=f"comma-separated: {','.join(clients.SCOPES)}")
    create.add_argument("--public", action="store_true", help="no secret (a CLI tool, the docs page)")
    create.add_argument("--owner", help="the user a client_credentials client acts as")
    create.set_defaults(func=create_client)
    rotate = subcommands.add_parser("rotate-keys", help="sign tokens with a new key (nobody is logged out)")
    rotate.set_defaults(func=rotate_keys)
