"""Sign-in through the configured OpenID Connect provider, in the browser.

A server configured with the provider stand-in (``tests/security/oidc_provider.py``, which
signs in whoever ``sign_in_as`` names, checking PKCE, the code and the client secret as a real
provider does): the researcher picks the provider on the account page, passes through it and
comes back signed in to her own account, with the page saying so; signing out ends it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from omics.config import OAuthSettings, Settings
from tests.browser.conftest import Browser, browser_session
from tests.live_server import LiveServer
from tests.security.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider, Person

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def provider_site(
    tmp_path_factory: pytest.TempPathFactory, settings: Settings, celery_app: Any, provider: OidcProvider
) -> Iterator[LiveServer]:
    from app import create_app

    configured = replace(
        settings,
        data_dir=tmp_path_factory.mktemp("provider-site"),
        secret_key="provider-site-" + uuid.uuid4().hex,
        oauth=OAuthSettings(
            oidc_issuer=provider.url,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            oidc_name="ORCID",
        ),
    )
    with LiveServer(create_app(configured, celery_app)) as live:
        yield live


@pytest.fixture
def visitor(request: pytest.FixtureRequest, provider_site: LiveServer, tmp_path: Path) -> Iterator[Browser]:
    yield from browser_session(request, provider_site, tmp_path, 1280)


def test_sign_in_with_the_provider_from_the_account_page_and_out_again(
    visitor: Browser, provider: OidcProvider
) -> None:
    provider.sign_in_as = Person("0000-0002-9079-593X", "ada", "ada@example.org")
    visitor.open("/account")
    choice = visitor.visible("#provider-list a")
    assert choice.text.endswith("ORCID") and choice.get_attribute("href").endswith("/oauth/oidc/login")
    violations = visitor.axe_violations()
    assert violations == [], json.dumps(violations, indent=1)
    visitor.screenshot("providers-offered")

    choice.click()  # our login route -> the provider -> our callback -> the search page
    visitor.wait(lambda _: visitor.driver.current_url == f"{visitor.base_url}/")
    visitor.open("/account")
    assert "Signed in as ada" in visitor.visible("#who").text
    visitor.wait(lambda _: not visitor.css("a.sign-in").is_displayed())  # signed in: no second offer
    for scope in visitor.all("#key-scopes label"):  # each box sits on its label's line
        box = scope.find_element("css selector", "input")
        assert abs(box.rect["y"] + box.rect["height"] / 2 - (scope.rect["y"] + scope.rect["height"] / 2)) < 4
        assert box.rect["x"] < scope.rect["x"] + 8
    visitor.screenshot("signed-in-through-provider")

    visitor.css("#sign-out").click()
    visitor.wait(lambda _: visitor.css("#nav-account").text == "Sign in")
    visitor.open("/account")
    visitor.visible("#login-form")
    visitor.visible("a.sign-in")
