"""Sign-in with an external OpenID Connect provider, following every redirect over real HTTP."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from omics.config import OAuthSettings, SecuritySettings, Settings
from omics.security.database import Database
from omics.security.oauth.models import ExternalIdentity
from omics.web.state import state_of
from tests.live_server import LiveServer
from tests.security.conftest import PASSWORD, app_in_own_schema, audit_rows, bearer, create_accounts
from tests.security.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, Person


@pytest.fixture(scope="module")
def oidc_app(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str, celery_app: Any, provider: OidcProvider
) -> Iterator[Flask]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("oidc-data"),
        redis_url=redis_url,
        secret_key="oidc-tests-" + uuid.uuid4().hex,
        security=SecuritySettings(
            database_url=os.environ.get("DATABASE_URL") or None,
            rate_limit_anonymous="1000/minute",
            rate_limit_user="1000/minute",
        ),
        oauth=OAuthSettings(
            oidc_issuer=provider.url,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            oidc_name="ORCID",
        ),
    )
    with app_in_own_schema(settings, celery_app) as app:
        create_accounts(app)
        yield app


@pytest.fixture(scope="module")
def server(oidc_app: Flask) -> Iterator[LiveServer]:
    with LiveServer(oidc_app) as live:
        yield live


def sign_in(server: LiveServer) -> tuple[requests.Session, requests.Response]:
    """A browser's journey: our login route, the provider, our callback, the home page."""
    browser = requests.Session()
    landed = browser.get(f"{server.url}/oauth/oidc/login", timeout=20)
    return browser, landed


def whoami(browser: requests.Session, server: LiveServer) -> dict[str, Any]:
    answer: dict[str, Any] = browser.get(f"{server.url}/api/v2/auth/me", timeout=10).json()
    return answer


def test_researcher_signs_in_through_the_provider_and_again_to_the_same_account(
    server: LiveServer, provider: OidcProvider, oidc_app: Flask
) -> None:
    provider.sign_in_as = Person("0000-0001-5109-3700", "marie", "marie@example.org", {"role": "admin"})
    checks_before = provider.pkce_checks
    browser, landed = sign_in(server)
    hops = [response.url.split("?")[0] for response in landed.history]
    assert hops == [
        f"{server.url}/oauth/oidc/login",
        f"{provider.url}/authorize",
        f"{server.url}/oauth/oidc/callback",
    ]
    assert landed.status_code == 200 and landed.url == f"{server.url}/"
    assert provider.pkce_checks == checks_before + 1
    first = whoami(browser, server)
    # The provider's claim to make her an admin is ignored: the default role, until an admin says otherwise.
    assert first["subject"] == "marie" and first["role"] == "researcher" and first["method"] == "cookie"
    again, _ = sign_in(server)
    assert whoami(again, server)["subject"] == "marie"
    database: Database = state_of(oidc_app).security.database
    with database.transaction() as session:
        links = session.scalar(
            select(func.count())
            .select_from(ExternalIdentity)
            .where(ExternalIdentity.subject == "0000-0001-5109-3700")
        )
    assert links == 1
    entries = audit_rows(database, "external_login")
    assert [entry["details"]["created"] for entry in entries[-2:]] == [True, False]
    assert entries[-1]["actor"] == "marie" and entries[-1]["details"]["issuer"] == provider.url


def test_admin_assigns_the_role_and_name_clashes_get_their_own_account(
    server: LiveServer, provider: OidcProvider
) -> None:
    # Someone at the provider calls themselves "alice", but the local alice is someone else.
    provider.sign_in_as = Person("0000-0003-0000-0001", "alice", "alice@elsewhere.org")
    browser, _ = sign_in(server)
    outsider = whoami(browser, server)["subject"]
    assert outsider != "alice" and outsider.startswith("alice-")
    admin = requests.post(
        f"{server.url}/api/v2/auth/login", json={"username": "root", "password": PASSWORD}, timeout=10
    ).json()["access_token"]
    changed = requests.put(
        f"{server.url}/api/v2/admin/users/{outsider}/role",
        json={"role": "curator"},
        headers=bearer(admin),
        timeout=10,
    )
    assert changed.status_code == 200
    browser, _ = sign_in(server)
    assert whoami(browser, server) | {"permissions": None} == {
        "subject": outsider,
        "role": "curator",
        "method": "cookie",
        "permissions": None,
    }
    # A linked account has no password to guess.
    assert (
        requests.post(
            f"{server.url}/api/v2/auth/login",
            json={"username": outsider, "password": "!external"},
            timeout=10,
        ).status_code
        == 401
    )


def test_a_forged_callback_is_refused_and_audited(server: LiveServer, oidc_app: Flask) -> None:
    browser = requests.Session()
    forged = browser.get(f"{server.url}/oauth/oidc/callback?code=stolen&state=made-up", timeout=10)
    assert forged.status_code == 400 and forged.json()["error"]["code"] == "external_login_failed"
    assert "access_token_cookie" not in browser.cookies
    failures = audit_rows(state_of(oidc_app).security.database, "external_login")
    assert failures[-1]["outcome"] == "failure"


def test_without_a_configured_provider_the_routes_are_404(client: Any) -> None:
    response = client.get("/oauth/oidc/login")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_the_page_offers_the_provider_only_when_configured(server: LiveServer, client: Any) -> None:
    page = requests.get(f"{server.url}/", timeout=10).text
    assert 'href="/oauth/oidc/login"' in page and "Sign in with ORCID" in page
    assert "/oauth/oidc/login" not in client.get("/").get_data(as_text=True)


def test_the_account_page_lists_the_provider_only_when_configured(server: LiveServer, client: Any) -> None:
    listed = requests.get(f"{server.url}/api/v2/auth/providers", timeout=10).json()["providers"]
    assert listed == [{"name": "ORCID", "login_url": "/oauth/oidc/login"}]
    assert client.get("/api/v2/auth/providers").get_json() == {"providers": []}
