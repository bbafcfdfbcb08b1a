"""The pages: a series' own page, the page for a series not in the corpus, account and admin."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_a_dataset_page_shows_the_record_links_and_download_commands(client: FlaskClient) -> None:
    response = client.get("/datasets/gse53")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Human mammary epithelium and breast cancer" in html
    assert "GPL170 (name not recorded here)" in html
    assert 'href="/?like=GSE53"' in html  # more like this
    assert "https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc=GSE53" in html
    assert "GEOparse.get_GEO(geo=&#39;GSE53&#39;" in html and "geofetch -i GSE53" in html
    assert "https://ftp.ncbi.nlm.nih.gov/geo/series/GSEnnn/GSE53/suppl/" in html
    named = client.get("/datasets/GSE150254").get_data(as_text=True)
    assert "pysradb gse-to-srp GSE150254" in named  # sequencing data: SRA tools too


def test_a_series_not_in_the_corpus_is_explained_with_a_link_to_geo(client: FlaskClient) -> None:
    response = client.get("/datasets/GSE999999999")
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "GSE999999999 is not in this corpus" in html
    assert 'href="https://www.ncbi.nlm.nih.gov/geo/query/acc.cgi?acc=GSE999999999"' in html
    not_series = client.get("/datasets/<script>")
    assert not_series.status_code == 404 and "<script>" not in not_series.get_data(as_text=True)


def test_account_and_admin_pages_are_served_with_their_scripts(client: FlaskClient) -> None:
    for path, script in (("/account", "account.js"), ("/admin", "admin.js")):
        response = client.get(path)
        assert response.status_code == 200 and script in response.get_data(as_text=True)
    chart = client.get("/static/page/vendor/chartjs/chart.umd.min.js")
    assert chart.status_code == 200 and b"Chart" in chart.data
    assert client.get("/static/page/vendor/chartjs/LICENSE.md").status_code == 200
