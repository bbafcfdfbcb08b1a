"""Save a search, ingest new series from (fake) NCBI, see the alert arrive live, in the browser.

A server of its own on a copy of the session's data directory, with a real worker process on
the ingest queue and the fake NCBI offering new narwhal series: a researcher signs in (cookie
mode), searches for "narwhal" (nothing in the corpus yet), saves the search from the search
page and finds it on her account page; a curator then starts an ingestion over HTTP, and the
alert for the new series appears in the open account page without a reload, pushed on the
researcher's own WebSocket channel, linking to the series' page.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from omics.config import Settings
from tests.browser.conftest import PASSWORD, Browser, browser_session
from tests.fake_ncbi import FakeNcbi
from tests.ingest.conftest import ingest_settings, ingest_stack, ncbi  # noqa: F401 (fixtures)
from tests.live_server import LiveServer

pytestmark = pytest.mark.system

# Users' live channels live in Redis by user name: names of this run only.
RUN = uuid.uuid4().hex[:8]
RESEARCHER, CURATOR = f"ada-{RUN}", f"cato-{RUN}"


@pytest.fixture(scope="module")
def alert_site(
    ingest_settings: Settings,  # noqa: F811 (the fixture imported above)
    ncbi: FakeNcbi,  # noqa: F811
    celery_worker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    """The web server and its ingest worker; the session's worker answers the page's searches."""
    users = {RESEARCHER: "researcher", CURATOR: "curator"}
    log = tmp_path_factory.mktemp("alert-worker") / "worker.log"
    with ingest_stack(ingest_settings, ncbi, users, PASSWORD, log) as server:
        yield server


@pytest.fixture
def researcher(request: pytest.FixtureRequest, alert_site: LiveServer, tmp_path: Path) -> Iterator[Browser]:
    yield from browser_session(request, alert_site, tmp_path, 1280)


def _assert_accessible(browser: Browser) -> None:
    violations = browser.axe_violations()
    assert violations == [], json.dumps(violations, indent=1)


def _ingest_as_curator(site: LiveServer, body: dict[str, Any]) -> dict[str, Any]:
    """Start an ingestion over HTTP as the curator; the saga once it has ended."""
    login = requests.post(
        f"{site.url}/api/v2/auth/login", json={"username": CURATOR, "password": PASSWORD}, timeout=10
    )
    curator = {"Authorization": f"Bearer {login.json()['access_token']}"}
    started = requests.post(f"{site.url}/api/v2/ingestions", json=body, headers=curator, timeout=10)
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        saga = requests.get(site.url + started.json()["links"]["self"], headers=curator, timeout=10).json()
        if saga["status"] != "running":
            return dict(saga)
        time.sleep(0.3)
    raise AssertionError(f"the ingestion never ended: {saga}")


def test_a_saved_search_raises_a_live_alert_when_an_ingestion_brings_a_match(
    researcher: Browser, alert_site: LiveServer
) -> None:
    researcher.sign_in(RESEARCHER)
    researcher.open("/?q=narwhal+tusk")
    assert researcher.wait_for_results() == []  # not in the corpus yet
    name = researcher.visible("#save-search-name")
    assert name.get_attribute("value") == "narwhal tusk"
    name.clear()
    name.send_keys("Narwhal tusks")
    researcher.css("#save-search button[type=submit]").click()
    said = researcher.wait(
        lambda _: (
            "Saved as" in researcher.css("#save-search-said").text and researcher.css("#save-search-said")
        )
    )
    assert "“Narwhal tusks”" in said.text
    _assert_accessible(researcher)
    researcher.screenshot("search-saved")

    said.find_element("css selector", "a[href='/account']").click()
    researcher.wait(lambda _: "Narwhal tusks" in researcher.visible("#saved-searches").text)
    run_it = researcher.css("#saved-searches a")
    assert run_it.get_attribute("href").endswith("/?q=narwhal+tusk")
    researcher.wait(lambda _: researcher.css("#alerts-live").text)  # the live channel is open
    assert researcher.all("#alerts li") == []
    _assert_accessible(researcher)
    researcher.screenshot("account-before")

    saga = _ingest_as_curator(alert_site, {"since": "2024-03-01", "until": "2024-03-31"})
    assert saga["status"] == "completed" and saga["counts"]["alerts"] >= 1, saga

    alert = researcher.wait(lambda _: researcher.all("#alerts li a"), timeout=60)[0]  # no reload
    assert alert.text == "GSE990101" and alert.get_attribute("href").endswith("/datasets/GSE990101")
    assert "Narwhal tusk sensory transcriptome" in researcher.css("#alerts li").text
    assert "matches “Narwhal tusks”" in researcher.css("#alerts li").text  # which saved search
    assert len(researcher.all("#alerts li")) == 1  # once, though the channel replays from its start
    _assert_accessible(researcher)
    researcher.screenshot("alert-arrived")

    researcher.driver.refresh()  # listed by GET /api/v2/alerts, then replayed by the channel
    researcher.wait(lambda _: researcher.css("#alerts-live").text and researcher.all("#alerts li"))
    time.sleep(1.5)  # the replay's frames arrive just after the socket opens
    assert len(researcher.all("#alerts li")) == 1
    alert = researcher.css("#alerts li a")

    alert.click()
    researcher.wait(lambda _: researcher.driver.current_url.endswith("/datasets/GSE990101"))
    assert "Narwhal tusk sensory transcriptome" in researcher.visible(".dataset").text
    researcher.screenshot("alerted-series")
