"""The workspace tests reuse the security tests' app with one account per role."""

from tests.security.conftest import accounts_db, client, secure_app, security_settings

__all__ = ["accounts_db", "client", "secure_app", "security_settings"]
