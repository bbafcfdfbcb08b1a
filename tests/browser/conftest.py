"""Browser tests: Debian's Chromium driven by selenium against a live server these tests start.

Nothing is downloaded: the browser and driver are the system's (``apt-get install chromium
chromium-driver``); axe-core is vendored under ``vendor/axe-core`` (MPL-2.0). Every test gets a
fresh profile, checks the console for errors and saves screenshots of its journey in
``OMICS_SCREENSHOTS`` (default ``bench/out/screenshots``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from omics.config import REPOSITORY_ROOT
from tests.live_server import LiveServer

CHROMIUM = os.environ.get("OMICS_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("OMICS_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("OMICS_SCREENSHOTS", REPOSITORY_ROOT / "bench" / "out" / "screenshots"))
PASSWORD = "browser test password 7"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
USERS = {"reader": "researcher", "keeper": "researcher", "boss": "admin"}
MISSING_SERIES = "GSE999999999"  # the journeys' accession that is not in the corpus
# 404s the pages expect: endpoints other subsystems add later (the panels hide meanwhile) and the
# look-up of the missing series. Chromium logs them as network errors; they are not page faults.
EXPECTED_404 = (
    "/api/v2/saved-searches",
    "/api/v2/alerts",
    "/api/v2/admin/sagas",
    "/api/v2/auth/providers",
    MISSING_SERIES,
)


@pytest.fixture(scope="session")
def site(live_server: LiveServer, app: Any) -> LiveServer:
    """The live server, with one account per user of the journeys."""
    from omics.security import accounts
    from omics.web.state import state_of

    with state_of(app).security.database.transaction() as session:
        for name, role in USERS.items():
            if accounts.find_user(session, name) is None:
                accounts.create_user(session, name, PASSWORD, role)
    return live_server


class Browser:
    """One Chromium session with the helpers the journeys need."""

    def __init__(self, driver: Any, base_url: str, journey: str, width: int) -> None:
        self.driver = driver
        self.width = width
        self.base_url = base_url
        self.journey = journey
        self.shots = 0
        self.expected_failures = list(EXPECTED_404)

    def expect_failure(self, path: str) -> None:
        """A request of the journey that is meant to fail (its network error is no page fault)."""
        self.expected_failures.append(path)

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def wait(self, condition: Any, timeout: float = 60) -> Any:
        """Until ``condition`` holds; an element replaced while it was being checked (the page
        re-rendered it) is checked again, not an error."""
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait

        waiting = WebDriverWait(
            self.driver, timeout, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)
        )
        return waiting.until(condition)

    def css(self, selector: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def all(self, selector: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return list(self.driver.find_elements(By.CSS_SELECTOR, selector))

    def visible(self, selector: str, timeout: float = 60) -> Any:
        return self.wait(
            lambda _: self.all(selector) and self.css(selector).is_displayed() and self.css(selector)
        )

    def results(self) -> list[str]:
        return [item.get_attribute("data-accession") for item in self.all("#results > li")]

    def wait_for_results(self) -> list[str]:
        """Waits until a search has finished (progress hidden, a summary shown)."""
        self.wait(lambda _: self.css("#summary").text and not self.css("#progress").is_displayed())
        return self.results()

    def screenshot(self, name: str) -> Path:
        """A full-page screenshot named after the journey and the step."""
        self.shots += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.journey}-{self.shots:02d}-{name}.png"
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.emulate(self.width, min(max(height, 700), 6000))
        self.driver.save_screenshot(str(path))
        self.emulate(self.width, 900)
        return path

    def emulate(self, width: int, height: int) -> None:
        """A viewport of exactly this size (headless windows have a minimum width)."""
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )

    def axe_violations(self) -> list[dict[str, Any]]:
        """WCAG 2.x A and AA violations that axe-core finds on the page as it is now."""
        self.driver.execute_script(AXE.read_text(encoding="utf-8"))
        result: dict[str, Any] = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
            ".then((r) => done({violations: r.violations.map((v) => ({id: v.id, help: v.help,"
            " nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' '))}))}))"
            ".catch((e) => done({violations: [{id: 'axe-error', help: String(e), nodes: []}]}));",
            WCAG_TAGS,
        )
        return list(result["violations"])

    def horizontal_overflow(self) -> int:
        """How many pixels the page is wider than the window (0: no sideways scrolling)."""
        return int(
            self.driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
        )

    def console_errors(self) -> list[dict[str, Any]]:
        """Console errors, except 404s of the endpoints other subsystems will add."""

        def expected(entry: dict[str, Any]) -> bool:
            message = entry["message"]
            return entry.get("source") == "network" and any(p in message for p in self.expected_failures)

        entries = self.driver.get_log("browser")
        return [entry for entry in entries if entry["level"] == "SEVERE" and not expected(entry)]

    def sign_in(self, username: str) -> None:
        self.open("/account")
        self.visible("#username").send_keys(username)
        self.css("#password").send_keys(PASSWORD)
        self.css("#login-form button[type=submit]").click()
        self.visible("#who")


def _driver(profile: Path, width: int) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},1000")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(60)
    return driver


def browser_session(
    request: pytest.FixtureRequest, site: LiveServer, tmp_path: Path, width: int
) -> Iterator[Browser]:
    """A fresh Chromium on ``site`` at ``width``; at the end, no console errors, then quit."""
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail(
            f"the browser tests need {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)"
        )
    driver = _driver(tmp_path / "profile", width)
    browser = Browser(driver, site.url, request.node.name.removeprefix("test_"), width)
    browser.emulate(width, 900)
    try:
        yield browser
        assert browser.console_errors() == []
    finally:
        driver.quit()


@pytest.fixture
def browser(request: pytest.FixtureRequest, site: LiveServer, tmp_path: Path) -> Iterator[Browser]:
    yield from browser_session(request, site, tmp_path, 1280)


@pytest.fixture
def phone(request: pytest.FixtureRequest, site: LiveServer, tmp_path: Path) -> Iterator[Browser]:
    yield from browser_session(request, site, tmp_path, 360)
