"""A researcher's journeys through the pages, in a real browser (Chromium) over a live server.

Each journey checks what a user would notice, runs axe-core on every page it visits (no WCAG
2.1 A/AA violations) and saves screenshots; the fixture fails a journey that logged a console
error.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.browser.conftest import Browser

pytestmark = pytest.mark.system


def _params(browser: Browser) -> dict[str, list[str]]:
    return parse_qs(urlparse(browser.driver.current_url).query)


def _assert_accessible(browser: Browser) -> None:
    violations = browser.axe_violations()
    assert violations == [], json.dumps(violations, indent=1)


def test_search_filter_back_page_dataset_and_more_like_this(browser: Browser) -> None:
    browser.open("/?q=breast+cancer")
    first = browser.wait_for_results()
    assert len(first) == 20 and "series match “breast cancer”" in browser.css("#summary").text
    _assert_accessible(browser)
    browser.screenshot("results")

    # a facet is a real link; following it adds a visible chip and a history entry
    facet = browser.css("#facets a[href*='organism=Mus+musculus']")
    facet.click()
    browser.wait(lambda _: _params(browser).get("organism") == ["Mus musculus"])
    filtered = browser.wait_for_results()
    assert "organism: Mus musculus" in browser.css("#chips").text
    assert filtered != first
    browser.screenshot("organism-chip")

    browser.driver.back()
    browser.wait(lambda _: "organism" not in _params(browser))
    assert browser.wait_for_results() == first
    assert browser.css("#chips-box").is_displayed() is False

    browser.css("#next-page").click()
    browser.wait(lambda _: _params(browser).get("page") == ["2"])
    second = browser.wait_for_results()
    assert "Page 2" in browser.css("#page-label").text and not set(second) & set(first)
    browser.screenshot("page-2")

    # a reload of the shared address shows the same page
    browser.driver.refresh()
    assert browser.wait_for_results() == second

    browser.css("#results > li h3 a").click()
    browser.wait(lambda _: "/datasets/" in browser.driver.current_url)
    accession = browser.driver.current_url.rsplit("/", 1)[-1]
    assert accession == second[0]
    browser.visible("#like-results li")
    assert "geofetch -i " + accession in browser.css(".dataset").text
    _assert_accessible(browser)
    browser.screenshot("dataset")

    browser.css(".dataset .actions a[href^='/?like=']").click()
    browser.wait(lambda _: _params(browser).get("like") == [accession])
    like = browser.wait_for_results()
    assert like and accession in browser.css("#examples").text
    browser.wait(lambda _: ":" in browser.css("#example-list a").text)  # the example is named by its title
    browser.screenshot("more-like-this")


def test_query_words_become_removable_chips(browser: Browser) -> None:
    browser.open("/?q=kidney+fibrosis+mouse")
    narrowed = browser.wait_for_results()
    chip = browser.css("#chips .from-words a")
    assert "“mouse” → organism: Mus musculus" in chip.text
    assert "organism GEO does not record" in browser.css("#notes").text
    _assert_accessible(browser)
    browser.screenshot("mouse-chip")
    chip.click()
    browser.wait(lambda _: _params(browser).get("q") == ["kidney fibrosis"])
    widened = browser.wait_for_results()
    assert len(widened) > len(narrowed) and not browser.all("#chips .from-words")
    browser.screenshot("without-mouse")


def test_several_results_as_examples_and_an_accession_not_in_the_corpus(browser: Browser) -> None:
    browser.open("/?q=rheumatoid+arthritis+synovium")
    picked = browser.wait_for_results()[:2]
    for accession in picked:
        browser.css(f"#pick-{accession}").click()
    assert "2 selected" in browser.css("#selection").text
    browser.css("#search-selected").click()
    browser.wait(lambda _: _params(browser).get("like") == picked)
    browser.wait_for_results()
    for accession in picked:
        assert accession in browser.css("#examples").text
    browser.screenshot("examples")

    browser.open("/?q=GSE999999999")
    browser.wait_for_results()
    notes = browser.visible("#notes a[href*='acc=GSE999999999']")
    assert "not in this corpus" in browser.css("#notes").text and notes.text.endswith("on GEO")
    browser.screenshot("unknown-accession")


def test_sign_in_create_an_api_key_and_revoke_it(browser: Browser) -> None:
    browser.open("/account")
    browser.visible("#login-form")
    _assert_accessible(browser)
    browser.css("#username").send_keys("reader")
    browser.css("#password").send_keys("wrong password")
    browser.expect_failure("/api/v2/auth/login")
    browser.css("#login-form button[type=submit]").click()
    browser.wait(lambda _: "Wrong user name or password" in browser.css("#message").text)
    browser.sign_in("reader")
    assert "Signed in as reader" in browser.css("#who").text
    browser.css("#key-name").send_keys("notebook")
    browser.css("#key-form button[type=submit]").click()
    key = browser.visible("#new-key-value").text
    assert key and browser.wait(lambda _: "notebook" in browser.css("#keys-table").text)
    me = requests.get(browser.base_url + "/api/v2/auth/me", headers={"X-API-Key": key}, timeout=10)
    assert me.json()["subject"] == "reader" and me.json()["method"] == "api_key"
    _assert_accessible(browser)
    browser.screenshot("key-created")

    browser.css("#keys-table .revoke").click()
    browser.wait(lambda _: "revoked" in browser.css("#message").text)
    assert "notebook" not in browser.css("#keys-table").text
    refused = requests.get(browser.base_url + "/api/v2/auth/me", headers={"X-API-Key": key}, timeout=10)
    assert refused.status_code == 401
    browser.screenshot("key-revoked")

    browser.css("#sign-out").click()
    browser.wait(lambda _: browser.css("#nav-account").text == "Sign in")


def test_shortlist_from_results_then_export(browser: Browser) -> None:
    browser.sign_in("keeper")
    browser.css("#shortlist-name").send_keys("synovium sets")
    browser.css("#shortlist-form button[type=submit]").click()
    browser.wait(lambda _: "synovium sets" in browser.css("#shortlists").text)

    browser.open("/?q=rheumatoid+arthritis+synovium")
    picked = browser.wait_for_results()[:2]
    for accession in picked:
        browser.css(f"#pick-{accession}").click()
    browser.visible("#selection .shortlist-tools")
    browser.css("#add-selected").click()
    browser.wait(lambda _: "2 added to “synovium sets”" in browser.css("#selection").text)
    browser.screenshot("added")

    browser.open("/account")
    browser.wait(lambda _: all(a in browser.css("#shortlists .shortlist").text for a in picked))
    csv_link = browser.css("#shortlists .shortlist a[href$='format=csv']").get_attribute("href")
    exported = browser.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];fetch(arguments[0]).then((r) => r.text()).then(done);",
        csv_link,
    )
    lines = exported.splitlines()
    assert lines[0].startswith("accession,title,") and [line.split(",")[0] for line in lines[1:]] == picked
    _assert_accessible(browser)
    browser.screenshot("shortlist")


def test_admin_dashboard_renders_with_data(browser: Browser) -> None:
    for query in ("asthma airway", "asthma airway", "lung fibrosis"):  # a miss, then a cache hit
        browser.open("/?q=" + query.replace(" ", "+"))
        browser.wait_for_results()
    browser.sign_in("boss")
    browser.wait(lambda _: browser.css("#nav-admin").is_displayed())
    browser.css("#nav-admin").click()
    browser.wait(lambda _: browser.driver.execute_script("return document.body.dataset.loaded") == "true")
    tiers = browser.css("#tiers-table tbody").text
    assert "L1" in tiers and "L2" in tiers and "L3" in tiers
    assert "asthma airway" in browser.css("#hottest").text
    assert "searches looked up" in browser.css("#cache-overall").text
    assert browser.all("#audit-table tbody tr") and "login" in browser.css("#audit-table").text
    assert browser.driver.execute_script("return Chart.getChart('hit-chart').data.labels.length") >= 1
    _assert_accessible(browser)
    browser.screenshot("dashboard")

    browser.css("#audit-action").send_keys("login")
    browser.css("#audit-outcome").send_keys("success")
    browser.css("#audit-form button[type=submit]").click()
    browser.wait(
        lambda _: all(
            row.find_elements("css selector", "td")[3].text == "login"
            for row in browser.all("#audit-table tbody tr")
        )
    )
    browser.screenshot("audit-filtered")


def test_every_page_fits_a_phone_and_shows_results_before_facets(phone: Browser) -> None:
    phone.open("/?q=breast+cancer+RNA-seq")
    phone.wait_for_results()
    phone.css("#more-options summary").click()
    assert phone.horizontal_overflow() == 0
    results_top = phone.css("#results").location["y"]
    assert results_top < phone.css("#facets").location["y"]
    _assert_accessible(phone)
    phone.screenshot("search")
    accession = phone.results()[0]
    for path in (f"/datasets/{accession}", "/datasets/GSE999999999", "/account", "/admin"):
        phone.open(path)
        phone.visible("footer")
        assert phone.horizontal_overflow() == 0, path
        _assert_accessible(phone)
        phone.screenshot(path.strip("/").replace("/", "-"))
