"""Accounts, passwords, roles, API keys, refresh-token families and the audit chain.

Pure Python over SQLAlchemy and Redis: no Flask or Celery here, so every rule can be tested
alone and reused by the command line (``create-user``, ``audit-verify``) and the web layer.
Callers use the modules by name (``accounts.create_user``, ``audit.record``, ...).
"""

from omics.security import accounts, api_keys, audit, passwords, roles, tokens
from omics.security.database import Database
from omics.security.roles import Permission, Role
from omics.security.state import SecurityState

__all__ = [
    "Database",
    "Permission",
    "Role",
    "SecurityState",
    "accounts",
    "api_keys",
    "audit",
    "passwords",
    "roles",
    "tokens",
]
