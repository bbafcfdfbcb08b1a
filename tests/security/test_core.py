"""Accounts, passwords, roles, API keys, refresh families and the blocklist, without the web layer."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
import redis
from sqlalchemy import select

from omics.security import accounts, api_keys, tokens
from omics.security.database import Database
from omics.security.models import ApiKey, RefreshFamily, User
from omics.security.passwords import WeakPasswordError
from omics.security.roles import Permission, Role, permissions_for

PASSWORD = "correct horse battery"


def _user(database: Database, name: str = "alice", role: str = "researcher") -> User:
    with database.transaction() as session:
        return accounts.create_user(session, name, PASSWORD, role)


def test_password_is_stored_as_argon2_and_checked(database: Database) -> None:
    user = _user(database)
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    with database.transaction() as session:
        assert accounts.authenticate(session, "alice", PASSWORD).id == user.id
        assert accounts.authenticate(session, "alice", PASSWORD + "x") is None
        assert accounts.authenticate(session, "nobody", PASSWORD) is None
        assert accounts.authenticate(session, "' OR 1=1 --", PASSWORD) is None


def test_account_rules(database: Database) -> None:
    _user(database)
    with database.transaction() as session:
        with pytest.raises(accounts.AccountError):
            accounts.create_user(session, "alice", PASSWORD, "researcher")
        with pytest.raises(accounts.AccountError):
            accounts.create_user(session, "bad name!", PASSWORD, "researcher")
        with pytest.raises(WeakPasswordError):
            accounts.create_user(session, "bob", "short", "researcher")
        with pytest.raises(ValueError):
            accounts.create_user(session, "bob", PASSWORD, "anonymous")
        with pytest.raises(ValueError):
            accounts.create_user(session, "bob", PASSWORD, "superuser")


def test_role_change_returns_previous_role(database: Database) -> None:
    _user(database)
    with database.transaction() as session:
        user, previous = accounts.set_role(session, "alice", "curator")
    assert previous is Role.RESEARCHER and user.role == "curator"


def test_roles_grant_increasing_permissions() -> None:
    anonymous, researcher, curator, admin = (permissions_for(role) for role in Role)
    assert anonymous < researcher < curator < admin
    assert Permission.AUDIT_READ in admin and Permission.AUDIT_READ not in curator
    assert permissions_for("made-up") == anonymous


def test_api_key_shown_once_stored_hashed_and_recorded_on_use(database: Database) -> None:
    user = _user(database)
    with database.transaction() as session:
        new = api_keys.create_key(session, session.merge(user), "laptop", ["search"])
    assert new.secret.startswith("omk_") and len(new.secret) > 40
    with database.transaction() as session:
        stored = session.scalar(select(ApiKey))
        assert stored.key_hash != new.secret and new.secret not in stored.key_hash
        assert stored.last_used_at is None
        used = api_keys.authenticate_key(session, new.secret, "10.0.0.7")
        assert api_keys.effective_scopes(used) == {Permission.SEARCH}
    with database.transaction() as session:
        assert session.scalar(select(ApiKey)).last_used_ip == "10.0.0.7"


@pytest.mark.parametrize("presented", ["omk_" + "A" * 43, "not-a-key", ""])
def test_unknown_keys_rejected(database: Database, presented: str) -> None:
    with database.transaction() as session, pytest.raises(api_keys.KeyRejected) as rejected:
        api_keys.authenticate_key(session, presented, None)
    assert rejected.value.reason == "unknown"


def test_revoked_and_expired_keys_rejected(database: Database) -> None:
    user = _user(database)
    with database.transaction() as session:
        owner = session.merge(user)
        revoked = api_keys.create_key(session, owner, "old", None)
        expired = api_keys.create_key(session, owner, "gone", None, lifetime=timedelta(seconds=-1))
        assert api_keys.revoke_key(session, user.id, revoked.record.id) is not None
        assert api_keys.revoke_key(session, user.id + 1, expired.record.id) is None
    for new, reason in ((revoked, "revoked"), (expired, "expired")):
        with database.transaction() as session, pytest.raises(api_keys.KeyRejected) as rejected:
            api_keys.authenticate_key(session, new.secret, None)
        assert rejected.value.reason == reason


def test_key_scopes_limited_by_role(database: Database) -> None:
    user = _user(database)
    with database.transaction() as session:
        owner = session.merge(user)
        for scopes in (["admin:audit"], ["keys:manage"], ["no-such-scope"]):
            with pytest.raises(api_keys.ScopeError):
                api_keys.create_key(session, owner, "too much", scopes)
        new = api_keys.create_key(session, owner, "reader", ["search", "datasets:read"])
        owner.role = "admin"
        owner_key = session.merge(new.record)
        assert Permission.AUDIT_READ not in api_keys.effective_scopes(owner_key)


def test_refresh_rotation_and_reuse_revokes_family(database: Database) -> None:
    user = _user(database)
    with database.transaction() as session:
        family = tokens.start_family(session, user.id, "jti-1")
    with database.transaction() as session:
        assert tokens.rotate(session, family, "jti-1", "jti-2") is tokens.Rotation.ROTATED
    with database.transaction() as session:
        assert tokens.rotate(session, family, "jti-1", "jti-3") is tokens.Rotation.REUSED
    with database.transaction() as session:
        assert tokens.rotate(session, family, "jti-2", "jti-4") is tokens.Rotation.REVOKED
        assert session.get(RefreshFamily, family).revoked_reason == "reuse"
        assert tokens.rotate(session, str(uuid.uuid4()), "x", "y") is tokens.Rotation.UNKNOWN


def test_blocklist_entries_expire_with_the_token(redis_client: redis.Redis) -> None:
    blocklist = tokens.Blocklist(redis_client, namespace=f"test:{uuid.uuid4().hex}")
    jti, family = uuid.uuid4().hex, uuid.uuid4().hex
    assert not blocklist.is_blocked(jti, family)
    blocklist.block_token(jti, int(time.time()) + 2)
    assert blocklist.is_blocked(jti, None)
    ttl = redis_client.ttl(f"{blocklist._namespace}:jti:{jti}")
    assert 0 < ttl <= 3
    blocklist.block_family(family, 60)
    assert blocklist.is_blocked("other", family)
    blocklist.block_token("already-expired", int(time.time()) - 10)
    assert not blocklist.is_blocked("already-expired", None)


def test_the_just_rotated_token_is_replayed_within_the_grace_window_only(database: Database) -> None:
    """Two tabs refreshing at once: the second presents the token the first just rotated."""
    with database.transaction() as session:
        user = accounts.create_user(session, "tabs", "a long password for tabs", "researcher")
        family = tokens.start_family(session, user.id, "jti-1")
    with database.transaction() as session:
        assert tokens.rotate(session, family, "jti-1", "jti-2", grace_seconds=10) is tokens.Rotation.ROTATED
        issued = tokens.current_pair(session, family)
    with database.transaction() as session:  # the second tab, a moment later
        assert tokens.rotate(session, family, "jti-1", "jti-9", grace_seconds=10) is tokens.Rotation.REPLAYED
        assert tokens.current_pair(session, family) == issued == ("jti-2", issued[1])
    with database.transaction() as session:  # the grace window has passed
        family_row = session.get(RefreshFamily, family)
        family_row.rotated_at -= timedelta(seconds=11)
    with database.transaction() as session:
        assert tokens.rotate(session, family, "jti-1", "jti-8", grace_seconds=10) is tokens.Rotation.REUSED
        assert session.get(RefreshFamily, family).revoked_reason == "reuse"


def test_an_older_token_is_reuse_even_within_the_grace_window(database: Database) -> None:
    with database.transaction() as session:
        user = accounts.create_user(session, "thief", "a long password for thief", "researcher")
        family = tokens.start_family(session, user.id, "a")
        tokens.rotate(session, family, "a", "b", grace_seconds=10)
        tokens.rotate(session, family, "b", "c", grace_seconds=10)
        assert tokens.rotate(session, family, "a", "d", grace_seconds=10) is tokens.Rotation.REUSED


def test_a_database_from_before_the_grace_window_gains_its_column(database: Database) -> None:
    from sqlalchemy import inspect

    with database.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE refresh_families DROP COLUMN previous_jti")
    database.create_schema()  # what every process does at start
    columns = {column["name"] for column in inspect(database.engine).get_columns("refresh_families")}
    assert "previous_jti" in columns
    database.create_schema()  # and again: nothing to do
